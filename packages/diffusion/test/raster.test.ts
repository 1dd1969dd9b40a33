import { test } from "node:test";
import assert from "node:assert/strict";
import { formatParameters, imageToSample, makeGrid, samplerLabel, samplesToImages } from "@riff/diffusion";

test("samples map to 8-bit pixels through the model's range, clamped", () => {
  const data = Float32Array.from([-1, 0, 1, 2, -0.5, 0.5, 0.25, -3]);
  const [img] = samplesToImages(Float32Array.from([-1, 0, 1, 2]), [1, 1, 2, 2], [-1, 1]);
  assert.deepEqual(Array.from(img!.data), [0, 128, 255, 255]);
  const mnist = samplesToImages(Float32Array.from([-0.5, 0, 0.5, -1]), [1, 1, 2, 2], [-0.5, 0.5])[0]!;
  assert.deepEqual(Array.from(mnist.data), [0, 128, 255, 0]);
  assert.throws(() => samplesToImages(data, [1, 2, 2, 2], [-1, 1]), /2 channels/);
});

test("RGB planes interleave, and imageToSample inverts samplesToImages", () => {
  // [1, 3, 1, 2]: planes R = (1, -1), G = (1, -1), B = (-1, 1) → pixels (255, 255, 0), (0, 0, 255).
  const planes = Float32Array.from([1, -1, 1, -1, -1, 1]);
  const [img] = samplesToImages(planes, [1, 3, 1, 2], [-1, 1]);
  assert.deepEqual(Array.from(img!.data), [255, 255, 0, 0, 0, 255]);
  const back = imageToSample(img!, [-1, 1]);
  assert.deepEqual(Array.from(back), Array.from(planes));
});

test("makeGrid tiles row-major with ⌈√n⌉ columns", () => {
  const tile = (v: number) => ({ width: 1, height: 1, channels: 1 as const, data: Uint8Array.from([v]) });
  const grid = makeGrid([tile(1), tile(2), tile(3)]);
  assert.equal(grid.width, 2);
  assert.equal(grid.height, 2);
  assert.deepEqual(Array.from(grid.data), [1, 2, 3, 0]);
  assert.throws(() => makeGrid([]), /at least one/);
});

test("parameters are written the AUTOMATIC1111 way", () => {
  assert.equal(
    formatParameters({
      prompt: "a small red circle",
      negativePrompt: "blue",
      steps: 20,
      sampler: samplerLabel("DPMSolverMultistepScheduler"),
      guidanceScale: 4,
      seed: 1,
      width: 32,
      height: 32,
      model: "shapes-diffusion",
    }),
    "a small red circle\nNegative prompt: blue\nSteps: 20, Sampler: DPM++ 2M, CFG scale: 4, Seed: 1, Size: 32x32, Model: shapes-diffusion",
  );
  assert.equal(
    formatParameters({ prompt: "", steps: 50, sampler: samplerLabel("DDIMScheduler"), seed: 0, width: 28, height: 28, model: "mnist-ddpm", strength: 0.5 }),
    "\nSteps: 50, Sampler: DDIM, Seed: 0, Size: 28x28, Model: mnist-ddpm, Denoising strength: 0.5",
  );
  assert.equal(samplerLabel("EulerAncestralDiscreteScheduler"), "Euler a");
  assert.equal(samplerLabel("DPMSolverMultistepScheduler", true), "DPM++ 2M Karras");
});
