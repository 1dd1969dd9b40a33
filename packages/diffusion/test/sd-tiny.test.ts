import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { RiffError, Rng } from "@riff/core";
import {
  DiffusionPipeline,
  PromptEncoder,
  UNet,
  VaeDecoder,
  VaeEncoder,
  encodePng,
  formatParameters,
  loadPromptTokenizer,
  readParameters,
  type DenoiseProgress,
  type GenerateOptions,
  type GenerationResult,
} from "@riff/diffusion";

const fixtures = fileURLToPath(new URL("./fixtures/", import.meta.url));
const FIXTURES = ["sd-tiny", "sd-tiny-int64ts"] as const;
interface Ref {
  readonly shape: number[];
  readonly first8: number[];
  readonly sum_abs: number;
}
const reference = JSON.parse(readFileSync(join(fixtures, "reference.json"), "utf8")) as {
  tokenizer: { input_ids: number[][] };
  text_encoder: { last_hidden_state: Ref };
  unet: Record<string, Ref>;
  vae_decoder: { sample: Ref };
  vae_encoder: Record<string, Ref>;
};
const json = (path: string): Record<string, unknown> => JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
const wave = (n: number, amp: number, f: number, fn = Math.sin): Float32Array => Float32Array.from({ length: n }, (_, i) => amp * fn(f * i));

function close(actual: Float32Array, ref: Ref, scale = 1): void {
  const first = Array.from(actual.subarray(0, 8), (v) => v / scale);
  first.forEach((v, i) => assert.ok(Math.abs(v - ref.first8[i]!) < 1e-4, `value ${i}: ${v} vs ${ref.first8[i]}`));
  const sum = actual.reduce((s, v) => s + Math.abs(v / scale), 0);
  assert.ok(Math.abs(sum - ref.sum_abs) < 1e-3 * Math.max(1, ref.sum_abs), `sum |x| ${sum} vs ${ref.sum_abs}`);
}

for (const name of FIXTURES) {
  const dir = join(fixtures, name);
  test(`${name}: each component through riff's wrappers matches reference.json`, async () => {
    const te = await PromptEncoder.load(join(dir, "text_encoder/model.onnx"), json(join(dir, "text_encoder/config.json")), { threads: 1 });
    const tok = loadPromptTokenizer(join(dir, "tokenizer"), te.length);
    const hidden = await te.encode(reference.tokenizer.input_ids.map((ids) => ({ ids, mask: ids.map(() => 1) })));
    assert.deepEqual(hidden.dims, reference.text_encoder.last_hidden_state.shape);
    close(hidden.data, reference.text_encoder.last_hidden_state);
    assert.equal(tok.length, 16);
    await te.dispose();

    const unet = await UNet.load(join(dir, "unet/model.onnx"), json(join(dir, "unet/config.json")), { threads: 1 });
    const sample = wave(512, 0.5, 0.37);
    const context = { data: wave(1024, 0.1, 0.11, Math.cos), dims: [2, 16, 32] };
    let out: Float32Array;
    if (name === "sd-tiny") {
      // Reference timesteps are [999, 500]: riff feeds one timestep per call, so run the items apart.
      const a = await unet.predict(sample.subarray(0, 256), [1, 4, 8, 8], 999, { data: context.data.subarray(0, 512), dims: [1, 16, 32] });
      const b = await unet.predict(sample.subarray(256), [1, 4, 8, 8], 500, { data: context.data.subarray(512), dims: [1, 16, 32] });
      out = new Float32Array(512);
      out.set(a);
      out.set(b, 256);
    } else {
      out = await unet.predict(sample, [2, 4, 8, 8], 500.4, context); // int64 timestep: rounded to 500
    }
    close(out, reference.unet[name]!);
    assert.equal(unet.channels, 4);
    await unet.dispose();

    const decoder = await VaeDecoder.load(join(dir, "vae_decoder/model.onnx"), json(join(dir, "vae_decoder/config.json")));
    assert.equal(decoder.scaling.scale, 0.18215);
    // decode() undoes the scaling factor first, so feed scaled latents to get the raw reference input.
    const decoded = await decoder.decode(wave(256, 1, 0.13).map((v) => v * 0.18215), [1, 4, 8, 8]);
    assert.deepEqual(decoded.dims, reference.vae_decoder.sample.shape);
    close(decoded.data, reference.vae_decoder.sample);
    await decoder.dispose();

    const encoder = await VaeEncoder.load(join(dir, "vae_encoder/model.onnx"), json(join(dir, "vae_encoder/config.json")));
    const pixels = wave(3 * 64 * 64, 0.8, 0.05);
    const z1 = await encoder.encode(pixels, [1, 3, 64, 64], 4, new Rng(5));
    const z2 = await encoder.encode(pixels, [1, 3, 64, 64], 4, new Rng(5));
    assert.deepEqual(z1.dims, [1, 4, 8, 8]);
    assert.deepEqual(z1.data, z2.data);
    if (name === "sd-tiny") {
      close(z1.data, reference.vae_encoder["sd-tiny latent_sample"]!, 0.18215);
    } else {
      // mean ‖ logvar: a sample from the posterior, so near (not at) the mean, and seed-dependent.
      const z3 = await encoder.encode(pixels, [1, 3, 64, 64], 4, new Rng(6));
      assert.notDeepEqual(z1.data, z3.data);
      assert.ok(z1.data.every(Number.isFinite));
    }
    await encoder.dispose();
  });
}

