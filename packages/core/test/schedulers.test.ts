import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RiffError } from "../src/errors.js";
import { Rng } from "../src/rng.js";
import {
  DDIMScheduler,
  DDPMScheduler,
  DPMSolverMultistepScheduler,
  EulerAncestralDiscreteScheduler,
  EulerDiscreteScheduler,
  PNDMScheduler,
  SCHEDULER_CLASSES,
  createScheduler,
  schedulerFromConfig,
  type CreateSchedulerOptions,
  type PredictionType,
  type Scheduler,
} from "../src/schedulers/index.js";

/** Stable Diffusion v1.x scheduler_config.json, as its diffusers / ONNX exports ship it. */
const SD_CONFIG = {
  _class_name: "PNDMScheduler",
  _diffusers_version: "0.6.0",
  beta_end: 0.012,
  beta_schedule: "scaled_linear",
  beta_start: 0.00085,
  num_train_timesteps: 1000,
  set_alpha_to_one: false,
  skip_prk_steps: true,
  steps_offset: 1,
  trained_betas: null,
  clip_sample: false,
} as const;

// ---- An independent reference for SD's training schedule, straight from the formulas. ----
const NT = 1000;
const ALPHAS_CUMPROD = (() => {
  const out = new Float64Array(NT);
  const a = Math.sqrt(0.00085);
  const b = Math.sqrt(0.012);
  let prod = 1;
  for (let i = 0; i < NT; i++) {
    const beta = (a + (i * (b - a)) / (NT - 1)) ** 2; // scaled_linear: √β linear
    prod *= 1 - beta;
    out[i] = prod;
  }
  return out;
})();
const TRAIN_SIGMAS = Array.from(ALPHAS_CUMPROD, (ab) => Math.sqrt((1 - ab) / ab));
/** σ at a (possibly fractional) timestep: linear interpolation between training steps. */
function sigmaAt(t: number): number {
  const lo = Math.min(Math.floor(t), NT - 2);
  const f = t - lo;
  return TRAIN_SIGMAS[lo]! + f * (TRAIN_SIGMAS[lo + 1]! - TRAIN_SIGMAS[lo]!);
}
const alphaBarAt = (t: number): number => 1 / (1 + sigmaAt(t) ** 2);

