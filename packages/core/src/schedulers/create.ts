/** createScheduler: a scheduler by name or from a scheduler_config.json, with riff's options (Karras sigmas, η). */
import { RiffError } from "../errors.js";
import { SCHEDULERS, schedulerEntry, supportedSchedulers, type AnyScheduler, type RegisteredScheduler } from "./registry.js";
import type { Scheduler } from "./scheduler.js";

export interface CreateSchedulerOptions {
  /** Use Karras sigmas (config use_karras_sigmas); only schedulers registered with `karras`. */
  readonly karras?: boolean;
  /** DDIM's default η (0 deterministic … 1). */
  readonly eta?: number;
  /** Any further scheduler_config.json keys to set, applied last. */
  readonly overrides?: Readonly<Record<string, unknown>>;
}

/**
 * Builds a scheduler.
 * - `createScheduler(config, options?)`: from a scheduler_config.json object, by its `_class_name`.
 * - `createScheduler(name, baseConfig?, options?)`: the class `name` (a diffusers class or a short
 *   name, see {@link SCHEDULERS}) over a model's config, keeping its betas, prediction type and the
 *   other keys it set explicitly, as diffusers' `Class.from_config(config)` does.
 */
export function createScheduler(config: Readonly<Record<string, unknown>>, options?: CreateSchedulerOptions): AnyScheduler;
export function createScheduler(
  name: string,
  baseConfig?: Readonly<Record<string, unknown>>,
  options?: CreateSchedulerOptions,
): AnyScheduler;
export function createScheduler(
  first: string | Readonly<Record<string, unknown>>,
  second?: Readonly<Record<string, unknown>> | CreateSchedulerOptions,
  third?: CreateSchedulerOptions,
): AnyScheduler {
  let entry: RegisteredScheduler;
  let base: Readonly<Record<string, unknown>>;
  let options: CreateSchedulerOptions;
  if (typeof first === "string") {
    entry = schedulerEntry(first);
    base = (second as Readonly<Record<string, unknown>> | undefined) ?? {};
    options = third ?? {};
  } else {
    const name = first._class_name;
    if (typeof name !== "string") {
      throw new RiffError(`scheduler config has no _class_name; supported: ${supportedSchedulers()}`, "_class_name");
    }
    const byClass = SCHEDULERS.find((s) => s.className === name);
    if (byClass === undefined) {
      throw new RiffError(`unsupported scheduler _class_name "${name}"; supported: ${supportedSchedulers()}`, "_class_name");
    }
    entry = byClass;
    base = first;
    options = (second as CreateSchedulerOptions | undefined) ?? {};
  }
  const overrides: Record<string, unknown> = { ...options.overrides };
  if (options.karras !== undefined) {
    if (options.karras && !entry.karras) {
      const karras = SCHEDULERS.filter((s) => s.karras).map((s) => s.className);
      throw new RiffError(`karras sigmas are supported by ${karras.join(", ")}, not ${entry.className}`, "karras");
    }
    if (entry.karras) overrides.use_karras_sigmas = options.karras;
  }
  if (options.eta !== undefined) overrides.eta = options.eta;
  const config = Object.keys(overrides).length > 0 ? { ...base, ...overrides, _use_default_values: defaultsWithout(base, overrides) } : base;
  return new entry.create(config);
}

/** `_use_default_values` of `base` minus the keys being overridden (so the overrides are kept). */
function defaultsWithout(base: Readonly<Record<string, unknown>>, overrides: Record<string, unknown>): unknown[] {
  const used = Array.isArray(base._use_default_values) ? base._use_default_values : [];
  return used.filter((k) => !(typeof k === "string" && k in overrides));
}

/** A scheduler from scheduler_config.json, given as JSON text or the parsed object. */
export function schedulerFromConfig(json: string | Readonly<Record<string, unknown>>, options?: CreateSchedulerOptions): AnyScheduler {
  let config: unknown = json;
  if (typeof json === "string") {
    try {
      config = JSON.parse(json);
    } catch (e) {
      throw new RiffError(`scheduler config is not valid JSON: ${(e as Error).message}`, "scheduler_config");
    }
  }
  if (typeof config !== "object" || config === null || Array.isArray(config)) {
    throw new RiffError("scheduler config must be a JSON object", "scheduler_config");
  }
  return createScheduler(config as Record<string, unknown>, options);
}

export type { Scheduler };