async function collect(p: DiffusionPipeline, options: GenerateOptions): Promise<{ result: GenerationResult; events: DenoiseProgress[] }> {
  const events: DenoiseProgress[] = [];
  const result = await p.run(options, (e) => events.push(e));
  return { result, events };
}

test("text-to-image on the latent fixtures: progress, sizes, byte-identical PNGs per seed", async () => {
  for (const name of FIXTURES) {
    const p = await DiffusionPipeline.load(join(fixtures, name), { threads: 1 });
    try {
      assert.equal(p.kind, "latent");
      assert.deepEqual(p.defaultSize, { width: 64, height: 64 });
      const options = { prompt: "a red circle", steps: 4, seed: 7, guidanceScale: 5 };
      const { result, events } = await collect(p, options);
      // PLMS (PNDM with skip_prk_steps) visits n + 1 timesteps, the first one twice, as diffusers does.
      assert.deepEqual(events.map((e) => e.step), [1, 2, 3, 4, 5]);
      assert.ok(events.every((e) => e.totalSteps === 5));
      assert.ok(events.every((e) => e.unetMs > 0 && e.unetMs <= e.stepMs), "the unet's time is part of each step's");
      const sum = (k: "unetMs" | "stepMs"): number => events.reduce((a, e) => a + e[k], 0);
      assert.equal(result.timings.unetMs, sum("unetMs"));
      assert.equal(result.timings.stepMs, sum("stepMs"));
      assert.ok(result.timings.stepMs <= result.timings.denoiseMs);
      assert.equal(result.denoisingSteps, 5);
      assert.equal(result.scheduler, "PNDMScheduler");
      assert.equal(result.images.length, 1);
      assert.equal(result.images[0]!.width, 64);
      assert.equal(result.images[0]!.channels, 3);
      const png = async (r: GenerationResult): Promise<Buffer> => encodePng(r.images[0]!, formatParameters(r.parameters));
      const again = await p.run(options);
      assert.ok((await png(result)).equals(await png(again)), "same seed, same bytes");
      const other = await p.run({ ...options, seed: 8 });
      assert.notDeepEqual(other.images[0]!.data, result.images[0]!.data);
      assert.equal(
        readParameters(await png(result)),
        `a red circle\nSteps: 4, Sampler: PLMS, CFG scale: 5, Seed: 7, Size: 64x64, Model: ${name}`,
      );
      const negative = await p.run({ ...options, negativePrompt: "blue" });
      assert.notDeepEqual(negative.images[0]!.data, result.images[0]!.data);
    } finally {
      await p.dispose();
    }
  }
});

test("every scheduler runs on both timestep kinds; several images per prompt", async () => {
  for (const name of FIXTURES) {
    const p = await DiffusionPipeline.load(join(fixtures, name), { threads: 1 });
    try {
      for (const scheduler of ["ddpm", "ddim", "euler", "euler-a", "dpm++"]) {
        const r = await p.run({ prompt: "red", scheduler, steps: 3, numImages: 2, karras: scheduler === "dpm++" ? true : undefined });
        assert.equal(r.images.length, 2, scheduler);
        assert.equal(r.denoisingSteps, 3);
        assert.ok(r.images.every((im) => im.data.length === 64 * 64 * 3));
        if (scheduler === "dpm++") assert.equal(r.parameters.sampler, "DPM++ 2M Karras");
      }
      const ddpm = await p.run({ scheduler: "ddpm", steps: 2 });
      assert.equal(ddpm.parameters.sampler, "DDPM");
      assert.equal(ddpm.parameters.steps, 2);
    } finally {
      await p.dispose();
    }
  }
});

