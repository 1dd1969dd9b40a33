import { test } from "node:test";
import assert from "node:assert/strict";
import { expNonPositive } from "../src/fast-exp.js";
import { Rng } from "../src/rng.js";

test("expNonPositive is within 2 ulp of e^x over [-708, 0], exact at 0, and Math.exp outside", () => {
  const rng = new Rng(3);
  let worst = 0;
  for (let i = 0; i < 300_000; i++) {
    // Softmax depths (a few units), whole rows of logits (tens), and the range's far end.
    const scale = [0.02, 3, 40, 708][i % 4]!;
    const x = -rng.uniform() * scale;
    const want = Math.exp(x);
    worst = Math.max(worst, Math.abs(expNonPositive(x) - want) / want);
  }
  assert.ok(worst <= 2 * 2 ** -52, `worst relative error ${worst}`);
  assert.ok(worst > 0, "a test of the fast path, not of Math.exp");
  assert.equal(expNonPositive(0), 1);
  assert.equal(expNonPositive(-0), 1);
  assert.equal(expNonPositive(-Infinity), 0);
  assert.ok(Number.isNaN(expNonPositive(Number.NaN)));
  for (const x of [-745, -800, 0.5, 3]) assert.equal(expNonPositive(x), Math.exp(x));
  // Table boundaries: the multiples of ln2/64 land on 2^(j/64) · 2^k.
  for (const k of [-1, -63, -64, -65, -6400]) {
    const x = (k * Math.LN2) / 64;
    assert.ok(Math.abs(expNonPositive(x) / Math.exp(x) - 1) <= 2 * 2 ** -52, `k ${k}`);
  }
});
