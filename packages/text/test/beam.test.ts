import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng, logSoftmax, runToEnd } from "@riff/core";
import { float16, float32 } from "@riff/onnx";
import { BeamSearchModel } from "../src/beam-search.js";
import { Decoder, type ForwardInput, type ForwardOutput } from "../src/decoder.js";
import { KvCache, type KvLayout } from "../src/kv-cache.js";
import { readModelFolder } from "../src/model-folder.js";
import { resolveOptions, type TextGenerationOptions } from "../src/options.js";
import type { BeamHypothesis } from "../src/beam-scorer.js";
import { SKIP_SHARED, hasStories, storiesDir } from "./helpers.js";

/**
 * A fake decoder whose "KV cache" stores the token ids themselves (one layer, one head, head_dim
 * 1), so the next-token logits depend on the cached history: a wrong beam reorder of the cache
 * gives wrong logits. `table(history)` gives the logits after a full history (prompt included).
 */
class TableDecoder {
  readonly layout: KvLayout = {
    layers: [{ keyInput: "past_key_values.0.key", valueInput: "past_key_values.0.value", keyOutput: "present.0.key", valueOutput: "present.0.value" }],
    heads: 1,
    headDim: 1,
    type: "float32",
  };
  forwards = 0;
  constructor(
    readonly vocab: number,
    readonly table: (history: readonly number[]) => Float32Array,
  ) {}
  emptyCache(batch: number): KvCache {
    return KvCache.empty(this.layout, batch);
  }
  async forward(input: ForwardInput): Promise<ForwardOutput> {
    this.forwards++;
    const { batch, seq, cache } = input;
    const past = cache.length;
    const total = past + seq;
    const old = cache.data(0, "key");
    const keys = new Float32Array(batch * total);
    const logits = new Float32Array(batch * this.vocab);
    for (let b = 0; b < batch; b++) {
      const history = [...old.subarray(b * past, (b + 1) * past), ...input.ids.slice(b * seq, (b + 1) * seq)];
      keys.set(history, b * total);
      logits.set(this.table(history), b * this.vocab);
    }
    const t = float32(keys, [batch, 1, total, 1]);
    return { logits, vocab: this.vocab, cache: KvCache.fromOutputs(this.layout, { "present.0.key": t, "present.0.value": t }) };
  }
}

/** Deterministic pseudo-random logits for each history. */
function randomTable(vocab: number, seed: number): (history: readonly number[]) => Float32Array {
  return (history) => {
    let h = seed;
    for (const id of history) h = (Math.imul(h, 31) + id + 7) | 0;
    return new Rng(h >>> 0).normalArray(vocab).map((x) => x * 2);
  };
}

async function beamSearch(
  decoder: TableDecoder,
  prompt: number[],
  options: TextGenerationOptions,
): Promise<BeamHypothesis[]> {
  const resolved = resolveOptions(options, {}, { promptLength: prompt.length, contextLength: undefined, eosTokenIds: [options.eosTokenIds ?? []].flat(), streaming: false, batch: 1 });
  const model = new BeamSearchModel(decoder as unknown as Decoder, resolved, 0, [prompt]);
  const state = model.initialState();
  await runToEnd(model, state, { rng: new Rng(0), maxSteps: resolved.maxNewTokens });
  return state.scorer.finalize(state.scores, state.sequences, resolved.numReturnSequences)[0]!;
}

/** Every complete sequence (ends on EOS, or reaches maxNew) with its HF score, best first. */
function bruteForce(
  vocab: number,
  table: (history: readonly number[]) => Float32Array,
  prompt: number[],
  eos: readonly number[],
  maxNew: number,
  lengthPenalty: number,
): { tokens: number[]; score: number }[] {
  const out: { tokens: number[]; score: number }[] = [];
  const walk = (tokens: number[], sum: number): void => {
    const logprobs = logSoftmax(table([...prompt, ...tokens]));
    for (let v = 0; v < vocab; v++) {
      const next = [...tokens, v];
      const total = sum + logprobs[v]!;
      if (eos.includes(v) || next.length === maxNew) out.push({ tokens: next, score: total / next.length ** lengthPenalty });
      else walk(next, total);
    }
  };
  walk([], 0);
  return out.sort((a, b) => b.score - a.score);
}

