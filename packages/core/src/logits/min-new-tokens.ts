import { RiffError, checkNumber } from "../errors.js";
import type { LogitsProcessor, SequenceContext } from "./processor.js";

/**
 * Forbids ending too early (HF MinNewTokensLengthLogitsProcessor): while fewer than
 * `minNewTokens` tokens have been generated after the prompt, every EOS id gets -Infinity.
 * An EOS id beyond the logits row is skipped: the model cannot produce it, so it needs no ban.
 */
export class MinNewTokensProcessor implements LogitsProcessor {
  readonly name = "min_new_tokens";
  readonly minNewTokens: number;
  readonly eosTokenIds: readonly number[];

  constructor(minNewTokens: number, eosTokenIds: readonly number[]) {
    this.minNewTokens = checkNumber("min_new_tokens", minNewTokens, { min: 0, integer: true });
    for (const id of eosTokenIds) checkNumber("eos_token_id", id, { min: 0, integer: true });
    if (this.minNewTokens > 0 && eosTokenIds.length === 0) {
      throw new RiffError("min_new_tokens needs the EOS token ids (eos_token_id) to ban", "min_new_tokens");
    }
    this.eosTokenIds = [...eosTokenIds];
  }

  process(logits: Float32Array, context: SequenceContext): void {
    const generated = context.tokens.length - context.promptLength;
    if (generated >= this.minNewTokens) return;
    for (const id of this.eosTokenIds) if (id < logits.length) logits[id] = -Infinity;
  }
}
