import { topK } from "../tensor.js";
import { expNonPositive } from "../fast-exp.js";

/**
 * Weighted selection: the part of top-k, top-p and typical-p that would otherwise need a sort of
 * the vocabulary. They all ask the same question: ranking tokens by a key (largest first, lower id
 * first on ties), where does the running sum of a weight first reach a target?
 *
 * Two stages, so no case pays for a full O(n log n) sort:
 * 1. the 256 best entries by a size-256 heap (O(n log 256), one cheap compare for most entries),
 *    summed in rank order: enough for the usual short nucleus;
 * 2. otherwise a 3-way quickselect on the keys (expected O(n)), which orders nothing but the
 *    one tie group at the boundary.
 * When an earlier filter (top-k) left few candidates, stage 2 runs on those alone: O(k).
 */

/** Candidate counts above which the heap stage is tried first, and its size. */
const HEAP_STAGE_ABOVE = 4096;
const HEAP_STAGE_SIZE = 256;

/**
 * Reusable per-processor buffers, sized to the vocabulary on first use (and again only if the row
 * length changes), so processing allocates nothing per token.
 */
export class Scratch {
  order = new Int32Array(0);
  weights = new Float64Array(0);
  keys = new Float64Array(0);

  ensure(size: number, keys = false): this {
    if (this.order.length !== size) {
      this.order = new Int32Array(size);
      this.weights = new Float64Array(size);
    }
    // Exactly `size`: the keys array is scanned whole by the heap stage.
    if (keys && this.keys.length !== size) this.keys = new Float64Array(size);
    return this;
  }
}

/**
 * The live candidates of a logits row: lists the ids whose logit is finite in `order` and writes
 * their unnormalised softmax weights exp(logit − top) into `weights`. Returns how many there are
 * and the weights' sum (the softmax denominator scaled by exp(−top)).
 */
export function liveWeights(
  logits: Float32Array,
  top: number,
  order: Int32Array,
  weights: Float64Array,
): { count: number; total: number } {
  let count = 0;
  let total = 0;
  for (let i = 0; i < logits.length; i++) {
    const l = logits[i]!;
    if (l > -Infinity) {
      const w = expNonPositive(l - top);
      weights[i] = w;
      total += w;
      order[count++] = i;
    }
  }
  return { count, total };
}

function median3(a: number, b: number, c: number): number {
  if (a > b) [a, b] = [b, a];
  if (b > c) b = c;
  return a > b ? a : b;
}

/**
 * Ranks the `count` candidate ids in `order` (permuted in place) by `keys` descending, ties by lower
 * id, and returns the id at which the running sum of `weights` (1 each when omitted) first
 * satisfies `reached`, or -1 when even the sum over all candidates does not. `keys` covers the
 * whole row, -Infinity for non-candidates; `reached` must be monotone (false, then true).
 *
 * Floating point: past the heap stage, sums are formed in partition order, not rank order, so they
 * can differ from a sorted cumulative sum in the last bits; a block that reaches the target as a
 * whole while its re-summed parts miss it by rounding resolves to that block's last-ranked entry.
 */
export function prefixEnd(
  keys: ArrayLike<number>,
  weights: ArrayLike<number> | undefined,
  order: Int32Array,
  count: number,
  reached: (sum: number) => boolean,
): number {
  if (count > HEAP_STAGE_ABOVE) {
    let sum = 0;
    for (const id of topK(keys, HEAP_STAGE_SIZE)) {
      sum += weights === undefined ? 1 : weights[id]!;
      if (reached(sum)) return id;
    }
  }
  let lo = 0;
  let hi = count;
  let before = 0; // weight of every candidate ranked before position lo
  let narrowed = false; // true once [lo, hi) is known to reach the target
  let lastTies = -1; // last-ranked id of the most recently consumed tie block
  while (lo < hi) {
    const pivot = median3(keys[order[lo]!]!, keys[order[(lo + hi) >>> 1]!]!, keys[order[hi - 1]!]!);
    // Dijkstra's 3-way partition: [lo, gt) > pivot, [gt, i) == pivot, [lt, hi) < pivot.
    let gt = lo;
    let i = lo;
    let lt = hi;
    let greater = 0;
    let equal = 0;
    while (i < lt) {
      const id = order[i]!;
      const k = keys[id]!;
      if (k > pivot) {
        order[i] = order[gt]!;
        order[gt++] = id;
        greater += weights === undefined ? 1 : weights[id]!;
        i++;
      } else if (k < pivot) {
        order[i] = order[--lt]!;
        order[lt] = id;
      } else {
        equal += weights === undefined ? 1 : weights[id]!;
        i++;
      }
    }
    if (gt > lo && reached(before + greater)) {
      hi = gt;
      narrowed = true;
      continue;
    }
    if (reached(before + greater + equal)) {
      // The boundary is in the tie block: the only place where the order by id matters.
      const ties = order.subarray(gt, lt).sort();
      let sum = before + greater;
      for (const id of ties) {
        sum += weights === undefined ? 1 : weights[id]!;
        if (reached(sum)) return id;
      }
      return ties[ties.length - 1]!;
    }
    lastTies = -1;
    for (let j = gt; j < lt; j++) if (order[j]! > lastTies) lastTies = order[j]!;
    before += greater + equal;
    lo = lt;
  }
  return narrowed ? lastTies : -1;
}

/** Throws unless `token` can index a logits row of `size` entries. */
export function checkTokenId(token: number, size: number, where: string): void {
  if (!(Number.isInteger(token) && token >= 0 && token < size)) {
    throw new RangeError(`${where}: token id ${token} is outside the vocabulary (${size} logits)`);
  }
}
