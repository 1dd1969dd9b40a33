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

/**
 * diffusers' legacy convert script exports the VAE encoder as `encode(x).latent_dist.sample()`: the
 * graph samples with its own RandomNormalLike, so img2img and inpainting on those folders are random
 * in diffusers and riff alike. riff says so (a warning); matching needs the graph's noise replaced.
 */
function samplesInGraph(folder: string, c: Case): boolean {
  return folder.startsWith("legacy") && c.mode !== "txt2img";
}

/** Max |Δ| over all channels of riff's image and the reference PNG. */
async function maxDiff(folder: string, c: Case): Promise<number | undefined> {
  await using pipeline = await DiffusionPipeline.load(join(root, folder), { threads: 1 });
  const result = await pipeline.run(options(c));
  if (samplesInGraph(folder, c)) {
    assert.match(result.warnings.join("\n"), /vae_encoder draws its own noise/);
    return undefined;
  }
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
    const what = samplesInGraph(`${layout}-${kind}`, c) ? "warns that its vae_encoder samples in-graph" : "matches diffusers' pipeline within 1/255";
    test(`${layout}-${kind} ${c.name} ${what}`, async () => {
      const diff = await maxDiff(`${layout}-${kind}`, c);
      if (diff === undefined) return; // the warning was asserted
      console.log(`${layout}-${kind} ${c.name}: max |Δ| ${diff}`);
      assert.ok(diff <= 1, `max |Δ| ${diff}`);
    });
  }
}

test("a mask on a 4-channel unet, and an inpainting unet without one, are refused by name", async () => {
  await using sd = await DiffusionPipeline.load(join(root, "legacy-sd"), { threads: 1 });
  assert.throws(() => sd.resolve({ initImage: join(refs, "init.png"), mask: join(refs, "mask.png"), width: 64, height: 64 }), /mask.*inpainting model.*takes 4/);
  await using inpaint = await DiffusionPipeline.load(join(root, "legacy-inpaint"), { threads: 1 });
  assert.equal(inpaint.inpainting, true);
  assert.equal(inpaint.latentChannels, 4);
  assert.throws(() => inpaint.resolve({ width: 64, height: 64 }), /inpainting model.*mask/);
  assert.throws(() => inpaint.resolve({ mask: join(refs, "mask.png") }), /mask.*initImage/);
});
