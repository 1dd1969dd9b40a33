import type { Rng } from "../rng.js";

/**
 * The diffusers scheduler contract, over flat Float32Arrays (a batch of samples laid end to end).
 * Call setTimesteps(n) first; then for each t of `timesteps`: scale the model input, run the
 * denoiser, and step().
 */
export interface SchedulerStepOutput {
  /** x_{t-1}: the sample for the next (less noisy) timestep. */
  readonly prevSample: Float32Array;
  /** The model's current estimate of the clean sample x_0. */
  readonly predOriginalSample: Float32Array;
}

/** Per-call step options. Schedulers ignore options they have no use for (as diffusers does). */
export interface StepOptions {
  /** DDIM's η (Song et al. 2021, eq. 16): 0 is deterministic, 1 is DDPM-like. Overrides config.eta. */
  readonly eta?: number;
}

export interface Scheduler {
  /** diffusers class name, e.g. "EulerDiscreteScheduler". */
  readonly className: string;
  readonly config: Readonly<SchedulerConfig>;
  /** Timesteps (in training-timestep units, possibly fractional) in the order to visit them. */
  readonly timesteps: Float64Array;
  /** Standard deviation of the starting noise (1 for DDPM/DDIM, σ_max-ish for Euler-type). */
  readonly initNoiseSigma: number;
  setTimesteps(numInferenceSteps: number): void;
  /** What the denoiser must be fed at timestep t (Euler-type schedulers divide by sqrt(σ²+1)). */
  scaleModelInput(sample: Float32Array, timestep: number): Float32Array;
  step(
    modelOutput: Float32Array,
    timestep: number,
    sample: Float32Array,
    rng: Rng,
    options?: StepOptions,
  ): SchedulerStepOutput;
  /** Forward process q(x_t | x_0), for img2img. */
  addNoise(originalSample: Float32Array, noise: Float32Array, timestep: number): Float32Array;
}

export type BetaSchedule = "linear" | "scaled_linear" | "squaredcos_cap_v2";
/** What a denoiser predicts: the noise ε, the velocity v (Salimans & Ho 2022) or the clean sample x0. */
export const PREDICTION_TYPES = ["epsilon", "v_prediction", "sample"] as const;
export type PredictionType = (typeof PREDICTION_TYPES)[number];
/** How inference timesteps are spread over the training schedule (see spacedTimesteps). */
export const TIMESTEP_SPACINGS = ["leading", "trailing", "linspace"] as const;
export type TimestepSpacing = (typeof TIMESTEP_SPACINGS)[number];

/** The scheduler_config.json fields riff reads (diffusers names). */
export interface SchedulerConfig {
  num_train_timesteps: number;
  beta_start: number;
  beta_end: number;
  beta_schedule: BetaSchedule;
  trained_betas?: number[] | null;
  prediction_type: PredictionType;
  timestep_spacing: TimestepSpacing;
  steps_offset: number;
  clip_sample: boolean;
  clip_sample_range: number;
  set_alpha_to_one: boolean;
  variance_type?: string;
  use_karras_sigmas?: boolean;
  eta?: number;
  [key: string]: unknown;
}
