import { after, before, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { loadTextModel, type TextGenerationOptions, type TextModel, type TextDelta } from "@riff/text";
import { SKIP_SHARED, hasStories, storiesDir, storiesReference } from "./helpers.js";

let model: TextModel | undefined;
before(async () => {
  if (hasStories) model = await loadTextModel(storiesDir, { threads: 1 });
});
after(async () => {
  await model?.dispose();
});

function need(t: TestContext): TextModel | undefined {
  if (model === undefined) t.skip(SKIP_SHARED);
  return model;
}

async function collect(stream: AsyncIterable<TextDelta>): Promise<TextDelta[]> {
  const deltas: TextDelta[] = [];
  for await (const d of stream) deltas.push(d);
  return deltas;
}

test("stories260K: greedy from 'Once upon a time' reproduces llama2.c's 252 reference tokens exactly", async (t) => {
  const m = need(t);
  if (!m) return;
  const ref = storiesReference();
  assert.deepEqual(m.encode("Once upon a time"), ref.prompt);
  // llama2.c stops on BOS (id 1) too; the reference contains neither 1 nor 2.
  const result = await m.generate("Once upon a time", { maxNewTokens: 252, doSample: false, eosTokenIds: [1, 2] });
  assert.deepEqual(result.tokens, ref.continuation);
  assert.equal(result.tokenCount, 252);
  assert.equal(result.promptTokens, 5);
  assert.equal(result.stopReason, "length");
  assert.equal("Once upon a time" + result.text, ref.text);
  assert.ok(result.prefillMs > 0 && result.tokensPerSecond > 0);
});

test("stories260K: the default (generation_config without do_sample) is greedy, as in transformers", async (t) => {
  const m = need(t);
  if (!m) return;
  const result = await m.generate("Once upon a time", { maxNewTokens: 20 });
  assert.deepEqual(result.tokens, storiesReference().continuation.slice(0, 20));
});

test("stories260K: streaming gives the same tokens; deltas concatenate to the final text", async (t) => {
  const m = need(t);
  if (!m) return;
  const stream = m.stream("Once upon a time", { maxNewTokens: 60, doSample: false, logprobs: true, topLogprobs: 3 });
  const deltas = await collect(stream);
  const result = await stream.result;
  assert.equal(deltas.map((d) => d.text).join(""), result.text);
  assert.deepEqual(
    deltas.flatMap((d) => d.tokens),
    storiesReference().continuation.slice(0, 60),
  );
  assert.equal(result.logprobs?.length, 60);
  for (const lp of result.logprobs ?? []) {
    assert.ok(lp.logprob <= 0);
    assert.equal(lp.top.length, 3);
    assert.equal(lp.top[0]!.token, lp.token, "greedy picks the top-1 token");
  }
});

test("stories260K: awaiting result without iterating runs the stream to its end", async (t) => {
  const m = need(t);
  if (!m) return;
  const result = await m.stream("Once upon a time", { maxNewTokens: 10 }).result;
  assert.deepEqual(result.tokens, storiesReference().continuation.slice(0, 10));
});

test("stories260K: a stop string spanning tokens ends the text before it, in generate and in streams", async (t) => {
  const m = need(t);
  if (!m) return;
  // Greedy text: ", there was a little girl named Lily. She loved …" — "girl named Li" spans 3+ tokens.
  const options = { maxNewTokens: 100, stop: ["girl named Li", "never appears"] };
  const result = await m.generate("Once upon a time", options);
  assert.equal(result.text, ", there was a little ");
  assert.equal(result.stopReason, "stop_string");
  const stream = m.stream("Once upon a time", options);
  const deltas = await collect(stream);
  const streamed = deltas.map((d) => d.text).join("");
  assert.equal(streamed, ", there was a little ");
  assert.deepEqual((await stream.result).tokens, result.tokens);
  assert.ok(!deltas.some((d) => d.text.includes("girl")), "no part of the stop string is ever emitted");
});

test("stories260K: an AbortSignal stops a stream within one step", async (t) => {
  const m = need(t);
  if (!m) return;
  const controller = new AbortController();
  const stream = m.stream("Once upon a time", { maxNewTokens: 200, signal: controller.signal });
  let steps = 0;
  for await (const d of stream) {
    void d;
    steps++;
    if (steps === 5) controller.abort();
  }
  const result = await stream.result;
  assert.equal(result.stopReason, "aborted");
  assert.ok(result.tokenCount <= 6, `stopped after ${result.tokenCount} tokens`);
  // An already-aborted signal generates nothing.
  const none = await m.generate("Once upon a time", { signal: AbortSignal.abort() });
  assert.equal(none.tokenCount, 0);
  assert.equal(none.stopReason, "aborted");
});

test("stories260K: leaving a stream early stops generation; result says aborted", async (t) => {
  const m = need(t);
  if (!m) return;
  const stream = m.stream("Once upon a time", { maxNewTokens: 200 });
  let steps = 0;
  for await (const d of stream) {
    void d;
    if (++steps === 3) break;
  }
  const result = await stream.result;
  assert.equal(result.stopReason, "aborted");
  assert.ok(result.tokenCount <= 4, `${result.tokenCount} tokens`);
  assert.deepEqual(result.tokens, storiesReference().continuation.slice(0, result.tokenCount));
});

test("stories260K: a batch of prompts (left-padded) gives each prompt's own greedy output", async (t) => {
  const m = need(t);
  if (!m) return;
  const prompts = ["Once upon a time", "The dog", "Tom and his little sister went to the park"];
  const batch = await m.generateBatch(prompts, { maxNewTokens: 30 });
  for (const [i, prompt] of prompts.entries()) {
    const single = await m.generate(prompt, { maxNewTokens: 30 });
    assert.deepEqual(batch[i]!.tokens, single.tokens, `prompt ${i}`);
    assert.equal(batch[i]!.text, single.text);
  }
});

test("stories260K: sampling is reproducible by seed and uses every processor", async (t) => {
  const m = need(t);
  if (!m) return;
  const options = {
    maxNewTokens: 40,
    temperature: 0.9,
    topK: 40,
    topP: 0.95,
    minP: 0.01,
    typicalP: 0.99,
    repetitionPenalty: 1.1,
    presencePenalty: 0.2,
    frequencyPenalty: 0.2,
    noRepeatNgramSize: 3,
    minNewTokens: 5,
    seed: 42,
  };
  const a = await m.generate("Once upon a time", options);
  const b = await m.generate("Once upon a time", options);
  const c = await m.generate("Once upon a time", { ...options, seed: 43 });
  assert.deepEqual(a.tokens, b.tokens);
  assert.notDeepEqual(a.tokens, c.tokens);
  assert.equal(a.seed, 42);
  // no_repeat_ngram_size 3: no trigram of prompt + generation occurs twice.
  const all = [...m.encode("Once upon a time"), ...a.tokens];
  const seen = new Set<string>();
  for (let i = 0; i + 3 <= all.length; i++) {
    const key = all.slice(i, i + 3).join(",");
    assert.ok(!seen.has(key), `trigram ${key} repeated`);
    seen.add(key);
  }
});

test("stories260K: EOS ids stop generation (eos_token_id override) and min_new_tokens delays them", async (t) => {
  const m = need(t);
  if (!m) return;
  // Treat "," (id 432, the first greedy token) as EOS: generation ends at once, EOS included.
  const stopped = await m.generate("Once upon a time", { maxNewTokens: 20, eosTokenIds: [432] });
  assert.deepEqual(stopped.tokens, [432]);
  assert.equal(stopped.stopReason, "eos");
  const delayed = await m.generate("Once upon a time", { maxNewTokens: 20, eosTokenIds: [432], minNewTokens: 3 });
  assert.ok(delayed.tokens.length >= 4);
  assert.ok(!delayed.tokens.slice(0, 3).includes(432));
});

test("stories260K: num_return_sequences with sampling returns that many sequences", async (t) => {
  const m = need(t);
  if (!m) return;
  const result = await m.generate("Once upon a time", { maxNewTokens: 15, temperature: 1, seed: 1, numReturnSequences: 3 });
  assert.equal(result.sequences.length, 3);
  assert.equal(result.text, result.sequences[0]!.text);
  assert.equal(new Set(result.sequences.map((s) => s.tokens.join(","))).size, 3);
});

test("stories260K: chat messages without a chat template are refused by name", async (t) => {
  const m = need(t);
  if (!m) return;
  await assert.rejects(m.generate([{ role: "user", content: "hi" }]), (e: Error & { option?: string }) => {
    assert.equal(e.name, "RiffError");
    assert.equal(e.option, "chat");
    return true;
  });
});

test("stories260K: dispose() frees the session; later calls fail clearly", async (t) => {
  if (!hasStories) return t.skip(SKIP_SHARED);
  const local = await loadTextModel(storiesDir, { threads: 1 });
  await local[Symbol.asyncDispose]();
  await assert.rejects(local.generate("Once"), /disposed/);
  await local.dispose(); // twice is fine
});

test("stories260K: sessionStats counts one decoder run per step and the time inside them", async (t) => {
  const m = need(t);
  if (!m) return;
  const before = m.sessionStats();
  const result = await m.generate("Once upon a time", { maxNewTokens: 10, doSample: false, promptLookupNumTokens: 0 });
  const after = m.sessionStats();
  assert.equal(result.tokenCount, 10);
  assert.equal(after.runs - before.runs, 10); // the prefill and 9 single-token steps
  const runMs = after.runMs - before.runMs;
  assert.ok(runMs > 0 && runMs <= result.totalMs, `runMs ${runMs} should be in (0, ${result.totalMs}]`);
});

/** Greedy decoding with prompt lookup off and on (the default); the forward passes each took. */
async function plainAndLookup(m: TextModel, prompt: string, options: TextGenerationOptions) {
  const count = async (o: TextGenerationOptions) => {
    const before = m.sessionStats().runs;
    const result = await m.generate(prompt, o);
    return { result, passes: m.sessionStats().runs - before };
  };
  const plain = await count({ ...options, promptLookupNumTokens: 0 });
  const lookup = await count(options);
  return { plain: plain.result, lookup: lookup.result, plainPasses: plain.passes, lookupPasses: lookup.passes };
}

test("stories260K: prompt lookup (the greedy default) gives plain greedy's tokens, text and logprobs in fewer forward passes", async (t) => {
  const m = need(t);
  if (!m) return;
  for (const [prompt, atMost] of [["Once upon a time", 0.8], ["Lily and Ben went to the park", 0.55]] as const) {
    const options = { maxNewTokens: 200, minNewTokens: 200, logprobs: true, topLogprobs: 3 };
    const { plain, lookup, plainPasses, lookupPasses } = await plainAndLookup(m, prompt, options);
    assert.deepEqual(lookup.tokens, plain.tokens, prompt);
    assert.equal(lookup.text, plain.text);
    assert.equal(plainPasses, 200);
    // Measured: 147 and 82 passes (drafting 4 tokens per step, n-grams of up to 3).
    assert.ok(lookupPasses <= atMost * 200, `${prompt}: ${lookupPasses} forward passes for 200 tokens`);
    lookup.logprobs!.forEach((lp, i) => {
      const want = plain.logprobs![i]!;
      assert.equal(lp.token, want.token);
      assert.ok(Math.abs(lp.logprob - want.logprob) < 1e-4, `logprob ${i}: ${lp.logprob} vs ${want.logprob}`);
      assert.deepEqual(lp.top.map((a) => a.token), want.top.map((a) => a.token));
    });
  }
});

test("stories260K: prompt lookup sees each drafted position's own context (repetition penalty, min_new_tokens, EOS inside a draft)", async (t) => {
  const m = need(t);
  if (!m) return;
  const prompt = "Lily and Ben went to the park";
  const period = m.encode("Lily.").at(-1)!;
  const cases: TextGenerationOptions[] = [
    { maxNewTokens: 120, repetitionPenalty: 1.3 },
    { maxNewTokens: 120, noRepeatNgramSize: 4 },
    { maxNewTokens: 120, eosTokenIds: [period], minNewTokens: 40 },
    { maxNewTokens: 120, eosTokenIds: [period] },
  ];
  for (const options of cases) {
    const { plain, lookup } = await plainAndLookup(m, prompt, options);
    assert.deepEqual(lookup.tokens, plain.tokens, JSON.stringify(options));
    assert.equal(lookup.stopReason, plain.stopReason);
  }
  const eos = await plainAndLookup(m, prompt, { maxNewTokens: 120, eosTokenIds: [period], minNewTokens: 40 });
  assert.equal(eos.lookup.stopReason, "eos");
  assert.equal(eos.lookup.tokens.at(-1), period);
  assert.ok(eos.lookup.tokenCount > 40);
});

test("stories260K: prompt lookup streams several tokens per delta, stops on a stop string where plain decoding does", async (t) => {
  const m = need(t);
  if (!m) return;
  const prompt = "Lily and Ben went to the park";
  const stream = m.stream(prompt, { maxNewTokens: 150 });
  const deltas = await collect(stream);
  const result = await stream.result;
  assert.equal(deltas.map((d) => d.text).join(""), result.text);
  assert.deepEqual(deltas.flatMap((d) => d.tokens), result.tokens);
  assert.ok(deltas.some((d) => d.tokens.length > 1), "some step accepted drafted tokens");
  const plain = await m.generate(prompt, { maxNewTokens: 150, promptLookupNumTokens: 0 });
  assert.deepEqual(result.tokens, plain.tokens);
  // A stop string that first appears in a repeated phrase, so a draft runs through it.
  const stop = ["with the box. They"];
  const { plain: cutPlain, lookup: cutLookup } = await plainAndLookup(m, prompt, { maxNewTokens: 150, stop });
  assert.equal(cutLookup.stopReason, "stop_string");
  assert.equal(cutLookup.text, cutPlain.text);
  assert.deepEqual(cutLookup.tokens, cutPlain.tokens);
});
