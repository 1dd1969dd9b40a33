import { RiffError, checkNumber } from "../errors.js";
import type { Rng } from "../rng.js";
import { BaseScheduler } from "./base.js";
import { COMMON_DEFAULTS, rejectUnsupported, resolveConfig } from "./config.js";
import { clipInPlace, combine, vpConversion } from "./prediction.js";
import type { SchedulerConfig, SchedulerStepOutput } from "./scheduler.js";

/** σ_data of the consistency-model boundary condition (Song et al. 2023, §3; LCM keeps 0.5). */
const SIGMA_DATA = 0.5;

/**
 * Latent Consistency Models' multi-step sampler (Luo et al. 2023, "Latent Consistency Models",
 * Algorithm 1), as diffusers' LCMScheduler. The distilled model was trained on a skipping-step
 * schedule of `original_inference_steps` timesteps t_k = k·⌊N/orig⌋ − 1; n ≤ orig of them are
 * visited, evenly by index. Each step maps x_t straight to a clean estimate with the consistency
 * function f(x, t) = c_skip(t)·x + c_out(t)·x̂0 (eq. 5, c_skip = σ_d²/(s² + σ_d²),
 * c_out = s/√(s² + σ_d²) with s = t·timestep_scaling), then re-noises it to the next timestep:
 * x_{t'} = √ᾱ_{t'}·f + √(1 − ᾱ_{t'})·z. The last step returns f itself. 1–8 steps is typical.
 */
export class LCMScheduler extends BaseScheduler {
  /** diffusers' __init__ defaults: a key missing from a config takes these. */
  static readonly defaults: Readonly<Record<string, unknown>> = {
    ...COMMON_DEFAULTS,
    beta_start: 0.00085,
    beta_end: 0.012,
    beta_schedule: "scaled_linear",
    original_inference_steps: 50,
    clip_sample: false,
    set_alpha_to_one: true,
    timestep_spacing: "leading",
    timestep_scaling: 10,
    thresholding: false,
  };
  readonly className = "LCMScheduler" as const;
  /** The length of the distillation schedule the model was trained on. */
  readonly originalInferenceSteps: number;
  /** Multiplies t in the boundary condition's scalings. */
  readonly timestepScaling: number;
  /** ᾱ after the schedule's end (1 with set_alpha_to_one, else ᾱ_0); LCM's timesteps never get there. */
  readonly finalAlphaCumprod: number;

  constructor(config: Record<string, unknown> = {}) {
    const resolved: SchedulerConfig = resolveConfig(LCMScheduler.defaults, config);
    super(resolved);
    rejectUnsupported(resolved, "thresholding", "dynamic thresholding needs per-image quantiles, and riff's samples are flat");
    this.originalInferenceSteps = checkNumber("original_inference_steps", resolved.original_inference_steps as number, {
      min: 1,
      max: resolved.num_train_timesteps,
      integer: true,
    });
    this.timestepScaling = checkNumber("timestep_scaling", resolved.timestep_scaling as number, { min: 0 });
    this.finalAlphaCumprod = resolved.set_alpha_to_one ? 1 : this.alphasCumprod[0]!;
  }

  /** t_k = k·⌊N/orig⌋ − 1 for k = orig…1, then n of them at indices ⌊i·(orig/n)⌋ (numpy's linspace(0, orig, n, endpoint=False), floored). */
  protected computeTimesteps(n: number): Float64Array {
    const orig = this.originalInferenceSteps;
    if (n > orig) {
      throw new RiffError(`steps: LCMScheduler takes at most original_inference_steps = ${orig} steps (the schedule the model was distilled on), got ${n}`, "steps");
    }
    const k = Math.floor(this.config.num_train_timesteps / orig);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = (orig - Math.floor(i * (orig / n))) * k - 1;
    return out;
  }

  /** c_skip and c_out of the boundary condition at timestep t (diffusers' get_scalings_for_boundary_condition_discrete). */
  boundaryScalings(timestep: number): { cSkip: number; cOut: number } {
    const s = timestep * this.timestepScaling;
    const d = s * s + SIGMA_DATA * SIGMA_DATA;
    return { cSkip: (SIGMA_DATA * SIGMA_DATA) / d, cOut: s / Math.sqrt(d) };
  }

  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, rng: Rng): SchedulerStepOutput {
    const index = this.locate(timestep, "step");
    this.checkSameLength("modelOutput", modelOutput, sample);
    const schedule = this.timesteps;
    const abar = this.alphasCumprod[timestep]!;
    const x0 = combine(new Float32Array(sample.length), vpConversion(this.config.prediction_type, abar).x0, sample, modelOutput);
    if (this.config.clip_sample) clipInPlace(x0, this.config.clip_sample_range);
    const { cSkip, cOut } = this.boundaryScalings(timestep);
    const denoised = combine(new Float32Array(sample.length), { a: cOut, b: cSkip }, x0, sample);
    this.stepIndex = index + 1;
    if (index === schedule.length - 1) return { prevSample: denoised, predOriginalSample: denoised };
    const prevT = schedule[index + 1]!;
    const abarPrev = prevT >= 0 ? this.alphasCumprod[prevT]! : this.finalAlphaCumprod;
    const a = Math.sqrt(abarPrev);
    const b = Math.sqrt(1 - abarPrev);
    const prev = new Float32Array(sample.length);
    for (let i = 0; i < prev.length; i++) prev[i] = a * denoised[i]! + b * rng.normal();
    return { prevSample: prev, predOriginalSample: denoised };
  }
}
