import { test } from "node:test";
import assert from "node:assert/strict";
import {
  MinPProcessor,
  Rng,
  TopKProcessor,
  TopPProcessor,
  TypicalPProcessor,
  argmax,
  type LogitsProcessor,
} from "@riff/core";
import { nucleusCandidates } from "../src/logits/depth-buckets.js";
import { Scratch, liveWeights } from "../src/logits/ranking.js";

const EMPTY = { tokens: [], promptLength: 0 };

/** Runs a processor on a copy and returns the ids it kept (finite logits). */
function kept(processor: LogitsProcessor, logits: ArrayLike<number>): number[] {
  const row = Float32Array.from(logits);
  processor.process(row, EMPTY);
  const ids: number[] = [];
  row.forEach((v, i) => {
    if (v > -Infinity) {
      assert.equal(v, Math.fround(logits[i]!), "a kept logit was changed");
      ids.push(i);
    }
  });
  return ids;
}

const logOf = (probabilities: readonly number[]): number[] => probabilities.map(Math.log);

function randomLogits(rng: Rng, n: number, scale: number): Float32Array {
  const row = new Float32Array(n);
  for (let i = 0; i < n; i++) row[i] = rng.normal() * scale;
  return row;
}

/** HF TopPLogitsWarper by brute force: full sort (value desc, id asc), smallest prefix with mass ≥ p. */
function referenceTopP(logits: Float32Array, p: number): number[] {
  const order = Array.from(logits.keys()).sort((a, b) => logits[b]! - logits[a]! || a - b);
  const m = logits[order[0]!]!;
  let total = 0;
  for (const l of logits) total += Math.exp(l - m);
  const keep: number[] = [];
  let cumulative = 0;
  for (const i of order) {
    keep.push(i);
    cumulative += Math.exp(logits[i]! - m);
    if (cumulative / total >= p) break;
  }
  return keep.sort((a, b) => a - b);
}

/** HF TypicalLogitsWarper by brute force, step by step as transformers writes it. */
function referenceTypical(logits: Float32Array, mass: number): number[] {
  const n = logits.length;
  const m = Math.max(...logits);
  let total = 0;
  for (const l of logits) total += Math.exp(l - m);
  const logZ = m + Math.log(total);
  const p = Array.from(logits, (l) => Math.exp(l - m) / total);
  let entropy = 0;
  logits.forEach((l, i) => (entropy += p[i]! * (logZ - l)));
  const shifted = Array.from(logits, (l) => Math.abs(logZ - l - entropy));
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => shifted[a]! - shifted[b]! || a - b);
  let cumulative = 0;
  let lastInd = 0;
  for (const i of order) {
    cumulative += p[i]!;
    if (cumulative < mass) lastInd++;
  }
  const threshold = shifted[order[Math.min(lastInd, n - 1)]!]!;
  return Array.from({ length: n }, (_, i) => i).filter((i) => shifted[i]! <= threshold);
}

test("top-k keeps k, plus every tie with the k-th value (HF), and at most the vocabulary", () => {
  assert.deepEqual(kept(new TopKProcessor(2), [1, 5, 3, 4, 2]), [1, 3]);
  assert.deepEqual(kept(new TopKProcessor(1), [1, 5, 3, 4, 2]), [1]);
  assert.deepEqual(kept(new TopKProcessor(2), [1, 3, 3, 3, 0]), [1, 2, 3]);
  assert.deepEqual(kept(new TopKProcessor(9), [1, 5, 3]), [0, 1, 2]);
  // Already-removed tokens do not count towards k.
  assert.deepEqual(kept(new TopKProcessor(3), [-Infinity, 2, -Infinity, 1]), [1, 3]);
});

test("top-p keeps the smallest most-probable set reaching p, stopping when the sum equals p exactly", () => {
  // Eight equal logits: each probability is exactly 1/8, so the sums below are exact.
  const flat = new Array<number>(8).fill(0);
  assert.deepEqual(kept(new TopPProcessor(0.25), flat), [0, 1], "2/8 = 0.25 reaches p: stop there");
  assert.deepEqual(kept(new TopPProcessor(0.25 + 1e-12), flat), [0, 1, 2]);
  assert.deepEqual(kept(new TopPProcessor(0.125), flat), [0]);
  assert.deepEqual(kept(new TopPProcessor(1e-9), flat), [0]);
  assert.deepEqual(kept(new TopPProcessor(1), flat), [0, 1, 2, 3, 4, 5, 6, 7]);
  // Ties are ranked by lower id first, wherever they sit.
  assert.deepEqual(kept(new TopPProcessor(0.5), [-Infinity, 0, -Infinity, 0, 0, 0]), [1, 3]);
  // A skewed distribution, p away from the sums 0.5, 0.8, 0.95, 1.
  const probs = logOf([0.5, 0.3, 0.15, 0.05]);
  assert.deepEqual(kept(new TopPProcessor(0.49), probs), [0]);
  assert.deepEqual(kept(new TopPProcessor(0.51), probs), [0, 1]);
  assert.deepEqual(kept(new TopPProcessor(0.79), probs), [0, 1]);
  assert.deepEqual(kept(new TopPProcessor(0.81), probs), [0, 1, 2]);
  assert.deepEqual(kept(new TopPProcessor(0.96), probs), [0, 1, 2, 3]);
  // Order in the row does not matter.
  assert.deepEqual(kept(new TopPProcessor(0.79), logOf([0.15, 0.05, 0.3, 0.5])), [2, 3]);
});

