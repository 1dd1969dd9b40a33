import { RiffError, checkNumber } from "@riff/core";
import type { RasterImage } from "./raster.js";

/** What to generate. Every field is optional; {@link DiffusionPipeline.resolve} fills the defaults. */
export interface GenerateOptions {
  /** Ignored (with a warning) by unconditional models. */
  readonly prompt?: string;
  /** Text the guidance steers away from; "" (the unconditional prompt) when absent. */
  readonly negativePrompt?: string;
  /**
   * Denoising steps. Default: 1000 (num_train_timesteps) for DDPM, 20 for Euler, Euler a and
   * DPM++ 2M, 50 for DDIM and PNDM.
   */
  readonly steps?: number;
  /**
   * ddpm | ddim | euler | euler-a | dpm++ | pndm, or a diffusers class name. Default: the model's
   * scheduler_config.json, except that a DDPMScheduler (a training schedule that needs ~1000 steps)
   * is replaced by DPM++ 2M over the same betas; so is PNDM for img2img (it cannot start part-way).
   */
  readonly scheduler?: string;
  /** Karras σ schedule (Euler, Euler a, DPM++ 2M). */
  readonly karras?: boolean;
  /** Classifier-free guidance scale; ≤ 1 runs the conditional branch alone (as diffusers). Default: 7.5 latent, 4 pixel. */
  readonly guidanceScale?: number;
  /** Default 0: the same options give the same images. */
  readonly seed?: number;
  readonly width?: number;
  readonly height?: number;
  /** Images per prompt, denoised as one batch. Default 1. */
  readonly numImages?: number;
  /** img2img: a path, an encoded image buffer or a raster image; resized to width × height. */
  readonly initImage?: string | Buffer | RasterImage;
  /** img2img: how much of the schedule to run, (0, 1]; 1 ignores the init image's content. Default 0.8. */
  readonly strength?: number;
  readonly signal?: AbortSignal;
}

export const MAX_IMAGES = 64;

/** Checks the option values that need no model (the CLI calls this before loading anything). */
export function checkGenerateOptions(o: GenerateOptions): void {
  if (o.steps !== undefined) checkNumber("steps", o.steps, { min: 1, integer: true });
  if (o.guidanceScale !== undefined) checkNumber("guidanceScale", o.guidanceScale, { min: 0 });
  if (o.seed !== undefined) checkNumber("seed", o.seed, { min: 0, max: Number.MAX_SAFE_INTEGER, integer: true });
  if (o.width !== undefined) checkNumber("width", o.width, { min: 1, max: 8192, integer: true });
  if (o.height !== undefined) checkNumber("height", o.height, { min: 1, max: 8192, integer: true });
  if (o.numImages !== undefined) checkNumber("numImages", o.numImages, { min: 1, max: MAX_IMAGES, integer: true });
  if (o.strength !== undefined) {
    checkNumber("strength", o.strength, { min: 0, minExclusive: true, max: 1 });
    if (o.initImage === undefined) throw new RiffError("strength needs an init image (initImage)", "strength");
  }
  if (o.prompt !== undefined && typeof o.prompt !== "string") throw new RiffError("prompt must be a string", "prompt");
}
