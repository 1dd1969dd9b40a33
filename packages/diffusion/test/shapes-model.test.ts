import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DiffusionPipeline, encodePng, formatParameters, loadPromptTokenizer, readParameters } from "@riff/diffusion";
import { ShapeAnalyzer } from "./shape-analyzer.js";
import { loadDataset, render } from "./shape-raster.js";

const dir = fileURLToPath(new URL("../../../models/shapes-diffusion", import.meta.url));
const skip = existsSync(join(dir, "unet/model.onnx")) ? false : `the default model is not exported yet (${dir}/unet/model.onnx)`;

test("the default model: whole-word tokenizer padded with [PAD] = 0; the empty caption is all padding", { skip }, () => {
  const tok = loadPromptTokenizer(join(dir, "tokenizer"), 16);
  const { ids } = tok.encode("A small red circle at the top left on a blue background");
  assert.deepEqual(ids, [2, 3, 5, 13, 19, 20, 21, 23, 26, 2, 7, 27, 0, 0, 0, 0]);
  assert.deepEqual(tok.encode("").ids, new Array(16).fill(0));
  assert.equal(tok.encode("a purple circle").ids[1], 1); // [UNK]
});

test("the default model: parameters chunk and byte-identical PNGs per seed", { skip }, async () => {
  const p = await DiffusionPipeline.load(dir, { threads: 1 });
  try {
    const options = { prompt: "a small red circle at the top left on a blue background", seed: 1 };
    const r = await p.run(options);
    assert.equal(r.scheduler, "DPMSolverMultistepScheduler"); // the model's DDPMScheduler config, sampled with DPM++ 2M
    const png = await encodePng(r.images[0]!, formatParameters(r.parameters));
    assert.equal(
      readParameters(png),
      "a small red circle at the top left on a blue background\nSteps: 20, Sampler: DPM++ 2M, CFG scale: 4, Seed: 1, Size: 32x32, Model: shapes-diffusion",
    );
    const again = await p.run(options);
    assert.ok(png.equals(await encodePng(again.images[0]!, formatParameters(again.parameters))));
  } finally {
    await p.dispose();
  }
});

test("the default model: img2img at low strength keeps a rendered shape", { skip }, async () => {
  const ds = loadDataset(join(dir, "dataset.json"));
  const spec = { shape: "square", color: "yellow", position: "center", size: "large", background: "black" };
  const p = await DiffusionPipeline.load(dir, { threads: 1 });
  try {
    const r = await p.run({
      prompt: `a large yellow square at the center on a black background`,
      initImage: render(ds, spec),
      strength: 0.3,
      steps: 20,
      scheduler: "ddim",
    });
    assert.equal(r.denoisingSteps, 6);
    const check = new ShapeAnalyzer(ds).check(r.images[0]!, spec);
    assert.ok(check.all, JSON.stringify(new ShapeAnalyzer(ds).analyze(r.images[0]!)));
  } finally {
    await p.dispose();
  }
});