test("min-p keeps p ≥ min_p · p_max exactly, ties with the maximum included", () => {
  const probs = logOf([0.5, 0.25, 0.15, 0.1]);
  assert.deepEqual(kept(new MinPProcessor(0.25), probs), [0, 1, 2]);
  assert.deepEqual(kept(new MinPProcessor(0.45), probs), [0, 1]);
  assert.deepEqual(kept(new MinPProcessor(0.55), probs), [0]);
  assert.deepEqual(kept(new MinPProcessor(0), probs), [0, 1, 2, 3]);
  assert.deepEqual(kept(new MinPProcessor(1), [2, 5, 5, 1]), [1, 2], "min_p 1 keeps exactly the ties at the top");
  // The boundary itself: p / p_max = e^-1 and min_p = e^-1 → kept; a hair larger → removed.
  assert.equal(Math.log(Math.exp(-1)), -1);
  assert.deepEqual(kept(new MinPProcessor(Math.exp(-1)), [0, -1, -1.5]), [0, 1]);
  assert.deepEqual(kept(new MinPProcessor(Math.exp(-1) * (1 + 1e-12)), [0, -1, -1.5]), [0]);
});

test("typical-p keeps HF's set: the smallest typical prefix reaching the mass, ties at its edge included", () => {
  // p = [0.4, 0.3, 0.3]: H ≈ 1.0889; |−log p − H| ≈ [0.1726, 0.1151, 0.1151]: ids 1 and 2 are the
  // most typical (tied), then id 0, the argmax.
  const p = logOf([0.4, 0.3, 0.3]);
  assert.deepEqual(kept(new TypicalPProcessor(0.5), p), [1, 2], "0.3 < 0.5 ≤ 0.6: the argmax goes");
  assert.deepEqual(kept(new TypicalPProcessor(0.2), p), [1, 2], "the boundary's tie partner stays");
  assert.deepEqual(kept(new TypicalPProcessor(0.7), p), [0, 1, 2]);
  // p = [0.9, 0.05, 0.05]: H ≈ 0.3944; shifts ≈ [0.2891, 2.6013, 2.6013].
  const q = logOf([0.9, 0.05, 0.05]);
  assert.deepEqual(kept(new TypicalPProcessor(0.5), q), [0]);
  assert.deepEqual(kept(new TypicalPProcessor(0.92), q), [0, 1, 2]);
  // Uniform: every token equally typical, so all stay even though 1/4 already reaches 0.25.
  assert.deepEqual(kept(new TypicalPProcessor(0.25), [0, 0, 0, 0]), [0, 1, 2, 3]);
  assert.deepEqual(kept(new TypicalPProcessor(1), p), [0, 1, 2]);
});

test("top-k, top-p and min-p never remove the argmax; typical-p follows HF's rule (which may drop it)", () => {
  const rng = new Rng(11);
  for (let trial = 0; trial < 200; trial++) {
    const n = 2 + rng.integer(30);
    const row = randomLogits(rng, n, 0.5 + 4 * rng.uniform());
    const best = argmax(row);
    const small = 1e-3 + 0.5 * rng.uniform();
    for (const processor of [new TopKProcessor(1 + rng.integer(3)), new TopPProcessor(small), new MinPProcessor(1 - small)]) {
      assert.ok(kept(processor, row).includes(best), `${processor.name} removed the argmax`);
    }
    const typical = kept(new TypicalPProcessor(small), row);
    assert.ok(typical.length >= 1);
    assert.deepEqual(typical, referenceTypical(row, small));
  }
});

/** Logits on a coarse grid, so large groups of tokens tie: the quickselect's 3-way partition at work. */
function quantizedLogits(rng: Rng, n: number, levels: number): Float32Array {
  const row = new Float32Array(n);
  for (let i = 0; i < n; i++) row[i] = Math.round(rng.normal() * levels) / 4;
  return row;
}

/** HF TopKLogitsWarper by brute force: keep values ≥ the k-th largest. */
function referenceTopK(logits: Float32Array, descending: Float32Array, k: number): number[] {
  const kth = descending[k - 1]!;
  return Array.from(logits.keys()).filter((i) => logits[i]! >= kth);
}

