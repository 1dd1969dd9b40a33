import { optionError, createScheduler, schedulerClassFor, type AnyScheduler } from "@riff/core";
import type { JsonObject } from "./model-files.js";

/**
 * The scheduler for a run: `name` (short or diffusers class name) over the model's config, or the
 * model's own class — except DDPMScheduler, a training schedule that needs ~1000 steps, which is
 * swapped for DPM++ 2M over the same betas (as diffusers users do with from_config). For img2img
 * (`partial`: the run starts part-way through the schedule) PNDM is swapped too: riff's PNDM only
 * runs its schedule from the start.
 */
export function chooseScheduler(
  modelConfig: JsonObject,
  name: string | undefined,
  karras: boolean | undefined,
  partial = false,
): AnyScheduler {
  const own = typeof modelConfig._class_name === "string" ? modelConfig._class_name : "DDPMScheduler";
  const swap = own === "DDPMScheduler" || (partial && own === "PNDMScheduler");
  const className = name !== undefined ? schedulerClassFor(name) : swap ? "DPMSolverMultistepScheduler" : own;
  if (partial && className === "PNDMScheduler") {
    throw optionError("scheduler", "{scheduler} pndm cannot start part-way through its schedule, as img2img ({initImage}) needs; use ddim, euler, euler-a or dpm++");
  }
  return createScheduler(className, modelConfig, karras === undefined ? {} : { karras });
}

/** Default step counts per scheduler class. */
export function defaultSteps(scheduler: AnyScheduler): number {
  switch (scheduler.className) {
    case "DDPMScheduler":
      return scheduler.config.num_train_timesteps;
    case "EulerDiscreteScheduler":
    case "EulerAncestralDiscreteScheduler":
    case "DPMSolverMultistepScheduler":
      return 20;
    default:
      return 50;
  }
}
