import { checkNumber } from "../errors.js";
import type { Rng } from "../rng.js";
import { BaseScheduler } from "./base.js";
import { COMMON_DEFAULTS, checkBoolean, checkChoice, rejectUnsupported, resolveConfig } from "./config.js";
import { indexOf, roundHalfEven } from "./numeric.js";
import { combine, vpConversion } from "./prediction.js";
import type { SchedulerConfig, SchedulerStepOutput } from "./scheduler.js";
import { karrasSigmas, sigmaToT, trainSigmas } from "./sigmas.js";
import { dpmTimesteps } from "./spacing.js";

/** VP coefficients of a σ: α_t = 1/√(σ²+1), σ_t = σ·α_t, λ_t = log α_t − log σ_t = −log σ. */
function vp(sigma: number): { alpha: number; sigmaT: number; lambda: number } {
  const alpha = 1 / Math.sqrt(sigma * sigma + 1);
  const sigmaT = sigma * alpha;
  return { alpha, sigmaT, lambda: Math.log(alpha) - Math.log(sigmaT) };
}

/**
 * Multistep DPM-Solver++ (Lu et al. 2022, "DPM-Solver++: Fast Solver for Guided Sampling of
 * Diffusion Probabilistic Models"), as diffusers' DPMSolverMultistepScheduler with algorithm_type
 * "dpmsolver++": the data-prediction ODE solved in λ = log(α_t/σ_t), orders 1–3, "midpoint" (2M,
 * Algorithm 2) or "heun" second-order terms, lower_order_final below 15 steps, Karras sigmas
 * optional, and a final σ of 0 (final_sigmas_type "zero") or σ_0 ("sigma_min").
 * Samples are variance-preserving (x_t = α_t·x0 + σ_t·ε), so initNoiseSigma is 1.
 */
export class DPMSolverMultistepScheduler extends BaseScheduler {
  /** diffusers' __init__ defaults: a key missing from a config takes these. */
  static readonly defaults: Readonly<Record<string, unknown>> = {
    ...COMMON_DEFAULTS,
    timestep_spacing: "linspace",
    solver_order: 2,
    algorithm_type: "dpmsolver++",
    solver_type: "midpoint",
    lower_order_final: true,
    euler_at_final: false,
    use_karras_sigmas: false,
    final_sigmas_type: "zero",
    lambda_min_clipped: -Infinity,
    thresholding: false,
  };
  readonly className = "DPMSolverMultistepScheduler" as const;
  readonly solverOrder: 1 | 2 | 3;
  private sigmaSchedule: Float64Array | undefined;
  /** x̂0 of the most recent steps, newest last. */
  private history: Float32Array[] = [];
  private lowerOrderNums = 0;

  constructor(config: Record<string, unknown> = {}) {
    const resolved: SchedulerConfig = resolveConfig(DPMSolverMultistepScheduler.defaults, config);
    super(resolved);
    const order = checkNumber("solver_order", resolved.solver_order as number, { min: 1, max: 3, integer: true });
    this.solverOrder = order as 1 | 2 | 3;
    checkChoice("algorithm_type", resolved.algorithm_type, ["dpmsolver++"]);
    checkChoice("solver_type", resolved.solver_type, ["midpoint", "heun"]);
    checkChoice("final_sigmas_type", resolved.final_sigmas_type, ["zero", "sigma_min"]);
    checkBoolean("lower_order_final", resolved.lower_order_final);
    checkBoolean("euler_at_final", resolved.euler_at_final);
    checkBoolean("use_karras_sigmas", resolved.use_karras_sigmas);
    rejectUnsupported(resolved, "thresholding", "dynamic thresholding needs per-image quantiles, and riff's samples are flat");
    rejectUnsupported(resolved, "use_exponential_sigmas", "riff supports use_karras_sigmas only");
    rejectUnsupported(resolved, "use_beta_sigmas", "riff supports use_karras_sigmas only");
    rejectUnsupported(resolved, "use_lu_lambdas", "riff supports use_karras_sigmas only");
  }

