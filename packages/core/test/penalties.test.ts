import { test } from "node:test";
import assert from "node:assert/strict";
import {
  LogitBiasProcessor,
  MinNewTokensProcessor,
  NoRepeatNgramProcessor,
  PresenceFrequencyPenaltyProcessor,
  RepetitionPenaltyProcessor,
  RiffError,
  applyProcessors,
  createLogitsProcessors,
  type LogitsProcessor,
  type SequenceContext,
} from "@riff/core";

function run(processor: LogitsProcessor, logits: readonly number[], context: SequenceContext): number[] {
  const row = Float32Array.from(logits);
  processor.process(row, context);
  return Array.from(row);
}

const f = Math.fround;

test("repetition penalty: seen ids (prompt included) — positive logits divided, negative multiplied, each once", () => {
  const logits = [2, -2, 0.5, -1, 3, 0];
  // Prompt [0, 1], generated [1, 3, 5]: ids 0, 1, 3, 5 were seen; 1 twice but penalized once.
  const context = { tokens: [0, 1, 1, 3, 5], promptLength: 2 };
  assert.deepEqual(run(new RepetitionPenaltyProcessor(2), logits, context), [1, -4, 0.5, -2, 3, 0]);
  assert.deepEqual(run(new RepetitionPenaltyProcessor(0.5), logits, context), [4, -1, 0.5, -0.5, 3, 0]);
  assert.deepEqual(run(new RepetitionPenaltyProcessor(1.3), [1.3, -1], { tokens: [0, 1], promptLength: 2 }), [
    f(f(1.3) / 1.3),
    f(-1 * 1.3),
  ]);
  // Its mark buffer is reused: a second call with other tokens is independent of the first.
  const processor = new RepetitionPenaltyProcessor(2);
  run(processor, logits, context);
  assert.deepEqual(run(processor, logits, { tokens: [4], promptLength: 1 }), [2, -2, 0.5, -1, 1.5, 0]);
  assert.throws(() => run(processor, logits, { tokens: [6], promptLength: 1 }), RangeError);
});

test("presence and frequency penalties count generated tokens only (OpenAI's formula)", () => {
  const logits = [1, 2, 3, 4];
  // Prompt [0, 1]; generated [1, 1, 2]: c[1] = 2, c[2] = 1; id 0 only in the prompt, id 3 unseen.
  const context = { tokens: [0, 1, 1, 1, 2], promptLength: 2 };
  const processor = new PresenceFrequencyPenaltyProcessor({ presencePenalty: 0.5, frequencyPenalty: 0.3 });
  assert.deepEqual(run(processor, logits, context), [1, f(2 - (2 * 0.3 + 0.5)), f(3 - (1 * 0.3 + 0.5)), 4]);
  // Presence alone is flat; frequency alone grows with the count; negative values encourage.
  assert.deepEqual(run(new PresenceFrequencyPenaltyProcessor({ presencePenalty: 1 }), logits, context), [1, 1, 2, 4]);
  assert.deepEqual(run(new PresenceFrequencyPenaltyProcessor({ frequencyPenalty: -1 }), logits, context), [1, 4, 4, 4]);
  // Counts do not leak between calls.
  assert.deepEqual(run(processor, logits, { tokens: [0, 1], promptLength: 2 }), logits);
});

test("no-repeat-ngram bans exactly the tokens that would repeat an n-gram", () => {
  const logits = new Array<number>(10).fill(0);
  const banned = (n: number, tokens: number[]): number[] =>
    run(new NoRepeatNgramProcessor(n), logits, { tokens, promptLength: 0 }).flatMap((v, i) => (v === -Infinity ? [i] : []));
  assert.deepEqual(banned(3, [5, 6, 7, 5, 6]), [7]);
  assert.deepEqual(banned(3, [5, 6, 7, 5, 6, 8, 5, 6]), [7, 8]);
  assert.deepEqual(banned(2, [1, 2, 1, 3, 1]), [2, 3]);
  assert.deepEqual(banned(1, [4, 2, 4]), [2, 4], "n = 1 bans every token seen");
  assert.deepEqual(banned(3, [5, 6]), [], "the last 2 tokens occur nowhere earlier");
  assert.deepEqual(banned(3, [5]), [], "too short to hold a prefix");
  assert.deepEqual(banned(4, [1, 2, 3, 9, 1, 2, 3]), [9]);
  // The prompt counts too (as in HF): the repeated bigram starts in the prompt.
  assert.deepEqual(
    run(new NoRepeatNgramProcessor(2), [0, 0, 0], { tokens: [0, 1, 0], promptLength: 2 }),
    [0, -Infinity, 0],
  );
});

