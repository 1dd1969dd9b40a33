/**
 * Image generation's options, declared once: the library validates run()/generate() with this
 * table, the CLI derives `riff image`'s flags from it, and the server maps requests onto it.
 */
import { z } from "zod";
import { OptionSchema, PREDICTION_TYPES, SCHEDULERS, TIMESTEP_SPACINGS, findScheduler, optionError, type OptionInput } from "@riff/core";
import { SESSION_LOAD_OPTIONS } from "@riff/onnx";
import type { RasterImage } from "./raster.js";

/** The most images one call denoises as a batch. */
export const MAX_IMAGES = 64;
/** The widest and tallest image, in pixels. */
export const MAX_SIDE = 4096;
/** The most pixels one call may make, all images together (4096 × 4096). */
export const MAX_PIXELS = 4096 * 4096;
/** The most denoising steps (diffusers' training schedules have 1000 timesteps). */
export const MAX_STEPS = 1000;
/** The longest prompt or negative prompt, in characters (CLIP reads 77 tokens; the rest is truncated with a warning). */
export const MAX_PROMPT_CHARS = 200_000;


const isInitImage = (value: unknown): value is string | Buffer | RasterImage =>
  (typeof value === "string" && value !== "") ||
  Buffer.isBuffer(value) ||
  (typeof value === "object" && value !== null && "data" in value && "width" in value && "height" in value);

export const IMAGE_OPTIONS = {
  prompt: { type: z.string().max(MAX_PROMPT_CHARS), hf: "prompt", doc: "what to draw (ignored, with a warning, by unconditional models)", default: '""' },
  negativePrompt: { type: z.string().max(MAX_PROMPT_CHARS), hf: "negative_prompt", flag: "negative", metavar: "text", doc: "text the guidance steers away from", default: '""' },
  steps: {
    type: z.number().int().min(1).max(MAX_STEPS),
    hf: "num_inference_steps",
    flag: "steps",
    metavar: "n",
    doc: "denoising steps",
    default: "1000 for ddpm, 50 for ddim and pndm, 4 for lcm, 20 otherwise",
  },
  scheduler: {
    type: z.string().refine((name) => findScheduler(name) !== undefined),
    hf: "scheduler",
    flag: "scheduler",
    metavar: "name",
    allowed: `one of ${SCHEDULERS.map((s) => s.name).join(", ")} (or ${SCHEDULERS.flatMap((s) => s.aliases).join(", ")}), or a diffusers class name (${SCHEDULERS.map((s) => s.className).join(", ")})`,
    doc: "the sampler",
    default: "the model's scheduler_config; DDPM models use dpm++",
  },
  karras: { type: z.boolean(), hf: "use_karras_sigmas", flag: "karras", doc: "Karras sigma schedule (euler, euler-a, dpm++)" },
  timestepSpacing: {
    type: z.enum(TIMESTEP_SPACINGS),
    hf: "timestep_spacing",
    flag: "timestep-spacing",
    metavar: "spacing",
    doc: "how the steps are spread over the training timesteps; trailing reaches the last one (Lin et al. 2024)",
    default: "the model's scheduler_config",
  },
  predictionType: {
    type: z.enum(PREDICTION_TYPES),
    hf: "prediction_type",
    flag: "prediction-type",
    metavar: "type",
    doc: "what the denoiser predicts: the noise, the velocity v, or the clean sample",
    default: "the model's scheduler_config",
  },
  guidanceScale: {
    type: z.number().min(0).max(100),
    hf: "guidance_scale",
    flag: "guidance",
    metavar: "scale",
    doc: "classifier-free guidance scale; ≤ 1 runs the conditional branch alone",
    default: "4 for pixel models, 7.5 for latent ones",
  },
  seed: { type: z.number().int().min(0), hf: "seed", flag: "seed", metavar: "n", doc: "seed: the same seed and options give the same PNG bytes", default: "0" },
  width: { type: z.number().int().min(1).max(MAX_SIDE), hf: "width", flag: "width", metavar: "px", doc: "image width (a multiple of 8 for latent models)", default: "the model's size" },
  height: { type: z.number().int().min(1).max(MAX_SIDE), hf: "height", flag: "height", metavar: "px", doc: "image height", default: "the model's size" },
  numImages: { type: z.number().int().min(1).max(MAX_IMAGES), hf: "num_images_per_prompt", flag: "num-images", metavar: "n", doc: "images per prompt, denoised as one batch", default: "1" },
  initImage: {
    type: z.custom<string | Buffer | RasterImage>(isInitImage),
    hf: "image",
    flag: "init-image",
    metavar: "file",
    allowed: "a file path, an encoded image buffer or a raster image",
    doc: "img2img: start from this image, resized to width × height",
  },
  mask: {
    type: z.custom<string | Buffer | RasterImage>(isInitImage),
    hf: "mask_image",
    flag: "mask",
    metavar: "file",
    allowed: "a file path, an encoded image buffer or a raster image",
    doc: "inpainting: repaint the white part of the init image (black is kept); needs an inpainting model (9-channel unet)",
  },
  strength: {
    type: z.number().gt(0).max(1),
    hf: "strength",
    flag: "strength",
    metavar: "s",
    doc: "img2img and inpainting: share of the schedule to run",
    default: "0.8; 1 with a mask",
  },
  signal: { type: z.instanceof(AbortSignal), allowed: "an AbortSignal", doc: "stops the run between steps" },
} as const;

export const imageOptionsSchema = new OptionSchema("image generation", IMAGE_OPTIONS);

/** What to generate. Every field is optional; {@link DiffusionPipeline.resolve} fills the defaults. */
export type GenerateOptions = OptionInput<typeof IMAGE_OPTIONS>;

/**
 * Validates the options that need no model (the CLI calls this before loading anything) and
 * returns them converted; the first fault is a RiffError naming the option.
 */
export function checkGenerateOptions(o: GenerateOptions): ReturnType<typeof imageOptionsSchema.parse> {
  const options = imageOptionsSchema.parse(o, "library");
  if (options.strength !== undefined && options.initImage === undefined) throw optionError("strength", "{strength} needs an init image ({initImage})");
  if (options.mask !== undefined && options.initImage === undefined) throw optionError("mask", "{mask} needs the image to repaint ({initImage})");
  const pixels = (options.numImages ?? 1) * (options.width ?? 1) * (options.height ?? 1);
  if (pixels > MAX_PIXELS) {
    throw optionError("numImages", `{numImages} × {width} × {height} is ${pixels} pixels; at most ${MAX_PIXELS} per call`);
  }
  return options;
}

/** DiffusionPipeline.load's options: threads and execution provider, shared with every modality. */
export const imageLoadOptionsSchema = new OptionSchema("image model load", SESSION_LOAD_OPTIONS);
