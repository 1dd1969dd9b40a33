import { test } from "node:test";
import assert from "node:assert/strict";
import {
  Rng,
  RiffError,
  applyProcessors,
  createLogitsProcessors,
  greedy,
  logSoftmax,
  sampleCategorical,
  tokenLogprobs,
} from "@riff/core";

/** Upper 0.1% points of the chi-square distribution, by degrees of freedom (standard tables). */
const CHI2_CRITICAL_P001: Readonly<Record<number, number>> = {
  1: 10.828,
  2: 13.816,
  3: 16.266,
  4: 18.467,
  5: 20.515,
  6: 22.458,
  7: 24.322,
  8: 26.124,
  9: 27.877,
  10: 29.588,
};

function chiSquare(counts: readonly number[], probabilities: readonly number[], draws: number): number {
  let statistic = 0;
  probabilities.forEach((p, i) => {
    if (p === 0) return;
    const expected = p * draws;
    statistic += (counts[i]! - expected) ** 2 / expected;
  });
  return statistic;
}

/** softmax in float64 straight from the definition, independent of the library. */
function referenceSoftmax(logits: readonly number[]): number[] {
  const m = Math.max(...logits);
  const e = logits.map((l) => Math.exp(l - m));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / z);
}

test("sampleCategorical draws the processed distribution (chi-square at p = 0.001), and a wrong one fails", () => {
  const raw = [2.0, 1.5, 1.0, 0.5, 0.0, -0.5, -1.0, -3.0];
  const processed = applyProcessors(
    createLogitsProcessors({ temperature: 0.8, topK: 6 }),
    Float32Array.from(raw),
    { tokens: [], promptLength: 0 },
  );
  // Expected: temperature 0.8 over the 6 largest, the last two removed.
  const kept = raw.slice(0, 6).map((l) => Math.fround(l) / 0.8);
  const expected = [...referenceSoftmax(kept), 0, 0];
  const draws = 30_000;
  const counts = new Array<number>(raw.length).fill(0);
  const rng = new Rng(1234);
  for (let i = 0; i < draws; i++) counts[sampleCategorical(processed, rng)]!++;
  assert.equal(counts[6], 0, "a filtered token was drawn");
  assert.equal(counts[7], 0, "a filtered token was drawn");
  const df = 6 - 1;
  const critical = CHI2_CRITICAL_P001[df]!;
  const statistic = chiSquare(counts, expected, draws);
  assert.ok(statistic < critical, `chi-square ${statistic.toFixed(2)} ≥ ${critical} for the right distribution`);
  // The same counts against the untempered distribution must be rejected: the test has teeth.
  const wrong = [...referenceSoftmax(raw.slice(0, 6)), 0, 0];
  const wrongStatistic = chiSquare(counts, wrong, draws);
  assert.ok(wrongStatistic > critical, `chi-square ${wrongStatistic.toFixed(2)} should exceed ${critical}`);
});

test("sampleCategorical matches a skewed 10-way distribution with top-p and min-p applied", () => {
  const raw = [3, 2.5, 2.2, 2, 1, 0.8, 0.1, -1, -2, -4];
  const processed = applyProcessors(
    createLogitsProcessors({ topP: 0.97, minP: 0.02 }),
    Float32Array.from(raw),
    { tokens: [], promptLength: 0 },
  );
  const finite = Array.from(processed);
  const keptCount = finite.filter((l) => l > -Infinity).length;
  assert.ok(keptCount >= 3 && keptCount < raw.length);
  const expected = referenceSoftmax(finite);
  const draws = 25_000;
  const counts = new Array<number>(raw.length).fill(0);
  const rng = new Rng(77);
  for (let i = 0; i < draws; i++) counts[sampleCategorical(processed, rng)]!++;
  counts.forEach((c, i) => {
    if (expected[i] === 0) assert.equal(c, 0, `token ${i} was filtered but drawn`);
  });
  const critical = CHI2_CRITICAL_P001[keptCount - 1]!;
  assert.ok(chiSquare(counts, expected, draws) < critical);
  // Shifting 2% of the mass from the first token to the second is detected at this sample size.
  const shifted = [...expected];
  shifted[0] = shifted[0]! - 0.02;
  shifted[1] = shifted[1]! + 0.02;
  assert.ok(chiSquare(counts, shifted, draws) > critical);
});

test("sampling is reproducible from the seed and uses no Math.random", () => {
  const logits = Float32Array.from([0.1, 0.2, 0.3, 0.4]);
  const run = (seed: number): number[] => {
    const rng = new Rng(seed);
    return Array.from({ length: 50 }, () => sampleCategorical(logits, rng));
  };
  const original = Math.random;
  Math.random = () => {
    throw new Error("Math.random was called");
  };
  try {
    assert.deepEqual(run(3), run(3));
    assert.notDeepEqual(run(3), run(4));
  } finally {
    Math.random = original;
  }
});

