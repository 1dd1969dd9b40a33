import { checkNumber } from "../errors.js";
import { max } from "../tensor.js";
import type { LogitsProcessor } from "./processor.js";

/**
 * Min-p sampling (Nguyen et al. 2024, "Turning Up the Heat"; HF MinPLogitsWarper): keep the tokens
 * whose probability is ≥ min_p · p_max. The argmax always passes (its ratio is 1 ≥ min_p), and so
 * does every token tied with it.
 *
 * p / p_max = exp(logit − logit_max), so the test is done in logit space against log(min_p): one
 * pass for the maximum, one to filter, no softmax and no sort.
 */
export class MinPProcessor implements LogitsProcessor {
  readonly name = "min_p";
  readonly minP: number;
  private readonly logMinP: number;

  constructor(minP: number) {
    this.minP = checkNumber("min_p", minP, { min: 0, max: 1 });
    this.logMinP = Math.log(this.minP);
  }

  process(logits: Float32Array): void {
    if (this.minP === 0) return;
    const top = max(logits);
    if (top === -Infinity) return;
    const threshold = this.logMinP;
    for (let i = 0; i < logits.length; i++) if (logits[i]! - top < threshold) logits[i] = -Infinity;
  }
}
