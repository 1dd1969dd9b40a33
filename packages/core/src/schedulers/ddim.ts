import { checkNumber } from "../errors.js";
import type { Rng } from "../rng.js";
import { BaseScheduler } from "./base.js";
import { COMMON_DEFAULTS, rejectUnsupported, resolveConfig } from "./config.js";
import { clipInPlace, combine, vpConversion } from "./prediction.js";
import type { SchedulerConfig, SchedulerStepOutput, StepOptions } from "./scheduler.js";
import { spacedTimesteps } from "./spacing.js";

export interface DDIMStepOptions extends StepOptions {
  /** Re-derive ε̂ from the clipped x̂0 (GLIDE); only matters with clip_sample. */
  readonly useClippedModelOutput?: boolean;
}

/**
 * DDIM (Song, Meng & Ermon 2021, "Denoising Diffusion Implicit Models"), as diffusers'
 * DDIMScheduler. η = 0 (the default) is deterministic; η = 1 matches DDPM's ancestral variance.
 */
export class DDIMScheduler extends BaseScheduler {
  /** diffusers' __init__ defaults: a key missing from a config takes these. */
  static readonly defaults: Readonly<Record<string, unknown>> = {
    ...COMMON_DEFAULTS,
    clip_sample: true,
    set_alpha_to_one: true,
    timestep_spacing: "leading",
    thresholding: false,
    eta: 0,
  };
  readonly className = "DDIMScheduler" as const;
  /** ᾱ used after the last step: 1 with set_alpha_to_one, else ᾱ_0. */
  readonly finalAlphaCumprod: number;
  /** Default η for step() (config `eta`, a riff extension; diffusers passes it per call). */
  readonly eta: number;

  constructor(config: Record<string, unknown> = {}) {
    const resolved: SchedulerConfig = resolveConfig(DDIMScheduler.defaults, config);
    super(resolved);
    rejectUnsupported(resolved, "thresholding", "dynamic thresholding needs per-image quantiles, and riff's samples are flat");
    this.eta = checkNumber("eta", (resolved.eta ?? 0) as number, { min: 0, max: 1 });
    this.finalAlphaCumprod = resolved.set_alpha_to_one ? 1 : this.alphasCumprod[0]!;
  }

  protected computeTimesteps(n: number): Float64Array {
    const c = this.config;
    return spacedTimesteps(c.timestep_spacing, n, c.num_train_timesteps, c.steps_offset, "integer");
  }

  step(
    modelOutput: Float32Array,
    timestep: number,
    sample: Float32Array,
    rng: Rng,
    options: DDIMStepOptions = {},
  ): SchedulerStepOutput {
    const index = this.locate(timestep, "step");
    this.checkSameLength("modelOutput", modelOutput, sample);
    const eta = options.eta === undefined ? this.eta : checkNumber("eta", options.eta, { min: 0, max: 1 });
    const n = this.numInferenceSteps!;
    const prevT = timestep - Math.floor(this.config.num_train_timesteps / n);
    const abar = this.alphasCumprod[timestep]!;
    const abarPrev = prevT >= 0 ? this.alphasCumprod[prevT]! : this.finalAlphaCumprod;
    const betaProd = 1 - abar;

    const conv = vpConversion(this.config.prediction_type, abar);
    const x0 = combine(new Float32Array(sample.length), conv.x0, sample, modelOutput);
    const eps = combine(new Float32Array(sample.length), conv.eps, sample, modelOutput);
    if (this.config.clip_sample) {
      clipInPlace(x0, this.config.clip_sample_range);
      if (options.useClippedModelOutput === true) {
        for (let i = 0; i < eps.length; i++) eps[i] = (sample[i]! - Math.sqrt(abar) * x0[i]!) / Math.sqrt(betaProd);
      }
    }

    // Eq. 16: σ_t(η) = η·√((1−ᾱ_{t−1})/(1−ᾱ_t))·√(1 − ᾱ_t/ᾱ_{t−1}).
    const variance = ((1 - abarPrev) / betaProd) * (1 - abar / abarPrev);
    const std = eta * Math.sqrt(variance);
    // Eq. 12: x_{t−1} = √ᾱ_{t−1}·x̂0 + √(1 − ᾱ_{t−1} − σ_t²)·ε̂ + σ_t·z.
    const cx0 = Math.sqrt(abarPrev);
    const ceps = Math.sqrt(Math.max(1 - abarPrev - std * std, 0));
    const prev = new Float32Array(sample.length);
    for (let i = 0; i < prev.length; i++) {
      const value = cx0 * x0[i]! + ceps * eps[i]!;
      prev[i] = eta > 0 ? value + std * rng.normal() : value;
    }
    this.stepIndex = index + 1;
    return { prevSample: prev, predOriginalSample: x0 };
  }
}
