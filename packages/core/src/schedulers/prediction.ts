import type { PredictionType } from "./scheduler.js";

/** out = a·x + b·y, elementwise, as a linear combination of the sample and the model output. */
export interface Linear {
  readonly a: number;
  readonly b: number;
}

/**
 * x0 and ε as linear combinations of (x_t, model output) in the variance-preserving form
 * x_t = √ᾱ·x0 + √(1−ᾱ)·ε:
 * - epsilon: x0 = (x_t − √(1−ᾱ)·ε̂)/√ᾱ (Ho et al. 2020, eq. 15);
 * - sample:  x0 = x̂0, ε = (x_t − √ᾱ·x0)/√(1−ᾱ);
 * - v_prediction, v = √ᾱ·ε − √(1−ᾱ)·x0 (Salimans & Ho 2022, §4): x0 = √ᾱ·x_t − √(1−ᾱ)·v,
 *   ε = √(1−ᾱ)·x_t + √ᾱ·v.
 */
export function vpConversion(prediction: PredictionType, alphaProd: number): { x0: Linear; eps: Linear } {
  const sa = Math.sqrt(alphaProd);
  const sb = Math.sqrt(1 - alphaProd);
  switch (prediction) {
    case "epsilon":
      return { x0: { a: 1 / sa, b: -sb / sa }, eps: { a: 0, b: 1 } };
    case "sample":
      return { x0: { a: 0, b: 1 }, eps: { a: 1 / sb, b: -sa / sb } };
    case "v_prediction":
      return { x0: { a: sa, b: -sb }, eps: { a: sb, b: sa } };
  }
}

/**
 * x0 as a linear combination of (x, model output) in the variance-exploding form x = x0 + σ·ε used
 * by the Euler schedulers (the model is fed x/√(σ²+1)); Karras et al. 2022, Table 1 preconditioning:
 * - epsilon: x0 = x − σ·ε̂;
 * - v_prediction: x0 = x/(σ²+1) − σ/√(σ²+1)·v  (c_skip = 1/(σ²+1), c_out = −σ/√(σ²+1));
 * - sample: x0 = x̂0.
 */
export function veToX0(prediction: PredictionType, sigma: number): Linear {
  switch (prediction) {
    case "epsilon":
      return { a: 1, b: -sigma };
    case "sample":
      return { a: 0, b: 1 };
    case "v_prediction":
      return { a: 1 / (sigma * sigma + 1), b: -sigma / Math.sqrt(sigma * sigma + 1) };
  }
}

/** Fills `out` with a·x + b·y and returns it. */
export function combine(out: Float32Array, c: Linear, x: Float32Array, y: Float32Array): Float32Array {
  const { a, b } = c;
  for (let i = 0; i < out.length; i++) out[i] = a * x[i]! + b * y[i]!;
  return out;
}

/** Clamps `values` in place to [−range, range] (diffusers' clip_sample). */
export function clipInPlace(values: Float32Array, range: number): Float32Array {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v > range) values[i] = range;
    else if (v < -range) values[i] = -range;
  }
  return values;
}
