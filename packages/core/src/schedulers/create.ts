import { RiffError } from "../errors.js";
import { SCHEDULER_CLASSES, type SchedulerClassName } from "./config.js";
import { DDIMScheduler } from "./ddim.js";
import { DDPMScheduler } from "./ddpm.js";
import { DPMSolverMultistepScheduler } from "./dpm-solver.js";
import { EulerAncestralDiscreteScheduler } from "./euler-ancestral.js";
import { EulerDiscreteScheduler } from "./euler.js";
import { PNDMScheduler } from "./pndm.js";
import type { Scheduler } from "./scheduler.js";

/** Short names (for a CLI's --scheduler) and the diffusers class each selects. */
export const SCHEDULER_NAMES: Readonly<Record<string, SchedulerClassName>> = {
  ddpm: "DDPMScheduler",
  ddim: "DDIMScheduler",
  pndm: "PNDMScheduler",
  plms: "PNDMScheduler",
  euler: "EulerDiscreteScheduler",
  "euler-a": "EulerAncestralDiscreteScheduler",
  "euler-ancestral": "EulerAncestralDiscreteScheduler",
  "dpm++": "DPMSolverMultistepScheduler",
  "dpm++2m": "DPMSolverMultistepScheduler",
  "dpmpp-2m": "DPMSolverMultistepScheduler",
};

/** Classes whose σ schedule can be replaced by Karras et al. 2022's. */
const KARRAS_CLASSES: readonly SchedulerClassName[] = [
  "EulerDiscreteScheduler",
  "EulerAncestralDiscreteScheduler",
  "DPMSolverMultistepScheduler",
];

export interface CreateSchedulerOptions {
  /** Use Karras sigmas (config use_karras_sigmas); Euler, Euler-ancestral and DPM++ only. */
  readonly karras?: boolean;
  /** DDIM's default η (0 deterministic … 1). */
  readonly eta?: number;
  /** Any further scheduler_config.json keys to set, applied last. */
  readonly overrides?: Readonly<Record<string, unknown>>;
}

export type AnyScheduler =
  | DDPMScheduler
  | DDIMScheduler
  | PNDMScheduler
  | EulerDiscreteScheduler
  | EulerAncestralDiscreteScheduler
  | DPMSolverMultistepScheduler;

const CONSTRUCTORS: Readonly<Record<SchedulerClassName, new (config: Record<string, unknown>) => AnyScheduler>> = {
  DDPMScheduler,
  DDIMScheduler,
  PNDMScheduler,
  EulerDiscreteScheduler,
  EulerAncestralDiscreteScheduler,
  DPMSolverMultistepScheduler,
};

function supportedList(): string {
  return `${SCHEDULER_CLASSES.join(", ")} (short names: ${Object.keys(SCHEDULER_NAMES).join(", ")})`;
}

/** The class a diffusers class name or a short name selects; RiffError listing the supported ones otherwise. */
export function schedulerClassFor(name: string): SchedulerClassName {
  if ((SCHEDULER_CLASSES as readonly string[]).includes(name)) return name as SchedulerClassName;
  const short = SCHEDULER_NAMES[name.toLowerCase()];
  if (short !== undefined) return short;
  throw new RiffError(`unknown scheduler "${name}"; supported: ${supportedList()}`, "scheduler");
}

/**
 * Builds a scheduler.
 * - `createScheduler(config, options?)`: from a scheduler_config.json object, by its `_class_name`.
 * - `createScheduler(name, baseConfig?, options?)`: the class `name` (diffusers class or short name:
 *   ddpm, ddim, pndm, euler, euler-a, dpm++) over a model's config, keeping its betas, prediction
 *   type and the other keys it set explicitly, as diffusers' `Class.from_config(config)` does.
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
  let className: SchedulerClassName;
  let base: Readonly<Record<string, unknown>>;
  let options: CreateSchedulerOptions;
  if (typeof first === "string") {
    className = schedulerClassFor(first);
    base = (second as Readonly<Record<string, unknown>> | undefined) ?? {};
    options = third ?? {};
  } else {
    const name = first._class_name;
    if (typeof name !== "string") {
      throw new RiffError(`scheduler config has no _class_name; supported: ${supportedList()}`, "_class_name");
    }
    if (!(SCHEDULER_CLASSES as readonly string[]).includes(name)) {
      throw new RiffError(`unsupported scheduler _class_name "${name}"; supported: ${supportedList()}`, "_class_name");
    }
    className = name as SchedulerClassName;
    base = first;
    options = (second as CreateSchedulerOptions | undefined) ?? {};
  }
  const overrides: Record<string, unknown> = { ...options.overrides };
  if (options.karras !== undefined) {
    if (options.karras && !KARRAS_CLASSES.includes(className)) {
      throw new RiffError(`karras sigmas are supported by ${KARRAS_CLASSES.join(", ")}, not ${className}`, "karras");
    }
    if (KARRAS_CLASSES.includes(className)) overrides.use_karras_sigmas = options.karras;
  }
  if (options.eta !== undefined) overrides.eta = options.eta;
  const config = Object.keys(overrides).length > 0 ? { ...base, ...overrides, _use_default_values: defaultsWithout(base, overrides) } : base;
  return new CONSTRUCTORS[className](config);
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
