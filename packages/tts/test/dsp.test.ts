import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "@riff/core";
import {
  RealFft,
  Stft,
  magnitude,
  slaneyMelFilterbank,
  applyFilterbank,
  pseudoInverse,
  melToLinear,
  griffinLim,
  hzToMel,
  melToHz,
} from "@riff/tts";

const SR = 22050;

function sine(freq: number, seconds: number, amplitude = 0.5): Float32Array {
  const n = Math.round(SR * seconds);
  return Float32Array.from({ length: n }, (_, i) => amplitude * Math.sin((2 * Math.PI * freq * i) / SR));
}

/** The frequency (Hz) of the strongest bin, averaged over the middle frames. */
function dominantFrequency(signal: Float32Array, stft: Stft): number {
  const spec = stft.forward(signal);
  const mag = magnitude(spec);
  const total = new Float64Array(spec.bins);
  for (let t = 2; t < spec.frames - 2; t++) for (let k = 0; k < spec.bins; k++) total[k]! += mag[t * spec.bins + k]!;
  let best = 0;
  for (let k = 1; k < spec.bins; k++) if (total[k]! > total[best]!) best = k;
  return (best * SR) / stft.nFft;
}

test("real FFT matches a direct DFT and inverts", () => {
  const n = 16;
  const fft = new RealFft(n);
  const x = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 0.7) + 0.25 * Math.cos(i * 2.1) + (i % 3));
  const re = new Float32Array(fft.bins);
  const im = new Float32Array(fft.bins);
  fft.forward(x, re, im);
  for (let k = 0; k < fft.bins; k++) {
    let r = 0;
    let m = 0;
    for (let j = 0; j < n; j++) {
      r += x[j]! * Math.cos((2 * Math.PI * k * j) / n);
      m -= x[j]! * Math.sin((2 * Math.PI * k * j) / n);
    }
    assert.ok(Math.abs(re[k]! - r) < 1e-4 && Math.abs(im[k]! - m) < 1e-4, `bin ${k}`);
  }
  const back = new Float64Array(n);
  fft.inverse(re, im, back);
  for (let j = 0; j < n; j++) assert.ok(Math.abs(back[j]! - x[j]!) < 1e-5);
  assert.throws(() => new RealFft(12), RangeError);
});

test("paired inverse FFT equals two single ones", () => {
  const n = 64;
  const fft = new RealFft(n);
  const rng = new Rng(4);
  const re = Float32Array.from({ length: 2 * fft.bins }, () => rng.normal());
  const im = Float32Array.from({ length: 2 * fft.bins }, () => rng.normal());
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  fft.inversePair(re, im, 0, fft.bins, a, b);
  const a1 = new Float64Array(n);
  const b1 = new Float64Array(n);
  fft.inverse(re, im, a1, 0);
  fft.inverse(re, im, b1, fft.bins);
  for (let i = 0; i < n; i++) {
    assert.ok(Math.abs(a[i]! - a1[i]!) < 1e-9 && Math.abs(b[i]! - b1[i]!) < 1e-9, `sample ${i}`);
  }
});

test("STFT → ISTFT round trip reproduces the signal", () => {
  const stft = new Stft({ nFft: 1024, hop: 256 });
  const rng = new Rng(3);
  const x = Float32Array.from({ length: 5000 }, () => rng.normal() * 0.3);
  const spec = stft.forward(x);
  assert.equal(spec.frames, 1 + Math.floor(5000 / 256));
  assert.equal(spec.bins, 513);
  const y = stft.inverse(spec, x.length);
  let err = 0;
  for (let i = 0; i < x.length; i++) err = Math.max(err, Math.abs(y[i]! - x[i]!));
  assert.ok(err < 1e-4, `max error ${err}`);
});

