import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DiffusionPipeline, UNet, encodePng, formatParameters, readParameters, type RasterImage } from "@riff/diffusion";

/** ../shared/models/mnist-ddpm from the repo root: a real pretrained DDPM (see its SOURCE.md). */
const dir = fileURLToPath(new URL("../../../../shared/models/mnist-ddpm", import.meta.url));
const skip = existsSync(join(dir, "unet/model.onnx")) ? false : `no pretrained model at ${dir} (../shared is not mounted)`;

/** SOURCE.md "Reference outputs (forward pass, batch 1)". */
const REFERENCES: { name: string; sample: (i: number) => number; t: number; sumAbs: number; first8: number[] }[] = [
  { name: "zeros, t = 500", sample: () => 0, t: 500, sumAbs: 173.2924, first8: [0.239182, 0.236307, 0.241284, 0.252866, 0.241897, 0.231542, 0.237044, 0.243123] },
  { name: "zeros, t = 999", sample: () => 0, t: 999, sumAbs: 127.6847, first8: [0.195213, 0.18547, 0.184439, 0.195368, 0.184107, 0.17488, 0.179235, 0.184587] },
  { name: "zeros, t = 0", sample: () => 0, t: 0, sumAbs: 362.2699, first8: [0.941813, 0.853837, 0.81482, 0.805236, 0.782953, 0.754568, 0.762093, 0.772948] },
  {
    name: "0.5·sin(0.37·i), t = 250",
    sample: (i) => Math.fround(0.5 * Math.sin(0.37 * i)),
    t: 250,
    sumAbs: 337.548,
    first8: [0.418542, 0.641375, 0.816513, 0.942748, 0.978649, 0.936912, 0.85044, 0.709052],
  },
];

test("mnist-ddpm: the unet reproduces SOURCE.md's forward-pass references", { skip }, async () => {
  const config = JSON.parse(readFileSync(join(dir, "unet/config.json"), "utf8")) as Record<string, unknown>;
  const unet = await UNet.load(join(dir, "unet/model.onnx"), config, { threads: 1 });
  try {
    assert.equal(unet.channels, 1);
    assert.deepEqual(unet.fixedSize, { width: 28, height: 28 });
    for (const ref of REFERENCES) {
      const sample = Float32Array.from({ length: 784 }, (_, i) => ref.sample(i));
      const eps = await unet.predict(sample, [1, 1, 28, 28], ref.t);
      ref.first8.forEach((v, i) => assert.ok(Math.abs(eps[i]! - v) < 1e-4, `${ref.name}: ε[${i}] = ${eps[i]} vs ${v}`));
      const sum = eps.reduce((s, v) => s + Math.abs(v), 0);
      assert.ok(Math.abs(sum - ref.sumAbs) < 1e-4 * ref.sumAbs, `${ref.name}: sum |ε| = ${sum} vs ${ref.sumAbs}`);
    }
  } finally {
    await unet.dispose();
  }
});

/** Digit statistics: MNIST is ~13% mean intensity, mostly black, with connected white strokes. */
function assertDigitLike(images: readonly RasterImage[], label: string): void {
  let total = 0;
  let dark = 0;
  let ink = 0;
  for (const [k, im] of images.entries()) {
    assert.equal(im.channels, 1);
    assert.equal(im.width, 28);
    const d = im.data;
    let imgInk = 0;
    let connected = 0;
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) {
        const v = d[y * 28 + x]!;
        total += v;
        if (v < 26) dark++;
        if (v > 229) {
          imgInk++;
          const neighbours = [d[(y - 1) * 28 + x], d[(y + 1) * 28 + x], x > 0 ? d[y * 28 + x - 1] : 0, x < 27 ? d[y * 28 + x + 1] : 0];
          if (neighbours.filter((n) => (n ?? 0) > 128).length >= 2) connected++;
        }
      }
    }
    ink += imgInk;
    assert.ok(imgInk >= 8 && imgInk <= 250, `${label} image ${k}: ${imgInk} white pixels`);
    // Strokes, not speckle: most white pixels have at least two bright 4-neighbours (noise would not).
    assert.ok(connected / imgInk > 0.7, `${label} image ${k}: only ${connected}/${imgInk} white pixels in strokes`);
  }
  const n = images.length * 784;
  const mean = total / n / 255;
  assert.ok(mean > 0.07 && mean < 0.2, `${label}: mean intensity ${mean.toFixed(3)} (MNIST: 0.13)`);
  assert.ok((dark + ink) / n > 0.8, `${label}: only ${(((dark + ink) / n) * 100).toFixed(0)}% of pixels near 0 or 255`);
}

test("mnist-ddpm: DDPM at 1000 steps samples digits", { skip }, async () => {
  const p = await DiffusionPipeline.load(dir); // all cores: the test files run one at a time
  try {
    assert.equal(p.kind, "pixel");
    assert.deepEqual(p.sampleRange, [-0.5, 0.5]);
    let events = 0;
    const r = await p.run({ scheduler: "ddpm", numImages: 4, seed: 0 }, () => events++);
    assert.equal(r.scheduler, "DDPMScheduler");
    assert.equal(r.denoisingSteps, 1000); // DDPM's default: every training timestep
    assert.equal(events, 1000);
    assertDigitLike(r.images, "DDPM");
    assert.equal(r.parameters.guidanceScale, undefined);
    const png = await encodePng(r.images[0]!, formatParameters(r.parameters));
    assert.equal(readParameters(png), "\nSteps: 1000, Sampler: DDPM, Seed: 0, Size: 28x28, Model: mnist-ddpm");
  } finally {
    await p.dispose();
  }
});

test("mnist-ddpm: DDIM at 50 steps samples digits, deterministically per seed", { skip }, async () => {
  const p = await DiffusionPipeline.load(dir); // all cores: the test files run one at a time
  try {
    const r = await p.run({ prompt: "a seven", scheduler: "ddim", steps: 50, numImages: 4, seed: 0 });
    assert.equal(r.denoisingSteps, 50);
    assertDigitLike(r.images, "DDIM");
    assert.deepEqual(r.warnings, ["mnist-ddpm is an unconditional model: the prompt is ignored"]);
    const again = await p.run({ scheduler: "ddim", steps: 50, numImages: 4, seed: 0 });
    assert.deepEqual(again.images.map((i) => i.data), r.images.map((i) => i.data));
    assert.throws(() => p.resolve({ width: 32 }), /width must be 28/);
  } finally {
    await p.dispose();
  }
});
