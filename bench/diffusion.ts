import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DiffusionPipeline } from "@riff/diffusion";
import { heldoutPrompts, measureAdherence } from "../packages/diffusion/test/adherence.js";
import { loadDataset } from "../packages/diffusion/test/shape-raster.js";
import { goal, median, round, spread, type BenchSection } from "./section.js";

const modelDir = fileURLToPath(new URL("../models/shapes-diffusion", import.meta.url));
const PROMPT = "a large red circle at the center on a blue background";
const SCHEDULERS = ["dpm++", "euler", "euler-a", "ddim"] as const;
const REPS = 10;
/** Untimed runs per scheduler first, so its step code is JIT-compiled before it is measured. */
const WARMUP = 3;

/**
 * The embedded default image model, per scheduler at 20 steps with guidance (each step is one
 * batched unet call of 2): steps per second, and the scheduler-plus-guidance overhead as a share of
 * the denoiser's own time, (Σ stepMs − Σ unetMs) / Σ unetMs from the pipeline's timings.
 */
export const diffusionSection: BenchSection = {
  name: "diffusion",
  run: () =>
    withPipeline(async (pipeline) => {
      const figures: Record<string, unknown> = {};
      for (const scheduler of SCHEDULERS) {
        const stepsPerSecond: number[] = [];
        const overhead: number[] = [];
        for (let i = 0; i < WARMUP; i++) await pipeline.run({ prompt: PROMPT, scheduler, steps: 20, seed: 100 + i });
        for (let i = 0; i < REPS; i++) {
          const { timings } = await pipeline.run({ prompt: PROMPT, scheduler, steps: 20, seed: i });
          stepsPerSecond.push(timings.stepsPerSecond);
          overhead.push((timings.stepMs - timings.unetMs) / timings.unetMs);
        }
        figures[`${scheduler}StepsPerSecond`] = spread(stepsPerSecond);
        figures[`${scheduler}OverheadShare`] = spread(overhead, 3);
        // Judged per scheduler: the ancestral ones draw fresh noise every step, which costs more.
        figures[`${scheduler}OverheadGoal`] = goal(round(median(overhead), 3), "≤", 0.02);
      }
      return figures;
    }),
};

/** Scheduler and step counts compared; DDPM at 1000 steps is the reference. */
const ADHERENCE_RUNS = [
  { scheduler: "dpm++", steps: 10 },
  { scheduler: "dpm++", steps: 20 },
  { scheduler: "dpm++", steps: 25 },
  { scheduler: "euler-a", steps: 20 },
  { scheduler: "ddim", steps: 50 },
  { scheduler: "ddpm", steps: 1000 },
] as const;
/** Held-out captions per run: the same fixed subset for every scheduler, so the comparison is fair. */
const ADHERENCE_PROMPTS = 20;

/**
 * Prompt adherence against model calls on captions held out of training (dataset.json "heldout"),
 * read back by the test suite's shape analyzer: "all" = shape, colour, position and background
 * right. Slow (DDPM-1000 is 20 000 unet calls), hence its own section.
 */
export const diffusionAdherenceSection: BenchSection = {
  name: "diffusion-adherence",
  run: () =>
    withPipeline(async (pipeline) => {
      const dataset = loadDataset(join(modelDir, "dataset.json"));
      const prompts = heldoutPrompts(dataset, ADHERENCE_PROMPTS);
      const figures: Record<string, unknown> = { heldoutCaptions: prompts.length };
      const all: Record<string, number> = {};
      for (const { scheduler, steps } of ADHERENCE_RUNS) {
        const report = await measureAdherence(pipeline, prompts, { scheduler, steps, dataset });
        const key = `${scheduler}-${steps}`;
        all[key] = report.rates.all;
        const r = (v: number): number => round(v, 3);
        figures[key] = {
          all: r(report.rates.all),
          shape: r(report.rates.shape),
          color: r(report.rates.color),
          position: r(report.rates.position),
          background: r(report.rates.background),
          unetCallsPerImage: report.steps / report.n,
          seconds: round(report.seconds, 3),
        };
        console.error(`[bench] adherence ${key}: all ${r(report.rates.all)} in ${round(report.seconds, 3)} s`);
      }
      // Goal: DPM-Solver++ at 20 steps within 2 points of DDPM at 1000 steps.
      figures.dpm20MinusDdpm1000 = goal(round((all["dpm++-20"] ?? 0) - (all["ddpm-1000"] ?? 0), 3), "≥", -0.02);
      return figures;
    }),
};

/** Runs `measure` on the embedded image model, loaded on one thread, and disposes of it after. */
async function withPipeline<T>(measure: (pipeline: DiffusionPipeline) => Promise<T>): Promise<T> {
  const pipeline = await DiffusionPipeline.load(modelDir, { threads: 1 });
  try {
    return await measure(pipeline);
  } finally {
    await pipeline.dispose();
  }
}
