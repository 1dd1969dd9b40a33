import { RiffError } from "../errors.js";
import type { Rng } from "../rng.js";
import { topK } from "../tensor.js";
import { expNonPositive } from "../fast-exp.js";

/**
 * Samplers: turn one (processed) logits row into a token id. Neither touches Math.random; all
 * randomness comes from the caller's seeded {@link Rng}, so a seed reproduces a run exactly.
 */

function everythingFiltered(): never {
  throw new RiffError("cannot choose a token: every logit is -Infinity (the filters removed every token)");
}

/** Whether id j with value w ranks before id i with value v (larger first, then lower id; -1 is no id). */
function ranksBefore(w: number, j: number, v: number, i: number): boolean {
  return j >= 0 && (i < 0 || w > v || (w === v && j < i));
}

/** Greedy decoding: the id of the largest logit (the lowest id on ties). */
export function greedy(logits: ArrayLike<number>): number {
  // Four lanes, as in tensor.ts's max, each keeping its first largest; joined by value, then id.
  let a = -Infinity;
  let b = -Infinity;
  let c = -Infinity;
  let d = -Infinity;
  let ia = -1;
  let ib = -1;
  let ic = -1;
  let id = -1;
  const n = logits.length;
  const whole = n - (n % 4);
  let i = 0;
  for (; i < whole; i += 4) {
    const x0 = logits[i]!;
    const x1 = logits[i + 1]!;
    const x2 = logits[i + 2]!;
    const x3 = logits[i + 3]!;
    if (x0 > a) {
      a = x0;
      ia = i;
    }
    if (x1 > b) {
      b = x1;
      ib = i + 1;
    }
    if (x2 > c) {
      c = x2;
      ic = i + 2;
    }
    if (x3 > d) {
      d = x3;
      id = i + 3;
    }
  }
  for (; i < n; i++) {
    if (logits[i]! > a) {
      a = logits[i]!;
      ia = i;
    }
  }
  if (ranksBefore(b, ib, a, ia)) {
    a = b;
    ia = ib;
  }
  if (ranksBefore(d, id, c, ic)) {
    c = d;
    ic = id;
  }
  if (ranksBefore(c, ic, a, ia)) ia = ic;
  if (ia < 0) everythingFiltered();
  return ia;
}

/** The ids sampleCategorical found live (not -Infinity), reused between draws. */
let live = new Int32Array(0);

/**
 * Draws one id from softmax(logits) by inversion: u = rng.uniform() (53 random bits) picks the
 * first id whose cumulative weight exceeds u · Σ weights. That is exact up to float64 rounding,
 * needs exactly two rng.nextUint32() calls per draw, and never returns an id of probability 0
 * (a -Infinity logit adds nothing to the running sum, so it cannot be the first to pass u).
 *
 * One pass over the row finds the maximum and lists the ids that are not -Infinity; the sum and the
 * draw then run over that list alone (in id order, as over the row: the same sums to the bit), so
 * after top-k or top-p a draw costs one scan of the row, not three. The weights exp(logit − max)
 * are computed twice instead of stored.
 */
export function sampleCategorical(logits: ArrayLike<number>, rng: Rng): number {
  const n = logits.length;
  if (live.length < n) live = new Int32Array(n);
  let max = -Infinity;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const l = logits[i]!;
    // NaN is listed too, so the sum below turns NaN and the row is refused.
    if (l !== -Infinity) {
      live[count++] = i;
      if (l > max) max = l;
    }
  }
  if (max === -Infinity) everythingFiltered();
  let total = 0;
  for (let j = 0; j < count; j++) total += expNonPositive(logits[live[j]!]! - max);
  if (!Number.isFinite(total)) throw new RiffError("cannot sample: the logits contain NaN or +Infinity");
  const target = rng.uniform() * total;
  let cumulative = 0;
  let last = -1;
  for (let j = 0; j < count; j++) {
    const i = live[j]!;
    const w = expNonPositive(logits[i]! - max);
    if (w === 0) continue;
    cumulative += w;
    last = i;
    if (cumulative > target) return i;
  }
  // Only reachable when rounding leaves the running sum a hair below u · total for u near 1.
  return last;
}

/** One token and its log-probability. */
export interface TokenLogprob {
  readonly token: number;
  readonly logprob: number;
}

/** The chosen token's log-probability and the `topN` most likely tokens (for `logprobs` output). */
export interface ChosenTokenLogprobs extends TokenLogprob {
  /** Most likely first (lowest id first on ties); tokens with probability 0 are left out. */
  readonly top: readonly TokenLogprob[];
}

/** log Σ exp(logits), stable; -Infinity when every logit is -Infinity. */
export function logSumExp(logits: ArrayLike<number>): number {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i]! > max) max = logits[i]!;
  if (max === -Infinity) return -Infinity;
  let total = 0;
  for (let i = 0; i < logits.length; i++) total += Math.exp(logits[i]! - max);
  return max + Math.log(total);
}

/**
 * Log-probabilities under softmax(logits) of `token` and of the `topN` most likely tokens. Pass the
 * raw model logits to report the model's own probabilities, or the processed row to report the
 * distribution actually sampled from; the caller decides. Costs two passes and an O(n log topN)
 * selection; no vocabulary-sized array is allocated.
 */
export function tokenLogprobs(logits: ArrayLike<number>, token: number, topN = 0): ChosenTokenLogprobs {
  if (!(Number.isInteger(token) && token >= 0 && token < logits.length)) {
    throw new RangeError(`token id ${token} is outside the vocabulary (${logits.length} logits)`);
  }
  if (!(Number.isInteger(topN) && topN >= 0)) throw new RangeError(`topN must be an integer ≥ 0, got ${topN}`);
  const logZ = logSumExp(logits);
  if (logZ === -Infinity) everythingFiltered();
  const top: TokenLogprob[] = [];
  for (const id of topK(logits, topN)) {
    const l = logits[id]!;
    if (l === -Infinity) break;
    top.push({ token: id, logprob: l - logZ });
  }
  return { token, logprob: logits[token]! - logZ, top };
}
