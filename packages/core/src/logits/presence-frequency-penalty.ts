import { checkNumber } from "../errors.js";
import type { LogitsProcessor, SequenceContext } from "./processor.js";
import { checkTokenId } from "./ranking.js";

/**
 * OpenAI's presence and frequency penalties (OpenAI API reference, "Frequency and presence
 * penalties"): for each token j with count c[j] among the GENERATED tokens (the prompt does not
 * count),
 *
 *     logit[j] −= c[j] · frequency_penalty + (c[j] > 0) · presence_penalty
 *
 * Both lie in [−2, 2] as in the OpenAI API; negative values encourage repetition. One processor
 * handles both because they share the counts.
 *
 * Cost: two passes over the generated tokens with a reusable count array (allocated once per
 * vocabulary size). The subtraction is done once per id, so the result is the formula's value
 * rounded once to float32, not c rounded subtractions.
 */
export class PresenceFrequencyPenaltyProcessor implements LogitsProcessor {
  readonly name = "presence_frequency_penalty";
  readonly presencePenalty: number;
  readonly frequencyPenalty: number;
  private counts = new Uint32Array(0);

  constructor(options: { presencePenalty?: number | undefined; frequencyPenalty?: number | undefined }) {
    this.presencePenalty = checkNumber("presence_penalty", options.presencePenalty ?? 0, { min: -2, max: 2 });
    this.frequencyPenalty = checkNumber("frequency_penalty", options.frequencyPenalty ?? 0, { min: -2, max: 2 });
  }

  process(logits: Float32Array, context: SequenceContext): void {
    const presence = this.presencePenalty;
    const frequency = this.frequencyPenalty;
    if (presence === 0 && frequency === 0) return;
    const { tokens } = context;
    const start = Math.min(Math.max(context.promptLength, 0), tokens.length);
    if (this.counts.length !== logits.length) this.counts = new Uint32Array(logits.length);
    const counts = this.counts;
    for (let i = start; i < tokens.length; i++) {
      const t = tokens[i]!;
      checkTokenId(t, logits.length, this.name);
      counts[t]!++;
    }
    for (let i = start; i < tokens.length; i++) {
      const t = tokens[i]!;
      const c = counts[t]!;
      if (c === 0) continue;
      counts[t] = 0;
      logits[t] = logits[t]! - (c * frequency + presence);
    }
  }
}