test("beam search with num_beams ≥ all candidates returns exactly the brute-force best sequences, in order", async () => {
  for (const [vocab, eos, maxNew, seed] of [
    [3, [2], 3, 1],
    [3, [2], 4, 2],
    [4, [2, 3], 3, 3],
  ] as [number, number[], number, number][]) {
    const table = randomTable(vocab, seed);
    // Live prefixes × vocab bounds the candidates per step; num_beams covers them all.
    const numBeams = (vocab - eos.length) ** (maxNew - 1) * vocab;
    for (const lengthPenalty of [-1, 0, 0.5, 1, 2]) {
      const decoder = new TableDecoder(vocab, table);
      const got = await beamSearch(decoder, [0], { numBeams, lengthPenalty, earlyStopping: "never", numReturnSequences: 5, maxNewTokens: maxNew, eosTokenIds: eos });
      const want = bruteForce(vocab, table, [0], eos, maxNew, lengthPenalty).slice(0, 5);
      const label = `vocab ${vocab} eos ${eos} max ${maxNew} lp ${lengthPenalty}`;
      assert.deepEqual(
        got.map((h) => h.tokens),
        want.map((w) => w.tokens),
        label,
      );
      got.forEach((h, i) => assert.ok(Math.abs(h.score - want[i]!.score) < 1e-5, `${label}: score ${h.score} vs ${want[i]!.score}`));
      for (let i = 1; i < got.length; i++) assert.ok(got[i - 1]!.score >= got[i]!.score, "num_return_sequences best first");
    }
  }
});

/** Step-independent probabilities a .3, b .1, EOS .6 (ids 0, 1, 2). */
const FIXED = (): Float32Array => Float32Array.from([Math.log(0.3), Math.log(0.1), Math.log(0.6)]);

test("beam search: early_stopping true stops once num_beams hypotheses exist (HF BeamSearchScorer)", async () => {
  // Step 1: EOS (rank 0) → hypothesis [EOS]; a, b run on. Step 2: a·EOS (rank 0) → [a, EOS];
  // b·EOS ranks 2 ≥ num_beams and is not added. Two hypotheses = num_beams → done.
  const decoder = new TableDecoder(3, FIXED);
  const got = await beamSearch(decoder, [0], { numBeams: 2, numReturnSequences: 2, earlyStopping: true, maxNewTokens: 10, eosTokenIds: [2] });
  assert.equal(decoder.forwards, 2);
  assert.deepEqual(
    got.map((h) => h.tokens),
    [[2], [0, 2]],
  );
  const f = Math.fround;
  assert.ok(Math.abs(got[0]!.score - f(Math.log(0.6))) < 1e-6);
  assert.ok(Math.abs(got[1]!.score - f(f(Math.log(0.3)) + f(Math.log(0.6))) / 2) < 1e-6, "sum_logprobs / generated_len (EOS counted)");
  assert.ok(got.every((h) => h.finished));
});

test("beam search: early_stopping false (heuristic) vs \"never\" (canonical) with length_penalty > 0", async () => {
  // After step 2 the worst kept score is (ln .3 + ln .6)/2 and the best candidate's sum is the same
  // ln .3 + ln .6: the heuristic divides by the current length 2 → equal → done. "never" divides by
  // max_new_tokens (10) and so keeps searching.
  const heuristic = new TableDecoder(3, FIXED);
  await beamSearch(heuristic, [0], { numBeams: 2, earlyStopping: false, maxNewTokens: 10, eosTokenIds: [2] });
  assert.equal(heuristic.forwards, 2);
  const never = new TableDecoder(3, FIXED);
  const got = await beamSearch(never, [0], { numBeams: 2, earlyStopping: "never", maxNewTokens: 10, eosTokenIds: [2] });
  assert.ok(never.forwards > 2, `"never" ran ${never.forwards} forwards`);
  assert.deepEqual(got[0]!.tokens, [2]);
  // length_penalty 0 under "never" divides by the current length, like the heuristic.
  const zero = new TableDecoder(3, FIXED);
  await beamSearch(zero, [0], { numBeams: 2, earlyStopping: "never", lengthPenalty: 0, maxNewTokens: 10, eosTokenIds: [2] });
  assert.equal(zero.forwards, 2);
});

test("beam search: length_penalty decides between a short and a long hypothesis", async () => {
  // EOS now (p .6) vs a, a, a, EOS: with a strong positive penalty longer sequences win.
  const table = (history: readonly number[]): Float32Array =>
    history.length === 1 ? FIXED() : Float32Array.from([Math.log(0.97), Math.log(0.01), Math.log(0.02)]);
  for (const [lengthPenalty, longer] of [
    [0, false],
    [3, true],
  ] as [number, boolean][]) {
    const decoder = new TableDecoder(3, table);
    const [best] = await beamSearch(decoder, [0], { numBeams: 4, lengthPenalty, earlyStopping: "never", maxNewTokens: 6, eosTokenIds: [2] });
    const want = bruteForce(3, table, [0], [2], 6, lengthPenalty)[0]!;
    assert.deepEqual(best!.tokens, want.tokens);
    assert.equal(best!.tokens.length > 1, longer, `length_penalty ${lengthPenalty}`);
  }
});

