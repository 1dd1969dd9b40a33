/** Which scheduler a diffusion run uses, and its default step count: read from core's scheduler table. */
import {
  SCHEDULERS,
  optionError,
  createScheduler,
  schedulerEntry,
  type AnyScheduler,
  type PredictionType,
  type RegisteredScheduler,
  type TimestepSpacing,
} from "@riff/core";
import type { JsonObject } from "./model-files.js";

/** What a model whose own scheduler does not fit the run gets instead. */
const REPLACEMENT = "dpm++";

/** A run's changes to the model's scheduler_config; undefined keeps the model's value. */
export interface SchedulerTuning {
  /** Karras sigmas (use_karras_sigmas). */
  readonly karras?: boolean | undefined;
  /** timestep_spacing. */
  readonly timestepSpacing?: TimestepSpacing | undefined;
  /** prediction_type. */
  readonly predictionType?: PredictionType | undefined;
}

/**
 * The scheduler for a run: `name` (short or diffusers class name) over the model's config, or the
 * model's own class — except a training schedule (default steps "train", i.e. DDPMScheduler, which
 * needs ~1000 steps), which is swapped for DPM++ 2M over the same betas (as diffusers users do with
 * from_config). For img2img (`partial`: the run starts part-way through the schedule) a class that
 * cannot start part-way (PNDM) is swapped too; naming one is an error. `tuning` overrides the
 * model's config keys, as diffusers' `from_config(config, timestep_spacing=…)` does.
 */
export function chooseScheduler(
  modelConfig: JsonObject,
  name: string | undefined,
  tuning: SchedulerTuning = {},
  partial = false,
): AnyScheduler {
  const entry = name !== undefined ? schedulerEntry(name) : modelDefault(modelConfig, partial);
  if (partial && !entry.partial) {
    const usable = SCHEDULERS.filter((s) => s.partial && s.defaultSteps !== "train").map((s) => s.name);
    throw optionError(
      "scheduler",
      `{scheduler} ${entry.name} cannot start part-way through its schedule, as img2img ({initImage}) needs; use ${usable.slice(0, -1).join(", ")} or ${usable.at(-1) ?? ""}`,
    );
  }
  const overrides: Record<string, unknown> = {};
  if (tuning.timestepSpacing !== undefined) overrides.timestep_spacing = tuning.timestepSpacing;
  if (tuning.predictionType !== undefined) overrides.prediction_type = tuning.predictionType;
  return createScheduler(entry.className, modelConfig, { ...(tuning.karras === undefined ? {} : { karras: tuning.karras }), overrides });
}

/** The model's own scheduler (DDPMScheduler when it names none), or {@link REPLACEMENT} where that does not fit. */
function modelDefault(modelConfig: JsonObject, partial: boolean): RegisteredScheduler {
  const own = schedulerEntry(typeof modelConfig._class_name === "string" ? modelConfig._class_name : "DDPMScheduler");
  return own.defaultSteps === "train" || (partial && !own.partial) ? schedulerEntry(REPLACEMENT) : own;
}

/** The registered default step count of a scheduler's class ("train": all num_train_timesteps). */
export function defaultSteps(scheduler: AnyScheduler): number {
  const steps = schedulerEntry(scheduler.className).defaultSteps;
  return steps === "train" ? scheduler.config.num_train_timesteps : steps;
}
