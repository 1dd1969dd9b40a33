/**
 * Prompt adherence of a shapes-diffusion-style model: generate each prompt, read the image back
 * with the {@link ShapeAnalyzer}, and count what matches. Reused by the benchmark.
 */
import { join } from "node:path";
import type { DiffusionPipeline } from "@riff/diffusion";
import { ShapeAnalyzer } from "./shape-analyzer.js";
import { caption, loadDataset, type ShapeSpec, type ShapesDataset } from "./shape-raster.js";

export interface AdherenceOptions {
  readonly scheduler?: string;
  readonly steps?: number;
  readonly guidanceScale?: number;
  /** Prompt k uses seed + k. Default 0. */
  readonly seed?: number;
  /** dataset.json; default: the model folder's. */
  readonly dataset?: ShapesDataset;
}

export interface AdherenceReport {
  readonly n: number;
  /** Fractions in [0, 1]. "all" = shape, colour, position and background all right (size aside). */
  readonly rates: Readonly<Record<keyof ShapeSpec | "all", number>>;
  readonly stepsPerSecond: number;
  /** Denoising steps over all prompts: one (batched, guided) unet call each for these schedulers. */
  readonly steps: number;
  /** Summed over all prompts and steps: the unet calls' own time and the whole steps' time. */
  readonly unetMs: number;
  readonly stepMs: number;
  readonly seconds: number;
  readonly misses: readonly { readonly prompt: string; readonly got: string }[];
}

/**
 * `count` held-out prompts (dataset.json "heldout" triples, never seen in training), cycling
 * through positions and sizes so every one appears; count defaults to one per triple.
 */
export function heldoutPrompts(ds: ShapesDataset, count = ds.heldout.length): ShapeSpec[] {
  const positions = Object.keys(ds.positions);
  const sizes = Object.keys(ds.sizes);
  return Array.from({ length: count }, (_, k) => {
    const t = ds.heldout[k % ds.heldout.length]!;
    return { ...t, position: positions[k % positions.length]!, size: sizes[Math.floor(k / positions.length) % sizes.length]! };
  });
}

export async function measureAdherence(
  model: DiffusionPipeline,
  prompts: readonly ShapeSpec[],
  options: AdherenceOptions = {},
): Promise<AdherenceReport> {
  const ds = options.dataset ?? loadDataset(join(model.files.dir, "dataset.json"));
  const analyzer = new ShapeAnalyzer(ds);
  const hits = { shape: 0, color: 0, position: 0, size: 0, background: 0, all: 0 };
  const misses: { prompt: string; got: string }[] = [];
  let steps = 0;
  let denoiseMs = 0;
  let unetMs = 0;
  let stepMs = 0;
  const start = performance.now();
  for (const [k, spec] of prompts.entries()) {
    const prompt = caption(ds, spec);
    const result = await model.run({
      prompt,
      scheduler: options.scheduler,
      steps: options.steps,
      guidanceScale: options.guidanceScale,
      seed: (options.seed ?? 0) + k,
    });
    steps += result.denoisingSteps;
    denoiseMs += result.timings.denoiseMs;
    unetMs += result.timings.unetMs;
    stepMs += result.timings.stepMs;
    const check = analyzer.check(result.images[0]!, spec);
    for (const key of Object.keys(hits) as (keyof typeof hits)[]) if (check[key]) hits[key]++;
    if (!check.all) {
      const a = analyzer.analyze(result.images[0]!);
      misses.push({ prompt, got: `${a.size ?? "-"} ${a.color ?? "-"} ${a.shape ?? "-"} at the ${a.position ?? "-"} on ${a.background}` });
    }
  }
  const n = prompts.length;
  const rate = (v: number): number => (n > 0 ? v / n : 0);
  return {
    n,
    rates: {
      shape: rate(hits.shape),
      color: rate(hits.color),
      position: rate(hits.position),
      size: rate(hits.size),
      background: rate(hits.background),
      all: rate(hits.all),
    },
    stepsPerSecond: denoiseMs > 0 ? (steps * 1000) / denoiseMs : 0,
    steps,
    unetMs,
    stepMs,
    seconds: (performance.now() - start) / 1000,
    misses,
  };
}
