import { RiffError } from "../errors.js";
import type { Rng } from "../rng.js";
import { BaseScheduler } from "./base.js";
import { COMMON_DEFAULTS, checkBoolean, checkChoice, resolveConfig } from "./config.js";
import { linspace, roundHalfEven } from "./numeric.js";
import type { SchedulerConfig, SchedulerStepOutput } from "./scheduler.js";
import { checkRange, trailing } from "./spacing.js";

/**
 * Pseudo numerical methods for diffusion models (Liu et al. 2022, "Pseudo Numerical Methods for
 * Diffusion Models on Manifolds"), as diffusers' PNDMScheduler: three pseudo Runge–Kutta steps
 * (PRK, eq. 13) to warm up, then pseudo linear multistep (PLMS, eq. 12), each through the transfer
 * function φ of eq. 9. With skip_prk_steps (Stable Diffusion's configs) the warm-up is crowsonkb's
 * PLMS bootstrap instead: one Euler step, then a repeated timestep averaging the two ε.
 * Supports prediction_type "epsilon" and "v_prediction" (each v output is converted to ε at its own
 * timestep before the multistep combination; diffusers combines raw v outputs instead).
 */
export class PNDMScheduler extends BaseScheduler {
  /** diffusers' __init__ defaults: a key missing from a config takes these. */
  static readonly defaults: Readonly<Record<string, unknown>> = {
    ...COMMON_DEFAULTS,
    skip_prk_steps: false,
    set_alpha_to_one: false,
    timestep_spacing: "leading",
  };
  readonly className = "PNDMScheduler" as const;
  readonly finalAlphaCumprod: number;
  readonly skipPrkSteps: boolean;
  private prkCount = 0;
  private counter = 0;
  private ets: Float32Array[] = [];
  private curModelOutput: Float32Array | undefined;
  private curSample: Float32Array | undefined;

  constructor(config: Record<string, unknown> = {}) {
    const resolved: SchedulerConfig = resolveConfig(PNDMScheduler.defaults, config);
    super(resolved);
    checkChoice("prediction_type", resolved.prediction_type, ["epsilon", "v_prediction"]);
    this.skipPrkSteps = checkBoolean("skip_prk_steps", resolved.skip_prk_steps);
    this.finalAlphaCumprod = resolved.set_alpha_to_one ? 1 : this.alphasCumprod[0]!;
  }

  private get stride(): number {
    return Math.floor(this.config.num_train_timesteps / this.numInferenceSteps!);
  }

  protected computeTimesteps(n: number): Float64Array {
    const c = this.config;
    const numTrain = c.num_train_timesteps;
    // The base grid, ascending.
    let base: number[];
    if (c.timestep_spacing === "linspace") base = Array.from(linspace(0, numTrain - 1, n), roundHalfEven);
    else if (c.timestep_spacing === "leading") {
      const ratio = Math.floor(numTrain / n);
      base = Array.from({ length: n }, (_, k) => k * ratio + c.steps_offset);
    } else base = Array.from(trailing(numTrain, numTrain, n)).reverse();

    let prk: number[] = [];
    let plms: number[];
    if (this.skipPrkSteps) {
      // PLMS bootstrap: [t_0 … t_{n−2}, t_{n−2}, t_{n−1}] reversed (the repeated timestep is deliberate).
      plms = [...base.slice(0, -1), ...base.slice(-2, -1), ...base.slice(-1)].reverse();
    } else {
      if (n < 4) throw new RiffError(`steps must be at least 4 for PNDMScheduler without skip_prk_steps, got ${n}`, "steps");
      const half = Math.floor(Math.floor(numTrain / n) / 2);
      const raw = base.slice(-4).flatMap((t) => [t, t + half]).slice(0, -1);
      prk = raw.flatMap((t) => [t, t]).slice(1, -1).reverse();
      plms = base.slice(0, -3).reverse();
    }
    this.prkCount = prk.length;
    return checkRange(Float64Array.from([...prk, ...plms]), numTrain, c.timestep_spacing, c.steps_offset);
  }

