// Dynamically quantized decoders: greedy decoding must not draft by prompt lookup by default there.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { loadTextModel } from "@riff/text";
import { fixturesDir } from "./helpers.js";

const q8 = join(fixturesDir, "gpt2-tiny-q8");
// On this prompt drafting changes the q8 decoder's output (token 8 onwards, onnxruntime 1.30 on x86-64).
const PROMPT = "In the beginning God created";

test("a dynamically quantized decoder (q8) does not draft by default, says why, and its default greedy is plain greedy", async () => {
  await using model = await loadTextModel(q8, { dtype: "q8", threads: 1 });
  assert.match(model.promptLookupOff ?? "", /onnx\/model_quantized\.onnx quantizes activations dynamically \(DynamicQuantizeLinear, MatMulInteger\)/);
  const byDefault = await model.generate(PROMPT, { maxNewTokens: 30 });
  const plain = await model.generate(PROMPT, { maxNewTokens: 30, promptLookupNumTokens: 0 });
  assert.equal(byDefault.promptLookupNumTokens, 0);
  assert.equal(byDefault.tokenCount, 30);
  assert.deepEqual(byDefault.tokens, plain.tokens);
  // Asked for explicitly, drafting still runs, and shows why it is off: the output is not plain greedy's.
  const drafted = await model.generate(PROMPT, { maxNewTokens: 30, promptLookupNumTokens: 4 });
  assert.equal(drafted.promptLookupNumTokens, 4);
  assert.equal(drafted.tokenCount, 30);
  assert.notDeepEqual(drafted.tokens, plain.tokens);
});

test("a float decoder still drafts 4 tokens by default", async () => {
  await using model = await loadTextModel(join(fixturesDir, "gpt2-tiny"), { threads: 1 });
  assert.equal(model.promptLookupOff, undefined);
  const result = await model.generate(PROMPT, { maxNewTokens: 8 });
  assert.equal(result.promptLookupNumTokens, 4);
  const sampled = await model.generate(PROMPT, { maxNewTokens: 8, temperature: 0.8 });
  assert.equal(sampled.promptLookupNumTokens, 0);
});
