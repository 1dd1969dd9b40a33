import type { Rng } from "@riff/core";
import { Stft } from "./stft.js";

export interface GriffinLimOptions {
  /** Iterations (default 60). */
  readonly iterations?: number;
  /**
   * Fast Griffin–Lim momentum α: each new phase estimate is rebuilt − α·previous rebuilt
   * (Perraudin et al. 2013; default 0.99). 0 gives the classic algorithm.
   */
  readonly momentum?: number;
  /** Random initial phases from this generator; without one, phases start at 0. */
  readonly rng?: Rng;
  /** Output length in samples (default (frames − 1)·hop). */
  readonly length?: number;
}

/**
 * Griffin–Lim: a waveform whose STFT magnitude approximates `magnitude` (frame-major,
 * frames × bins). Alternates ISTFT with the current phases and STFT of the result, keeping the
 * new phases and the given magnitudes.
 */
export function griffinLim(stft: Stft, magnitude: Float32Array, frames: number, options: GriffinLimOptions = {}): Float32Array {
  const { iterations = 60, momentum = 0.99, rng } = options;
  const bins = stft.bins;
  if (magnitude.length !== frames * bins) throw new RangeError(`expected ${frames}×${bins} magnitudes, got ${magnitude.length}`);
  const length = options.length ?? Math.max(0, (frames - 1) * stft.hop);
  const size = frames * bins;
  // Unit phasors of the current estimate.
  const cos = new Float32Array(size);
  const sin = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    if (rng) {
      const angle = 2 * Math.PI * rng.uniform();
      cos[i] = Math.cos(angle);
      sin[i] = Math.sin(angle);
    } else {
      cos[i] = 1;
    }
  }
  const re = new Float32Array(size);
  const im = new Float32Array(size);
  const prevRe = new Float32Array(size);
  const prevIm = new Float32Array(size);
  const compose = (): void => {
    for (let i = 0; i < size; i++) {
      re[i] = magnitude[i]! * cos[i]!;
      im[i] = magnitude[i]! * sin[i]!;
    }
  };
  for (let iter = 0; iter < iterations; iter++) {
    compose();
    const signal = stft.inverse({ frames, bins, re, im }, length);
    const rebuilt = stft.forward(signal);
    const n = Math.min(rebuilt.frames, frames) * bins;
    for (let i = 0; i < size; i++) {
      const r = i < n ? rebuilt.re[i]! : 0;
      const m = i < n ? rebuilt.im[i]! : 0;
      const ar = r - momentum * prevRe[i]!;
      const ai = m - momentum * prevIm[i]!;
      prevRe[i] = r;
      prevIm[i] = m;
      const norm = Math.sqrt(ar * ar + ai * ai) + 1e-8;
      cos[i] = ar / norm;
      sin[i] = ai / norm;
    }
  }
  compose();
  return stft.inverse({ frames, bins, re, im }, length);
}
