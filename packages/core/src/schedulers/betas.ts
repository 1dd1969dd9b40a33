import type { SchedulerConfig } from "./scheduler.js";
import { linspace } from "./numeric.js";

/**
 * Betas that discretize a continuous ᾱ(t): β_i = min(1 − ᾱ((i+1)/N) / ᾱ(i/N), max_beta), with the
 * cosine schedule ᾱ(t) = cos²((t + 0.008) / 1.008 · π/2) of Nichol & Dhariwal 2021, eq. 17
 * (diffusers' betas_for_alpha_bar; max_beta 0.999 avoids the singularity at t = 1).
 */
export function betasForAlphaBar(numTimesteps: number, maxBeta = 0.999): Float64Array {
  const alphaBar = (t: number): number => Math.cos(((t + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
  const betas = new Float64Array(numTimesteps);
  for (let i = 0; i < numTimesteps; i++) {
    betas[i] = Math.min(1 - alphaBar((i + 1) / numTimesteps) / alphaBar(i / numTimesteps), maxBeta);
  }
  return betas;
}

/**
 * Rescales betas to zero terminal SNR (Lin et al. 2024, "Common Diffusion Noise Schedules and
 * Sample Steps are Flawed", Algorithm 1): shift √ᾱ so its last value is 0, scale so the first is kept.
 */
export function rescaleZeroTerminalSnr(betas: Float64Array): Float64Array {
  const n = betas.length;
  const sqrtAbar = alphasCumprod(betas).map(Math.sqrt);
  const first = sqrtAbar[0]!;
  const last = sqrtAbar[n - 1]!;
  for (let i = 0; i < n; i++) sqrtAbar[i] = ((sqrtAbar[i]! - last) * first) / (first - last);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const abar = sqrtAbar[i]! ** 2;
    const prev = i === 0 ? 1 : sqrtAbar[i - 1]! ** 2;
    out[i] = 1 - abar / prev;
  }
  return out;
}

/** The training betas a config describes: trained_betas, or the named beta_schedule (Float64). */
export function makeBetas(config: Readonly<SchedulerConfig>): Float64Array {
  const n = config.num_train_timesteps;
  let betas: Float64Array;
  if (Array.isArray(config.trained_betas)) {
    betas = Float64Array.from(config.trained_betas);
  } else if (config.beta_schedule === "linear") {
    // Ho et al. 2020, §4: β linear from beta_start to beta_end.
    betas = linspace(config.beta_start, config.beta_end, n);
  } else if (config.beta_schedule === "scaled_linear") {
    // Latent diffusion (Rombach et al. 2022): √β linear.
    betas = linspace(Math.sqrt(config.beta_start), Math.sqrt(config.beta_end), n).map((b) => b * b);
  } else {
    betas = betasForAlphaBar(n);
  }
  return config.rescale_betas_zero_snr === true ? rescaleZeroTerminalSnr(betas) : betas;
}

/** ᾱ_t = ∏_{s ≤ t} (1 − β_s) (Ho et al. 2020, §2), accumulated in float64. */
export function alphasCumprod(betas: ArrayLike<number>): Float64Array {
  const out = new Float64Array(betas.length);
  let prod = 1;
  for (let i = 0; i < betas.length; i++) {
    prod *= 1 - betas[i]!;
    out[i] = prod;
  }
  return out;
}
