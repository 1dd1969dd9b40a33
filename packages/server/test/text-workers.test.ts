// Worker copies of the text model (riff serve --text-workers): a request generated in a worker is
// the one generated on the server's thread, errors come back as the RiffErrors they were, a client
// that leaves frees its rows there too, and the server spreads a crowd over its engines.
import { test } from "node:test";
import assert from "node:assert/strict";
import { RiffError, resolveModelDir } from "@riff/core";
import { loadTextModel, type ContinuousBatchStats, type GenerationResult, type TextStream } from "@riff/text";
import { TextEngines, type TextEngine } from "../src/text-engines.js";
import { WorkerEngine } from "../src/worker-engine.js";

const dir = resolveModelDir("text", undefined);

test("a worker's generations are the server thread's: greedy and seeded sampling, whole and streamed", async () => {
  await using model = await loadTextModel(dir);
  const worker = await WorkerEngine.start({ dir, load: {}, maxRows: 8 });
  try {
    const greedy = { maxNewTokens: 24, doSample: false };
    const sampled = { maxNewTokens: 24, temperature: 0.9, seed: 7 };
    const [a, b] = await Promise.all([worker.generate("In the beginning", greedy), worker.generate("And God said", sampled)]);
    assert.deepEqual(a.tokens, (await model.generate("In the beginning", greedy)).tokens);
    assert.deepEqual(b.tokens, (await model.generate("And God said", sampled)).tokens);
    const stream = worker.stream("The LORD is my shepherd", sampled);
    let text = "";
    for await (const delta of stream) text += delta.text;
    const result = await stream.result;
    const alone = await model.generate("The LORD is my shepherd", sampled);
    assert.equal(text, alone.text);
    assert.deepEqual(result.tokens, alone.tokens);
    assert.ok(worker.stats.steps > 0 && worker.stats.freed.finished === 3, JSON.stringify(worker.stats));
  } finally {
    await worker.dispose();
  }
});

test("a worker's errors are RiffErrors naming the option; its aborted requests free their rows", async () => {
  const worker = await WorkerEngine.start({ dir, load: {}, maxRows: 8 });
  try {
    await assert.rejects(worker.generate("In the beginning", { maxNewTokens: -1 }), (e: unknown) => {
      assert.ok(e instanceof RiffError, String(e));
      assert.equal(e.option, "maxNewTokens");
      return true;
    });
    const controller = new AbortController();
    const stream = worker.stream("In the beginning", { maxNewTokens: 200, minNewTokens: 200, seed: 1, signal: controller.signal });
    let deltas = 0;
    for await (const delta of stream) if (delta.text !== "" && ++deltas === 3) controller.abort();
    const result = await stream.result;
    assert.equal(result.stopReason, "aborted");
    assert.ok(result.tokenCount < 200);
    assert.equal(worker.stats.freed.aborted, 1);
    // Leaving the stream early (no signal) aborts it as well.
    const left = worker.stream("In the beginning", { maxNewTokens: 200, minNewTokens: 200, seed: 2 });
    for await (const delta of left) if (delta.text !== "") break;
    assert.equal((await left.result).stopReason, "aborted");
  } finally {
    await worker.dispose();
  }
  assert.equal(worker.alive, false);
  await assert.rejects(worker.generate("In the beginning"), /the text worker stopped/);
});

test("a worker on a folder that is no model fails to start with the loader's RiffError", async () => {
  await assert.rejects(WorkerEngine.start({ dir: "/nonexistent/riff-model", load: {}, maxRows: 8 }), (e: unknown) => {
    assert.ok(e instanceof RiffError, String(e));
    assert.match(e.message, /nonexistent/);
    return true;
  });
});

/** An engine that records what it was sent and ends each request when told. */
class FakeEngine implements TextEngine {
  readonly prompts: string[] = [];
  readonly ends: Array<() => void> = [];
  alive = true;
  readonly stats: ContinuousBatchStats = { rows: 1, waiting: 2, steps: 3, rowSteps: 4, freed: { finished: 5, aborted: 6, failed: 7 } };
  generate(prompt: unknown): Promise<GenerationResult> {
    this.prompts.push(String(prompt));
    return new Promise((resolve) => this.ends.push(() => resolve({} as GenerationResult)));
  }
  stream(prompt: unknown): TextStream {
    const result = this.generate(prompt);
    return { result, [Symbol.asyncIterator]: async function* () {} };
  }
}

test("the server's own batch takes the first 8 requests in flight, then the least busy engine does", async () => {
  const local = new FakeEngine();
  const workers = [new FakeEngine(), new FakeEngine()];
  const engines = new TextEngines(local, workers);
  for (let i = 0; i < 14; i++) void engines.generate(`p${i}`);
  assert.equal(local.prompts.length, 8);
  // Past 8: the workers (0 each) until they have 8 too, then in turn, the server's own first.
  assert.deepEqual(workers.map((w) => w.prompts.length), [3, 3]);
  local.ends.splice(0, 2).forEach((end) => end());
  await new Promise((r) => setImmediate(r));
  void engines.stream("next");
  assert.equal(local.prompts.at(-1), "next", "the server's own batch is below 8 again");
  // A stopped worker gets nothing.
  workers[0]!.alive = false;
  for (let i = 0; i < 6; i++) void engines.generate(`q${i}`);
  assert.equal(workers[0]!.prompts.length, 3);
  assert.deepEqual(engines.stats, { rows: 3, waiting: 6, steps: 9, rowSteps: 12, freed: { finished: 15, aborted: 18, failed: 21 } });
});
