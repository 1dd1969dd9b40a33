import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DiffusionPipeline } from "@riff/diffusion";
import { heldoutPrompts, measureAdherence } from "./adherence.js";
import { loadDataset } from "./shape-raster.js";

/** The embedded default image model (models/shapes-diffusion). */
const dir = fileURLToPath(new URL("../../../models/shapes-diffusion", import.meta.url));
const skip = existsSync(join(dir, "unet/model.onnx")) ? false : `the default model is not exported yet (${dir}/unet/model.onnx)`;

// Chance levels: shape 1/6, colour 1/8, position 1/5, background 1/8 (mean ≈ 0.15).
const LENIENT_MEAN = 0.3;

test("the default model follows held-out prompts well above chance, with every scheduler", { skip }, async (t) => {
  const p = await DiffusionPipeline.load(dir); // all cores: the test files run one at a time
  try {
    assert.equal(p.kind, "pixel-text");
    assert.deepEqual(p.defaultSize, { width: 32, height: 32 });
    const prompts = heldoutPrompts(loadDataset(join(dir, "dataset.json")), 6);
    for (const scheduler of ["dpm++", "ddim", "euler", "euler-a"]) {
      const report = await measureAdherence(p, prompts, { scheduler, steps: 20 });
      const { shape, color, position, background, all } = report.rates;
      const mean = (shape + color + position + background) / 4;
      t.diagnostic(
        `${scheduler} 20 steps, n=${report.n}: shape ${shape.toFixed(2)} colour ${color.toFixed(2)} position ${position.toFixed(2)} ` +
          `background ${background.toFixed(2)} all ${all.toFixed(2)}; ${report.stepsPerSecond.toFixed(1)} steps/s`,
      );
      assert.ok(mean >= LENIENT_MEAN, `${scheduler}: mean attribute adherence ${mean.toFixed(2)} < ${LENIENT_MEAN}`);
    }
  } finally {
    await p.dispose();
  }
});
