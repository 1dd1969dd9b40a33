/** chooseScheduler, defaultSteps and samplerLabel read core's scheduler table. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RiffError, SCHEDULERS, createScheduler } from "@riff/core";
import { chooseScheduler, defaultSteps, samplerLabel } from "@riff/diffusion";

describe("scheduler choice", () => {
  it("every registered name round-trips through create to its A1111 label and default steps", () => {
    for (const s of SCHEDULERS) {
      const scheduler = chooseScheduler({ _class_name: "DDIMScheduler" }, s.name, undefined);
      assert.equal(scheduler.className, s.className);
      assert.equal(samplerLabel(createScheduler(s.name).className), s.label);
      assert.equal(defaultSteps(scheduler), s.defaultSteps === "train" ? scheduler.config.num_train_timesteps : s.defaultSteps);
    }
    assert.equal(samplerLabel("DPMSolverMultistepScheduler", true), "DPM++ 2M Karras");
    assert.equal(samplerLabel("LMSDiscreteScheduler"), "LMSDiscreteScheduler");
  });

  it("a model's training schedule, or one that cannot start part-way for img2img, is swapped for DPM++", () => {
    assert.equal(chooseScheduler({ _class_name: "DDPMScheduler" }, undefined, undefined).className, "DPMSolverMultistepScheduler");
    assert.equal(chooseScheduler({}, undefined, undefined).className, "DPMSolverMultistepScheduler");
    assert.equal(chooseScheduler({ _class_name: "PNDMScheduler" }, undefined, undefined).className, "PNDMScheduler");
    assert.equal(chooseScheduler({ _class_name: "PNDMScheduler" }, undefined, undefined, true).className, "DPMSolverMultistepScheduler");
    assert.equal(chooseScheduler({ _class_name: "DDIMScheduler" }, undefined, undefined, true).className, "DDIMScheduler");
  });

  it("naming a scheduler that cannot start part-way for img2img is a RiffError naming the ones that can", () => {
    for (const name of ["pndm", "plms", "PNDMScheduler"]) {
      assert.throws(
        () => chooseScheduler({ _class_name: "DDIMScheduler" }, name, undefined, true),
        (e: unknown) => e instanceof RiffError && e.option === "scheduler" && e.message === "scheduler pndm cannot start part-way through its schedule, as img2img (initImage) needs; use ddim, euler, euler-a, dpm++ or lcm",
        name,
      );
    }
    assert.throws(
      () => chooseScheduler({ _class_name: "LMSDiscreteScheduler" }, undefined, undefined),
      (e: unknown) => e instanceof RiffError && e.option === "scheduler" && /unknown scheduler "LMSDiscreteScheduler"/.test(e.message),
    );
  });
});
