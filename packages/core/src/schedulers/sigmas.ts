import { linspace } from "./numeric.js";

/**
 * σ_t = √((1 − ᾱ_t) / ᾱ_t) for every training timestep (ascending in t): the noise level of the
 * variance-exploding view x = x0 + σ·ε of a sample x_t = √ᾱ·x0 + √(1−ᾱ)·ε (divided by √ᾱ).
 */
export function trainSigmas(alphasCumprod: ArrayLike<number>): Float64Array {
  const out = new Float64Array(alphasCumprod.length);
  for (let i = 0; i < out.length; i++) {
    const a = alphasCumprod[i]!;
    out[i] = Math.sqrt((1 - a) / a);
  }
  return out;
}

/**
 * Karras et al. 2022, eq. 5: σ_i = (σ_max^(1/ρ) + i/(n−1) · (σ_min^(1/ρ) − σ_max^(1/ρ)))^ρ, i = 0…n−1,
 * with ρ = 7 (the paper's value); descending from σ_max to σ_min.
 */
export function karrasSigmas(sigmaMin: number, sigmaMax: number, n: number, rho = 7): Float64Array {
  const ramp = linspace(0, 1, n);
  const minInv = sigmaMin ** (1 / rho);
  const maxInv = sigmaMax ** (1 / rho);
  return ramp.map((r) => (maxInv + r * (minInv - maxInv)) ** rho);
}

/**
 * The fractional training timestep whose σ is `sigma`: linear interpolation in log σ between the
 * two neighbouring training sigmas, clamped to [0, N−1] (diffusers' _sigma_to_t, k-diffusion's
 * sigma_to_t). `logSigmas` is log σ_t ascending in t.
 */
export function sigmaToT(sigma: number, logSigmas: ArrayLike<number>): number {
  const logSigma = Math.log(Math.max(sigma, 1e-10));
  const n = logSigmas.length;
  // Last index whose log σ is ≤ log sigma (0 if none), at most n − 2.
  let low = 0;
  for (let i = 0; i < n; i++) if (logSigma - logSigmas[i]! >= 0) low = i;
  low = Math.min(low, n - 2);
  const high = low + 1;
  const lo = logSigmas[low]!;
  const hi = logSigmas[high]!;
  let w = (lo - logSigma) / (lo - hi);
  w = Math.min(1, Math.max(0, w));
  return (1 - w) * low + w * high;
}
