/**
 * The longest n-gram {@link draftFromContext} matches by default: the role of transformers'
 * max_matching_ngram_size (whose default is 2; 3 finds the longer, surer matches first).
 */
export const MAX_MATCHING_NGRAM = 3;

/**
 * Prompt lookup (n-gram) drafting: the tokens that followed the most recent earlier occurrence of
 * the context's last n tokens, trying n = maxNgram down to 1, at most `maxDraft` of them. Text
 * repeats names and phrases from the prompt and from itself, so these are often what the model
 * would write next; the decoder then checks them all in one forward pass. Empty when nothing
 * matches.
 */
export function draftFromContext(tokens: readonly number[], maxDraft: number, maxNgram = MAX_MATCHING_NGRAM): number[] {
  const length = tokens.length;
  if (maxDraft < 1) return [];
  for (let n = Math.min(maxNgram, length - 1); n >= 1; n--) {
    // Candidate starts s of an earlier copy of tokens[length - n, length), latest first; the copy
    // must end before the context does, so at least one token follows it.
    search: for (let s = length - n - 1; s >= 0; s--) {
      for (let j = n - 1; j >= 0; j--) if (tokens[s + j] !== tokens[length - n + j]) continue search;
      const from = s + n;
      return tokens.slice(from, Math.min(from + maxDraft, length));
    }
  }
  return [];
}
