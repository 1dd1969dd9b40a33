// The text model's public API refuses wrong arguments with a RiffError naming them, and dispose()
// during a run ends it with stopReason "aborted" (never an onnxruntime error or an unhandled rejection).
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { RiffError } from "@riff/core";
import { loadTextModel, type Prompt } from "@riff/text";
import { failOnUnhandledRejections } from "../../../test/support/unhandled.js";

const dir = fileURLToPath(new URL("../../../models/kjv-llama", import.meta.url));
failOnUnhandledRejections();

const namesPrompt = (pattern: RegExp) => (error: unknown) => error instanceof RiffError && error.option === "prompt" && pattern.test(error.message);
const long = { maxNewTokens: 200, temperature: 0.8, promptLookupNumTokens: 0 };

test("generate(null), stream(undefined) and bad ids are RiffErrors naming the prompt", async () => {
  const model = await loadTextModel(dir);
  try {
    await assert.rejects(model.generate(null as unknown as Prompt), namesPrompt(/got null/));
    await assert.rejects(model.generate(42 as unknown as Prompt), namesPrompt(/got number/));
    await assert.rejects(model.generateBatch([null as unknown as Prompt]), namesPrompt(/got null/));
    await assert.rejects(async () => {
      for await (const _ of model.stream(undefined as unknown as Prompt)) void _;
    }, namesPrompt(/got undefined/));
    const vocab = model.config.vocabSize!;
    assert.equal(vocab, 2048);
    await assert.rejects(model.generate({ ids: [1, vocab] }, { maxNewTokens: 2 }), namesPrompt(/token id 2048 is outside the vocabulary \(0 to 2047\)/));
    await assert.rejects(model.generate({ ids: [1, -1] }, { maxNewTokens: 2 }), namesPrompt(/not non-negative integers/));
    const ok = await model.generate({ ids: [1, vocab - 1] }, { maxNewTokens: 2 });
    assert.equal(ok.tokenCount, 2, "ids at the edge of the vocabulary run");
  } finally {
    await model.dispose();
  }
});

test("dispose() during generate() ends the run with stopReason aborted, then completes", async () => {
  const model = await loadTextModel(dir);
  const run = model.generate("And God said", long);
  await new Promise((resolve) => setTimeout(resolve, 20));
  await model.dispose();
  const result = await run;
  assert.equal(result.stopReason, "aborted");
  assert.ok(result.tokenCount < 200);
  await assert.rejects(model.generate("And God said"), (error: unknown) => error instanceof RiffError && /was disposed/.test(error.message));
});

test("dispose() while a stream is read ends it with stopReason aborted", async () => {
  const model = await loadTextModel(dir);
  const stream = model.stream("And God said", long);
  let deltas = 0;
  let disposed: Promise<void> | undefined;
  for await (const _ of stream) {
    void _;
    if (++deltas === 3) disposed = model.dispose();
  }
  await disposed;
  const result = await stream.result;
  assert.equal(result.stopReason, "aborted");
  assert.ok(result.tokenCount >= 3 && result.tokenCount < 10, `stopped within a step or two: ${result.tokenCount} tokens`);
});

test("dispose() while a stream waits unread does not hang; reading it afterwards ends aborted", async () => {
  const model = await loadTextModel(dir);
  const stream = model.stream("And God said", long);
  const iterator = stream[Symbol.asyncIterator]();
  await iterator.next();
  await model.dispose(); // the generator is suspended between steps: nothing to wait for
  for (;;) if ((await iterator.next()).done) break;
  assert.equal((await stream.result).stopReason, "aborted");
});