test("a sine's STFT peaks at its frequency", () => {
  const stft = new Stft({ nFft: 1024, hop: 256 });
  const f = dominantFrequency(sine(440, 0.3), stft);
  assert.ok(Math.abs(f - 440) <= SR / 1024, `peak at ${f} Hz`);
});

test("Slaney mel scale and filterbank", () => {
  assert.ok(Math.abs(hzToMel(1000) - 15) < 1e-9);
  assert.ok(Math.abs(melToHz(hzToMel(4321)) - 4321) < 1e-6);
  const fb = slaneyMelFilterbank({ sampleRate: SR, nFft: 1024, nMels: 80, fmin: 0, fmax: 8000 });
  assert.equal(fb.weights.length, 80 * 513);
  // Every filter has weight; nothing above fmax.
  for (let m = 0; m < 80; m++) {
    let sum = 0;
    for (let k = 0; k < 513; k++) sum += fb.weights[m * 513 + k]!;
    assert.ok(sum > 0, `filter ${m} empty`);
  }
  const top = Math.ceil((8000 * 1024) / SR) + 1;
  for (let k = top; k < 513; k++) for (let m = 0; m < 80; m++) assert.equal(fb.weights[m * 513 + k], 0);
});

test("the pseudo-inverse satisfies W · W⁺ · W = W", () => {
  const fb = slaneyMelFilterbank({ sampleRate: SR, nFft: 256, nMels: 20, fmin: 0, fmax: 8000 });
  const pinv = pseudoInverse(fb);
  const { nMels: m, nFreqs: n, weights: w } = fb;
  // (W W⁺) is m×m; should be the identity for a full-row-rank W.
  let worst = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      let acc = 0;
      for (let k = 0; k < n; k++) acc += w[i * n + k]! * pinv[k * m + j]!;
      worst = Math.max(worst, Math.abs(acc - (i === j ? 1 : 0)));
    }
  }
  assert.ok(worst < 1e-3, `W·W⁺ differs from I by ${worst}`);
});

test("Griffin–Lim from a magnitude keeps a sine's frequency", () => {
  const stft = new Stft({ nFft: 512, hop: 128 });
  const x = sine(660, 0.25);
  const spec = stft.forward(x);
  const y = griffinLim(stft, magnitude(spec), spec.frames, { iterations: 16, rng: new Rng(1) });
  assert.equal(y.length, (spec.frames - 1) * 128);
  const f = dominantFrequency(y, stft);
  assert.ok(Math.abs(f - 660) <= SR / 512, `peak at ${f} Hz`);
  let peak = 0;
  for (const v of y) peak = Math.max(peak, Math.abs(v));
  assert.ok(peak > 0.2 && peak < 1, `peak amplitude ${peak}`);
});

test("sine → mel → pseudo-inverse → Griffin–Lim keeps the dominant frequency", () => {
  const stft = new Stft({ nFft: 1024, hop: 256 });
  const fb = slaneyMelFilterbank({ sampleRate: SR, nFft: 1024, nMels: 80, fmin: 0, fmax: 8000 });
  const x = sine(440, 0.3);
  const spec = stft.forward(x);
  const mel = applyFilterbank(fb, magnitude(spec), spec.frames);
  const linear = melToLinear(fb, pseudoInverse(fb), mel, spec.frames);
  const y = griffinLim(stft, linear, spec.frames, { iterations: 12, rng: new Rng(2) });
  const f = dominantFrequency(y, stft);
  assert.ok(Math.abs(f - 440) <= 50, `peak at ${f} Hz`);
});

test("Griffin–Lim is deterministic for a seed", () => {
  const stft = new Stft({ nFft: 256, hop: 64 });
  const spec = stft.forward(sine(1000, 0.05));
  const mag = magnitude(spec);
  const a = griffinLim(stft, mag, spec.frames, { iterations: 4, rng: new Rng(9) });
  const b = griffinLim(stft, mag, spec.frames, { iterations: 4, rng: new Rng(9) });
  assert.deepEqual(a, b);
});
