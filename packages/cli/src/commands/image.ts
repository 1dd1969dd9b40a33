/** `riff image`: its flags come from the image option schema; this file reads them, runs and saves. */
import { relative } from "node:path";
import type { Command } from "commander";
import { RiffError, resolveModelDir } from "@riff/core";
import {
  DiffusionPipeline,
  checkGenerateOptions,
  checkOutputPath,
  encodePng,
  formatParameters,
  imageLoadOptionsSchema,
  imageOptionsSchema,
  makeGrid,
  outputPaths,
  writeFilesAtomically,
  type DenoiseProgress,
  type GenerateOptions,
  type GenerationResult,
} from "@riff/diffusion";
import { existsSync, statSync } from "node:fs";
import { addFlags, readFlags } from "../flags.js";
import { interruptSignal } from "../signals.js";
import { STDOUT, writeStdout } from "../stdout.js";

/** The flags that are the CLI's own (the rest come from the schemas). */
interface ImageCliOptions {
  readonly out: string;
  readonly model?: string;
  readonly json?: boolean;
}

/** Image options the CLI does not take as flags: the prompt is the argument, the signal is Ctrl-C. */
const FLAG_KEYS = imageOptionsSchema.keys().filter((key) => key !== "prompt" && key !== "signal");

export function registerImage(program: Command): void {
  const command = program
    .command("image")
    .description("Generate images from a prompt with a diffusion model (PNG, parameters stored in the file)")
    .argument("[prompt...]", "what to draw (ignored by unconditional models)")
    .requiredOption("-o, --out <file.png>", "PNG to write; with --num-images N > 1: FILE-1.png … FILE-N.png and a grid at FILE.png; - writes the one PNG to stdout, the report going to stderr")
    .option("--model <dir>", "model folder: pixel DDPM, riff pixel text-to-image, or ONNX Stable Diffusion (default: the embedded shapes-diffusion)");
  addFlags(command, imageLoadOptionsSchema);
  addFlags(command, imageOptionsSchema, FLAG_KEYS);
  command.option("--json", "print a JSON report (files, seed, steps, timings)").action(async (words: string[], options: ImageCliOptions, self: Command) => {
    await runImage(words.join(" "), options, self.opts());
  });
}

/** Every check that needs no model, so bad input fails before anything loads. */
function checkFlags(
  prompt: string,
  options: ImageCliOptions,
  flags: Readonly<Record<string, unknown>>,
): { generate: GenerateOptions; modelPath: string; paths: ReturnType<typeof outputPaths> } {
  const toStdout = options.out === STDOUT;
  if (!toStdout) checkOutputPath(options.out, "--out");
  const generate: GenerateOptions = { prompt, seed: 0, ...readFlags(imageOptionsSchema, flags, FLAG_KEYS) };
  try {
    checkGenerateOptions(generate);
  } catch (error) {
    throw imageOptionsSchema.inVocabulary(error, "cli");
  }
  for (const [flag, file] of [["--init-image", generate.initImage], ["--mask", generate.mask]] as const) {
    if (typeof file === "string" && (!existsSync(file) || !statSync(file).isFile())) throw new RiffError(`${flag}: no such file: ${file}`, flag);
  }
  const modelPath = resolveModelDir("image", options.model, "--model");
  if (toStdout) {
    if ((generate.numImages ?? 1) > 1) throw new RiffError(`--out - writes one PNG to stdout; --num-images ${generate.numImages} needs a file name`, "--num-images");
    return { generate, modelPath, paths: { images: [STDOUT], grid: undefined } };
  }
  const paths = outputPaths(options.out, generate.numImages ?? 1);
  for (const path of [...paths.images, ...(paths.grid ? [paths.grid] : [])]) checkOutputPath(path, "--out");
  return { generate, modelPath, paths };
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

async function runImage(prompt: string, options: ImageCliOptions, flags: Readonly<Record<string, unknown>>): Promise<void> {
  const started = performance.now();
  const load = readFlags(imageLoadOptionsSchema, flags);
  const { generate, modelPath, paths } = checkFlags(prompt, options, flags);
  const pipeline = await DiffusionPipeline.load(modelPath, load).catch((error: unknown) => {
    throw imageLoadOptionsSchema.inVocabulary(error, "cli");
  });
  const loadMs = performance.now() - started;
  let result: GenerationResult;
  const bar = progressBar();
  try {
    pipeline.resolve(generate); // checks the options against the model before any work
    result = await pipeline.run({ ...generate, signal: interruptSignal() }, (p) => bar.update(p));
  } catch (error) {
    throw imageOptionsSchema.inVocabulary(error, "cli");
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
  if (options.out === STDOUT) await writeStdout(files[0]!.data);
  else writeFilesAtomically(files);
  const saveMs = performance.now() - saveStart;
  report(result, { options, modelPath, paths, loadMs, saveMs, totalMs: performance.now() - started });
}

function report(
  result: GenerationResult,
  c: { options: ImageCliOptions; modelPath: string; paths: ReturnType<typeof outputPaths>; loadMs: number; saveMs: number; totalMs: number },
): void {
  const ms = (x: number): number => Number(x.toFixed(1));
  // With --out - stdout carries the PNG: the report goes to stderr.
  const sink = c.options.out === STDOUT ? process.stderr : process.stdout;
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
    sink.write(JSON.stringify(json, null, 2) + "\n");
    return;
  }
  const shown = c.options.out === STDOUT ? ["stdout"] : [...c.paths.images.map((f) => relative(process.cwd(), f) || f)];
  if (c.paths.grid) shown.push(`grid ${relative(process.cwd(), c.paths.grid) || c.paths.grid}`);
  sink.write(
    `wrote ${shown.join(", ")}: ${p.width}x${p.height}, ${result.denoisingSteps} steps of ${p.sampler}, seed ${p.seed} ` +
      `in ${(c.totalMs / 1000).toFixed(1)} s (${result.timings.stepsPerSecond.toFixed(1)} steps/s)\n`,
  );
}