test("logit bias adds the bias to the named ids (object or Map) and refuses ids past the vocabulary", () => {
  const logits = [1, 1, 1, 1];
  const none = { tokens: [], promptLength: 0 };
  assert.deepEqual(run(new LogitBiasProcessor({ 2: 5, 0: -100 }), logits, none), [-99, 1, 6, 1]);
  assert.deepEqual(run(new LogitBiasProcessor(new Map([[3, 0.25]])), logits, none), [1, 1, 1, 1.25]);
  assert.throws(
    () => run(new LogitBiasProcessor({ 4: 1 }), logits, none),
    (e: unknown) => e instanceof RiffError && e.option === "logit_bias" && /4/.test(e.message),
  );
});

test("min-new-tokens bans every EOS id until enough tokens were generated", () => {
  const processor = new MinNewTokensProcessor(2, [3, 1]);
  const logits = [0, 1, 2, 3];
  assert.deepEqual(run(processor, logits, { tokens: [9, 9, 9], promptLength: 3 }), [0, -Infinity, 2, -Infinity]);
  assert.deepEqual(run(processor, logits, { tokens: [9, 9, 9, 0], promptLength: 3 }), [0, -Infinity, 2, -Infinity]);
  assert.deepEqual(run(processor, logits, { tokens: [9, 9, 9, 0, 2], promptLength: 3 }), logits);
  // An EOS id the row cannot hold needs no ban.
  assert.deepEqual(run(new MinNewTokensProcessor(1, [7]), logits, { tokens: [], promptLength: 0 }), logits);
});

test("createLogitsProcessors: fixed order, identities left out, no warpers when greedy", () => {
  const all = createLogitsProcessors({
    typicalP: 0.9,
    minP: 0.05,
    topP: 0.9,
    topK: 40,
    temperature: 0.7,
    minNewTokens: 2,
    eosTokenIds: [0],
    noRepeatNgramSize: 3,
    frequencyPenalty: 0.1,
    presencePenalty: 0.1,
    repetitionPenalty: 1.1,
    logitBias: { 5: 1 },
  });
  assert.deepEqual(
    all.map((p) => p.name),
    [
      "logit_bias",
      "repetition_penalty",
      "presence_frequency_penalty",
      "no_repeat_ngram_size",
      "min_new_tokens",
      "temperature",
      "top_k",
      "top_p",
      "min_p",
      "typical_p",
    ],
  );
  const identities = createLogitsProcessors({
    temperature: 1,
    topK: 0,
    topP: 1,
    minP: 0,
    typicalP: 1,
    repetitionPenalty: 1,
    presencePenalty: 0,
    frequencyPenalty: 0,
    noRepeatNgramSize: 0,
    minNewTokens: 0,
    logitBias: {},
  });
  assert.deepEqual(identities, []);
  const greedy = (options: object): string[] =>
    createLogitsProcessors({ topK: 5, topP: 0.5, repetitionPenalty: 1.2, ...options }).map((p) => p.name);
  assert.deepEqual(greedy({ temperature: 0 }), ["repetition_penalty"]);
  assert.deepEqual(greedy({ doSample: false, temperature: 0.5 }), ["repetition_penalty"]);
  assert.deepEqual(greedy({}), ["repetition_penalty", "top_k", "top_p"]);
});

test("the pipeline composes: penalties, then temperature, then filters, on hand-computed values", () => {
  const processors = createLogitsProcessors({ repetitionPenalty: 2, temperature: 0.5, topK: 2 });
  const row = applyProcessors(processors, Float32Array.from([4, 3, -1, 2]), { tokens: [0], promptLength: 1 });
  // id 0: 4 / 2 = 2, then / 0.5 = 4; id 1: 6; id 2: -2; id 3: 4. Top-2 keeps values ≥ 4: ids 0, 1, 3.
  assert.deepEqual(Array.from(row), [4, 6, -Infinity, 4]);
});
