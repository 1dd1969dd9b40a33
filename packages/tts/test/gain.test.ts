import { test } from "node:test";
import assert from "node:assert/strict";
import { LoudnessControl, rms, toInt16 } from "@riff/tts";

const tone = (amplitude: number, n = 2000): Float32Array =>
  Float32Array.from({ length: n }, (_, i) => amplitude * Math.sin(i * 0.05));

test("one gain for the whole stream: relative loudness between chunks is kept", () => {
  const control = new LoudnessControl({ targetRms: 0.1 });
  const quiet = control.apply(tone(0.01));
  const loud = control.apply(tone(0.02));
  assert.ok(Math.abs(rms(quiet) - 0.1) < 1e-3, `first chunk at the target, got ${rms(quiet)}`);
  assert.ok(Math.abs(rms(loud) / rms(quiet) - 2) < 1e-3, "second chunk twice as loud, as the model made it");
  assert.equal(control.gain, 0.1 / rms(tone(0.01)));
});

test("silence does not fix the gain; peaks are soft-limited, never wrapped", () => {
  const control = new LoudnessControl({ targetRms: 0.95 });
  control.apply(new Float32Array(100));
  assert.equal(control.gain, undefined);
  const out = control.apply(Float32Array.from([0.001, 0.5, -0.5, 0.01]));
  assert.ok(out.every((v) => Math.abs(v) < 1));
  assert.ok(control.limited > 0);
  const pcm = toInt16(Float32Array.from([1.5, -1.5, 0.5, Number.NaN]));
  assert.deepEqual(Array.from(pcm), [32767, -32768, 16384, 0]);
});

test("a fixed gain is used as given", () => {
  const control = new LoudnessControl({ fixedGain: 2 });
  assert.deepEqual(Array.from(control.apply(Float32Array.from([0.1, -0.2]))), [Math.fround(0.2), Math.fround(-0.4)]);
  assert.throws(() => new LoudnessControl({ fixedGain: 0 }), RangeError);
});
