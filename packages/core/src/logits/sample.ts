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

/** Greedy decoding: the id of the largest logit (the lowest id on ties). */
export function greedy(logits: ArrayLike<number>): number {
  let best = -1;
  let bestValue = -Infinity;
  for (let i = 0; i < logits.length; i++) {
    const v = logits[i]!;
    if (v > bestValue) {
      best = i;
      bestValue = v;
    }
  }
  if (best < 0) everythingFiltered();
  return best;
}

/**
 * Draws one id from softmax(logits) by inversion: u = rng.uniform() (53 random bits) picks the
 * first id whose cumulative weight exceeds u · Σ weights. That is exact up to float64 rounding,
 * needs exactly two rng.nextUint32() calls per draw, and never returns an id of probability 0
 * (a -Infinity logit adds nothing to the running sum, so it cannot be the first to pass u).
 *
 * The weights exp(logit − max) are computed twice instead of stored, so a draw allocates nothing.
 */
export function sampleCategorical(logits: ArrayLike<number>, rng: Rng): number {
  const n = logits.length;
  let max = -Infinity;
  for (let i = 0; i < n; i++) if (logits[i]! > max) max = logits[i]!;
  if (max === -Infinity) everythingFiltered();
  // A -Infinity logit (filtered out) weighs exp(-Infinity) = 0: skipping it changes no sum.
  let total = 0;
  for (let i = 0; i < n; i++) {
    const l = logits[i]!;
    if (l !== -Infinity) total += expNonPositive(l - max);
  }
  if (!Number.isFinite(total)) throw new RiffError("cannot sample: the logits contain NaN or +Infinity");
  const target = rng.uniform() * total;
  let cumulative = 0;
  let last = -1;
  for (let i = 0; i < n; i++) {
    const l = logits[i]!;
    if (l === -Infinity) continue;
    const w = expNonPositive(l - max);
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