function close(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} is not within ${tol} of ${expected}`);
}

// ---- 1-D Gaussian data x0 ~ N(MU, S²) and its exact (Bayes-optimal) denoiser. ----
const MU = 0.7;
const S = 1.0;

/**
 * The model sees the variance-preserving input z = √ᾱ·x0 + √(1−ᾱ)·ε (what scaleModelInput returns
 * for every scheduler), so z ~ N(√ᾱ·μ, ᾱs² + 1 − ᾱ) and E[ε | z] = √(1−ᾱ)(z − √ᾱμ)/(ᾱs² + 1 − ᾱ).
 * ᾱ comes from the timestep through σ(t) (fractional t for Euler). `scale` ≠ 1 makes a wrong model.
 */
function analyticModel(prediction: PredictionType, scale = 1, mu = MU) {
  return (z: Float32Array, t: number): Float32Array => {
    const ab = alphaBarAt(t);
    const sa = Math.sqrt(ab);
    const sb = Math.sqrt(1 - ab);
    const k = (scale * sb) / (ab * S * S + 1 - ab);
    const out = new Float32Array(z.length);
    for (let i = 0; i < z.length; i++) {
      const eps = k * (z[i]! - sa * mu);
      const x0 = (z[i]! - sb * eps) / sa;
      out[i] = prediction === "epsilon" ? eps : prediction === "sample" ? x0 : sa * eps - sb * x0;
    }
    return out;
  };
}

/** Standard normals with empirical mean exactly 0 and std exactly 1 (removes start-noise sampling error). */
function standardNormals(n: number, seed: number): Float32Array {
  const x = new Rng(seed).normalArray(n);
  const { mean, std } = meanStd(x);
  return x.map((v) => (v - mean) / std);
}

function meanStd(x: Float32Array): { mean: number; std: number } {
  let m = 0;
  for (const v of x) m += v;
  m /= x.length;
  let q = 0;
  for (const v of x) q += (v - m) ** 2;
  return { mean: m, std: Math.sqrt(q / x.length) };
}

interface Run {
  readonly make: (prediction: PredictionType) => Scheduler;
  readonly steps: number;
  /** Sample coordinates: "vp" x = √ᾱx0 + √(1−ᾱ)ε, or "ve" x = x0 + σε (Euler family). */
  readonly form: "vp" | "ve";
  readonly n: number;
}

/**
 * Starts from the exact marginal at the first timestep (so the SD schedule's non-zero terminal SNR
 * does not bias the result), then runs the usual loop: scale input → model → step.
 */
function sampleGaussian(run: Run, prediction: PredictionType, scale = 1, seed = 1, modelMu = MU): Float32Array {
  const scheduler = run.make(prediction);
  scheduler.setTimesteps(run.steps);
  const model = analyticModel(prediction, scale, modelMu);
  const t0 = scheduler.timesteps[0]!;
  const ab = alphaBarAt(t0);
  const [m, v] = run.form === "vp" ? [Math.sqrt(ab) * MU, ab * S * S + 1 - ab] : [MU, S * S + sigmaAt(t0) ** 2];
  let x: Float32Array = standardNormals(run.n, seed).map((z) => m + Math.sqrt(v) * z);
  const rng = new Rng(seed + 1000);
  for (const t of scheduler.timesteps) {
    const out = model(scheduler.scaleModelInput(x, t), t);
    x = scheduler.step(out, t, x, rng).prevSample;
  }
  return x;
}

const sd = (name: string, options?: CreateSchedulerOptions) => (prediction: PredictionType) =>
  createScheduler(name, SD_CONFIG, { ...options, overrides: { ...options?.overrides, prediction_type: prediction } });

/**
 * Tolerances: |mean − μ| ≤ mean, |std − s| ≤ std (s = 1). They cover each sampler's own
 * discretization error at these step counts (first-order ODE solvers lose up to ~6% of the std:
 * the last step outputs a posterior mean) plus sampling noise for the stochastic ones.
 */
const CASES: Array<Run & { name: string; tol: { mean: number; std: number } }> = [
  { name: "DDPM 1000 steps", make: sd("ddpm", { overrides: { steps_offset: 0 } }), steps: 1000, form: "vp", n: 6000, tol: { mean: 0.04, std: 0.04 } },
  { name: "DDIM 50 steps (η = 0)", make: sd("ddim"), steps: 50, form: "vp", n: 12000, tol: { mean: 0.01, std: 0.05 } },
  { name: "DDIM 50 steps (η = 1)", make: sd("ddim", { eta: 1 }), steps: 50, form: "vp", n: 12000, tol: { mean: 0.03, std: 0.07 } },
  { name: "PNDM (PLMS) 50 steps", make: sd("pndm"), steps: 50, form: "vp", n: 12000, tol: { mean: 0.01, std: 0.015 } },
  { name: "PNDM (PRK + PLMS) 50 steps", make: sd("pndm", { overrides: { skip_prk_steps: false } }), steps: 50, form: "vp", n: 12000, tol: { mean: 0.01, std: 0.015 } },
  { name: "Euler 30 steps", make: sd("euler"), steps: 30, form: "ve", n: 12000, tol: { mean: 0.01, std: 0.08 } },
  { name: "Euler 30 steps, Karras sigmas", make: sd("euler", { karras: true }), steps: 30, form: "ve", n: 12000, tol: { mean: 0.01, std: 0.08 } },
  { name: "Euler ancestral 50 steps", make: sd("euler-a"), steps: 50, form: "ve", n: 16000, tol: { mean: 0.03, std: 0.08 } },
  { name: "DPM-Solver++ 2M 20 steps", make: sd("dpm++"), steps: 20, form: "vp", n: 12000, tol: { mean: 0.01, std: 0.04 } },
  { name: "DPM-Solver++ 2M 20 steps, Karras sigmas", make: sd("dpm++", { karras: true }), steps: 20, form: "vp", n: 12000, tol: { mean: 0.01, std: 0.02 } },
  { name: "DPM-Solver++ 2M 10 steps (lower_order_final)", make: sd("dpm++"), steps: 10, form: "vp", n: 12000, tol: { mean: 0.01, std: 0.08 } },
];

function within(x: Float32Array, tol: { mean: number; std: number }): { ok: boolean; detail: string } {
  const { mean, std } = meanStd(x);
  const ok = Math.abs(mean - MU) <= tol.mean && Math.abs(std - S) <= tol.std;
  return { ok, detail: `mean ${mean.toFixed(4)} (μ ${MU} ± ${tol.mean}), std ${std.toFixed(4)} (s ${S} ± ${tol.std})` };
}

describe("schedulers sample a 1-D Gaussian with its exact denoiser", () => {
  for (const c of CASES) {
    it(`${c.name}: final mean ≈ μ and std ≈ s`, () => {
      const result = within(sampleGaussian(c, "epsilon"), c.tol);
      assert.ok(result.ok, result.detail);
    });
  }

  it("negative control: a wrong model (ε̂·0.5, ε̂·0.9, or a shifted mean) fails the same tolerances", () => {
    for (const c of CASES.filter((k) => k.name.startsWith("DDIM 50 steps (η = 0") || k.name.startsWith("Euler 30") || k.name.startsWith("DPM-Solver++ 2M 20"))) {
      for (const scale of [0.5, 0.9]) {
        const result = within(sampleGaussian(c, "epsilon", scale), c.tol);
        assert.ok(!result.ok, `${c.name} with ε̂·${scale} should fail: ${result.detail}`);
      }
      // A model of the wrong mean (μ = 0.65) fails the mean tolerance.
      const shifted = within(sampleGaussian(c, "epsilon", 1, 1, MU - 0.05), c.tol);
      assert.ok(!shifted.ok, `${c.name} with μ − 0.05 should fail: ${shifted.detail}`);
    }
  });

  it("v_prediction and sample prediction give the same samples as epsilon", () => {
    const names = ["DDIM 50 steps (η = 1)", "Euler 30 steps", "Euler ancestral 50 steps", "DPM-Solver++ 2M 20 steps, Karras sigmas"];
    const ddpm100 = { make: sd("ddpm"), steps: 100, form: "vp" as const, n: 2000 };
    const runs: Run[] = [...CASES.filter((c) => names.includes(c.name)).map((c) => ({ ...c, n: 3000 })), ddpm100];
    for (const run of runs) {
      const eps = sampleGaussian(run, "epsilon");
      for (const prediction of ["v_prediction", "sample"] as const) {
        const other = sampleGaussian(run, prediction);
        let worst = 0;
        for (let i = 0; i < eps.length; i++) worst = Math.max(worst, Math.abs(other[i]! - eps[i]!));
        assert.ok(worst < 2e-3, `${run.steps}-step ${prediction}: max difference ${worst}`);
      }
    }
    // PNDM also takes v_prediction.
    const pndm = { make: sd("pndm"), steps: 50, form: "vp" as const, n: 2000 };
    const a = sampleGaussian(pndm, "epsilon");
    const b = sampleGaussian(pndm, "v_prediction");
    assert.ok(a.every((v, i) => Math.abs(v - b[i]!) < 2e-3));
  });
});

describe("DDIM η", () => {
  const run = (eta: number, seed: number, perCall?: number): Float32Array => {
    const s = new DDIMScheduler({ ...SD_CONFIG, eta });
    s.setTimesteps(20);
    let x: Float32Array = new Rng(7).normalArray(256);
    const rng = new Rng(seed);
    const model = analyticModel("epsilon");
    for (const t of s.timesteps) x = s.step(model(x, t), t, x, rng, perCall === undefined ? {} : { eta: perCall }).prevSample;
    return x;
  };
  it("η = 0 is deterministic: two different rngs give identical samples", () => {
    assert.deepEqual(run(0, 1), run(0, 2));
  });
  it("η = 1 is not, and a per-step eta option overrides the config", () => {
    assert.notDeepEqual(run(1, 1), run(1, 2));
    assert.notDeepEqual(run(0, 1, 1), run(0, 2, 1));
    assert.deepEqual(run(1, 1, 0), run(1, 2, 0));
  });
});

describe("timesteps and sigmas for the Stable Diffusion config", () => {
  it("DDIM leading 50 steps with steps_offset 1 → 981, 961, …, 1", () => {
    const s = createScheduler("ddim", SD_CONFIG);
    s.setTimesteps(50);
    assert.deepEqual(Array.from(s.timesteps), Array.from({ length: 50 }, (_, k) => 981 - 20 * k));
  });

  it("DDIM trailing 16 steps rounds half to even like numpy", () => {
    const s = createScheduler("ddim", SD_CONFIG, { overrides: { timestep_spacing: "trailing" } });
    s.setTimesteps(16);
    // round(1000 − 62.5k) − 1 with 937.5 → 938, 812.5 → 812, …
    assert.deepEqual(Array.from(s.timesteps), [999, 937, 874, 811, 749, 687, 624, 561, 499, 437, 374, 311, 249, 187, 124, 61]);
  });

  it("DDIM linspace 4 steps", () => {
    const s = createScheduler("ddim", SD_CONFIG, { overrides: { timestep_spacing: "linspace" } });
    s.setTimesteps(4);
    assert.deepEqual(Array.from(s.timesteps), [999, 666, 333, 0]);
  });

  it("Euler linspace 30 steps: float32 timesteps 999 … 0, σ_max ≈ 14.6146, σ_min ≈ 0.0292", () => {
    const s = createScheduler("euler", SD_CONFIG) as EulerDiscreteScheduler;
    assert.equal(s.config.timestep_spacing, "linspace"); // Euler's default; the SD config does not set it
    s.setTimesteps(30);
    const ts = Array.from(s.timesteps);
    assert.equal(ts.length, 30);
    ts.forEach((t, i) => assert.equal(t, Math.fround(((29 - i) * 999) / 29)));
    const sig = s.sigmas;
    assert.equal(sig.length, 31);
    close(sig[0]!, 14.6146, 1e-4, "σ_max");
    close(sig[0]!, TRAIN_SIGMAS[999]!, 1e-9, "σ_max vs formula");
    close(sig[29]!, 0.0292, 1e-4, "σ_min");
    close(sig[29]!, Math.sqrt(0.00085 / (1 - 0.00085)), 1e-9, "σ_min vs formula");
    close(sig[1]!, sigmaAt(ts[1]!), 1e-9, "σ at a fractional timestep");
    assert.equal(sig[30], 0);
    close(s.initNoiseSigma, TRAIN_SIGMAS[999]!, 1e-9, "initNoiseSigma (linspace: σ_max)");
  });

  it("Euler leading 30 steps: 958 … 1 and initNoiseSigma √(σ_max² + 1)", () => {
    const s = createScheduler("euler", SD_CONFIG, { overrides: { timestep_spacing: "leading" } });
    s.setTimesteps(30);
    assert.deepEqual(Array.from(s.timesteps), Array.from({ length: 30 }, (_, k) => 958 - 33 * k));
    close(s.initNoiseSigma, Math.sqrt(TRAIN_SIGMAS[958]! ** 2 + 1), 1e-9, "initNoiseSigma");
  });

  it("Karras sigmas (Euler, 30 steps): endpoints σ_max and σ_min, σ^(1/7) evenly spaced", () => {
    const s = createScheduler("euler", SD_CONFIG, { karras: true }) as EulerDiscreteScheduler;
    s.setTimesteps(30);
    const sig = s.sigmas;
    close(sig[0]!, TRAIN_SIGMAS[999]!, 1e-9, "first σ");
    close(sig[29]!, TRAIN_SIGMAS[0]!, 1e-9, "last σ");
    assert.equal(sig[30], 0);
    const step = (TRAIN_SIGMAS[0]! ** (1 / 7) - TRAIN_SIGMAS[999]! ** (1 / 7)) / 29;
    for (let i = 0; i < 30; i++) close(sig[i]! ** (1 / 7), TRAIN_SIGMAS[999]! ** (1 / 7) + i * step, 1e-9, `σ_${i}^(1/7)`);
    const ts = s.timesteps;
    assert.equal(ts[0], 999);
    close(ts[29]!, 0, 1e-9, "last timestep");
    // Each timestep maps back to its σ by log-σ interpolation of the training sigmas.
    for (const i of [5, 15, 25]) {
      const t = ts[i]!;
      const lo = Math.floor(t);
      const w = t - lo;
      const logSigma = (1 - w) * Math.log(TRAIN_SIGMAS[lo]!) + w * Math.log(TRAIN_SIGMAS[lo + 1]!);
      close(logSigma, Math.log(sig[i]!), 1e-6, `log σ at t=${t}`);
    }
  });

  it("DPM-Solver++ timesteps: linspace, trailing, Karras", () => {
    const lin = createScheduler("dpm++", SD_CONFIG) as DPMSolverMultistepScheduler;
    lin.setTimesteps(20);
    // round(linspace(0, 999, 21)) reversed without the 0 (499.5 → 500, 449.55 → 450).
    assert.deepEqual(Array.from(lin.timesteps), [999, 949, 899, 849, 799, 749, 699, 649, 599, 549, 500, 450, 400, 350, 300, 250, 200, 150, 100, 50]);
    lin.timesteps.forEach((t, i) => close(lin.sigmas[i]!, TRAIN_SIGMAS[t]!, 1e-12, `σ(${t})`));
    assert.equal(lin.sigmas[20], 0); // final_sigmas_type "zero"
    assert.equal(lin.initNoiseSigma, 1);

    const trailing = createScheduler("dpm++", SD_CONFIG, { overrides: { timestep_spacing: "trailing" } });
    trailing.setTimesteps(20);
    assert.deepEqual(Array.from(trailing.timesteps), Array.from({ length: 20 }, (_, k) => 999 - 50 * k));

    const karras = createScheduler("dpm++", SD_CONFIG, { karras: true }) as DPMSolverMultistepScheduler;
    karras.setTimesteps(20);
    assert.deepEqual(Array.from(karras.timesteps), [999, 962, 921, 876, 827, 772, 710, 640, 561, 474, 380, 285, 197, 123, 69, 35, 15, 6, 2, 0]);
    close(karras.sigmas[0]!, TRAIN_SIGMAS[999]!, 1e-9, "first σ");
    close(karras.sigmas[19]!, TRAIN_SIGMAS[0]!, 1e-9, "last σ");
  });

  it("PNDM with skip_prk_steps repeats the second-to-last grid timestep (PLMS bootstrap)", () => {
    const s = schedulerFromConfig(JSON.stringify(SD_CONFIG));
    assert.ok(s instanceof PNDMScheduler);
    s.setTimesteps(50);
    const expected = [981, ...Array.from({ length: 49 }, (_, k) => 961 - 20 * k)];
    expected.splice(2, 0, 961);
    assert.deepEqual(Array.from(s.timesteps), expected);
  });

  it("squaredcos_cap_v2 betas follow the cosine ᾱ(t), capped at 0.999", () => {
    const s = new DDPMScheduler({ beta_schedule: "squaredcos_cap_v2", num_train_timesteps: 1000 });
    const f = (t: number): number => Math.cos(((t + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
    for (const i of [0, 1, 500, 998]) close(s.betas[i]!, Math.min(1 - f((i + 1) / 1000) / f(i / 1000), 0.999), 1e-12, `β_${i}`);
    assert.equal(s.betas[999], 0.999);
  });

  it("addNoise: √ᾱ·x0 + √(1−ᾱ)·n for DDPM-type, x0 + σ·n for Euler", () => {
    const x0 = new Float32Array([0.5, -1]);
    const noise = new Float32Array([1, 2]);
    const ddim = createScheduler("ddim", SD_CONFIG);
    const a = ALPHAS_CUMPROD[500]!;
    const y = ddim.addNoise(x0, noise, 500);
    close(y[1]!, Math.sqrt(a) * -1 + Math.sqrt(1 - a) * 2, 1e-6, "ddim addNoise");
    const euler = createScheduler("euler", SD_CONFIG);
    euler.setTimesteps(30);
    const t = euler.timesteps[3]!;
    close(euler.addNoise(x0, noise, t)[0]!, 0.5 + sigmaAt(t), 1e-5, "euler addNoise");
  });
});

describe("createScheduler", () => {
  it("overriding the class keeps the model's betas and explicit keys, and takes the new class's defaults", () => {
    const euler = createScheduler("euler", SD_CONFIG);
    assert.ok(euler instanceof EulerDiscreteScheduler);
    assert.equal(euler.config.beta_schedule, "scaled_linear");
    assert.equal(euler.config.beta_start, 0.00085);
    assert.equal(euler.config.steps_offset, 1);
    // A resolved DDIM config (timestep_spacing defaulted to "leading") seeds Euler with Euler's default.
    const ddim = createScheduler("ddim", SD_CONFIG);
    assert.equal(ddim.config.timestep_spacing, "leading");
    assert.equal(createScheduler("euler", ddim.config).config.timestep_spacing, "linspace");
    // An explicit key survives.
    assert.equal(createScheduler("euler", { ...SD_CONFIG, timestep_spacing: "trailing" }).config.timestep_spacing, "trailing");
    assert.ok(createScheduler("euler-a", SD_CONFIG) instanceof EulerAncestralDiscreteScheduler);
    assert.ok(createScheduler("DPMSolverMultistepScheduler", SD_CONFIG) instanceof DPMSolverMultistepScheduler);
    assert.equal(createScheduler("dpm++", SD_CONFIG, { karras: true }).config.use_karras_sigmas, true);
    assert.ok(createScheduler({ ...SD_CONFIG, _class_name: "DDPMScheduler" }) instanceof DDPMScheduler);
  });

  it("an unknown _class_name throws a RiffError listing the supported classes", () => {
    assert.throws(
      () => createScheduler({ ...SD_CONFIG, _class_name: "LMSDiscreteScheduler" }),
      (e: unknown) => e instanceof RiffError && e.message.includes("LMSDiscreteScheduler") && SCHEDULER_CLASSES.every((c) => e.message.includes(c)),
    );
    assert.throws(() => createScheduler("heun", SD_CONFIG), (e: unknown) => e instanceof RiffError && e.message.includes("euler-a"));
    assert.throws(() => createScheduler({ beta_start: 0.1 }), RiffError);
    assert.throws(() => schedulerFromConfig("{not json"), RiffError);
  });

  it("rejects bad config values and unsupported features with RiffErrors naming the option", () => {
    const option = (name: string) => (e: unknown) => e instanceof RiffError && e.option === name;
    assert.throws(() => createScheduler("ddim", { ...SD_CONFIG, beta_schedule: "cosine" }), option("beta_schedule"));
    assert.throws(() => createScheduler("ddim", SD_CONFIG, { karras: true }), option("karras"));
    assert.throws(() => createScheduler("pndm", { ...SD_CONFIG, prediction_type: "sample" }), option("prediction_type"));
    assert.throws(() => createScheduler("ddim", SD_CONFIG, { eta: 2 }), option("eta"));
    assert.throws(() => createScheduler("ddpm", { ...SD_CONFIG, variance_type: "learned_range" }), option("variance_type"));
  });
});

describe("scheduler misuse", () => {
  const all = (): Scheduler[] => SCHEDULER_CLASSES.map((c) => createScheduler(c, SD_CONFIG));

  it("step() before setTimesteps() throws a RiffError that says so", () => {
    for (const s of all()) {
      const x = new Float32Array(4);
      assert.throws(() => s.step(x, 981, x, new Rng(1)), (e: unknown) => e instanceof RiffError && /setTimesteps/.test(e.message), s.className);
    }
  });

  it("invalid step counts throw a RiffError naming steps", () => {
    for (const s of all()) {
      for (const bad of [0, -1, 2.5, Number.NaN, 1001]) {
        assert.throws(() => s.setTimesteps(bad), (e: unknown) => e instanceof RiffError && e.option === "steps" && /steps/.test(e.message), `${s.className} ${bad}`);
      }
    }
    // leading + steps_offset 1 would reach timestep 1000.
    assert.throws(() => createScheduler("ddim", SD_CONFIG).setTimesteps(1000), (e: unknown) => e instanceof RiffError && e.option === "steps");
  });

  it("a timestep outside the schedule, or mismatched lengths, throw RiffErrors", () => {
    const s = createScheduler("euler", SD_CONFIG);
    s.setTimesteps(10);
    const x = new Float32Array(4);
    assert.throws(() => s.step(x, 500.5, x, new Rng(1)), RiffError);
    assert.throws(() => s.step(new Float32Array(3), s.timesteps[0]!, x, new Rng(1)), RiffError);
    const p = createScheduler("pndm", SD_CONFIG);
    p.setTimesteps(10);
    assert.throws(() => p.step(x, p.timesteps[1]!, x, new Rng(1)), RiffError); // PNDM runs in order
  });
});
