// The legacy ONNX Stable Diffusion layout (OnnxStableDiffusionPipeline, the Hub's onnx branches):
// no component config.json, dynamic channel dims, int32 input_ids, vocab.json + merges.txt.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DiffusionPipeline, type GenerateOptions } from "@riff/diffusion";

const fixtures = fileURLToPath(new URL("./fixtures/", import.meta.url));
const legacy = join(fixtures, "sd-tiny-legacy");

test("sd-tiny-legacy has the legacy layout: no config.json, no tokenizer.json, weights.pb", () => {
  for (const part of ["unet", "text_encoder", "vae_decoder", "vae_encoder"]) assert.equal(existsSync(join(legacy, part, "config.json")), false, part);
  assert.equal(existsSync(join(legacy, "tokenizer", "tokenizer.json")), false);
  assert.ok(existsSync(join(legacy, "unet", "weights.pb")));
});

test("the legacy layout loads with diffusers' assumptions and draws sd-tiny's images, text-to-image and img2img", async () => {
  await using old = await DiffusionPipeline.load(legacy, { threads: 1 });
  await using reference = await DiffusionPipeline.load(join(fixtures, "sd-tiny"), { threads: 1 });
  // No sample_size and dynamic dims: OnnxStableDiffusionPipeline's 512 x 512 default, VAE scale 8.
  assert.deepEqual(old.defaultSize, { width: 512, height: 512 });
  assert.equal(old.scaleFactor, 8);
  const options: GenerateOptions = { prompt: "a red circle", negativePrompt: "blue", width: 64, height: 64, steps: 3, guidanceScale: 7.5, seed: 5 };
  const got = await old.run(options);
  const want = await reference.run(options);
  assert.equal(got.parameters.width, 64);
  assert.equal(got.parameters.height, 64);
  assert.deepEqual(got.warnings, []);
  assert.equal(got.images[0]!.width, 64);
  assert.deepEqual(Buffer.from(got.images[0]!.data), Buffer.from(want.images[0]!.data));
  const img2img = { ...options, initImage: want.images[0]!, strength: 0.5, steps: 4 };
  const again = await old.run(img2img);
  assert.deepEqual(Buffer.from(again.images[0]!.data), Buffer.from((await reference.run(img2img)).images[0]!.data));
});
