/**
 * A run's plan: the caller's options with the model's defaults filled in and checked against the
 * model (size, inpainting, img2img, steps), and the scheduler the run uses, built once. Nothing
 * runs a model here, so entry points plan a run to refuse bad options before queueing any work.
 */
import { optionError, type AnyScheduler } from "@riff/core";
import type { ModelFiles, ModelKind } from "./model-files.js";
import { MAX_PIXELS, checkGenerateOptions, type GenerateOptions } from "./options.js";
import { chooseScheduler, defaultSteps, type SchedulerTuning } from "./scheduler-choice.js";

/** Options after defaults, checked against the model. */
export interface ResolvedOptions {
  readonly prompt: string;
  readonly negativePrompt: string;
  readonly steps: number;
  readonly schedulerName: string | undefined;
  /** The run's changes to the model's scheduler_config (Karras sigmas, timestep spacing, prediction type). */
  readonly tuning: SchedulerTuning;
  /** undefined for unconditional models. */
  readonly guidanceScale: number | undefined;
  readonly seed: number;
  readonly width: number;
  readonly height: number;
  readonly numImages: number;
  readonly initImage: GenerateOptions["initImage"];
  /** Inpainting: white = repaint. */
  readonly mask: GenerateOptions["mask"];
  readonly strength: number | undefined;
}

/** What planning needs to know of a loaded pipeline. */
export interface PlannedModel {
  readonly name: string;
  readonly kind: ModelKind;
  readonly files: ModelFiles;
  /** It has a text encoder (takes a prompt and guidance). */
  readonly conditioned: boolean;
  readonly inpainting: boolean;
  readonly unetChannels: number;
  /** Pixels per unet cell. */
  readonly scaleFactor: number;
  readonly defaultSize: { readonly width: number; readonly height: number };
  /** The unet's fixed size in cells, when its graph fixes one. */
  readonly fixedSize: { readonly width: number; readonly height: number } | undefined;
  /** A VAE encoder to take an init image into latents. */
  readonly canEncodeImages: boolean;
}

export interface RunPlan {
  readonly options: ResolvedOptions;
  /** With its timesteps set for `options.steps`. */
  readonly scheduler: AnyScheduler;
}

export function planRun(model: PlannedModel, given: GenerateOptions): RunPlan {
  const options = checkGenerateOptions(given);
  const tuning = { karras: options.karras, timestepSpacing: options.timestepSpacing, predictionType: options.predictionType };
  if (options.mask !== undefined && !model.inpainting) {
    throw optionError(
      "mask",
      `{mask} needs an inpainting model (a unet taking latents ⊕ mask ⊕ masked-image latents, 9 channels for SD); ${model.name}'s unet takes ${model.unetChannels}`,
    );
  }
  if (model.inpainting && (options.mask === undefined || options.initImage === undefined)) {
    throw optionError("mask", `${model.name} is an inpainting model: give the image ({initImage}) and a {mask} whose white part it repaints`);
  }
  const initStrength = options.initImage === undefined ? undefined : (options.strength ?? (options.mask !== undefined ? 1 : 0.8));
  // Inpainting at strength 1 starts from pure noise (diffusers' is_strength_max), so any scheduler fits.
  const partial = initStrength !== undefined && !(options.mask !== undefined && initStrength === 1);
  const scheduler = chooseScheduler(model.files.scheduler, options.scheduler, tuning, partial);
  const steps = options.steps ?? defaultSteps(scheduler);
  scheduler.setTimesteps(steps); // validates steps against num_train_timesteps
  const size = model.defaultSize;
  const width = options.width ?? size.width;
  const height = options.height ?? size.height;
  const f = model.scaleFactor;
  for (const [option, value, fixed] of [
    ["width", width, model.fixedSize?.width],
    ["height", height, model.fixedSize?.height],
  ] as const) {
    if (value % f !== 0) throw optionError(option, `{${option}} must be a multiple of ${f} for this latent model, got ${value}`);
    if (fixed !== undefined && value !== fixed * f) {
      throw optionError(option, `{${option}} must be ${fixed * f}: ${model.name} makes ${size.width}x${size.height} images only, got ${value}`);
    }
  }
  const pixels = (options.numImages ?? 1) * width * height;
  if (pixels > MAX_PIXELS) throw optionError("numImages", `{numImages} × {width} × {height} is ${pixels} pixels; at most ${MAX_PIXELS} per call`);
  let strength: number | undefined;
  if (options.initImage !== undefined) {
    if (model.kind === "latent" && !model.canEncodeImages) {
      throw optionError("initImage", `{initImage} needs a vae_encoder/, which ${model.name} lacks`);
    }
    strength = initStrength ?? 0.8;
    if (Math.floor(steps * strength) < 1) {
      throw optionError("strength", `{strength} ${strength} with ${steps} {steps} leaves no denoising step; raise {strength} or {steps}`);
    }
  }
  const resolved: ResolvedOptions = {
    prompt: options.prompt ?? "",
    negativePrompt: options.negativePrompt ?? "",
    steps,
    schedulerName: options.scheduler,
    tuning,
    guidanceScale: model.conditioned ? (options.guidanceScale ?? (model.kind === "latent" ? 7.5 : 4)) : undefined,
    seed: options.seed ?? 0,
    width,
    height,
    numImages: options.numImages ?? 1,
    initImage: options.initImage,
    mask: options.mask,
    strength,
  };
  return { options: resolved, scheduler };
}