test("greedy is the argmax, lowest id on ties; an all -Infinity row is a RiffError", () => {
  assert.equal(greedy(Float32Array.from([0, 3, 1, 3])), 1);
  assert.equal(greedy(Float32Array.from([-Infinity, -5, -Infinity])), 1);
  const none = Float32Array.from([-Infinity, -Infinity]);
  assert.throws(() => greedy(none), RiffError);
  assert.throws(() => sampleCategorical(none, new Rng(1)), RiffError);
  assert.throws(() => sampleCategorical(Float32Array.from([0, Number.NaN]), new Rng(1)), RiffError);
});

test("greedy in four lanes equals a one-pass scan: ties across lanes, tails, NaN and -Infinity", () => {
  // Ties in lanes 3 and 1 (ids 3 and 5): the lower id wins although lane 1 is joined first.
  assert.equal(greedy(Float32Array.from([0, 1, 2, 7, 1, 7, 0])), 3);
  assert.equal(greedy(Float32Array.from([0, 1, 2, 3, 4, 5, 6, 9, 9])), 7, "a tail after whole groups of four");
  const scan = (row: Float32Array): number => {
    let best = -1;
    for (let i = 0; i < row.length; i++) if (row[i]! > (best < 0 ? -Infinity : row[best]!)) best = i;
    return best;
  };
  const rng = new Rng(21);
  for (let r = 0; r < 3000; r++) {
    const row = Float32Array.from({ length: 1 + (r % 37) }, () => {
      const u = rng.uniform();
      return u < 0.2 ? -Infinity : u < 0.25 ? Number.NaN : Math.floor(rng.uniform() * 4);
    });
    const expected = scan(row);
    if (expected < 0) assert.throws(() => greedy(row), RiffError);
    else assert.equal(greedy(row), expected, `row ${r}: ${[...row].join(" ")}`);
  }
});

test("sampleCategorical's draw over the live ids is the inversion over the whole row, draw for draw", () => {
  // The whole-row inversion, written plainly: the same weights summed in id order.
  const inversion = (row: Float32Array, rng: Rng): number => {
    let top = -Infinity;
    for (const l of row) if (l > top) top = l;
    let total = 0;
    for (const l of row) if (l !== -Infinity) total += Math.exp(l - top);
    const target = rng.uniform() * total;
    let sum = 0;
    let last = -1;
    for (let i = 0; i < row.length; i++) {
      if (row[i] === -Infinity) continue;
      sum += Math.exp(row[i]! - top);
      last = i;
      if (sum > target) return i;
    }
    return last;
  };
  const source = new Rng(5);
  for (let r = 0; r < 200; r++) {
    const row = Float32Array.from({ length: 300 }, () => (source.uniform() < 0.8 ? -Infinity : source.uniform() * 6));
    const a = new Rng(r);
    const b = new Rng(r);
    for (let k = 0; k < 20; k++) assert.equal(sampleCategorical(row, a), inversion(row, b), `row ${r}, draw ${k}`);
  }
});

test("a single surviving token is always drawn", () => {
  const logits = Float32Array.from([-Infinity, 4, -Infinity]);
  const rng = new Rng(0);
  for (let i = 0; i < 100; i++) assert.equal(sampleCategorical(logits, rng), 1);
});

test("tokenLogprobs: the chosen token's log-probability and the top alternatives", () => {
  const logits = Float32Array.from([1, 3, -Infinity, 2, 3]);
  const expected = logSoftmax(logits);
  const result = tokenLogprobs(logits, 3, 4);
  assert.equal(result.token, 3);
  assert.ok(Math.abs(result.logprob - expected[3]!) < 1e-6);
  assert.deepEqual(
    result.top.map((t) => t.token),
    [1, 4, 3, 0],
  );
  for (const t of result.top) assert.ok(Math.abs(t.logprob - expected[t.token]!) < 1e-6);
  // Zero-probability tokens are never listed, even when more are asked for.
  assert.equal(tokenLogprobs(logits, 1, 10).top.length, 4);
  assert.equal(tokenLogprobs(logits, 1).top.length, 0);
  const total = [1, 3, 2, 3].reduce((s, l) => s + Math.exp(l), 0);
  assert.ok(Math.abs(tokenLogprobs(logits, 0).logprob - (1 - Math.log(total))) < 1e-9);
  assert.throws(() => tokenLogprobs(logits, 5), RangeError);
});
