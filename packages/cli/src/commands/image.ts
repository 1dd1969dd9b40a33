import { existsSync, statSync } from "node:fs";
import { relative } from "node:path";
import type { Command } from "commander";
import { RiffError, checkNumber } from "@riff/core";
import {
  DiffusionPipeline,
  MAX_IMAGES,
  checkOutputPath,
  encodePng,
  formatParameters,
  makeGrid,
  outputPaths,
  writeFilesAtomically,
  type DenoiseProgress,
  type GenerateOptions,
  type GenerationResult,
} from "@riff/diffusion";
import { defaultModelPath } from "../defaults.js";
import { interruptSignal } from "../signals.js";
import { parseInteger, parseNumber } from "../options.js";

interface ImageCliOptions {
  readonly out: string;
  readonly model?: string;
  readonly steps?: number;
  readonly scheduler?: string;
  readonly karras?: boolean;
  readonly guidance?: number;
  readonly negative?: string;
  readonly seed: number;
  readonly width?: number;
  readonly height?: number;
  readonly numImages: number;
  readonly initImage?: string;
  readonly strength?: number;
  readonly json?: boolean;
}

const SCHEDULERS = ["ddpm", "ddim", "euler", "euler-a", "dpm++", "pndm"] as const;

/** The library's option names → this command's flags, for error messages. */
const FLAGS: Readonly<Record<string, string>> = {
  steps: "--steps",
  scheduler: "--scheduler",
  karras: "--karras",
  guidanceScale: "--guidance",
  seed: "--seed",
  width: "--width",
  height: "--height",
  numImages: "--num-images",
  initImage: "--init-image",
  strength: "--strength",
};

/** Re-words a library RiffError so it names the CLI flag ("width must …" → "--width must …"). */
function withFlag(error: unknown): unknown {
  if (!(error instanceof RiffError) || error.option === undefined) return error;
  const flag = FLAGS[error.option];
  if (flag === undefined) return error;
  const message = error.message.startsWith(error.option)
    ? flag + error.message.slice(error.option.length)
    : `${flag}: ${error.message.replace(new RegExp(`^${error.option}:\\s*`), "")}`;
  return new RiffError(message, flag);
}

export function registerImage(program: Command): void {
  program
    .command("image")
    .description("Generate images from a prompt with a diffusion model (PNG, parameters stored in the file)")
    .argument("[prompt...]", "what to draw (ignored by unconditional models)")
    .requiredOption("-o, --out <file.png>", "PNG to write; with --num-images N > 1: FILE-1.png … FILE-N.png and a grid at FILE.png")
    .option("--model <dir>", "model folder: pixel DDPM, riff pixel text-to-image, or ONNX Stable Diffusion (default: the embedded shapes-diffusion)")
    .option("--steps <n>", "denoising steps (default: 1000 for ddpm, 50 for ddim/pndm, 20 otherwise)", parseInteger)
    .option("--scheduler <name>", `${SCHEDULERS.join(" | ")} (default: the model's own; DDPM models use dpm++)`)
    .option("--karras", "Karras sigma schedule (euler, euler-a, dpm++)")
    .option("--guidance <scale>", "classifier-free guidance scale; ≤ 1 turns guidance off (default: 4 pixel models, 7.5 latent)", parseNumber)
    .option("--negative <text>", "negative prompt")
    .option("--seed <n>", "seed: the same seed and options give the same PNG bytes", parseInteger, 0)
    .option("--width <px>", "image width (a multiple of 8 for latent models; fixed-size models allow only their size)", parseInteger)
    .option("--height <px>", "image height", parseInteger)
    .option("--num-images <n>", "images per prompt, denoised as one batch", parseInteger, 1)
    .option("--init-image <file>", "img2img: start from this image (any format sharp reads)")
    .option("--strength <s>", "img2img: share of the schedule to run, (0, 1] (default 0.8)", parseNumber)
    .option("--json", "print a JSON report (files, seed, steps, timings)")
    .action(async (words: string[], options: ImageCliOptions) => {
      await runImage(words.join(" "), options);
    });
}

/** Every check that needs no model, so bad input fails before anything loads. */
function checkFlags(options: ImageCliOptions): { modelPath: string; paths: ReturnType<typeof outputPaths> } {
  checkOutputPath(options.out, "--out");
  if (options.scheduler !== undefined && !(SCHEDULERS as readonly string[]).includes(options.scheduler.toLowerCase())) {
    throw new RiffError(`--scheduler must be one of ${SCHEDULERS.join(", ")}, got "${options.scheduler}"`, "--scheduler");
  }
  if (options.steps !== undefined) checkNumber("--steps", options.steps, { min: 1, integer: true });
  if (options.guidance !== undefined) checkNumber("--guidance", options.guidance, { min: 0 });
  checkNumber("--seed", options.seed, { min: 0, max: Number.MAX_SAFE_INTEGER, integer: true });
  if (options.width !== undefined) checkNumber("--width", options.width, { min: 1, max: 8192, integer: true });
  if (options.height !== undefined) checkNumber("--height", options.height, { min: 1, max: 8192, integer: true });
  checkNumber("--num-images", options.numImages, { min: 1, max: MAX_IMAGES, integer: true });
  if (options.strength !== undefined) {
    if (options.initImage === undefined) throw new RiffError("--strength needs --init-image", "--strength");
    checkNumber("--strength", options.strength, { min: 0, minExclusive: true, max: 1 });
  }
  if (options.initImage !== undefined && (!existsSync(options.initImage) || !statSync(options.initImage).isFile())) {
    throw new RiffError(`--init-image: no such file: ${options.initImage}`, "--init-image");
  }
  const modelPath = options.model ?? defaultModelPath("image");
  if (options.model === undefined && !existsSync(modelPath)) {
    throw new RiffError(`the default image model is missing (${modelPath}); pass --model DIR`, "--model");
  }
  const paths = outputPaths(options.out, options.numImages);
  for (const path of [...paths.images, ...(paths.grid ? [paths.grid] : [])]) checkOutputPath(path, "--out");
  return { modelPath, paths };
}

