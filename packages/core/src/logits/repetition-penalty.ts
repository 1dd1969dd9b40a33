import { checkNumber } from "../errors.js";
import type { LogitsProcessor, SequenceContext } from "./processor.js";
import { checkTokenId } from "./ranking.js";

/**
 * The CTRL repetition penalty (Keskar et al. 2019, §4.1) as HF RepetitionPenaltyLogitsProcessor
 * applies it: for every distinct token id in the sequence, prompt included, a logit < 0 is
 * multiplied by the penalty and any other logit divided by it, so a penalty > 1 always makes a seen
 * token less likely (dividing a negative logit would make it more likely). Each id is penalized
 * once however often it occurs.
 *
 * Cost: two passes over the sequence with a reusable mark array (one byte per vocabulary entry,
 * allocated once), no Set per token.
 */
export class RepetitionPenaltyProcessor implements LogitsProcessor {
  readonly name = "repetition_penalty";
  readonly penalty: number;
  private marks = new Uint8Array(0);

  constructor(penalty: number) {
    this.penalty = checkNumber("repetition_penalty", penalty, { min: 0, minExclusive: true });
  }

  process(logits: Float32Array, context: SequenceContext): void {
    const penalty = this.penalty;
    if (penalty === 1) return;
    const { tokens } = context;
    if (this.marks.length !== logits.length) this.marks = new Uint8Array(logits.length);
    const marks = this.marks;
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      checkTokenId(t, logits.length, this.name);
      marks[t] = 1;
    }
    // Second pass: penalize each marked id once and clear its mark, leaving the array all zero.
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (marks[t] === 0) continue;
      marks[t] = 0;
      const v = logits[t]!;
      logits[t] = v < 0 ? v * penalty : v / penalty;
    }
  }
}
