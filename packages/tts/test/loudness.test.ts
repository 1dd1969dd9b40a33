// The embedded voice's loudness: one calibrated gain for every stream, whatever the text opens
// with and at any speed, so quiet openings are not blown up into clipping.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { loadVoice, speak, rms, type SpeechChunk, type SpeakSummary } from "@riff/tts";

const folder = fileURLToPath(new URL("../../../models/slt-voice", import.meta.url));
const voice = await loadVoice(folder);
after(async () => voice.dispose());

async function run(text: string, speed: number): Promise<{ chunks: SpeechChunk[]; summary: SpeakSummary }> {
  const chunks: SpeechChunk[] = [];
  const stream = speak(text, { voice, speed, sentenceSilence: 0 });
  for (let next = await stream.next(); ; next = await stream.next()) {
    if (next.done) return { chunks, summary: next.value };
    chunks.push(next.value);
  }
}

/** RMS of the 20 ms frames with sound, in dBFS. */
function activeDb(chunks: readonly SpeechChunk[]): number {
  const levels: number[] = [];
  for (const chunk of chunks) for (let i = 0; i + 441 <= chunk.audio.length; i += 441) levels.push(rms(chunk.audio.subarray(i, i + 441)));
  const active = levels.filter((level) => level > 0.005);
  return 20 * Math.log10(Math.sqrt(active.reduce((sum, level) => sum + level * level, 0) / active.length));
}

const clipped = (chunks: readonly SpeechChunk[]): number =>
  chunks.reduce((n, chunk) => n + chunk.pcm.filter((v) => v >= 32767 || v <= -32767).length, 0);

test("the voice has a calibrated gain", () => {
  assert.ok(voice.outputGain !== undefined && voice.outputGain > 0.5 && voice.outputGain < 10, `outputGain ${voice.outputGain}`);
});

for (const speed of [0.5, 1, 2]) {
  test(`quiet openings at speed ${speed}: the calibrated gain, no clipped or limited samples, speech level`, async () => {
    for (const text of ["She lives on the fifth floor of the old building.", "Shh, the baby is sleeping."]) {
      const { chunks, summary } = await run(text, speed);
      assert.equal(summary.gain, voice.outputGain, `${text}: gain ${summary.gain}`);
      assert.equal(clipped(chunks), 0, `${text} at ${speed}: clipped samples`);
      assert.equal(summary.limitedSamples, 0, `${text} at ${speed}: limited samples`);
      const db = activeDb(chunks);
      assert.ok(db > -26 && db < -15, `${text} at ${speed}: active level ${db.toFixed(2)} dBFS`);
    }
  });
}

test("a sentence is as loud after a quiet opening as after a loud one (within 1 dB)", async () => {
  // The second sentence's samples do not depend on the first (one noise stream per sentence), so
  // only the stream's gain could make them differ.
  for (const speed of [0.5, 2]) {
    const quiet = await run("Shh. The dog ran home.", speed);
    const loud = await run("Hello! The dog ran home.", speed);
    const second = (r: { chunks: SpeechChunk[] }): SpeechChunk[] => r.chunks.filter((c) => c.index === 1);
    const difference = activeDb(second(quiet)) - activeDb(second(loud));
    assert.ok(Math.abs(difference) < 1, `speed ${speed}: ${difference.toFixed(2)} dB apart`);
  }
});
