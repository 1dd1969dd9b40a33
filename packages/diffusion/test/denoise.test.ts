import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Rng, createScheduler, runSteps, runToEnd, type Tensor } from "@riff/core";
import { DiffusionPipeline, denoiseModel, type Denoiser } from "@riff/diffusion";

/** A fake unet: ε = 0.1·x + (context's first value), recording each call's batch and timestep. */
function fakeUnet(calls: { batch: number; t: number }[]): Denoiser {
  return {
    async predict(sample, dims, t, context?: Tensor) {
      calls.push({ batch: dims[0], t });
      const item = dims[1] * dims[2] * dims[3];
      const ctxItem = context ? context.data.length / context.dims[0]! : 0;
      return sample.map((x, i) => 0.1 * x + (context ? context.data[Math.floor(i / item) * ctxItem]! : 0));
    },
  };
}

test("guidance batches the unconditional and conditional halves into one unet call per step", async () => {
  const scheduler = createScheduler("ddim", {});
  scheduler.setTimesteps(5);
  const calls: { batch: number; t: number }[] = [];
  // n = 2 images; context rows: 2 unconditional (value 0), then 2 conditional (value 1).
  const context = { data: Float32Array.from([0, 0, 1, 1]), dims: [4, 1, 1] };
  const model = denoiseModel({ unet: fakeUnet(calls), scheduler, timesteps: scheduler.timesteps, dims: [2, 1, 1, 2], context, guidanceScale: 3 });
  const x = Float32Array.from([1, 2, 3, 4]);
  const eps = await model.predict({ sample: x }, 0);
  // ε = ε_u + 3·(ε_c − ε_u) = 0.1x + 3·1
  assert.deepEqual(Array.from(eps, (v) => Math.round(v * 1e5) / 1e5), [3.1, 3.2, 3.3, 3.4]);
  assert.deepEqual(calls, [{ batch: 4, t: scheduler.timesteps[0] }]);
  const end = await runToEnd(model, { sample: x }, { rng: new Rng(0) });
  assert.equal(end.steps, 5);
  assert.equal(end.stopReason, "done");
  assert.equal(calls.length, 6);
  assert.ok(calls.every((c) => c.batch === 4));
});

test("without guidance the unet sees the batch once", async () => {
  const scheduler = createScheduler("euler", {});
  scheduler.setTimesteps(3);
  const calls: { batch: number; t: number }[] = [];
  const model = denoiseModel({ unet: fakeUnet(calls), scheduler, timesteps: scheduler.timesteps, dims: [1, 1, 2, 2] });
  const events = [];
  for await (const e of runSteps(model, { sample: new Float32Array(4).fill(1) }, { rng: new Rng(0) })) events.push(e.step);
  assert.deepEqual(events, [0, 1, 2]);
  assert.deepEqual(calls.map((c) => c.batch), [1, 1, 1]);
});

test("onUnetMs reports each unet call's own time, once per step", async () => {
  const scheduler = createScheduler("ddim", {});
  scheduler.setTimesteps(4);
  const calls: { batch: number; t: number }[] = [];
  const times: number[] = [];
  const context = { data: Float32Array.from([0, 1]), dims: [2, 1, 1] };
  const model = denoiseModel({
    unet: fakeUnet(calls),
    scheduler,
    timesteps: scheduler.timesteps,
    dims: [1, 1, 1, 2],
    context,
    guidanceScale: 2,
    onUnetMs: (ms) => times.push(ms),
  });
  for await (const e of runSteps(model, { sample: Float32Array.from([1, 2]) }, { rng: new Rng(0) })) {
    assert.equal(times.length, e.step + 1, "reported before the step's event");
    assert.ok(times[e.step]! >= 0 && times[e.step]! <= e.predictMs);
  }
  assert.equal(times.length, calls.length);
});

test("guidance ≤ 1 runs the conditional branch alone (as diffusers)", async () => {
  const fixtures = fileURLToPath(new URL("./fixtures/", import.meta.url));
  const p = await DiffusionPipeline.load(join(fixtures, "sd-tiny"), { threads: 1 });
  try {
    const a = await p.run({ prompt: "red", steps: 3, guidanceScale: 1, negativePrompt: "blue" });
    const b = await p.run({ prompt: "red", steps: 3, guidanceScale: 0.5 });
    assert.deepEqual(a.images[0]!.data, b.images[0]!.data);
    const c = await p.run({ prompt: "red", steps: 3, guidanceScale: 2 });
    assert.notDeepEqual(a.images[0]!.data, c.images[0]!.data);
  } finally {
    await p.dispose();
  }
});

test("an abort signal stops the run with a RiffError", async () => {
  const fixtures = fileURLToPath(new URL("./fixtures/", import.meta.url));
  const p = await DiffusionPipeline.load(join(fixtures, "sd-tiny"), { threads: 1 });
  try {
    const controller = new AbortController();
    const it = p.generate({ prompt: "red", steps: 10, signal: controller.signal });
    const first = await it.next();
    assert.equal(first.done, false);
    controller.abort();
    await assert.rejects(it.next(), /aborted/);
  } finally {
    await p.dispose();
  }
});
