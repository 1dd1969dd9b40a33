import { RiffError, checkNumber } from "../errors.js";
import type { Rng } from "../rng.js";
import { alphasCumprod, makeBetas } from "./betas.js";
import { checkSteps } from "./config.js";
import { indexOf } from "./numeric.js";
import type { Scheduler, SchedulerConfig, SchedulerStepOutput, StepOptions } from "./scheduler.js";

const EMPTY = new Float64Array(0);

/**
 * What every riff scheduler shares: the training noise schedule (betas, ᾱ in float64), the
 * setTimesteps() bookkeeping, a step counter that tolerates repeated timesteps, and validation that
 * turns misuse into RiffErrors.
 */
export abstract class BaseScheduler implements Scheduler {
  /** The diffusers class it implements; each subclass narrows it to its own name. */
  abstract readonly className: string;
  readonly config: Readonly<SchedulerConfig>;
  /** β_t for t = 0…N−1. */
  readonly betas: Float64Array;
  /** ᾱ_t = ∏(1 − β_s), float64. */
  readonly alphasCumprod: Float64Array;
  /** The n of the last setTimesteps(n), or undefined before it. */
  numInferenceSteps: number | undefined;
  protected schedule: Float64Array | undefined;
  /** Index into `schedule` of the next expected step. */
  protected stepIndex: number | undefined;

  constructor(config: SchedulerConfig) {
    this.config = Object.freeze({ ...config });
    this.betas = makeBetas(this.config);
    this.alphasCumprod = alphasCumprod(this.betas);
  }

  get timesteps(): Float64Array {
    return this.schedule ?? EMPTY;
  }

  get initNoiseSigma(): number {
    return 1;
  }

  setTimesteps(numInferenceSteps: number): void {
    checkSteps(numInferenceSteps, this.config.num_train_timesteps);
    this.schedule = this.computeTimesteps(numInferenceSteps);
    this.numInferenceSteps = numInferenceSteps;
    this.stepIndex = undefined;
    this.resetState();
  }

  /** The descending schedule for n steps (n already validated). */
  protected abstract computeTimesteps(numInferenceSteps: number): Float64Array;

  /** Clears per-run state (multistep histories, counters). */
  protected resetState(): void {}

  scaleModelInput(sample: Float32Array, _timestep: number): Float32Array {
    return sample;
  }

  abstract step(
    modelOutput: Float32Array,
    timestep: number,
    sample: Float32Array,
    rng: Rng,
    options?: StepOptions,
  ): SchedulerStepOutput;

  /** q(x_t | x_0) = N(√ᾱ_t·x0, (1 − ᾱ_t)·I) (Ho et al. 2020, eq. 4), for an integer t. */
  addNoise(originalSample: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    this.checkSameLength("noise", noise, originalSample);
    const abar = this.alphaProdAt(timestep);
    const a = Math.sqrt(abar);
    const b = Math.sqrt(1 - abar);
    const out = new Float32Array(originalSample.length);
    for (let i = 0; i < out.length; i++) out[i] = a * originalSample[i]! + b * noise[i]!;
    return out;
  }

  /** ᾱ_t for an integer training timestep t. */
  protected alphaProdAt(timestep: number): number {
    checkNumber("timestep", timestep, { min: 0, max: this.config.num_train_timesteps - 1, integer: true });
    return this.alphasCumprod[timestep]!;
  }

  /** The schedule, or a RiffError when setTimesteps() has not been called. */
  protected requireSchedule(method: string): Float64Array {
    if (this.schedule === undefined) {
      throw new RiffError(`${this.className}.${method}() called before setTimesteps(steps); call setTimesteps first`, "steps");
    }
    return this.schedule;
  }

  /**
   * Index of `timestep` in the schedule: the step counter's position when it matches (so repeated
   * timesteps are visited in order), else the first occurrence (e.g. img2img starting mid-way).
   */
  protected locate(timestep: number, method: string): number {
    const schedule = this.requireSchedule(method);
    const expected = this.stepIndex;
    if (expected !== undefined && expected < schedule.length && schedule[expected] === timestep) return expected;
    const found = indexOf(schedule, timestep);
    if (found < 0) {
      throw new RiffError(
        `${this.className}.${method}(): timestep ${timestep} is not one of the scheduler's timesteps; pass values from scheduler.timesteps`,
        "timestep",
      );
    }
    return found;
  }

  protected checkSameLength(name: string, a: Float32Array, sample: Float32Array): void {
    if (a.length !== sample.length) {
      throw new RiffError(`${name} has ${a.length} values but sample has ${sample.length}`, name);
    }
  }
}
