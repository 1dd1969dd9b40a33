/**
 * Beam search's candidate selection: the best `keep` (beam, token) pairs of one prompt, scored
 * running beam score + next-token log-probability, in one pass over the beams' rows with a small
 * heap in reused buffers (no candidates array, no sort of the vocabulary).
 *
 * The scores are the float32 values that a log-softmax row (core's logSoftmax) plus the beam score,
 * stored in a Float32Array, would hold; the order is largest first, ties by lower flat index
 * beam·vocab + token, as core's topK over the concatenated rows gives.
 */
export class CandidateHeap {
  /** After select(): the flat indices (beam·vocab + token) and scores, best first. */
  index = new Int32Array(0);
  score = new Float64Array(0);

  /**
   * @param rows the beams' rows, row-major [numBeams, vocab] starting at `offset` within `values`
   * @param bases per beam: its running score
   * @param logZ per beam, or undefined: when given, `values` are raw logits and a row's
   *   log-probabilities are float32(logit − logZ); otherwise `values` are log-probabilities
   * @returns how many candidates were selected (min(keep, numBeams·vocab))
   */
  select(
    values: Float32Array,
    offset: number,
    vocab: number,
    bases: ArrayLike<number>,
    logZ: ArrayLike<number> | undefined,
    numBeams: number,
    keep: number,
  ): number {
    const size = Math.min(keep, numBeams * vocab);
    if (this.index.length < size) {
      this.index = new Int32Array(size);
      this.score = new Float64Array(size);
    }
    const index = this.index;
    const score = this.score;
    let count = 0;
    // A min-heap (weakest at the root) while scanning; flat indices only grow, so a new candidate
    // enters a full heap only when strictly better than the root.
    for (let k = 0; k < numBeams; k++) {
      const base = bases[k]!;
      const shift = logZ === undefined ? 0 : logZ[k]!;
      const start = offset + k * vocab;
      // Once the heap is full, a value can only enter if it beats `cut`, a bound in the row's own
      // units (the root's score moved back by base and shift, less a margin for the two roundings):
      // most of the row is rejected by that one compare, without the float32 arithmetic.
      let cut = count === size ? rawCut(score[0]!, base, shift) : -Infinity;
      for (let v = 0; v < vocab; v++) {
        const x = values[start + v]!;
        if (!(x > cut) && count === size) continue;
        const s = Math.fround(Math.fround(x - shift) + base);
        if (count === size) {
          if (!(s > score[0]!)) continue;
          index[0] = k * vocab + v;
          score[0] = s;
          siftDown(index, score, count);
          cut = rawCut(score[0]!, base, shift);
        } else {
          let i = count++;
          index[i] = k * vocab + v;
          score[i] = s;
          while (i > 0) {
            const p = (i - 1) >> 1;
            if (!weaker(index, score, i, p)) break;
            swap(index, score, i, p);
            i = p;
          }
          if (count === size) cut = rawCut(score[0]!, base, shift);
        }
      }
    }
    // Heap → best first (insertion sort: `keep` is a few times num_beams).
    for (let i = 1; i < count; i++) {
      for (let j = i; j > 0 && weaker(index, score, j - 1, j); j--) swap(index, score, j - 1, j);
    }
    return count;
  }
}

/**
 * log Σ exp(row), with exactly the arithmetic of core's logSoftmax (max, then the sum of
 * exp(x − max) in index order), so float32(x − logZ) equals its output bit for bit.
 */
export function rowLogZ(values: Float32Array, start: number, length: number): number {
  let m = -Infinity;
  for (let i = start; i < start + length; i++) if (values[i]! > m) m = values[i]!;
  if (m === -Infinity) throw new RangeError("logSoftmax: every logit is -Infinity");
  let sum = 0;
  for (let i = start; i < start + length; i++) sum += Math.exp(values[i]! - m);
  return m + Math.log(sum);
}

/**
 * A value x of a row with this base and shift can score above `root` only if x > the returned bound:
 * float32(float32(x − shift) + base) ≤ x − shift + base + 2 roundings, each under 2⁻²³ of the
 * magnitudes involved; the margin is far above that. NaN bounds (infinite inputs) reject nothing.
 */
function rawCut(root: number, base: number, shift: number): number {
  const cut = root - base + shift;
  const margin = 1e-5 * (1 + Math.abs(root) + Math.abs(base) + Math.abs(shift));
  return Number.isNaN(cut) ? -Infinity : cut - margin;
}

function weaker(index: Int32Array, score: Float64Array, a: number, b: number): boolean {
  const sa = score[a]!;
  const sb = score[b]!;
  return sa < sb || (sa === sb && index[a]! > index[b]!);
}

function swap(index: Int32Array, score: Float64Array, a: number, b: number): void {
  const i = index[a]!;
  index[a] = index[b]!;
  index[b] = i;
  const s = score[a]!;
  score[a] = score[b]!;
  score[b] = s;
}

function siftDown(index: Int32Array, score: Float64Array, count: number): void {
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let m = i;
    if (l < count && weaker(index, score, l, m)) m = l;
    if (r < count && weaker(index, score, r, m)) m = r;
    if (m === i) return;
    swap(index, score, i, m);
    i = m;
  }
}
