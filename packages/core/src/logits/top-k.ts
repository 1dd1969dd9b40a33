import { checkNumber } from "../errors.js";
import { topK } from "../tensor.js";
import type { LogitsProcessor } from "./processor.js";
import { Scratch, prefixEnd } from "./ranking.js";

/** Up to this k a size-k heap is fastest (O(n log k), one compare for most entries). */
const HEAP_UP_TO = 1024;

/**
 * Keeps the k most likely tokens (Fan, Lewis & Dauphin 2018). Follows HF TopKLogitsWarper exactly:
 * every logit below the k-th largest value is removed, so tokens tied with the k-th value all stay
 * (more than k may survive, never fewer than min(k, vocabulary)); the argmax is always kept.
 * Tokens already at -Infinity do not count towards k.
 *
 * Cost: the k-th value comes from a size-k heap for k ≤ 1024, else from quickselect (expected
 * O(n), see {@link prefixEnd}); never a sort of the vocabulary.
 */
export class TopKProcessor implements LogitsProcessor {
  readonly name = "top_k";
  readonly k: number;
  private readonly scratch = new Scratch();

  constructor(k: number) {
    // top_k 0 means "off" in HF; the factory skips it, the processor itself refuses it.
    this.k = checkNumber("top_k", k, { min: 1, integer: true });
  }

  process(logits: Float32Array): void {
    const k = this.k;
    if (k >= logits.length) return;
    let kth: number;
    if (k <= HEAP_UP_TO) {
      const best = topK(logits, k);
      kth = logits[best[best.length - 1]!]!;
    } else {
      const { order } = this.scratch.ensure(logits.length);
      let count = 0;
      for (let i = 0; i < logits.length; i++) if (logits[i]! > -Infinity) order[count++] = i;
      if (count <= k) return;
      kth = logits[prefixEnd(logits, undefined, order, count, (n) => n >= k)]!;
    }
    if (kth === -Infinity) return;
    for (let i = 0; i < logits.length; i++) if (logits[i]! < kth) logits[i] = -Infinity;
  }
}