  /** σ for each timestep plus the final σ (n + 1 values); empty before setTimesteps(). */
  get sigmas(): Float64Array {
    return this.sigmaSchedule ?? new Float64Array(0);
  }

  protected computeTimesteps(n: number): Float64Array {
    const c = this.config;
    const numTrain = c.num_train_timesteps;
    const train = trainSigmas(this.alphasCumprod);
    // lambda_min_clipped: drop the tail where λ_t < the clip (critical for the cosine schedule).
    const clip = typeof c.lambda_min_clipped === "number" ? c.lambda_min_clipped : -Infinity;
    let clipped = 0;
    for (let t = numTrain - 1; t >= 0 && -Math.log(train[t]!) < clip; t--) clipped++;
    const lastTimestep = numTrain - clipped;

    let timesteps = dpmTimesteps(c.timestep_spacing, n, numTrain, lastTimestep, c.steps_offset);
    let sigmas: Float64Array;
    if (c.use_karras_sigmas === true) {
      // Karras et al. 2022 eq. 5 between the training σ_0 and σ_{N−1}; timesteps rounded to integers.
      const logSigmas = train.map(Math.log);
      sigmas = karrasSigmas(train[0]!, train[numTrain - 1]!, n);
      timesteps = sigmas.map((s) => roundHalfEven(sigmaToT(s, logSigmas)));
    } else {
      sigmas = timesteps.map((t) => train[t]!);
    }
    const all = new Float64Array(n + 1);
    all.set(sigmas);
    all[n] = c.final_sigmas_type === "sigma_min" ? train[0]! : 0;
    this.sigmaSchedule = all;
    return timesteps;
  }

