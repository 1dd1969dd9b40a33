// planSpeech: the whole text planned before any sample — each sentence encoded once, the total
// length known for the default voice (pauses, SSML breaks and rates included) — and speakPlanned
// giving speak()'s very chunks. What lets riff serve stream the exact bytes `riff speak` writes.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { MAX_PLANNED_CHARS, loadVoice, planSpeech, speak, speakPlanned, wavSpeech, type SpeechChunk, type SpeakSummary, type Voice } from "@riff/tts";

const folder = fileURLToPath(new URL("../../../models/slt-voice", import.meta.url));
const voice = await loadVoice(folder);
after(async () => voice.dispose());

async function drain(stream: AsyncGenerator<SpeechChunk, SpeakSummary>): Promise<{ chunks: SpeechChunk[]; summary: SpeakSummary }> {
  const chunks: SpeechChunk[] = [];
  for (let next = await stream.next(); ; next = await stream.next()) {
    if (next.done) return { chunks, summary: next.value };
    chunks.push(next.value);
  }
}

const SSML =
  '<speak>Shh. <break time="300ms"/>The dog ran <prosody rate="slow">home, then back.</prosody> Hello!<break time="250ms"/></speak>';

for (const [name, text, options] of [
  ["plain text at speed 2", "She lives on the fifth floor. Hello. It is late.", { speed: 2, seed: 4 }],
  ["SSML with breaks, rates and a trailing break", SSML, { ssml: true, speed: 0.5, sentenceSilence: 0.1 }],
] as const) {
  test(`${name}: the planned length is the spoken one, and the chunks are speak()'s`, async () => {
    const plan = await planSpeech(text, { voice, ...options });
    const planned = await drain(speakPlanned(plan));
    const direct = await drain(speak(text, { voice, ...options }));
    assert.equal(plan.samples, planned.summary.samples);
    assert.equal(planned.summary.samples, direct.summary.samples);
    assert.deepEqual(planned.chunks.map((c) => c.pcm), direct.chunks.map((c) => c.pcm));
  });
}

test("each sentence is encoded and prepared once; a voice without a first stage has no length before synthesis", async () => {
  const counts = { encode: 0, prepare: 0 };
  const counted: Voice = {
    kind: voice.kind,
    sampleRate: voice.sampleRate,
    speakers: voice.speakers,
    numSpeakers: voice.numSpeakers,
    path: voice.path,
    encode: async (sentence, phonemize) => (counts.encode++, voice.encode(sentence, phonemize)),
    prepare: async (ids, options) => (counts.prepare++, voice.prepare!(ids, options)),
    synthesize: (ids, options) => voice.synthesize(ids, options),
    dispose: async () => {},
    [Symbol.asyncDispose]: async () => {},
  };
  const wav = await wavSpeech("One. Two. Three.", { voice: counted });
  assert.deepEqual(counts, { encode: 3, prepare: 3 }, "planned before the first byte");
  await drain(wav.chunks);
  assert.deepEqual(counts, { encode: 3, prepare: 3 }, "and not again while synthesizing");
  assert.equal(new DataView(wav.header.buffer).getUint32(wav.header.length - 4, true), wav.samples! * 2);
  const { prepare: _, ...whole } = counted;
  const unknown = await wavSpeech("One. Two.", { voice: whole });
  assert.equal(unknown.samples, undefined);
  assert.equal(new DataView(unknown.header.buffer).getUint32(unknown.header.length - 4, true), 0xffffffff);
  await unknown.chunks.return(undefined as never);
  // A text longer than MAX_PLANNED_CHARS starts at once, its length unknown.
  const long = await wavSpeech("One more sentence here. ".repeat(Math.ceil(MAX_PLANNED_CHARS / 24) + 1), { voice: counted });
  assert.equal(long.samples, undefined);
  assert.deepEqual(counts, { encode: 3, prepare: 3 }, "nothing planned");
  await long.chunks.return(undefined as never);
});
