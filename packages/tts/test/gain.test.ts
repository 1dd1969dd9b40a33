import { test } from "node:test";
import assert from "node:assert/strict";
import { LoudnessControl, activeLevelDb, activeRms, framePowers, gainToTarget, rms, toInt16 } from "@riff/tts";

const tone = (amplitude: number, n = 2000): Float32Array => Float32Array.from({ length: n }, (_, i) => amplitude * Math.sin(i * 0.05));
const powersOf = (samples: Float32Array): Float64Array => framePowers(samples, 8000);

test("each sentence is brought to the target from its frame powers, given before its samples", () => {
  const control = new LoudnessControl({ targetRms: 0.1 });
  assert.equal(control.gain, undefined);
  const quiet = tone(0.01, 8000);
  const loud = tone(0.02, 8000);
  control.startSentence({ framePowers: powersOf(quiet) });
  const a = control.apply(quiet);
  control.startSentence({ framePowers: powersOf(loud) });
  const b = control.apply(loud);
  assert.ok(Math.abs(rms(a) - 0.1) < 2e-3 && Math.abs(rms(b) - 0.1) < 2e-3, `${rms(a)}, ${rms(b)}`);
  assert.ok(Math.abs(control.gain! - 0.1 / rms(loud)) < 0.05 * control.gain!);
});

test("active loudness counts only frames above −50 dBFS after the gain", () => {
  // 0.1 s of a tone, then 0.9 s of near-silence: the silence does not pull the level down.
  const samples = new Float32Array(8000);
  samples.set(tone(0.1, 800));
  for (let i = 800; i < 8000; i++) samples[i] = 1e-4 * Math.sin(i);
  assert.ok(Math.abs(activeLevelDb(samples, 8000)! - 20 * Math.log10(0.1 / Math.SQRT2)) < 0.2);
  assert.equal(activeRms(powersOf(new Float32Array(800))), undefined);
  const gain = gainToTarget(powersOf(samples), 0.1)!;
  assert.ok(Math.abs(activeRms(powersOf(samples), gain)! * gain - 0.1) < 1e-3);
});

test("silence keeps the gain before it (or the fallback); a known peak caps the gain; other peaks are soft-limited", () => {
  const control = new LoudnessControl({ targetRms: 0.5 }, 3);
  assert.equal(control.startSentence({ framePowers: [0, 0] }), 3);
  assert.equal(control.gain, undefined);
  // 0.5 / (0.1/√2) ≈ 7.07, but 7.07 · 0.2 would pass the knee (0.9): capped at 4.5.
  assert.ok(Math.abs(control.startSentence({ framePowers: powersOf(tone(0.1)), peak: 0.2 }) - 4.5) < 1e-9);
  assert.equal(control.limited, 0);
  const out = control.apply(Float32Array.from([0.001, 0.3, -0.3, 0.01]));
  assert.ok(out.every((v) => Math.abs(v) < 1));
  assert.ok(control.limited > 0);
  const pcm = toInt16(Float32Array.from([1.5, -1.5, 0.5, Number.NaN]));
  assert.deepEqual(Array.from(pcm), [32767, -32768, 16384, 0]);
});

test("a fixed gain is used as given", () => {
  const control = new LoudnessControl({ fixedGain: 2 });
  assert.equal(control.startSentence({ framePowers: powersOf(tone(0.3)) }), 2);
  assert.deepEqual(Array.from(control.apply(Float32Array.from([0.1, -0.2]))), [Math.fround(0.2), Math.fround(-0.4)]);
  assert.throws(() => new LoudnessControl({ fixedGain: 0 }), RangeError);
});