  protected override resetState(): void {
    this.history = [];
    this.lowerOrderNums = 0;
  }

  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, _rng: Rng): SchedulerStepOutput {
    const index = this.locate(timestep, "step");
    this.checkSameLength("modelOutput", modelOutput, sample);
    const c = this.config;
    const steps = this.timesteps.length;
    const isLast = index === steps - 1;
    const lowerOrderFinal =
      isLast && (c.euler_at_final === true || (c.lower_order_final === true && steps < 15) || c.final_sigmas_type === "zero");
    const lowerOrderSecond = index === steps - 2 && c.lower_order_final === true && steps < 15;

    const sigma = this.sigmas[index]!;
    const s0 = vp(sigma);
    // Data prediction x̂0 (DPM-Solver++ works with x_θ, not ε_θ).
    const x0 = combine(new Float32Array(sample.length), vpConversion(c.prediction_type, s0.alpha ** 2).x0, sample, modelOutput);
    this.history.push(x0);
    if (this.history.length > this.solverOrder) this.history.shift();

    let prev: Float32Array;
    if (this.solverOrder === 1 || this.lowerOrderNums < 1 || lowerOrderFinal) {
      prev = this.firstOrder(index, sample);
    } else if (this.solverOrder === 2 || this.lowerOrderNums < 2 || lowerOrderSecond) {
      prev = this.secondOrder(index, sample);
    } else {
      prev = this.thirdOrder(index, sample);
    }
    if (this.lowerOrderNums < this.solverOrder) this.lowerOrderNums++;
    this.stepIndex = index + 1;
    return { prevSample: prev, predOriginalSample: x0 };
  }

  /**
   * First-order DPM-Solver++ (Lu et al. 2022b, §3.2/§4, identical to DDIM with η = 0):
   * x_t = (σ_t/σ_s)·x_s − α_t(e^{−h} − 1)·x̂0(x_s), h = λ_t − λ_s.
   */
  private firstOrder(index: number, sample: Float32Array): Float32Array {
    const s = vp(this.sigmas[index]!);
    const sigmaNext = this.sigmas[index + 1]!;
    const m0 = this.history[this.history.length - 1]!;
    const out = new Float32Array(sample.length);
    if (sigmaNext === 0) {
      // σ_t = 0: h = ∞ and the step returns x̂0 exactly.
      out.set(m0);
      return out;
    }
    const t = vp(sigmaNext);
    const h = t.lambda - s.lambda;
    const a = t.sigmaT / s.sigmaT;
    const b = -t.alpha * Math.expm1(-h);
    for (let i = 0; i < out.length; i++) out[i] = a * sample[i]! + b * m0[i]!;
    return out;
  }

  /**
   * DPM-Solver++(2M) (Lu et al. 2022b, Algorithm 2): with r = h_{i−1}/h_i, D0 = m0 and
   * D1 = (m0 − m1)/r, midpoint: x_t = (σ_t/σ_s)x_s − α_t(e^{−h}−1)D0 − ½α_t(e^{−h}−1)D1;
   * heun: … + α_t((e^{−h}−1)/h + 1)D1.
   */
  private secondOrder(index: number, sample: Float32Array): Float32Array {
    const t = vp(this.sigmas[index + 1]!);
    const s0 = vp(this.sigmas[index]!);
    const s1 = vp(this.sigmas[index - 1]!);
    const m0 = this.history[this.history.length - 1]!;
    const m1 = this.history[this.history.length - 2]!;
    const h = t.lambda - s0.lambda;
    const r0 = (s0.lambda - s1.lambda) / h;
    const em1 = Math.expm1(-h);
    const a = t.sigmaT / s0.sigmaT;
    const cD0 = -t.alpha * em1;
    const cD1 = this.config.solver_type === "heun" ? t.alpha * (em1 / h + 1) : -0.5 * t.alpha * em1;
    const out = new Float32Array(sample.length);
    for (let i = 0; i < out.length; i++) {
      const d0 = m0[i]!;
      const d1 = (d0 - m1[i]!) / r0;
      out[i] = a * sample[i]! + cD0 * d0 + cD1 * d1;
    }
    return out;
  }

  /**
   * Third-order multistep DPM-Solver++ (Lu et al. 2022b, §4 / Appendix; diffusers'
   * multistep_dpm_solver_third_order_update): D1 and D2 from divided differences of the last three x̂0.
   */
  private thirdOrder(index: number, sample: Float32Array): Float32Array {
    const t = vp(this.sigmas[index + 1]!);
    const s0 = vp(this.sigmas[index]!);
    const s1 = vp(this.sigmas[index - 1]!);
    const s2 = vp(this.sigmas[index - 2]!);
    const len = this.history.length;
    const m0 = this.history[len - 1]!;
    const m1 = this.history[len - 2]!;
    const m2 = this.history[len - 3]!;
    const h = t.lambda - s0.lambda;
    const r0 = (s0.lambda - s1.lambda) / h;
    const r1 = (s1.lambda - s2.lambda) / h;
    const em1 = Math.expm1(-h);
    const a = t.sigmaT / s0.sigmaT;
    const cD0 = -t.alpha * em1;
    const cD1 = t.alpha * (em1 / h + 1);
    const cD2 = -t.alpha * ((em1 + h) / (h * h) - 0.5);
    const out = new Float32Array(sample.length);
    for (let i = 0; i < out.length; i++) {
      const d10 = (m0[i]! - m1[i]!) / r0;
      const d11 = (m1[i]! - m2[i]!) / r1;
      const d1 = d10 + (r0 / (r0 + r1)) * (d10 - d11);
      const d2 = (d10 - d11) / (r0 + r1);
      out[i] = a * sample[i]! + cD0 * m0[i]! + cD1 * d1 + cD2 * d2;
    }
    return out;
  }

  /** α_t·x0 + σ_t·noise with σ from the schedule (diffusers' add_noise for this class). */
  override addNoise(originalSample: Float32Array, noise: Float32Array, timestep: number): Float32Array {
    this.checkSameLength("noise", noise, originalSample);
    const index = this.schedule === undefined ? -1 : indexOf(this.schedule, timestep);
    if (index < 0) return super.addNoise(originalSample, noise, timestep);
    const { alpha, sigmaT } = vp(this.sigmas[index]!);
    const out = new Float32Array(originalSample.length);
    for (let i = 0; i < out.length; i++) out[i] = alpha * originalSample[i]! + sigmaT * noise[i]!;
    return out;
  }
}
