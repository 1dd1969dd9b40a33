import { checkNumber } from "../errors.js";
import type { LogitsProcessor, SequenceContext } from "./processor.js";
import { checkTokenId } from "./ranking.js";

/**
 * Bans every token that would complete an n-gram already present in the sequence (Paulus et al.
 * 2018; HF NoRepeatNGramLogitsProcessor): if the last n−1 tokens also occur earlier followed by
 * token t, t gets -Infinity. The whole sequence counts, prompt included, as in HF. With n = 1 every
 * token seen so far is banned.
 *
 * Cost: O(length · n) comparisons per step and no allocation; HF rebuilds an n-gram dictionary per
 * step, which is the same order of work.
 */
export class NoRepeatNgramProcessor implements LogitsProcessor {
  readonly name = "no_repeat_ngram_size";
  readonly size: number;

  constructor(size: number) {
    this.size = checkNumber("no_repeat_ngram_size", size, { min: 1, integer: true });
  }

  process(logits: Float32Array, context: SequenceContext): void {
    const { tokens } = context;
    const n = this.size;
    const length = tokens.length;
    // HF: no bans until the sequence holds n−1 tokens (a prefix to match).
    if (length + 1 < n) return;
    const prefixStart = length - (n - 1);
    for (let start = 0; start + n <= length; start++) {
      let matches = true;
      for (let j = 0; j < n - 1; j++) {
        if (tokens[start + j] !== tokens[prefixStart + j]) {
          matches = false;
          break;
        }
      }
      if (!matches) continue;
      const banned = tokens[start + n - 1]!;
      checkTokenId(banned, logits.length, this.name);
      logits[banned] = -Infinity;
    }
  }
}