  protected override resetState(): void {
    this.counter = 0;
    this.ets = [];
    this.curModelOutput = undefined;
    this.curSample = undefined;
  }

  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, _rng: Rng): SchedulerStepOutput {
    const schedule = this.requireSchedule("step");
    this.checkSameLength("modelOutput", modelOutput, sample);
    if (this.counter >= schedule.length || schedule[this.counter] !== timestep) {
      const expected = this.counter < schedule.length ? `timestep ${schedule[this.counter]}` : "no further step";
      throw new RiffError(
        `PNDMScheduler.step(): got timestep ${timestep}, expected ${expected}; PNDM visits scheduler.timesteps in order (call setTimesteps to restart)`,
        "timestep",
      );
    }
    // v_prediction: convert each output to ε at its own (x_t, t), ε = √ᾱ·v + √(1−ᾱ)·x_t
    // (Salimans & Ho 2022), before the multistep combination. diffusers instead combines the raw v
    // outputs of different timesteps and converts once, which biases the result; riff does not.
    let eps = modelOutput;
    if (this.config.prediction_type === "v_prediction") {
      const ab = this.alphasCumprod[timestep]!;
      const sa = Math.sqrt(ab);
      const sb = Math.sqrt(1 - ab);
      eps = modelOutput.map((v, i) => sa * v + sb * sample[i]!);
    }
    const out = !this.skipPrkSteps && this.counter < this.prkCount
      ? this.stepPrk(eps, timestep, sample)
      : this.stepPlms(eps, timestep, sample);
    this.counter++;
    return out;
  }

  /** Pseudo Runge–Kutta (eq. 13): four evaluations per step, weights 1/6, 1/3, 1/3, 1/6. */
  private stepPrk(m: Float32Array, timestep: number, sample: Float32Array): SchedulerStepOutput {
    const phase = this.counter % 4;
    const prevT = timestep - (this.counter % 2 === 1 ? 0 : Math.floor(this.stride / 2));
    const start = this.timesteps[Math.floor(this.counter / 4) * 4]!;
    let eps = m;
    if (phase === 0) {
      this.curModelOutput = m.map((v) => v / 6);
      this.ets.push(m);
      this.curSample = sample;
    } else if (phase === 1 || phase === 2) {
      const acc = this.curModelOutput!;
      for (let i = 0; i < acc.length; i++) acc[i] = acc[i]! + m[i]! / 3;
    } else {
      const acc = this.curModelOutput!;
      eps = new Float32Array(m.length);
      for (let i = 0; i < eps.length; i++) eps[i] = acc[i]! + m[i]! / 6;
      this.curModelOutput = undefined;
    }
    return this.transfer(this.curSample ?? sample, start, prevT, eps);
  }

  /** Pseudo linear multistep (eq. 12): Adams–Bashforth weights on the last ≤ 4 ε. */
  private stepPlms(m: Float32Array, timestep: number, sample: Float32Array): SchedulerStepOutput {
    let t = timestep;
    let prevT = timestep - this.stride;
    if (this.counter !== 1) {
      this.ets = this.ets.slice(-3);
      this.ets.push(m);
    } else {
      prevT = timestep;
      t = timestep + this.stride;
    }
    const e = this.ets;
    const k = e.length;
    let eps: Float32Array;
    let x = sample;
    if (k === 1 && this.counter === 0) {
      eps = m;
      this.curSample = sample;
    } else if (k === 1 && this.counter === 1) {
      eps = m.map((v, i) => (v + e[0]![i]!) / 2);
      x = this.curSample!;
      this.curSample = undefined;
    } else if (k === 2) {
      eps = e[1]!.map((v, i) => (3 * v - e[0]![i]!) / 2);
    } else if (k === 3) {
      eps = e[2]!.map((v, i) => (23 * v - 16 * e[1]![i]! + 5 * e[0]![i]!) / 12);
    } else {
      eps = e[3]!.map((v, i) => (55 * v - 59 * e[2]![i]! + 37 * e[1]![i]! - 9 * e[0]![i]!) / 24);
    }
    return this.transfer(x, t, prevT, eps);
  }

  /**
   * The transfer φ(x_t, ε, t, t−δ) of eq. 9:
   * x_{t−δ} = √(ᾱ_{t−δ}/ᾱ_t)·x_t − (ᾱ_{t−δ} − ᾱ_t)·ε / (ᾱ_t√(1−ᾱ_{t−δ}) + √(ᾱ_t(1−ᾱ_t)ᾱ_{t−δ})).
   */
  private transfer(sample: Float32Array, t: number, prevT: number, eps: Float32Array): SchedulerStepOutput {
    const abar = this.alphasCumprod[t]!;
    const abarPrev = prevT >= 0 ? this.alphasCumprod[prevT]! : this.finalAlphaCumprod;
    const sa = Math.sqrt(abar);
    const sb = Math.sqrt(1 - abar);
    const cx = Math.sqrt(abarPrev / abar);
    const ce = (abarPrev - abar) / (abar * Math.sqrt(1 - abarPrev) + Math.sqrt(abar * (1 - abar) * abarPrev));
    const prev = new Float32Array(sample.length);
    const x0 = new Float32Array(sample.length);
    for (let i = 0; i < prev.length; i++) {
      const x = sample[i]!;
      prev[i] = cx * x - ce * eps[i]!;
      x0[i] = (x - sb * eps[i]!) / sa;
    }
    return { prevSample: prev, predOriginalSample: x0 };
  }
}
