/**
 * The one table of riff's diffusion schedulers. Everything that lists them (the short names a CLI
 * offers, the diffusers class names a scheduler_config.json may hold, AUTOMATIC1111 sampler labels,
 * default step counts, which support Karras sigmas or img2img, the constructors createScheduler
 * calls) derives from it: a new scheduler is one file plus one row here.
 */
import { RiffError } from "../errors.js";
import { DDIMScheduler } from "./ddim.js";
import { DDPMScheduler } from "./ddpm.js";
import { DPMSolverMultistepScheduler } from "./dpm-solver.js";
import { EulerAncestralDiscreteScheduler } from "./euler-ancestral.js";
import { EulerDiscreteScheduler } from "./euler.js";
import { LCMScheduler } from "./lcm.js";
import { PNDMScheduler } from "./pndm.js";
import type { Scheduler } from "./scheduler.js";

/** A scheduler class as the table holds it: built from a scheduler_config.json object. */
export interface SchedulerConstructor {
  new (config: Record<string, unknown>): Scheduler;
  /** diffusers' __init__ defaults for the class: a key missing from a config takes these. */
  readonly defaults: Readonly<Record<string, unknown>>;
}

/** One row of {@link SCHEDULERS}. */
export interface SchedulerEntry {
  /** The short name, as a CLI's --scheduler takes it (lower case). */
  readonly name: string;
  /** Further short names accepted for it (lower case). */
  readonly aliases: readonly string[];
  /** The diffusers class it implements: scheduler_config.json's `_class_name`. */
  readonly className: string;
  /** AUTOMATIC1111's sampler name, as written into a PNG's "parameters" chunk ("Karras" is appended for Karras sigmas). */
  readonly label: string;
  /** Inference steps when the caller gives none; "train" is every training timestep (a schedule for training, not sampling). */
  readonly defaultSteps: number | "train";
  /** Whether its σ schedule can be replaced by Karras et al. 2022's (config use_karras_sigmas). */
  readonly karras: boolean;
  /** Whether a run can start part-way through its schedule, as img2img does. */
  readonly partial: boolean;
  /** The class; its instances report `className`. */
  readonly create: SchedulerConstructor;
}

/** The registered schedulers, in the order a CLI lists them. */
export const SCHEDULERS = [
  { name: "ddpm", aliases: [], className: "DDPMScheduler", label: "DDPM", defaultSteps: "train", karras: false, partial: true, create: DDPMScheduler },
  { name: "ddim", aliases: [], className: "DDIMScheduler", label: "DDIM", defaultSteps: 50, karras: false, partial: true, create: DDIMScheduler },
  { name: "euler", aliases: [], className: "EulerDiscreteScheduler", label: "Euler", defaultSteps: 20, karras: true, partial: true, create: EulerDiscreteScheduler },
  {
    name: "euler-a",
    aliases: ["euler-ancestral"],
    className: "EulerAncestralDiscreteScheduler",
    label: "Euler a",
    defaultSteps: 20,
    karras: true,
    partial: true,
    create: EulerAncestralDiscreteScheduler,
  },
  {
    name: "dpm++",
    aliases: ["dpm++2m", "dpmpp-2m"],
    className: "DPMSolverMultistepScheduler",
    label: "DPM++ 2M",
    defaultSteps: 20,
    karras: true,
    partial: true,
    create: DPMSolverMultistepScheduler,
  },
  // riff's PNDM runs its Runge-Kutta warm-up from the schedule's start only.
  { name: "pndm", aliases: ["plms"], className: "PNDMScheduler", label: "PLMS", defaultSteps: 50, karras: false, partial: false, create: PNDMScheduler },
  // For LCM / Turbo-distilled models only: others give blur in its 1–8 steps. img2img runs the tail of the schedule.
  { name: "lcm", aliases: [], className: "LCMScheduler", label: "LCM", defaultSteps: 4, karras: false, partial: true, create: LCMScheduler },
] as const satisfies readonly SchedulerEntry[];

/** A row of the table, with its literal types. */
export type RegisteredScheduler = (typeof SCHEDULERS)[number];
/** The short names: "ddpm" | "ddim" | "euler" | "euler-a" | "dpm++" | "pndm" | "lcm". */
export type SchedulerName = RegisteredScheduler["name"];
/** The diffusers classes riff implements. */
export type SchedulerClassName = RegisteredScheduler["className"];
/** An instance of any registered scheduler class. */
export type AnyScheduler = InstanceType<RegisteredScheduler["create"]>;

/** Column K of rows T, still a tuple: `readonly [T[0][K], T[1][K], …]`. */
type Column<T extends readonly unknown[], K extends PropertyKey> = { readonly [I in keyof T]: T[I] extends Readonly<Record<K, infer V>> ? V : never };

/** One column of the table in row order (Array.map alone would widen the tuple to an array). */
function column<K extends "name" | "className">(key: K): Column<typeof SCHEDULERS, K> {
  return Object.freeze(SCHEDULERS.map((s) => s[key])) as unknown as Column<typeof SCHEDULERS, K>;
}

/** The short names, in table order: a readonly tuple, so a schema can build its enum from it. */
export const SCHEDULER_NAMES = column("name");
/** The diffusers class names, in table order. */
export const SCHEDULER_CLASSES = column("className");
/** Each class's diffusers __init__ defaults. */
export const CLASS_DEFAULTS: Readonly<Record<SchedulerClassName, Readonly<Record<string, unknown>>>> = Object.freeze(
  Object.fromEntries(SCHEDULERS.map((s) => [s.className, s.create.defaults])) as Record<SchedulerClassName, Readonly<Record<string, unknown>>>,
);

/** "DDPMScheduler, … (short names: ddpm, …)": every name a lookup accepts, for messages. */
export function supportedSchedulers(): string {
  const short = SCHEDULERS.flatMap((s) => [s.name, ...s.aliases]);
  return `${SCHEDULER_CLASSES.join(", ")} (short names: ${short.join(", ")})`;
}

/** The row for a diffusers class name (exact) or a short name or alias (any case); undefined for others. */
export function findScheduler(name: string): RegisteredScheduler | undefined {
  const lower = name.toLowerCase();
  return (
    SCHEDULERS.find((s) => s.className === name) ??
    SCHEDULERS.find((s) => s.name === lower || (s.aliases as readonly string[]).includes(lower))
  );
}

/** The row for a class or short name; a RiffError (option "scheduler") listing the registered names otherwise. */
export function schedulerEntry(name: string): RegisteredScheduler {
  const entry = findScheduler(name);
  if (entry === undefined) throw new RiffError(`unknown scheduler "${name}"; supported: ${supportedSchedulers()}`, "scheduler");
  return entry;
}

/** The class a diffusers class name or a short name selects; RiffError listing the supported ones otherwise. */
export function schedulerClassFor(name: string): SchedulerClassName {
  return schedulerEntry(name).className;
}
