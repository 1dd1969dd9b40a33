/**
 * LCMScheduler against values derived here from diffusers' formulas: the skipping-step timesteps,
 * the boundary-condition scalings, one step's arithmetic with riff's seeded noise, and a run with an
 * oracle denoiser landing on the clean sample in 1–8 steps; then against fixtures/lcm-reference, a numpy
 * transcription of diffusers' LCMScheduler.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { RiffError } from "../src/errors.js";
import { Rng } from "../src/rng.js";
import { LCMScheduler, createScheduler, schedulerEntry } from "../src/schedulers/index.js";

// SD's scaled_linear training schedule, from the formula: β = linspace(√0.00085, √0.012, 1000)², ᾱ = ∏(1 − β).
const ALPHAS_CUMPROD = (() => {
  const out = new Float64Array(1000);
  const a = Math.sqrt(0.00085);
  const b = Math.sqrt(0.012);
  let prod = 1;
  for (let i = 0; i < 1000; i++) {
    const beta = (a + ((b - a) * i) / 999) ** 2;
    prod *= 1 - beta;
    out[i] = prod;
  }
  return out;
})();

function scheduler(steps: number, config: Record<string, unknown> = {}): LCMScheduler {
  const s = new LCMScheduler(config);
  s.setTimesteps(steps);
  return s;
}

const close = (got: number, want: number, tol: number, what: string): void => assert.ok(Math.abs(got - want) <= tol, `${what}: ${got} vs ${want}`);

describe("LCMScheduler", () => {
  it("timesteps: the distillation schedule t = 20k − 1 (k = 50…1), n of them at ⌊i·50/n⌋", () => {
    assert.deepEqual([...scheduler(1).timesteps], [999]);
    assert.deepEqual([...scheduler(2).timesteps], [999, 499]);
    assert.deepEqual([...scheduler(4).timesteps], [999, 759, 499, 259]); // indices 0, 12, 25, 37
    assert.deepEqual([...scheduler(8).timesteps], [999, 879, 759, 639, 499, 379, 259, 139]); // 0, 6, 12, 18, 25, 31, 37, 43
    assert.deepEqual([...scheduler(50).timesteps], Array.from({ length: 50 }, (_, j) => 999 - 20 * j));
    // original_inference_steps 25: t = 40k − 1; n = 3 at ⌊0⌋, ⌊8.33⌋, ⌊16.67⌋.
    assert.deepEqual([...scheduler(3, { original_inference_steps: 25 }).timesteps], [999, 679, 359]);
    assert.throws(
      () => scheduler(51),
      (e: unknown) => e instanceof RiffError && e.option === "steps" && /at most original_inference_steps = 50/.test(e.message),
    );
  });

  it("the training schedule is SD's scaled_linear one by default, and a model's config keeps its own", () => {
    const s = new LCMScheduler();
    for (const t of [0, 259, 999]) close(s.alphasCumprod[t]!, ALPHAS_CUMPROD[t]!, 1e-12, `ᾱ_${t}`);
    const linear = createScheduler("lcm", { beta_schedule: "linear", beta_start: 0.0001, beta_end: 0.02 });
    assert.equal(linear.className, "LCMScheduler");
    close(linear.alphasCumprod[0]!, 1 - 0.0001, 1e-12, "linear ᾱ_0");
  });

  it("boundary scalings: c_skip = σ_d²/((10t)² + σ_d²), c_out = 10t/√((10t)² + σ_d²); c_skip(0) = 1", () => {
    const s = new LCMScheduler();
    assert.deepEqual(s.boundaryScalings(0), { cSkip: 1, cOut: 0 });
    const { cSkip, cOut } = s.boundaryScalings(259);
    close(cSkip, 0.25 / (2590 ** 2 + 0.25), 1e-18, "c_skip(259)");
    close(cOut, 2590 / Math.sqrt(2590 ** 2 + 0.25), 1e-15, "c_out(259)");
  });

  it("one step: x̂0 by the prediction type, f = c_out·x̂0 + c_skip·x, then √ᾱ_next·f + √(1−ᾱ_next)·z with the seed's z", () => {
    const sample = Float32Array.from([0.8, -1.2, 0.1, 2]);
    const output = Float32Array.from([0.3, -0.5, 1.1, 0.05]);
    for (const prediction of ["epsilon", "v_prediction", "sample"] as const) {
      const s = scheduler(4, { prediction_type: prediction, timestep_scaling: 0.001 }); // small scaling: c_skip matters
      const t = 759;
      const next = 499;
      const abar = ALPHAS_CUMPROD[t]!;
      const st = t * 0.001;
      const cSkip = 0.25 / (st * st + 0.25);
      const cOut = st / Math.sqrt(st * st + 0.25);
      const z = new Rng(11);
      const got = s.step(output, t, sample, new Rng(11));
      for (let i = 0; i < sample.length; i++) {
        const x = sample[i]!;
        const m = output[i]!;
        const x0 =
          prediction === "epsilon" ? (x - Math.sqrt(1 - abar) * m) / Math.sqrt(abar) : prediction === "sample" ? m : Math.sqrt(abar) * x - Math.sqrt(1 - abar) * m;
        const f = cOut * x0 + cSkip * x;
        const prev = Math.sqrt(ALPHAS_CUMPROD[next]!) * f + Math.sqrt(1 - ALPHAS_CUMPROD[next]!) * z.normal();
        close(got.predOriginalSample[i]!, f, 1e-5, `${prediction} f[${i}]`);
        close(got.prevSample[i]!, prev, 1e-5, `${prediction} x_prev[${i}]`);
      }
    }
  });

  it("the last step returns f itself and draws no noise", () => {
    const s = scheduler(2);
    const sample = Float32Array.from([0.5, -0.5]);
    const output = Float32Array.from([0.1, 0.2]);
    const rng = new Rng(3);
    const got = s.step(output, 499, sample, rng);
    assert.deepEqual(got.prevSample, got.predOriginalSample);
    assert.equal(rng.normal(), new Rng(3).normal(), "the generator was not advanced");
  });

  it("with an oracle ε-predictor, 1, 2, 4 and 8 steps all land on the clean sample", () => {
    const clean = Float32Array.from([0.7, -0.3, 0.05, -0.9, 0.4]);
    for (const steps of [1, 2, 4, 8]) {
      const s = scheduler(steps);
      const rng = new Rng(steps);
      let x = rng.normalArray(clean.length);
      for (const t of s.timesteps) {
        const abar = s.alphasCumprod[t]!;
        const eps = x.map((v, i) => (v - Math.sqrt(abar) * clean[i]!) / Math.sqrt(1 - abar));
        x = s.step(eps, t, x, rng).prevSample;
      }
      for (let i = 0; i < clean.length; i++) close(x[i]!, clean[i]!, 1e-5, `${steps} steps, value ${i}`);
    }
  });

  it("is registered as lcm: 4 steps by default, no Karras sigmas, img2img from the schedule's tail", () => {
    const entry = schedulerEntry("lcm");
    assert.equal(entry.className, "LCMScheduler");
    assert.equal(schedulerEntry("LCMScheduler").name, "lcm");
    assert.equal(entry.defaultSteps, 4);
    assert.equal(entry.karras, false);
    const s = createScheduler({ _class_name: "LCMScheduler", original_inference_steps: 50, thresholding: false });
    s.setTimesteps(4);
    const tail = s.timesteps.slice(2); // img2img at strength 0.5 starts here: [499, 259]
    const x = s.addNoise(Float32Array.from([0.2]), Float32Array.from([1]), tail[0]!);
    const out = s.step(Float32Array.from([0.1]), tail[0]!, x, new Rng(0));
    assert.equal(out.prevSample.length, 1);
    assert.throws(() => new LCMScheduler({ thresholding: true }), (e: unknown) => e instanceof RiffError && e.option === "thresholding");
  });
});

interface ReferenceStep {
  timestep: number;
  denoised: number[];
  a: number;
  b: number;
}
interface ReferenceCase {
  original_inference_steps: number;
  steps: number;
  prediction_type: string;
  timestep_scaling: number;
  timesteps: number[];
  step: ReferenceStep[];
}
interface Reference {
  sample: number[];
  model_output: number[];
  alphas_cumprod: Record<string, number>;
  cases: ReferenceCase[];
}

describe("LCMScheduler against the numpy transcription of diffusers' (fixtures/lcm-reference)", () => {
  const reference = JSON.parse(readFileSync(new URL("./fixtures/lcm-reference/lcm.json", import.meta.url), "utf8")) as Reference;

  it("the same ᾱ (diffusers keeps float32), timesteps, denoised estimates and re-noising coefficients", () => {
    const s = new LCMScheduler();
    for (const [t, abar] of Object.entries(reference.alphas_cumprod)) close(s.alphasCumprod[Number(t)]!, abar, 1e-6 * abar + 1e-7, `ᾱ_${t}`);
    const sample = Float32Array.from(reference.sample);
    const output = Float32Array.from(reference.model_output);
    assert.equal(reference.cases.length, 48);
    for (const c of reference.cases) {
      const what = `orig ${c.original_inference_steps}, ${c.steps} steps, ${c.prediction_type}, scaling ${c.timestep_scaling}`;
      const scheduler = new LCMScheduler({ original_inference_steps: c.original_inference_steps, prediction_type: c.prediction_type, timestep_scaling: c.timestep_scaling });
      scheduler.setTimesteps(c.steps);
      assert.deepEqual([...scheduler.timesteps], c.timesteps, what);
      for (const ref of c.step) {
        const z = new Rng(17);
        const got = scheduler.step(output, ref.timestep, sample, new Rng(17));
        for (let i = 0; i < sample.length; i++) {
          const d = ref.denoised[i]!;
          close(got.predOriginalSample[i]!, d, 2e-6 * Math.max(1, Math.abs(d)), `${what}, t ${ref.timestep}: denoised[${i}]`);
          const prev = ref.b === 0 ? d : ref.a * d + ref.b * z.normal();
          close(got.prevSample[i]!, prev, 2e-6 * Math.max(1, Math.abs(prev)), `${what}, t ${ref.timestep}: x_prev[${i}]`);
        }
      }
    }
  });
});