/** A one-line progress bar on stderr, redrawn in place; only when stderr is a terminal. */
function progressBar(): { update(p: DenoiseProgress): void; done(): void } {
  if (!process.stderr.isTTY) return { update() {}, done() {} };
  const start = performance.now();
  let drawn = false;
  return {
    update(p) {
      const width = 30;
      const filled = Math.round((p.step / p.totalSteps) * width);
      const rate = (p.step * 1000) / Math.max(1, performance.now() - start);
      process.stderr.write(`\r[${"#".repeat(filled)}${".".repeat(width - filled)}] step ${p.step}/${p.totalSteps}  ${rate.toFixed(1)} steps/s`);
      drawn = true;
    },
    done() {
      if (drawn) process.stderr.write("\r\x1b[K");
    },
  };
}

async function runImage(prompt: string, options: ImageCliOptions): Promise<void> {
  const started = performance.now();
  const { modelPath, paths } = checkFlags(options);
  const generate: GenerateOptions = {
    prompt,
    seed: options.seed,
    numImages: options.numImages,
    ...(options.negative !== undefined ? { negativePrompt: options.negative } : {}),
    ...(options.steps !== undefined ? { steps: options.steps } : {}),
    ...(options.scheduler !== undefined ? { scheduler: options.scheduler.toLowerCase() } : {}),
    ...(options.karras ? { karras: true } : {}),
    ...(options.guidance !== undefined ? { guidanceScale: options.guidance } : {}),
    ...(options.width !== undefined ? { width: options.width } : {}),
    ...(options.height !== undefined ? { height: options.height } : {}),
    ...(options.initImage !== undefined ? { initImage: options.initImage } : {}),
    ...(options.strength !== undefined ? { strength: options.strength } : {}),
  };
  const pipeline = await DiffusionPipeline.load(modelPath);
  const loadMs = performance.now() - started;
  let result: GenerationResult;
  const bar = progressBar();
  try {
    pipeline.resolve(generate); // checks the options against the model before any work
    result = await pipeline.run({ ...generate, signal: interruptSignal() }, (p) => bar.update(p));
  } catch (error) {
    throw withFlag(error);
  } finally {
    bar.done();
    await pipeline.dispose();
  }
  for (const warning of result.warnings) process.stderr.write(`riff: ${warning}\n`);

  const saveStart = performance.now();
  const parameters = formatParameters(result.parameters);
  const files = await Promise.all(result.images.map(async (image, i) => ({ path: paths.images[i]!, data: await encodePng(image, parameters) })));
  if (paths.grid) files.push({ path: paths.grid, data: await encodePng(makeGrid(result.images), parameters) });
  interruptSignal().throwIfAborted(); // interrupted while encoding: write nothing
  writeFilesAtomically(files);
  const saveMs = performance.now() - saveStart;
  report(result, { options, modelPath, paths, loadMs, saveMs, totalMs: performance.now() - started });
}

function report(
  result: GenerationResult,
  c: { options: ImageCliOptions; modelPath: string; paths: ReturnType<typeof outputPaths>; loadMs: number; saveMs: number; totalMs: number },
): void {
  const ms = (x: number): number => Number(x.toFixed(1));
  const p = result.parameters;
  if (c.options.json) {
    const json = {
      files: c.paths.images,
      grid: c.paths.grid ?? null,
      model: c.modelPath,
      prompt: p.prompt,
      negativePrompt: p.negativePrompt ?? null,
      seed: p.seed,
      steps: p.steps,
      denoisingSteps: result.denoisingSteps,
      scheduler: result.scheduler,
      sampler: p.sampler,
      guidance: p.guidanceScale ?? null,
      width: p.width,
      height: p.height,
      numImages: result.images.length,
      strength: p.strength ?? null,
      timings: {
        loadMs: ms(c.loadMs),
        encodeMs: ms(result.timings.encodeMs),
        denoiseMs: ms(result.timings.denoiseMs),
        decodeMs: ms(result.timings.decodeMs),
        saveMs: ms(c.saveMs),
        totalMs: ms(c.totalMs),
        stepsPerSecond: Number(result.timings.stepsPerSecond.toFixed(2)),
      },
      warnings: result.warnings,
    };
    process.stdout.write(JSON.stringify(json, null, 2) + "\n");
    return;
  }
  const shown = [...c.paths.images.map((f) => relative(process.cwd(), f) || f)];
  if (c.paths.grid) shown.push(`grid ${relative(process.cwd(), c.paths.grid) || c.paths.grid}`);
  process.stdout.write(
    `wrote ${shown.join(", ")}: ${p.width}x${p.height}, ${result.denoisingSteps} steps of ${p.sampler}, seed ${p.seed} ` +
      `in ${(c.totalMs / 1000).toFixed(1)} s (${result.timings.stepsPerSecond.toFixed(1)} steps/s)\n`,
  );
}
