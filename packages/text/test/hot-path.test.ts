import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng, logSoftmax, topK } from "@riff/core";
import { float32, type OrtTensor } from "@riff/onnx";
import { CandidateHeap, rowLogZ } from "../src/beam-candidates.js";
import { IN_PLACE_ROOM, KvCache, RowScratch, type KvLayout } from "../src/kv-cache.js";
import { StepFeeds } from "../src/step-feeds.js";
import { draftFromContext } from "../src/prompt-lookup.js";

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

test("draftFromContext: what followed the latest earlier copy of the longest matching n-gram (n ≤ 3)", () => {
  // The last 3-gram [1, 2, 3] appeared at 0 (followed by 9, 9) and at 5 (followed by 7, 1, 2, 3).
  const tokens = [1, 2, 3, 9, 9, 1, 2, 3, 7, 1, 2, 3];
  assert.deepEqual(draftFromContext(tokens, 4), [7, 1, 2, 3]);
  assert.deepEqual(draftFromContext(tokens, 2), [7, 1]);
  assert.deepEqual(draftFromContext(tokens, 0), []);
  // No earlier 3-gram or 2-gram: the last token alone, its latest earlier copy (5 at 1, then 6).
  assert.deepEqual(draftFromContext([4, 5, 6, 8, 5], 3), [6, 8, 5]);
  // A longer match wins over a later shorter one: [2, 3] at 1 beats [3] at 4.
  assert.deepEqual(draftFromContext([1, 2, 3, 4, 3, 0, 2, 3], 2), [4, 3]);
  // The draft may run up to the end of the context, never past it.
  assert.deepEqual(draftFromContext([5, 5, 5], 4), [5]);
  assert.deepEqual(draftFromContext([1, 2, 3], 4), []);
  assert.deepEqual(draftFromContext([7], 4), []);
  assert.deepEqual(draftFromContext([], 4), []);
});

test("KvCache.truncateInPlace keeps the first positions of every row and head, as a fresh slice would", () => {
  const rng = new Rng(11);
  for (const [batch, length, keep] of [[1, 9, 6], [3, 5, 1], [2, 7, 0], [1, 4, 4]] as const) {
    for (const shared of [false, true]) {
      const cache = randomCache(rng, batch, length, shared);
      const before = layout.layers.map((_, l) => [Float32Array.from(cache.data(l, "key")), Float32Array.from(cache.data(l, "value"))]);
      const cut = cache.truncateInPlace(keep);
      assert.equal(cut.length, keep);
      assert.equal(cut.batch, batch);
      if (keep === length) assert.equal(cut, cache);
      const feeds: Record<string, OrtTensor> = {};
      cut.addFeeds(feeds);
      layout.layers.forEach((l, i) => {
        for (const [which, name] of [[0, l.keyInput], [1, l.valueInput]] as const) {
          const tensor = feeds[name]!;
          assert.deepEqual(tensor.dims, [batch, layout.heads, keep, layout.headDim]);
          const want: number[] = [];
          const full = before[i]![which]!;
          for (let block = 0; block < batch * layout.heads; block++) {
            want.push(...full.subarray(block * length * layout.headDim, (block * length + keep) * layout.headDim));
          }
          assert.deepEqual(Array.from(tensor.data as Float32Array), want, `batch ${batch} layer ${i} ${which ? "value" : "key"}`);
        }
      });
    }
  }
  assert.throws(() => randomCache(rng, 1, 3, false).truncateInPlace(4), RangeError);
});

test("KvCache.inPlace: growing keeps every row's and head's positions, and splice reads it as it reads a growing cache", () => {
  const rng = new Rng(11);
  for (const batch of [1, 2]) {
    const grown = randomCache(rng, batch, 5, false);
    // The same 5 positions written into an in-place cache of room 5, as the operator writes them.
    let inPlace = KvCache.inPlace(layout, batch, 5);
    const block = layout.headDim * 5;
    layout.layers.forEach((_, l) => {
      for (const which of ["key", "value"] as const) inPlace.data(l, which).set(grown.data(l, which).subarray(0, batch * layout.heads * block));
    });
    inPlace = inPlace.extended(5);
    assert.throws(() => inPlace.extended(1), /do not fit/);
    const roomy = inPlace.withRoom(6);
    assert.equal(roomy.capacity, IN_PLACE_ROOM);
    assert.equal(roomy.length, 5);
    assert.equal(inPlace.withRoom(3), inPlace);
    for (let l = 0; l < layout.layers.length; l++) {
      for (const which of ["key", "value"] as const) {
        const data = roomy.data(l, which);
        const room = IN_PLACE_ROOM;
        assert.equal(data.length, batch * layout.heads * room * layout.headDim);
        for (let b = 0; b < batch * layout.heads; b++) {
          assert.deepEqual(Array.from(data.subarray(b * room * layout.headDim, (b * room + 5) * layout.headDim)), Array.from(grown.data(l, which).subarray(b * block, (b + 1) * block)), `layer ${l} ${which} block ${b}`);
        }
      }
    }
    const parts = Array.from({ length: batch }, (_, row) => ({ row }));
    const want = KvCache.splice(layout, 7, parts.map(({ row }) => ({ cache: grown, row })));
    const got = KvCache.splice(layout, 7, parts.map(({ row }) => ({ cache: roomy, row })));
    assert.equal(got.inPlace, false);
    for (let l = 0; l < layout.layers.length; l++) {
      for (const which of ["key", "value"] as const) assert.deepEqual(Array.from(got.data(l, which)), Array.from(want.data(l, which)));
    }
    // Truncating an in-place cache only forgets positions (the operator writes over them).
    const short = roomy.truncateInPlace(2);
    assert.equal(short.length, 2);
    assert.equal(short.data(0, "key"), roomy.data(0, "key"));
  }
});