test("stories260K: beam search with num_beams = vocabulary finds the exhaustive best over 2 tokens", async (t) => {
  if (!hasStories) return t.skip(SKIP_SHARED);
  const folder = readModelFolder(storiesDir);
  const decoder = await Decoder.load(folder.onnxPath, folder.config, { threads: 1 });
  try {
    const prompt = [1, 403, 407, 261, 378];
    const eos = [432]; // "," — likely after the prompt, so finished hypotheses compete
    // Brute force without the KV cache: step 1 from the prompt, step 2 from all 512 prefixes at once.
    const first = await decoder.forward({ ids: prompt, batch: 1, seq: 6 - 1, attentionMask: [1, 1, 1, 1, 1], positionIds: [0, 1, 2, 3, 4], cache: decoder.emptyCache(1) });
    const lp1 = logSoftmax(first.logits);
    const V = first.vocab;
    const ids = Array.from({ length: V }, (_, v) => [...prompt, v]).flat();
    const second = await decoder.forward({
      ids,
      batch: V,
      seq: 6,
      attentionMask: new Array<number>(V * 6).fill(1),
      positionIds: Array.from({ length: V * 6 }, (_, i) => i % 6),
      cache: decoder.emptyCache(V),
    });
    for (const lengthPenalty of [0, 1, 2, -1]) {
      let best = { tokens: [] as number[], score: -Infinity };
      for (let a = 0; a < V; a++) {
        if (eos.includes(a)) {
          if (lp1[a]! > best.score) best = { tokens: [a], score: lp1[a]! };
          continue;
        }
        const lp2 = logSoftmax(second.logits.subarray(a * V, (a + 1) * V));
        for (let b = 0; b < V; b++) {
          const score = (lp1[a]! + lp2[b]!) / 2 ** lengthPenalty;
          if (score > best.score) best = { tokens: [a, b], score };
        }
      }
      const options = { numBeams: V, lengthPenalty, earlyStopping: "never" as const, maxNewTokens: 2, eosTokenIds: eos };
      // num_beams = V is past the public bound (MAX_NUM_BEAMS): resolve with 2 beams, then widen the search.
      const resolved = { ...resolveOptions({ ...options, numBeams: 2 }, {}, { promptLength: 5, contextLength: 512, eosTokenIds: eos, streaming: false, batch: 1 }), numBeams: V };
      const model = new BeamSearchModel(decoder, resolved, 0, [prompt]);
      const state = model.initialState();
      await runToEnd(model, state, { rng: new Rng(0), maxSteps: 2 });
      const [got] = state.scorer.finalize(state.scores, state.sequences, 1)[0]!;
      assert.deepEqual(got!.tokens, best.tokens, `length_penalty ${lengthPenalty}`);
      assert.ok(Math.abs(got!.score - best.score) < 1e-4);
    }
  } finally {
    await decoder.dispose();
  }
});

test("KvCache: a float16 cache (fp16 exports) starts empty as float16 and gathers rows bit-exactly", () => {
  const layout: KvLayout = {
    layers: [{ keyInput: "past_key_values.0.key", valueInput: "past_key_values.0.value", keyOutput: "present.0.key", valueOutput: "present.0.value" }],
    heads: 1,
    headDim: 2,
    type: "float16",
  };
  const feeds: Record<string, ReturnType<typeof float16>> = {};
  KvCache.empty(layout, 2).addFeeds(feeds);
  assert.equal(feeds["past_key_values.0.key"]!.type, "float16");
  assert.deepEqual(feeds["past_key_values.0.key"]!.dims, [2, 1, 0, 2]);
  // [batch 3, heads 1, past 1, head_dim 2]
  const t = float16(Uint16Array.from([0x3c00, 0x4000, 0x4200, 0x4400, 0x4500, 0x4600]), [3, 1, 1, 2]);
  const cache = KvCache.fromOutputs(layout, { "present.0.key": t, "present.0.value": t });
  const gathered = cache.gather([2, 0]);
  assert.equal(gathered.batch, 2);
  assert.ok(gathered.data(0, "key") instanceof Uint16Array);
  assert.deepEqual(Array.from(gathered.data(0, "key")), [0x4500, 0x4600, 0x3c00, 0x4000]);
});