test("img2img: strength skips the early timesteps; the init image matters", async () => {
  const initPng = await encodePng({
    width: 32,
    height: 32,
    channels: 3,
    data: Uint8Array.from({ length: 32 * 32 * 3 }, (_, i) => (i * 7) % 256),
  });
  for (const name of FIXTURES) {
    const p = await DiffusionPipeline.load(join(fixtures, name), { threads: 1 });
    try {
      const base = { prompt: "a red circle", steps: 10, seed: 3, initImage: initPng, strength: 0.5, scheduler: "ddim" };
      const { result, events } = await collect(p, base);
      assert.equal(result.denoisingSteps, 5);
      assert.equal(events.length, 5);
      assert.equal(result.parameters.strength, 0.5);
      assert.match(formatParameters(result.parameters), /Denoising strength: 0\.5$/);
      const again = await p.run(base);
      assert.deepEqual(again.images[0]!.data, result.images[0]!.data);
      const otherInit = await p.run({ ...base, initImage: await encodePng({ width: 2, height: 2, channels: 3, data: new Uint8Array(12).fill(255) }) });
      assert.notDeepEqual(otherInit.images[0]!.data, result.images[0]!.data);
      for (const scheduler of ["euler", "dpm++", "euler-a"]) {
        const r = await p.run({ ...base, scheduler });
        assert.equal(r.denoisingSteps, 5, scheduler);
      }
      assert.throws(() => p.resolve({ ...base, strength: 0.05 }), (e: unknown) => e instanceof RiffError && e.option === "strength");
      // The fixtures' own PNDM cannot start part-way: img2img swaps it by default and refuses it by name.
      const own = await p.run({ ...base, scheduler: undefined });
      assert.equal(own.scheduler, "DPMSolverMultistepScheduler");
      assert.throws(() => p.resolve({ ...base, scheduler: "pndm" }), (e: unknown) => e instanceof RiffError && e.option === "scheduler");
    } finally {
      await p.dispose();
    }
  }
});

test("bad options name the option", async () => {
  const p = await DiffusionPipeline.load(join(fixtures, "sd-tiny"), { threads: 1 });
  try {
    const refuses = (options: GenerateOptions, option: string, pattern: RegExp): void =>
      assert.throws(
        () => p.resolve(options),
        (e: unknown) => e instanceof RiffError && e.option === option && pattern.test(e.message),
        `${option}: ${pattern}`,
      );
    refuses({ width: 60 }, "width", /^width must be a multiple of 8/);
    refuses({ height: 100 }, "height", /^height must be a multiple of 8/);
    refuses({ width: 128 }, "width", /^width must be 64/);
    refuses({ steps: 0 }, "steps", /^steps must be/);
    refuses({ steps: 2.5 }, "steps", /^steps must be an integer/);
    refuses({ guidanceScale: Number.NaN }, "guidanceScale", /guidanceScale must be a number in \[0, 100\], got NaN/);
    refuses({ guidanceScale: -1 }, "guidanceScale", /\[0, 100\]/);
    refuses({ scheduler: "heun" }, "scheduler", /^scheduler must be one of ddpm, ddim, euler, euler-a, dpm\+\+, pndm.*got "heun"/);
    refuses({ sampler: "euler", cfg: 7 } as never, "sampler", /unknown image generation options "sampler", "cfg"/);
    refuses({ scheduler: "ddim", karras: true }, "karras", /karras/);
    refuses({ numImages: 0 }, "numImages", /numImages/);
    refuses({ strength: 0.5 }, "strength", /init image/);
    refuses({ initImage: "x.png", strength: 1.5 }, "strength", /strength/);
    await assert.rejects(p.run({ initImage: Buffer.from("not an image"), steps: 2 }), /initImage: cannot read/);
  } finally {
    await p.dispose();
  }
});

test("model folders: missing parts and CPU-incompatible graphs give clear errors", async () => {
  const dir = mkdtempSync(join(tmpdir(), "riff-model-"));
  try {
    await assert.rejects(DiffusionPipeline.load(join(dir, "nope")), /^RiffError: model: no such folder/);
    await assert.rejects(DiffusionPipeline.load(dir), (e: unknown) => e instanceof RiffError && e.option === "model" && /no unet\/model\.onnx/.test(e.message));
    mkdirSync(join(dir, "unet"));
    mkdirSync(join(dir, "scheduler"));
    copyFileSync(join(fixtures, "../../../onnx/test/fixtures/contrib-op.onnx"), join(dir, "unet/model.onnx"));
    await assert.rejects(DiffusionPipeline.load(dir), /no scheduler\/scheduler_config\.json/);
    writeFileSync(join(dir, "scheduler/scheduler_config.json"), JSON.stringify({ _class_name: "DDPMScheduler" }));
    await assert.rejects(DiffusionPipeline.load(dir), /operators the CPU execution provider lacks/);
    // A text-conditioned unet without a text encoder is refused at load.
    copyFileSync(join(fixtures, "sd-tiny/unet/model.onnx"), join(dir, "unet/model.onnx"));
    await assert.rejects(DiffusionPipeline.load(dir), /needs encoder_hidden_states but the folder has no text_encoder/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
