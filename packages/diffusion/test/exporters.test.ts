// Folders written by the real exporters (optimum's ONNX export, diffusers' legacy convert script) of
// tiny random-weight SD and SD-inpainting pipelines, against diffusers' PyTorch pipelines fed riff's
// noise (fixtures/exporters: make.py, references.py, references/references.json).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DiffusionPipeline, loadImage, type GenerateOptions } from "@riff/diffusion";

const root = fileURLToPath(new URL("./fixtures/exporters/", import.meta.url));
const refs = join(root, "references");

interface Case {
  readonly name: string;
  readonly mode: "txt2img" | "img2img" | "inpaint";
  readonly scheduler: string;
  readonly steps: number;
  readonly seed: number;
  readonly strength?: number;
}
interface References {
  readonly prompt: string;
  readonly negative_prompt: string;
  readonly guidance_scale: number;
  readonly size: number;
  readonly cases: Record<string, Case>;
}
const references = JSON.parse(readFileSync(join(refs, "references.json"), "utf8")) as References;

function options(c: Case): GenerateOptions {
  const size = references.size;
  return {
    prompt: references.prompt,
    negativePrompt: references.negative_prompt,
    guidanceScale: references.guidance_scale,
    steps: c.steps,
    seed: c.seed,
    scheduler: c.scheduler,
    width: size,
    height: size,
    ...(c.mode === "txt2img" ? {} : { initImage: join(refs, "init.png"), strength: c.strength }),
    ...(c.mode === "inpaint" ? { mask: join(refs, "mask.png") } : {}),
  };
}

/** Max |Δ| over all channels of riff's image and the reference PNG. */
async function maxDiff(folder: string, c: Case): Promise<number> {
  await using pipeline = await DiffusionPipeline.load(join(root, folder), { threads: 1 });
  const result = await pipeline.run(options(c));
  assert.deepEqual(result.warnings, []);
  const got = result.images[0]!;
  const want = await loadImage(join(refs, `${c.name}.png`), { width: got.width, height: got.height, channels: 3 });
  assert.equal(got.data.length, want.data.length);
  let worst = 0;
  for (let i = 0; i < got.data.length; i++) worst = Math.max(worst, Math.abs(got.data[i]! - want.data[i]!));
  return worst;
}

for (const c of Object.values(references.cases)) {
  const kind = c.mode === "inpaint" ? "inpaint" : "sd";
  for (const layout of ["optimum", "legacy"]) {
    test(`${layout}-${kind} ${c.name} matches diffusers' pipeline within 1/255`, async () => {
      const diff = await maxDiff(`${layout}-${kind}`, c);
      console.log(`${layout}-${kind} ${c.name}: max |Δ| ${diff}`);
      assert.ok(diff <= 1, `max |Δ| ${diff}`);
    });
  }
}
