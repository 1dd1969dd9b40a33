import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng, logSoftmax, topK } from "@riff/core";
import { float32, type OrtTensor } from "@riff/onnx";
import { CandidateHeap, rowLogZ } from "../src/beam-candidates.js";
import { KvCache, RowScratch, type KvLayout } from "../src/kv-cache.js";
import { StepFeeds } from "../src/step-feeds.js";

const values = (t: OrtTensor): number[] => Array.from(t.data as ArrayLike<number | bigint>, Number);

test("StepFeeds: masks, positions and ids of padded rows, int64 and int32, across buffer growth", () => {
  for (const type of ["int64", "int32"]) {
    const feeds = new StepFeeds(type, type, type);
    for (const total of [3, 17, 40, 41]) {
      const pads = [0, 2, 1];
      const mask = feeds.attentionMask(pads, total);
      assert.equal(mask.type, type);
      assert.deepEqual(mask.dims, [3, total]);
      assert.deepEqual(values(mask), pads.flatMap((pad) => Array.from({ length: total }, (_, i) => (i >= pad ? 1 : 0))));
      assert.deepEqual(values(feeds.positionIds(pads, total)), [total - 1, total - 3, total - 2]);
      assert.deepEqual(values(feeds.inputIds([7, 8, 9])), [7, 8, 9]);
      // One unpadded row: views of the ones and counting buffers.
      const single = feeds.attentionMask([0], total);
      assert.deepEqual(single.dims, [1, total]);
      assert.ok(values(single).every((m) => m === 1));
      assert.deepEqual(values(feeds.positionIds([0], total)), [total - 1]);
    }
  }
});

const layout: KvLayout = {
  layers: [
    { keyInput: "past_key_values.0.key", valueInput: "past_key_values.0.value", keyOutput: "present.0.key", valueOutput: "present.0.value" },
    { keyInput: "past_key_values.1.key", valueInput: "past_key_values.1.value", keyOutput: "present.1.key", valueOutput: "present.1.value" },
  ],
  heads: 2,
  headDim: 3,
  type: "float32",
};

function randomCache(rng: Rng, batch: number, length: number, shareKeyValue: boolean): KvCache {
  const outputs: Record<string, OrtTensor> = {};
  const dims = [batch, layout.heads, length, layout.headDim];
  const size = dims.reduce((a, b) => a * b, 1);
  for (const l of layout.layers) {
    const key = float32(Float32Array.from(rng.normalArray(size)), dims);
    outputs[l.keyOutput] = key;
    outputs[l.valueOutput] = shareKeyValue ? key : float32(Float32Array.from(rng.normalArray(size)), dims);
  }
  return KvCache.fromOutputs(layout, outputs);
}

test("KvCache.reorderInPlace gives what gather gives, for any rows (repeats, cycles, identity, shared key/value)", () => {
  const rng = new Rng(7);
  const scratch = new RowScratch();
  for (let trial = 0; trial < 200; trial++) {
    const batch = 1 + (trial % 6);
    const rows = Array.from({ length: batch }, () => Math.floor(rng.uniform() * batch));
    if (trial % 10 === 0) rows.forEach((_, i) => (rows[i] = i));
    const shared = trial % 3 === 0;
    const cache = randomCache(rng, batch, 1 + (trial % 4), shared);
    const want = cache.gather(rows);
    const wantData = layout.layers.flatMap((_, l) => [Array.from(want.data(l, "key")), Array.from(want.data(l, "value"))]);
    const got = cache.reorderInPlace(rows, scratch);
    const gotData = layout.layers.flatMap((_, l) => [Array.from(got.data(l, "key")), Array.from(got.data(l, "value"))]);
    assert.deepEqual(gotData, wantData, `rows ${rows} shared ${shared}`);
  }
});

test("CandidateHeap.select ranks like core topK over the beams' log-softmax rows plus beam scores, ties by lower index", () => {
  const rng = new Rng(11);
  const heap = new CandidateHeap();
  for (let trial = 0; trial < 100; trial++) {
    const beams = 1 + (trial % 4);
    const vocab = 5 + (trial % 40);
    // Coarse values make ties common.
    const logits = Float32Array.from(rng.normalArray(beams * vocab), (x) => Math.round(x * 2) / 2);
    if (trial % 7 === 0) logits[3] = -Infinity;
    const bases = Array.from({ length: beams }, (_, k) => (trial % 5 === 0 && k > 0 ? -1e9 : Math.round(rng.normalArray(1)[0]! * 4) / 4));
    const keep = 2 * beams;
    const candidates = new Float32Array(beams * vocab);
    const logZ = new Float64Array(beams);
    for (let k = 0; k < beams; k++) {
      const row = logSoftmax(logits.subarray(k * vocab, (k + 1) * vocab));
      logZ[k] = rowLogZ(logits, k * vocab, vocab);
      for (let v = 0; v < vocab; v++) candidates[k * vocab + v] = row[v]! + bases[k]!;
    }
    const want = Array.from(topK(candidates, keep));
    // From raw logits with logZ, and from written-out log-probabilities: the same picks and scores.
    for (const fromLogits of [true, false]) {
      const source = fromLogits ? logits : Float32Array.from(logits, (x, i) => Math.fround(x - logZ[Math.floor(i / vocab)]!));
      const count = heap.select(source, 0, vocab, bases, fromLogits ? logZ : undefined, beams, keep);
      assert.equal(count, Math.min(keep, beams * vocab));
      assert.deepEqual(Array.from(heap.index.subarray(0, count)), want, `trial ${trial} fromLogits ${fromLogits}`);
      assert.deepEqual(Array.from(heap.score.subarray(0, count)), want.map((i) => candidates[i]!));
    }
  }
});
