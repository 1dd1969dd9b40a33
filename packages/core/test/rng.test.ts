import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng } from "@riff/core";

const N = 100_000;

function moments(draw: () => number): { mean: number; variance: number } {
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < N; i++) {
    const x = draw();
    sum += x;
    sumSq += x * x;
  }
  const mean = sum / N;
  return { mean, variance: sumSq / N - mean * mean };
}

test("known answer: the first nextUint32() values of seed 42 (catches any change to the algorithm)", () => {
  const rng = new Rng(42);
  assert.deepEqual(
    Array.from({ length: 6 }, () => rng.nextUint32()),
    [553392293, 3964003598, 3787764653, 2124063057, 906547495, 1059867396],
  );
  const fork = new Rng(42).fork(1);
  assert.deepEqual(
    Array.from({ length: 3 }, () => fork.nextUint32()),
    [1665525640, 1599261614, 3695043777],
  );
});

test("the same seed gives the same sequence; other seeds and forks give others", () => {
  const take = (rng: Rng): number[] => Array.from({ length: 1000 }, () => rng.nextUint32());
  assert.deepEqual(take(new Rng(7)), take(new Rng(7)));
  const base = take(new Rng(7));
  assert.notDeepEqual(take(new Rng(8)), base);
  assert.notDeepEqual(take(new Rng(7 + 2 ** 32)), base, "the high bits of the seed count");
  assert.notDeepEqual(take(new Rng(7).fork(0)), base);
  assert.notDeepEqual(take(new Rng(7).fork(0)), take(new Rng(7).fork(1)));
  assert.deepEqual(take(new Rng(7).fork(3)), take(new Rng(7).fork(3)));
  // Forking does not depend on how far the parent has advanced.
  const advanced = new Rng(7);
  advanced.uniform();
  assert.deepEqual(take(advanced.fork(3)), take(new Rng(7).fork(3)));
});

test("uniform(): in [0, 1), mean 1/2 and variance 1/12 within 5 standard errors", () => {
  const rng = new Rng(2024);
  let min = 1;
  let max = 0;
  const { mean, variance } = moments(() => {
    const u = rng.uniform();
    if (u < min) min = u;
    if (u > max) max = u;
    return u;
  });
  assert.ok(min >= 0 && max < 1);
  // SE(mean) = sqrt(1/12 / N) ≈ 9.1e-4; SE(variance) = sqrt((1/80 − 1/144) / N) ≈ 2.4e-4.
  assert.ok(Math.abs(mean - 0.5) < 5 * 9.2e-4, `mean ${mean}`);
  assert.ok(Math.abs(variance - 1 / 12) < 5 * 2.4e-4, `variance ${variance}`);
});

test("normal(): mean 0 and variance 1 within 5 standard errors", () => {
  const rng = new Rng(99);
  const { mean, variance } = moments(() => rng.normal());
  // SE(mean) = 1/sqrt(N) ≈ 3.2e-3; SE(variance) = sqrt(2/N) ≈ 4.5e-3.
  assert.ok(Math.abs(mean) < 5 * 3.2e-3, `mean ${mean}`);
  assert.ok(Math.abs(variance - 1) < 5 * 4.5e-3, `variance ${variance}`);
});

/** Standard normal CDF by Simpson's rule on the density (independent of the library under test). */
function normalCdf(x: number): number {
  if (!Number.isFinite(x)) return x > 0 ? 1 : 0;
  const n = 2000;
  const h = Math.abs(x) / n;
  let sum = 0;
  for (let i = 0; i <= n; i++) {
    const weight = i === 0 || i === n ? 1 : i % 2 === 1 ? 4 : 2;
    sum += weight * Math.exp(-0.5 * (i * h) ** 2);
  }
  const half = (sum * h) / 3 / Math.sqrt(2 * Math.PI);
  return x >= 0 ? 0.5 + half : 0.5 - half;
}

/** Chi-square of draws against N(0, 1) over 16 bins: ±3.5 and ±0.5 steps between, the tails included. */
function normalChiSquare(draw: () => number, draws: number): number {
  const edges = [-Infinity, -3.5, -3, -2.5, -2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, Infinity];
  const counts = new Array<number>(edges.length - 1).fill(0);
  for (let i = 0; i < draws; i++) {
    const x = draw();
    let bin = 0;
    while (x >= edges[bin + 1]!) bin++;
    counts[bin]!++;
  }
  let statistic = 0;
  for (let b = 0; b < counts.length; b++) {
    const expected = (normalCdf(edges[b + 1]!) - normalCdf(edges[b]!)) * draws;
    statistic += (counts[b]! - expected) ** 2 / expected;
  }
  return statistic;
}

test("normal(): the ziggurat's draws fit N(0, 1) bin by bin, tails beyond ±3.5 included (chi-square, p = 0.001), and a 3% wider normal fails", () => {
  const CRITICAL_15_DOF = 37.697;
  const rng = new Rng(7);
  const statistic = normalChiSquare(() => rng.normal(), 400_000);
  assert.ok(statistic < CRITICAL_15_DOF, `chi-square ${statistic}`);
  const control = new Rng(7);
  const wrong = normalChiSquare(() => 1.03 * control.normal(), 400_000);
  assert.ok(wrong > CRITICAL_15_DOF, `control chi-square ${wrong}`);
});

test("integer(n) stays in [0, n) and reaches both ends", () => {
  const rng = new Rng(5);
  const seen = new Set<number>();
  for (let i = 0; i < 1000; i++) {
    const k = rng.integer(7);
    assert.ok(Number.isInteger(k) && k >= 0 && k < 7);
    seen.add(k);
  }
  assert.equal(seen.size, 7);
  assert.throws(() => rng.integer(0), RangeError);
});