test("top-p on large vocabularies matches a full sort: short nucleus (heap stage), long nucleus (quickselect), ties", () => {
  const rng = new Rng(3);
  const cases: Array<[label: string, row: Float32Array, p: number]> = [
    ["peaked", randomLogits(rng, 20_000, 4), 0.9],
    ["medium", randomLogits(rng, 20_000, 2), 0.95],
    ["flat", randomLogits(rng, 20_000, 0.3), 0.97],
    ["tied", quantizedLogits(rng, 12_000, 3), 0.6],
    ["tied, flat", quantizedLogits(rng, 12_000, 1), 0.3],
  ];
  for (const [label, row, p] of cases) {
    assert.deepEqual(kept(new TopPProcessor(p), row), referenceTopP(row, p), label);
  }
  // After top-k only k candidates remain; top-p works on those alone.
  const row = randomLogits(rng, 20_000, 2);
  new TopKProcessor(40).process(row);
  const ids = kept(new TopPProcessor(0.8), row);
  assert.ok(ids.length <= 40);
  assert.deepEqual(ids, referenceTopP(row, 0.8));
});

test("top-p ranks only the tokens shallow enough (depth bins) and still matches a full sort", () => {
  const rng = new Rng(11);
  for (let r = 0; r < 300; r++) {
    const scale = [0.5, 2, 4, 8, 20][r % 5]!;
    const row = r % 3 === 0 ? quantizedLogits(rng, 2048, scale) : randomLogits(rng, 2048, scale);
    if (r % 4 === 0) for (let i = r % 7; i < row.length; i += 5) row[i] = -Infinity;
    const p = [0.1, 0.5, 0.9, 0.95, 0.99, 0.999999][r % 6]!;
    assert.deepEqual(kept(new TopPProcessor(p), row), referenceTopP(row, p), `row ${r}: scale ${scale}, p ${p}`);
  }
  // The bins themselves: depth 0 holds ids 0 and 3 (top − logit < 1), depth 1 id 1, deeper the rest.
  const row = Float32Array.from([2, 0.5, -30, 1.25, -1]);
  const { order, weights } = new Scratch().ensure(row.length);
  const live = liveWeights(row, 2, order, weights);
  const narrowed = (p: number): number[] => {
    const { count, total, candidates } = nucleusCandidates(row, 2, p, order, weights);
    assert.deepEqual({ count, total }, live, "the same weights and total as liveWeights");
    return [...order.subarray(0, candidates)];
  };
  assert.deepEqual(narrowed(0.5), [0, 3], "bin 0 holds (1 + e^-0.75) / total ≈ 0.84 of the mass");
  assert.deepEqual(narrowed(0.9), [0, 1, 3], "bins 0 and 1 ≈ 0.97");
  assert.deepEqual(narrowed(0.99), [0, 1, 3, 4]);
  // A nucleus ending deeper than the shallow list (bin 9): the candidates come from the whole row.
  const deep = Float32Array.from([0, -9.5, -40, -9.6]);
  const { candidates } = nucleusCandidates(deep, 0, 0.99995, order, weights);
  assert.deepEqual([...order.subarray(0, candidates)], [0, 1, 3]);
  // A nucleus reaching past the deepest bin (logits spread over 60 units): every token is ranked.
  const wide = Float32Array.from({ length: 600 }, (_, i) => -i / 10);
  assert.deepEqual(kept(new TopPProcessor(1 - 1e-15), wide), referenceTopP(wide, 1 - 1e-15));
});

test("top-k on large vocabularies matches a full sort, for small k (heap) and large k (quickselect), with ties", () => {
  const rng = new Rng(8);
  const plain = randomLogits(rng, 12_000, 2);
  const tied = quantizedLogits(rng, 12_000, 3);
  const plainSorted = plain.slice().sort().reverse();
  const tiedSorted = tied.slice().sort().reverse();
  for (const k of [1, 50, 1000, 1025, 5000, 11_999]) {
    assert.deepEqual(kept(new TopKProcessor(k), plain), referenceTopK(plain, plainSorted, k), `k ${k}`);
    assert.deepEqual(kept(new TopKProcessor(k), tied), referenceTopK(tied, tiedSorted, k), `tied, k ${k}`);
  }
});

test("typical-p on a large vocabulary matches HF's algorithm run by brute force", () => {
  const rng = new Rng(4);
  const cases: Array<[label: string, row: Float32Array, mass: number]> = [
    ["very peaked", randomLogits(rng, 10_000, 8), 0.3],
    ["peaked", randomLogits(rng, 10_000, 3), 0.9],
    ["medium", randomLogits(rng, 10_000, 1), 0.5],
    ["flat", randomLogits(rng, 10_000, 0.2), 0.99],
    ["tied", quantizedLogits(rng, 10_000, 3), 0.7],
  ];
  for (const [label, row, mass] of cases) {
    assert.deepEqual(kept(new TypicalPProcessor(mass), row), referenceTypical(row, mass), label);
  }
  // One processor over rows of different lengths: its reused buffers follow the row size.
  const shared = new TypicalPProcessor(0.5);
  for (const n of [10_000, 6_000, 10_000, 5]) {
    const row = randomLogits(rng, n, 4);
    assert.deepEqual(kept(shared, row), referenceTypical(row, 0.5), `length ${n}`);
  }
});
