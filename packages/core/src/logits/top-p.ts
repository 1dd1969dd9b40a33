import { checkNumber } from "../errors.js";
import { max } from "../tensor.js";
import type { LogitsProcessor } from "./processor.js";
import { nucleusCandidates } from "./depth-buckets.js";
import { Scratch, liveWeights, prefixEnd } from "./ranking.js";

/**
 * Nucleus sampling (Holtzman et al. 2020), with HF TopPLogitsWarper's rule: keep the smallest set of
 * most probable tokens whose cumulative probability is ≥ top_p. A token is kept exactly when the
 * probability mass ranked strictly above it is < top_p, so the argmax always stays
 * (min_tokens_to_keep = 1) and a cumulative sum landing exactly on top_p stops there.
 *
 * Ties: HF's cut goes through a tie wherever torch.sort happened to put it; here tied tokens are
 * ranked by lower id first, so the result is deterministic and still the smallest set.
 *
 * Cost: one pass for the maximum, one for the weights exp(logit − max) that also bins them by depth
 * ({@link nucleusCandidates}), then a weighted quickselect (expected O(n), see {@link prefixEnd})
 * among the tokens shallow enough, instead of HF's full sort; after top-k only the k survivors
 * take part. Buffers are reused between calls.
 */
export class TopPProcessor implements LogitsProcessor {
  readonly name = "top_p";
  readonly topP: number;
  private readonly scratch = new Scratch();

  constructor(topP: number) {
    this.topP = checkNumber("top_p", topP, { min: 0, minExclusive: true, max: 1 });
  }

  process(logits: Float32Array): void {
    const p = this.topP;
    if (p >= 1) return;
    const top = max(logits);
    if (top === -Infinity) return;
    const { order, weights } = this.scratch.ensure(logits.length);
    const { count, total, candidates } = nucleusCandidates(logits, top, p, order, weights);
    if (count <= 1) return;
    const reached = (mass: number): boolean => mass / total >= p;
    let last = prefixEnd(logits, weights, order, candidates, reached);
    if (last < 0) {
      // The candidates' sum, formed in another order, fell short by rounding: rank every token.
      liveWeights(logits, top, order, weights);
      last = prefixEnd(logits, weights, order, count, reached);
    }
    if (last < 0) return;
    // The kept prefix in (value desc, id asc) order is exactly: value above the last kept one, or
    // equal to it with an id no greater.
    const cut = logits[last]!;
    for (let i = 0; i < logits.length; i++) {
      const v = logits[i]!;
      if (v < cut || (v === cut && i > last)) logits[i] = -Infinity;
    }
  }
}
