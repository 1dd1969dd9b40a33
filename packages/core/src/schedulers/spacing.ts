import { RiffError } from "../errors.js";
import { arange, linspace, roundHalfEven } from "./numeric.js";
import type { TimestepSpacing } from "./scheduler.js";

/**
 * Inference timesteps, descending, for `n` of `numTrain` training steps, as diffusers' DDPM, DDIM,
 * Euler and Euler-ancestral schedulers compute them ("Common Diffusion Noise Schedules and Sample
 * Steps are Flawed", Lin et al. 2024, Table 2):
 * - linspace: linspace(0, N−1, n), rounded half-to-even for integer classes, float32 otherwise;
 * - leading:  k·⌊N/n⌋ for k = n−1…0, plus steps_offset;
 * - trailing: round(arange(N, 0, −N/n)) − 1.
 * `kind` "integer" gives DDPM/DDIM's int64 values, "float32" Euler's float32 values.
 */
export function spacedTimesteps(
  spacing: TimestepSpacing,
  n: number,
  numTrain: number,
  stepsOffset: number,
  kind: "integer" | "float32",
): Float64Array {
  let out: Float64Array;
  if (spacing === "linspace") {
    out = linspace(0, numTrain - 1, n).reverse();
    out = kind === "integer" ? out.map(roundHalfEven) : out.map(Math.fround);
  } else if (spacing === "leading") {
    const ratio = Math.floor(numTrain / n);
    out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = (n - 1 - i) * ratio + stepsOffset;
  } else {
    out = trailing(numTrain, numTrain, n);
  }
  return checkRange(out, numTrain, spacing, stepsOffset);
}

/**
 * round(arange(start, 0, −N/n)) − 1. numpy's arange can yield n + 1 values (float rounding of the
 * length); diffusers then visits a timestep −1. riff keeps the first n.
 */
export function trailing(start: number, numTrain: number, n: number): Float64Array {
  const values = arange(start, 0, -numTrain / n).subarray(0, n);
  return values.map((v) => roundHalfEven(v) - 1);
}

/**
 * DPMSolverMultistepScheduler's timesteps: n of the first `lastTimestep` training steps (all of them
 * unless lambda_min_clipped cuts the tail), integer, descending:
 * - linspace: round(linspace(0, last−1, n+1)) reversed, the 0 dropped;
 * - leading:  k·⌊last/(n+1)⌋ for k = n…1, plus steps_offset;
 * - trailing: round(arange(last, 0, −N/n)) − 1.
 */
export function dpmTimesteps(
  spacing: TimestepSpacing,
  n: number,
  numTrain: number,
  lastTimestep: number,
  stepsOffset: number,
): Float64Array {
  let out: Float64Array;
  if (spacing === "linspace") {
    out = linspace(0, lastTimestep - 1, n + 1).map(roundHalfEven).reverse().subarray(0, n);
  } else if (spacing === "leading") {
    const ratio = Math.floor(lastTimestep / (n + 1));
    out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = (n - i) * ratio + stepsOffset;
  } else {
    out = trailing(lastTimestep, numTrain, n);
  }
  return checkRange(Float64Array.from(out), numTrain, spacing, stepsOffset);
}

/** Timesteps must index the training schedule; leading + steps_offset can overshoot at high step counts. */
export function checkRange(timesteps: Float64Array, numTrain: number, spacing: string, offset: number): Float64Array {
  for (const t of timesteps) {
    if (!(t >= 0 && t <= numTrain - 1)) {
      throw new RiffError(
        `steps: ${timesteps.length} steps with timestep_spacing "${spacing}" and steps_offset ${offset} ` +
          `reach timestep ${t}, outside the ${numTrain} training timesteps; use fewer steps`,
        "steps",
      );
    }
  }
  return timesteps;
}
