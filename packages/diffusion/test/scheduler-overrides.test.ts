/** The timestepSpacing and predictionType image options: they override the model's scheduler_config, checked against the timesteps and step arithmetic. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { RiffError, Rng } from "@riff/core";
import { DiffusionPipeline, checkGenerateOptions, chooseScheduler, encodePng, formatParameters, type GenerateOptions } from "@riff/diffusion";

const shapes = fileURLToPath(new URL("../../../models/shapes-diffusion", import.meta.url));
const DDIM = { _class_name: "DDIMScheduler", timestep_spacing: "leading", steps_offset: 1, prediction_type: "epsilon", clip_sample: false };

describe("scheduler overrides", () => {
  it("timestepSpacing replaces the config's spacing: 4 of 1000 steps by each formula", () => {
    // leading: k·⌊1000/4⌋ + steps_offset 1; trailing: round(arange(1000, 0, −250)) − 1; linspace: round(linspace(0, 999, 4)).
    const expected = { leading: [751, 501, 251, 1], trailing: [999, 749, 499, 249], linspace: [999, 666, 333, 0] } as const;
    for (const [spacing, timesteps] of Object.entries(expected)) {
      const s = chooseScheduler(DDIM, undefined, { timestepSpacing: spacing as keyof typeof expected });
      s.setTimesteps(4);
      assert.deepEqual([...s.timesteps], timesteps, spacing);
      assert.equal(s.config.steps_offset, 1, "the rest of the model's config stays");
    }
    const unchanged = chooseScheduler(DDIM, undefined);
    unchanged.setTimesteps(4);
    assert.deepEqual([...unchanged.timesteps], expected.leading);
  });

  it("predictionType changes how the model output becomes x̂0 (DDIM, t = 751 of 4 steps)", () => {
    const sample = Float32Array.from([0.5, -1, 2]);
    const output = Float32Array.from([0.25, 0.75, -0.5]);
    const x0 = (predictionType: "epsilon" | "v_prediction" | "sample"): number[] => {
      const s = chooseScheduler(DDIM, undefined, { predictionType });
      s.setTimesteps(4);
      return [...s.step(output, 751, sample, new Rng(0)).predOriginalSample];
    };
    const chooser = chooseScheduler(DDIM, undefined);
    const abar = chooser.alphasCumprod[751]!;
    const a = Math.sqrt(abar);
    const b = Math.sqrt(1 - abar);
    const close = (got: number[], want: number[], what: string): void => {
      for (const [i, w] of want.entries()) assert.ok(Math.abs(got[i]! - Math.fround(w)) < 1e-6, `${what}[${i}]: ${got[i]} vs ${w}`);
    };
    close(x0("sample"), [...output], "sample: x̂0 is the output");
    close(x0("epsilon"), [...sample].map((x, i) => (x - b * output[i]!) / a), "epsilon: (x − √(1−ᾱ)ε)/√ᾱ");
    close(x0("v_prediction"), [...sample].map((x, i) => a * x - b * output[i]!), "v: √ᾱx − √(1−ᾱ)v");
  });

  it("a pipeline run visits the overridden timesteps, and the prediction type changes the image", async () => {
    const p = await DiffusionPipeline.load(shapes, { threads: 1 });
    try {
      const base: GenerateOptions = { prompt: "a small red circle at the top left on a blue background", seed: 3, steps: 4, scheduler: "ddim" };
      const visited = async (options: GenerateOptions): Promise<{ timesteps: number[]; png: Buffer }> => {
        const timesteps: number[] = [];
        const r = await p.run(options, (e) => timesteps.push(e.timestep));
        return { timesteps, png: await encodePng(r.images[0]!, formatParameters(r.parameters)) };
      };
      // The model's config says leading, steps_offset 0: k·250.
      assert.deepEqual((await visited(base)).timesteps, [750, 500, 250, 0]);
      assert.deepEqual((await visited({ ...base, timestepSpacing: "trailing" })).timesteps, [999, 749, 499, 249]);
      assert.deepEqual((await visited({ ...base, timestepSpacing: "linspace" })).timesteps, [999, 666, 333, 0]);
      // The model predicts v (its config says so): naming v_prediction changes nothing, epsilon does.
      const own = (await visited(base)).png;
      assert.ok(own.equals((await visited({ ...base, predictionType: "v_prediction" })).png));
      assert.ok(!own.equals((await visited({ ...base, predictionType: "epsilon" })).png));
    } finally {
      await p.dispose();
    }
  });

  it("values outside the choices are refused, naming the option", () => {
    for (const [key, value] of [
      ["timestepSpacing", "middle"],
      ["predictionType", "noise"],
    ] as const) {
      assert.throws(
        () => checkGenerateOptions({ [key]: value } as GenerateOptions),
        (e: unknown) => e instanceof RiffError && e.option === key && e.message.includes(key),
      );
    }
    // A caller that bypasses the schema still meets the scheduler's own check.
    const bad = { timestepSpacing: "middle" } as unknown as Parameters<typeof chooseScheduler>[2];
    assert.throws(() => chooseScheduler(DDIM, undefined, bad), (e: unknown) => e instanceof RiffError && e.option === "timestep_spacing");
  });
});
