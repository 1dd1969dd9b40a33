import { checkNumber } from "../errors.js";
import { max } from "../tensor.js";
import type { LogitsProcessor } from "./processor.js";
import { Scratch, liveWeights, prefixEnd } from "./ranking.js";

/**
 * Locally typical sampling (Meister et al. 2023), exactly as HF TypicalLogitsWarper does it:
 *
 * 1. H = −Σ p log p, the entropy of the distribution;
 * 2. rank tokens by |−log p − H| ascending (most "typical" first);
 * 3. find the first position where the cumulative probability along that ranking reaches typical_p
 *    (HF: `last_ind = (cumulative_probs < mass).sum()`);
 * 4. remove every token whose |−log p − H| is strictly greater than the one at that position, so
 *    tokens tied with the boundary token all stay.
 *
 * Unlike top-k, top-p and min-p this can remove the argmax: when the most probable token is far
 * more probable than typical (its surprisal is well below H), it is not in the typical set. That
 * is the method's purpose, not a bug. The most typical token is always kept.
 *
 * Cost: three linear passes (maximum, weights, entropy and keys) into reused buffers, then a
 * weighted quickselect (expected O(n), see {@link prefixEnd}) in place of HF's full sort.
 */
export class TypicalPProcessor implements LogitsProcessor {
  readonly name = "typical_p";
  readonly typicalP: number;
  private readonly scratch = new Scratch();

  constructor(typicalP: number) {
    this.typicalP = checkNumber("typical_p", typicalP, { min: 0, minExclusive: true, max: 1 });
  }

  process(logits: Float32Array): void {
    const mass = this.typicalP;
    if (mass >= 1) return;
    const n = logits.length;
    const top = max(logits);
    if (top === -Infinity) return;
    const { order, weights, keys } = this.scratch.ensure(n, true);
    const { count, total } = liveWeights(logits, top, order, weights);
    if (count <= 1) return;
    const logZ = top + Math.log(total);
    // Probabilities, and the entropy over the tokens still in play (HF's nansum skips the 0·log 0
    // terms the same way).
    let entropy = 0;
    for (let j = 0; j < count; j++) {
      const i = order[j]!;
      const p = weights[i]! / total;
      weights[i] = p;
      entropy += p * (logZ - logits[i]!);
    }
    // Descending key = ascending |−log p − H|. Removed tokens are not candidates; their key is
    // -Infinity so the final pass removes them again (a no-op).
    for (let i = 0; i < n; i++) keys[i] = -Infinity;
    for (let j = 0; j < count; j++) {
      const i = order[j]!;
      keys[i] = -Math.abs(logZ - logits[i]! - entropy);
    }
    const boundary = prefixEnd(keys, weights, order, count, (sum) => sum >= mass);
    if (boundary < 0) return;
    const cut = keys[boundary]!;
    for (let i = 0; i < n; i++) if (keys[i]! < cut) logits[i] = -Infinity;
  }
}
