import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng, runSteps, runToEnd, type StepModel } from "@riff/core";

/** A toy model: predicts the next counter value, samples noise from the rng, stops at `limit`. */
function counter(limit: number): StepModel<number[], number, number> {
  return {
    totalSteps: limit,
    predict: async (state) => state.length,
    sample: (prediction, _state, rng) => prediction + Math.floor(rng.uniform() * 10) / 100,
    update: (state, choice) => [...state, choice],
    stop: (state) => (state.length >= limit ? "done" : undefined),
  };
}

test("runs predict → sample → update until stop, one event per step", async () => {
  const events = [];
  for await (const event of runSteps(counter(4), [], { rng: new Rng(1) })) events.push(event);
  assert.equal(events.length, 4);
  assert.deepEqual(
    events.map((e) => e.step),
    [0, 1, 2, 3],
  );
  assert.deepEqual(
    events.map((e) => e.stopReason),
    [undefined, undefined, undefined, "done"],
  );
  assert.equal(events[3]!.state.length, 4);
  assert.equal(events[0]!.totalSteps, 4);
  assert.ok(events.every((e) => e.predictMs >= 0 && e.stepMs >= e.predictMs));
});

test("the same seed gives the same run; another seed another", async () => {
  const a = await runToEnd(counter(6), [], { rng: new Rng(7) });
  const b = await runToEnd(counter(6), [], { rng: new Rng(7) });
  const c = await runToEnd(counter(6), [], { rng: new Rng(8) });
  assert.deepEqual(a.state, b.state);
  assert.notDeepEqual(a.state, c.state);
  assert.equal(a.stopReason, "done");
  assert.equal(a.steps, 6);
});

test("maxSteps caps a model that would run on", async () => {
  const result = await runToEnd(counter(100), [], { rng: new Rng(1), maxSteps: 3 });
  assert.equal(result.steps, 3);
  assert.equal(result.stopReason, "max_steps");
});

test("an abort stops within one step, even while predict() is pending", async () => {
  const controller = new AbortController();
  const model = counter(1000);
  const slow: StepModel<number[], number, number> = {
    ...model,
    predict: async (state, step) => {
      if (step === 2) controller.abort();
      await new Promise((r) => setTimeout(r, 1));
      return state.length;
    },
  };
  const steps: number[] = [];
  const iterator = runSteps(slow, [], { rng: new Rng(1), signal: controller.signal });
  for (;;) {
    const next = await iterator.next();
    if (next.done) {
      assert.equal(next.value.stopReason, "aborted");
      assert.equal(next.value.steps, 2);
      break;
    }
    steps.push(next.value.step);
  }
  assert.deepEqual(steps, [0, 1]);
});
