import { fileURLToPath } from "node:url";
import { DiffusionPipeline } from "@riff/diffusion";
import { spread, type BenchSection } from "./section.js";

const modelDir = fileURLToPath(new URL("../models/shapes-diffusion", import.meta.url));
const PROMPT = "a large red circle at the center on a blue background";
const SCHEDULERS = ["dpm++", "euler", "euler-a", "ddim"] as const;
const REPS = 3;

/**
 * Steps per second of the embedded default image model per scheduler (20 steps, guidance on, so
 * each step is one batched UNet call of 2). The scheduler-overhead share is not measured yet: the
 * pipeline's progress events carry step time but not denoiser time.
 */
export const diffusionSection: BenchSection = {
  name: "diffusion",
  async run() {
    const pipeline = await DiffusionPipeline.load(modelDir, { threads: 1 });
    try {
      const figures: Record<string, unknown> = {};
      for (const scheduler of SCHEDULERS) {
        const stepsPerSecond: number[] = [];
        for (let i = 0; i < REPS; i++) {
          const result = await pipeline.run({ prompt: PROMPT, scheduler, steps: 20, seed: i });
          stepsPerSecond.push(result.timings.stepsPerSecond);
        }
        figures[`${scheduler}StepsPerSecond`] = spread(stepsPerSecond);
      }
      return figures;
    } finally {
      await pipeline.dispose();
    }
  },
};
