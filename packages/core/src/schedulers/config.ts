/** Scheduler configs: diffusers' from_config over a class's defaults, and the checks all classes share. */
import { RiffError, checkNumber } from "../errors.js";
import { PREDICTION_TYPES, TIMESTEP_SPACINGS, type SchedulerConfig } from "./scheduler.js";

/**
 * Defaults every class shares (diffusers' __init__ defaults). Each scheduler class spreads these
 * into its own static `defaults` and resolves its config against them with {@link resolveConfig}.
 */
export const COMMON_DEFAULTS: Readonly<Record<string, unknown>> = {
  num_train_timesteps: 1000,
  beta_start: 0.0001,
  beta_end: 0.02,
  beta_schedule: "linear",
  trained_betas: null,
  prediction_type: "epsilon",
  steps_offset: 0,
  rescale_betas_zero_snr: false,
  // Not read by every class, but part of riff's SchedulerConfig shape.
  clip_sample: false,
  clip_sample_range: 1.0,
  set_alpha_to_one: false,
};

/**
 * Builds a class's config the way diffusers' `from_config` does: the class `defaults`, then every
 * key of `raw` (private `_` keys dropped; keys listed in `raw._use_default_values`, i.e. defaulted in
 * the config they came from, dropped too, so another class's defaults do not leak in), then
 * `overrides`. A `null` value means "the default". The result records the keys it defaulted in
 * `_use_default_values`, so a resolved config can seed another class just like a raw one.
 */
export function resolveConfig(
  defaults: Readonly<Record<string, unknown>>,
  raw: Readonly<Record<string, unknown>> = {},
  overrides: Readonly<Record<string, unknown>> = {},
): SchedulerConfig {
  const usedDefaults = new Set(Array.isArray(raw._use_default_values) ? raw._use_default_values : []);
  const out: Record<string, unknown> = { ...defaults };
  const explicit = new Set<string>();
  const take = (source: Readonly<Record<string, unknown>>, skip: Set<unknown>): void => {
    for (const [key, value] of Object.entries(source)) {
      if (key.startsWith("_") || skip.has(key) || value === undefined) continue;
      if (value === null && defaults[key] !== null && key in defaults) continue;
      out[key] = value;
      explicit.add(key);
    }
  };
  take(raw, usedDefaults);
  take(overrides, new Set());
  out._use_default_values = Object.keys(defaults).filter((k) => !explicit.has(k));
  validateCommon(out);
  return out as SchedulerConfig;
}

/** Throws a RiffError naming the option unless `value` is one of `allowed`. */
export function checkChoice<T extends string>(option: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value === "string" && (allowed as readonly string[]).includes(value)) return value as T;
  throw new RiffError(`${option} must be one of ${allowed.map((a) => `"${a}"`).join(", ")}, got ${JSON.stringify(value)}`, option);
}

/** Throws a RiffError naming the option unless `value` is a boolean. */
export function checkBoolean(option: string, value: unknown): boolean {
  if (typeof value === "boolean") return value;
  throw new RiffError(`${option} must be true or false, got ${JSON.stringify(value)}`, option);
}

/** Throws a RiffError naming the option when a feature riff does not implement is switched on. */
export function rejectUnsupported(config: Readonly<Record<string, unknown>>, option: string, why: string): void {
  const value = config[option];
  if (value !== undefined && value !== null && value !== false) {
    throw new RiffError(`${option}=${JSON.stringify(value)} is not supported: ${why}`, option);
  }
}

function validateCommon(c: Record<string, unknown>): void {
  checkNumber("num_train_timesteps", c.num_train_timesteps as number, { min: 1, integer: true });
  checkNumber("beta_start", c.beta_start as number, { min: 0, max: 1 });
  checkNumber("beta_end", c.beta_end as number, { min: 0, max: 1 });
  checkChoice("beta_schedule", c.beta_schedule, ["linear", "scaled_linear", "squaredcos_cap_v2"]);
  checkChoice("prediction_type", c.prediction_type, PREDICTION_TYPES);
  checkChoice("timestep_spacing", c.timestep_spacing, TIMESTEP_SPACINGS);
  checkNumber("steps_offset", c.steps_offset as number, { min: 0, integer: true });
  checkBoolean("clip_sample", c.clip_sample);
  checkNumber("clip_sample_range", c.clip_sample_range as number, { min: 0, minExclusive: true });
  checkBoolean("set_alpha_to_one", c.set_alpha_to_one);
  checkBoolean("rescale_betas_zero_snr", c.rescale_betas_zero_snr);
  const trained = c.trained_betas;
  if (trained !== null && trained !== undefined) {
    if (!Array.isArray(trained) || trained.length !== c.num_train_timesteps) {
      throw new RiffError(
        `trained_betas must be an array of num_train_timesteps (${String(c.num_train_timesteps)}) numbers`,
        "trained_betas",
      );
    }
    for (const b of trained) checkNumber("trained_betas", b as number, { min: 0, max: 1, maxExclusive: true });
  }
}

/**
 * Validates a number of inference steps: an integer in [1, num_train_timesteps]. Throws a RiffError
 * naming `steps`.
 */
export function checkSteps(steps: number, numTrainTimesteps: number): number {
  return checkNumber("steps", steps, { min: 1, max: numTrainTimesteps, integer: true });
}
