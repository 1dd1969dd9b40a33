import type { Rng } from "../rng.js";
import { BaseScheduler } from "./base.js";
import { COMMON_DEFAULTS, checkBoolean, checkChoice, resolveConfig } from "./config.js";
import { indexOf, interpIndex } from "./numeric.js";
import { combine, veToX0 } from "./prediction.js";
import type { SchedulerConfig, SchedulerStepOutput } from "./scheduler.js";
import { karrasSigmas, sigmaToT, trainSigmas } from "./sigmas.js";
import { spacedTimesteps } from "./spacing.js";

/**
 * The σ schedule of diffusers' Euler schedulers: float32 timesteps by timestep_spacing, σ linearly
 * interpolated from the training σ_t at those timesteps; or, with use_karras_sigmas, Karras et al.
 * 2022 eq. 5 between the end sigmas (or config sigma_min / sigma_max) with timesteps mapped back by
 * log-σ interpolation. Then a final σ of 0 (final_sigmas_type "zero") or σ_0 ("sigma_min").
 */
export function eulerSchedule(
  config: Readonly<SchedulerConfig>,
  alphasCumprod: Float64Array,
  n: number,
): { timesteps: Float64Array; sigmas: Float64Array } {
  const train = trainSigmas(alphasCumprod);
  let timesteps: Float64Array = spacedTimesteps(config.timestep_spacing, n, config.num_train_timesteps, config.steps_offset, "float32");
  let sigmas: Float64Array = timesteps.map((t) => interpIndex(train, t));
  if (config.use_karras_sigmas === true) {
    const sigmaMin = typeof config.sigma_min === "number" ? config.sigma_min : sigmas[sigmas.length - 1]!;
    const sigmaMax = typeof config.sigma_max === "number" ? config.sigma_max : sigmas[0]!;
    const logSigmas = train.map(Math.log);
    sigmas = karrasSigmas(sigmaMin, sigmaMax, n);
    timesteps = sigmas.map((s) => Math.fround(sigmaToT(s, logSigmas)));
  }
  const last = config.final_sigmas_type === "sigma_min" ? train[0]! : 0;
  const all = new Float64Array(n + 1);
  all.set(sigmas);
  all[n] = last;
  return { timesteps, sigmas: all };
}

/**
 * Shared by Euler and Euler-ancestral: config checks, the σ schedule, σ-based input scaling
 * and noising. Samples live in the variance-exploding form x = x0 + σ·ε.
 */
export abstract class SigmaScheduler extends BaseScheduler {
  protected sigmaSchedule: Float64Array | undefined;
  private readonly trainingSigmas: Float64Array;

  constructor(defaults: Readonly<Record<string, unknown>>, config: Record<string, unknown>) {
    const resolved = resolveConfig(defaults, config);
    super(resolved);
    checkBoolean("use_karras_sigmas", resolved.use_karras_sigmas);
    checkChoice("final_sigmas_type", resolved.final_sigmas_type ?? "zero", ["zero", "sigma_min"]);
    checkChoice("interpolation_type", resolved.interpolation_type ?? "linear", ["linear"]);
    checkChoice("timestep_type", resolved.timestep_type ?? "discrete", ["discrete"]);
    // diffusers: with zero terminal SNR, keep the last σ finite (ᾱ = 2⁻²⁴, fp16's smallest subnormal).
    if (resolved.rescale_betas_zero_snr) this.alphasCumprod[this.alphasCumprod.length - 1] = 2 ** -24;
    this.trainingSigmas = trainSigmas(this.alphasCumprod);
  }

  /** σ for each timestep, plus the final σ (n + 1 values); empty before setTimesteps(). */
  get sigmas(): Float64Array {
    return this.sigmaSchedule ?? new Float64Array(0);
  }

  protected computeTimesteps(n: number): Float64Array {
    const { timesteps, sigmas } = eulerSchedule(this.config, this.alphasCumprod, n);
    this.sigmaSchedule = sigmas;
    return timesteps;
  }

  /** σ_max for linspace/trailing spacing, else √(σ_max² + 1) (diffusers' init_noise_sigma). */
  override get initNoiseSigma(): number {
    const sigmas = this.sigmaSchedule ?? this.trainingSigmas;
    let max = 0;
    for (const s of sigmas) if (s > max) max = s;
    const spacing = this.config.timestep_spacing;
    return spacing === "linspace" || spacing === "trailing" ? max : Math.sqrt(max * max + 1);
  }

  /** x / √(σ² + 1): the variance-preserving input the denoiser was trained on. */
  override scaleModelInput(sample: Float32Array, timestep: number): Float32Array {
    const sigma = this.sigmas[this.locate(timestep, "scaleModelInput")]!;
    const scale = 1 / Math.sqrt(sigma * sigma + 1);
    const out = new Float32Array(sample.length);
    for (let i = 0; i < out.length; i++) out[i] = sample[i]! * scale;
    return out;
  }

  /** x0 + σ_t·noise, σ_t from the schedule (or interpolated from the training σ for other t). */
  override addNoise(originalSample: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    this.checkSameLength("noise", noise, originalSample);
    const index = this.schedule === undefined ? -1 : indexOf(this.schedule, timestep);
    const sigma = index >= 0 ? this.sigmas[index]! : interpIndex(this.trainingSigmas, timestep);
    const out = new Float32Array(originalSample.length);
    for (let i = 0; i < out.length; i++) out[i] = originalSample[i]! + sigma * noise[i]!;
    return out;
  }

  /** x̂0 from the model output at noise level σ. */
  protected predictX0(modelOutput: Float32Array, sample: Float32Array, sigma: number): Float32Array {
    return combine(new Float32Array(sample.length), veToX0(this.config.prediction_type, sigma), sample, modelOutput);
  }
}

/**
 * Euler sampler of Karras et al. 2022 ("Elucidating the Design Space of Diffusion-Based Generative
 * Models"), Algorithm 2 with S_churn = 0 and no second-order correction, as diffusers'
 * EulerDiscreteScheduler: one Euler step of the probability-flow ODE dx/dσ = (x − D(x; σ))/σ
 * (eq. 1 with σ(t) = t, s(t) = 1).
 */
export class EulerDiscreteScheduler extends SigmaScheduler {
  /** diffusers' __init__ defaults: a key missing from a config takes these. */
  static readonly defaults: Readonly<Record<string, unknown>> = {
    ...COMMON_DEFAULTS,
    timestep_spacing: "linspace",
    interpolation_type: "linear",
    use_karras_sigmas: false,
    sigma_min: null,
    sigma_max: null,
    timestep_type: "discrete",
    final_sigmas_type: "zero",
  };
  readonly className = "EulerDiscreteScheduler" as const;

  constructor(config: Record<string, unknown> = {}) {
    super(EulerDiscreteScheduler.defaults, config);
  }

  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, _rng: Rng): SchedulerStepOutput {
    const index = this.locate(timestep, "step");
    this.checkSameLength("modelOutput", modelOutput, sample);
    const sigma = this.sigmas[index]!;
    const sigmaNext = this.sigmas[index + 1]!;
    const x0 = this.predictX0(modelOutput, sample, sigma);
    // Algorithm 2 lines 5–8 with γ = 0: d = (x − D)/σ; x_next = x + (σ_next − σ)·d.
    const ratio = (sigmaNext - sigma) / sigma;
    const prev = new Float32Array(sample.length);
    for (let i = 0; i < prev.length; i++) {
      const x = sample[i]!;
      prev[i] = x + ratio * (x - x0[i]!);
    }
    this.stepIndex = index + 1;
    return { prevSample: prev, predOriginalSample: x0 };
  }
}
