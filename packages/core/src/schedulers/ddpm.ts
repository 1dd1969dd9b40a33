import type { Rng } from "../rng.js";
import { BaseScheduler } from "./base.js";
import { COMMON_DEFAULTS, checkChoice, rejectUnsupported, resolveConfig } from "./config.js";
import { clipInPlace, combine, vpConversion } from "./prediction.js";
import type { SchedulerConfig, SchedulerStepOutput } from "./scheduler.js";
import { spacedTimesteps } from "./spacing.js";

export type DDPMVarianceType = "fixed_small" | "fixed_small_log" | "fixed_large";

/**
 * DDPM ancestral sampling (Ho et al. 2020, "Denoising Diffusion Probabilistic Models"), as
 * diffusers' DDPMScheduler: x_{t−1} ~ q(x_{t−1} | x_t, x̂0), with the posterior of eq. 6–7 taken
 * between consecutive timesteps of the (possibly strided) schedule.
 */
export class DDPMScheduler extends BaseScheduler {
  /** diffusers' __init__ defaults: a key missing from a config takes these. */
  static readonly defaults: Readonly<Record<string, unknown>> = {
    ...COMMON_DEFAULTS,
    variance_type: "fixed_small",
    clip_sample: true,
    timestep_spacing: "leading",
    thresholding: false,
  };
  readonly className = "DDPMScheduler" as const;
  readonly varianceType: DDPMVarianceType;

  constructor(config: Record<string, unknown> = {}) {
    const resolved: SchedulerConfig = resolveConfig(DDPMScheduler.defaults, config);
    super(resolved);
    rejectUnsupported(resolved, "thresholding", "dynamic thresholding needs per-image quantiles, and riff's samples are flat");
    this.varianceType = checkChoice("variance_type", resolved.variance_type, ["fixed_small", "fixed_small_log", "fixed_large"]);
  }

  protected computeTimesteps(n: number): Float64Array {
    const c = this.config;
    return spacedTimesteps(c.timestep_spacing, n, c.num_train_timesteps, c.steps_offset, "integer");
  }

  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, rng: Rng): SchedulerStepOutput {
    const index = this.locate(timestep, "step");
    this.checkSameLength("modelOutput", modelOutput, sample);
    const schedule = this.timesteps;
    const prevT = index === schedule.length - 1 ? -1 : schedule[index + 1]!;
    const abar = this.alphasCumprod[timestep]!;
    const abarPrev = prevT >= 0 ? this.alphasCumprod[prevT]! : 1;
    const betaProd = 1 - abar;
    const betaProdPrev = 1 - abarPrev;
    const alphaT = abar / abarPrev; // α_t over the stride
    const betaT = 1 - alphaT;

    // x̂0 from the model output (eq. 15 for ε), optionally clipped.
    const x0 = combine(new Float32Array(sample.length), vpConversion(this.config.prediction_type, abar).x0, sample, modelOutput);
    if (this.config.clip_sample) clipInPlace(x0, this.config.clip_sample_range);

    // Posterior mean, eq. 7: μ̃_t = √ᾱ_{t−1}·β_t/(1−ᾱ_t)·x0 + √α_t·(1−ᾱ_{t−1})/(1−ᾱ_t)·x_t.
    const cx0 = (Math.sqrt(abarPrev) * betaT) / betaProd;
    const cxt = (Math.sqrt(alphaT) * betaProdPrev) / betaProd;

    // Variance, §3.2: σ_t² = β̃_t = (1−ᾱ_{t−1})/(1−ᾱ_t)·β_t (fixed_small) or β_t (fixed_large); no noise at t = 0.
    let std = 0;
    if (timestep > 0) {
      std = this.varianceType === "fixed_large" ? Math.sqrt(betaT) : Math.sqrt(Math.max((betaProdPrev / betaProd) * betaT, 1e-20));
    }
    const prev = new Float32Array(sample.length);
    for (let i = 0; i < prev.length; i++) {
      const mean = cx0 * x0[i]! + cxt * sample[i]!;
      prev[i] = std > 0 ? mean + std * rng.normal() : mean;
    }
    this.stepIndex = index + 1;
    return { prevSample: prev, predOriginalSample: x0 };
  }
}
