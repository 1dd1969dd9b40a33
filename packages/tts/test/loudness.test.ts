// The embedded voice's loudness: each sentence brought to the same active loudness (loudness.ts:
// RMS over the 20 ms frames above −50 dBFS) before its first sample, whatever it opens with and
// at any speed, with no clipped or limited samples. The voice's calibrated gain alone (what speak()
// used to hold for the whole stream) spreads several dB over the same sentences: the check fails on it.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { concatFloat32 } from "@riff/core";
import { activeLevelDb, loadVoice, speak, type GainOptions, type SpeechChunk, type SpeakSummary } from "@riff/tts";

const folder = fileURLToPath(new URL("../../../models/slt-voice", import.meta.url));
const voice = await loadVoice(folder);
after(async () => voice.dispose());

const SENTENCES = [
  "She lives on the fifth floor of the old building.",
  "Shh, the baby is sleeping.",
  "Hello.",
  "Hello, how are you doing today?",
  "The dog ran home.",
  "Five fat sheep sat in the shade.",
  "Whisper softly, then shout: stop!",
  "Seven silver spoons fell from the shelf.",
  "It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in want of a wife.",
];

/** Each sentence's active loudness (dBFS) when the whole list is spoken as one text. */
async function levels(speed: number, gain?: GainOptions): Promise<{ db: number[]; chunks: SpeechChunk[]; summary: SpeakSummary }> {
  const chunks: SpeechChunk[] = [];
  const stream = speak(SENTENCES.join(" "), { voice, speed, sentenceSilence: 0, ...(gain ? { gain } : {}) });
  for (let next = await stream.next(); ; next = await stream.next()) {
    if (next.done) {
      const db = SENTENCES.map((_, i) => activeLevelDb(concatFloat32(chunks.filter((c) => c.index === i).map((c) => c.audio)), voice.sampleRate)!);
      return { db, chunks, summary: next.value };
    }
    chunks.push(next.value);
  }
}

const spreadOf = (db: number[]): number => Math.max(...db) - Math.min(...db);
const clipped = (chunks: readonly SpeechChunk[]): number => chunks.reduce((n, chunk) => n + chunk.pcm.filter((v) => v >= 32767 || v <= -32767).length, 0);

for (const speed of [0.5, 1, 2]) {
  test(`speed ${speed}: every sentence within 1 dB of the others and near −20 dBFS, none clipped or limited`, async () => {
    const { db, chunks, summary } = await levels(speed);
    assert.equal(summary.sentences, SENTENCES.length);
    const shown = db.map((d) => d.toFixed(2)).join(", ");
    assert.ok(spreadOf(db) < 1, `active levels ${shown} dBFS`);
    for (const d of db) assert.ok(d > -21.5 && d < -18.5, `active levels ${shown} dBFS`);
    assert.equal(clipped(chunks), 0, "clipped samples");
    assert.equal(summary.limitedSamples, 0, "limited samples");
  });
}

test("the check fails on one calibrated gain for the whole stream (how speak() used to hold it)", async () => {
  const { db } = await levels(2, { fixedGain: voice.outputGain! });
  assert.ok(spreadOf(db) > 1, `spread ${spreadOf(db).toFixed(2)} dB`);
});
