import type { Rng } from "../rng.js";
import { COMMON_DEFAULTS } from "./config.js";
import { SigmaScheduler } from "./euler.js";
import type { SchedulerStepOutput } from "./scheduler.js";

/**
 * Ancestral Euler (k-diffusion's sample_euler_ancestral, diffusers' EulerAncestralDiscreteScheduler):
 * each step splits σ_next into a deterministic part σ_down and fresh noise σ_up, with
 * σ_up² = σ_next²(σ² − σ_next²)/σ² and σ_down² = σ_next² − σ_up² — the DDPM posterior variance
 * (Ho et al. 2020, eq. 7) written in σ form — then takes the Euler step of Karras et al. 2022
 * (Algorithm 2 lines 5–7) to σ_down and adds σ_up·z.
 */
export class EulerAncestralDiscreteScheduler extends SigmaScheduler {
  /** diffusers' __init__ defaults: a key missing from a config takes these. */
  static readonly defaults: Readonly<Record<string, unknown>> = {
    ...COMMON_DEFAULTS,
    timestep_spacing: "linspace",
    use_karras_sigmas: false,
  };
  readonly className = "EulerAncestralDiscreteScheduler" as const;

  constructor(config: Record<string, unknown> = {}) {
    super(EulerAncestralDiscreteScheduler.defaults, config);
  }

  step(modelOutput: Float32Array, timestep: number, sample: Float32Array, rng: Rng): SchedulerStepOutput {
    const index = this.locate(timestep, "step");
    this.checkSameLength("modelOutput", modelOutput, sample);
    const sigma = this.sigmas[index]!;
    const sigmaNext = this.sigmas[index + 1]!;
    const x0 = this.predictX0(modelOutput, sample, sigma);
    const sigmaUp = Math.sqrt((sigmaNext * sigmaNext * (sigma * sigma - sigmaNext * sigmaNext)) / (sigma * sigma));
    const sigmaDown = Math.sqrt(Math.max(sigmaNext * sigmaNext - sigmaUp * sigmaUp, 0));
    const ratio = (sigmaDown - sigma) / sigma;
    const prev = new Float32Array(sample.length);
    for (let i = 0; i < prev.length; i++) {
      const x = sample[i]!;
      const value = x + ratio * (x - x0[i]!);
      prev[i] = sigmaUp > 0 ? value + sigmaUp * rng.normal() : value;
    }
    this.stepIndex = index + 1;
    return { prevSample: prev, predOriginalSample: x0 };
  }
}
