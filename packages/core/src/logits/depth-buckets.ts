/**
 * Top-p's candidates, found before they are ranked: the pass that computes every live token's
 * weight exp(logit − top) also bins the weights by depth below the top logit (whole units of
 * logit: bin d holds the tokens with top − logit in [d, d + 1)). The bins show which depth the
 * nucleus ends at, and only the tokens that shallow go on to the ranking, so a nucleus of a few
 * dozen tokens in a vocabulary of thousands is ranked among about a hundred, not among all.
 * Everything ranked above a kept token is kept (a higher logit is never deeper), so the ranking's
 * running sums over the candidates are those over the whole row.
 */
import { expNonPositive } from "../fast-exp.js";
import { liveWeights } from "./ranking.js";

/** Bins 0 … DEPTHS − 1, then one for everything deeper. */
const DEPTHS = 32;
/** Tokens shallower than this are also listed apart, so a shallow nucleus needs no second pass over the row. */
const SHALLOW = 8;
const mass = new Float64Array(DEPTHS + 1);
let shallow = new Int32Array(0);

export interface NucleusCandidates {
  /** How many tokens are live (finite). */
  readonly count: number;
  /** Σ exp(logit − top) over them, summed in id order (as {@link liveWeights} sums). */
  readonly total: number;
  /**
   * order[0..candidates) now lists the tokens no deeper than the bin where the nucleus ends, by id,
   * and `weights` holds their exp(logit − top) (other entries of both are stale).
   */
  readonly candidates: number;
}

/**
 * {@link liveWeights}'s total, plus the narrowing: order[0..candidates) ends up holding the live
 * tokens no deeper than the first bin at which the binned weights, summed bin by bin, reach the
 * share `p` of the total (every live token when only the deepest bin gets there).
 */
export function nucleusCandidates(logits: Float32Array, top: number, p: number, order: Int32Array, weights: Float64Array): NucleusCandidates {
  if (shallow.length < logits.length) shallow = new Int32Array(logits.length);
  let count = 0;
  let total = 0;
  let near = 0;
  // The pass over the row does only what every token needs (its weight, into the total) and keeps
  // the shallow tokens apart; the bins are filled afterwards from that short list, and the whole
  // row is listed (its weights computed again, to the same bits) only when the nucleus reaches deeper.
  for (let i = 0; i < logits.length; i++) {
    const l = logits[i]!;
    if (l > -Infinity) {
      const w = expNonPositive(l - top);
      total += w;
      count++;
      if (top - l < SHALLOW) {
        weights[i] = w;
        shallow[near++] = i;
      }
    }
  }
  mass.fill(0);
  binMasses(logits, top, weights, shallow, near, 0);
  let last = nucleusEnd(total, p, SHALLOW);
  if (last === DEPTHS) {
    liveWeights(logits, top, order, weights);
    binMasses(logits, top, weights, order, count, SHALLOW);
    last = nucleusEnd(total, p, DEPTHS);
  }
  if (last === DEPTHS) return { count, total, candidates: count };
  const floor = top - (last + 1);
  const from = last < SHALLOW ? shallow : order;
  const n = last < SHALLOW ? near : count;
  let kept = 0;
  for (let j = 0; j < n; j++) {
    const id = from[j]!;
    if (logits[id]! > floor) order[kept++] = id;
  }
  return { count, total, candidates: kept };
}

/** Adds the weights of ids[0..n) at depths ≥ `from` to their bins (in id order, as one pass over the row would). */
function binMasses(logits: Float32Array, top: number, weights: Float64Array, ids: Int32Array, n: number, from: number): void {
  for (let j = 0; j < n; j++) {
    const id = ids[j]!;
    const depth = top - logits[id]!;
    if (depth < from) continue;
    const bin = depth < DEPTHS ? depth | 0 : DEPTHS;
    mass[bin] = mass[bin]! + weights[id]!;
  }
}

/** The first bin below `bins` at which the bins' running sum reaches the share p of the total, else DEPTHS. */
function nucleusEnd(total: number, p: number, bins: number): number {
  let sum = 0;
  for (let d = 0; d < bins; d++) {
    sum += mass[d]!;
    if (sum / total >= p) return d;
  }
  return DEPTHS;
}
