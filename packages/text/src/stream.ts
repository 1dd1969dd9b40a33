import type { TextTokenizer } from "./tokenizer.js";
import { findStopString, stopPrefixLength } from "./stop-strings.js";

const REPLACEMENT = "\uFFFD";
/** What may follow a space that transformers' clean_up_tokenization then removes (" ." → "."). */
const CLEANUP_TAILS = [".", "?", "!", ",", "' ", "n't", "'m", "'s", "'ve", "'re"];
/** How many prompt tokens to decode in front of the generated ones, so the first token keeps its leading space. */
const CONTEXT_TOKENS = 4;

/**
 * The text of one generated sequence, and its stream of deltas.
 *
 * Every update decodes the whole generated id list (behind a few prompt tokens for context, so
 * decoders that strip a leading space, like Llama's, strip it from the prompt and not from the
 * first generated token) and emits only the part that can no longer change:
 * - a trailing U+FFFD run (an incomplete UTF-8 / byte-fallback sequence) is held back;
 * - text that could be the start of a stop string is held back;
 * - with clean_up_tokenization_spaces, a trailing " " (+ the start of "n't", "'s", …) is held back.
 * A stop string ends the text where it begins. So the deltas always concatenate to the final text.
 */
export class TextTracker {
  private readonly context: readonly number[];
  private readonly contextText: string;
  private emitted = "";
  /** The text so far, cut at a stop string when one appeared. */
  text = "";
  /** The stop string that ended the text, if any. */
  stoppedBy: string | undefined;

  constructor(
    private readonly tokenizer: TextTokenizer,
    promptIds: readonly number[],
    private readonly stops: readonly string[],
  ) {
    this.context = promptIds.slice(Math.max(0, promptIds.length - CONTEXT_TOKENS));
    this.contextText = tokenizer.decode(this.context);
  }

  /** The text of `ids` (generated ids only), decoded as a continuation of the prompt. */
  decode(ids: readonly number[]): string {
    if (ids.length === 0) return "";
    if (this.context.length === 0) return this.tokenizer.decode(ids);
    const full = this.tokenizer.decode([...this.context, ...ids]);
    return full.startsWith(this.contextText) ? full.slice(this.contextText.length) : this.tokenizer.decode(ids);
  }

  /**
   * Updates with the generated ids so far; returns the new stable text (maybe "") and whether a
   * stop string appeared. `final` flushes everything held back.
   */
  update(ids: readonly number[], final: boolean): { delta: string; stopped: boolean } {
    if (this.stoppedBy !== undefined) return { delta: "", stopped: true };
    let text = this.decode(ids);
    const hit = findStopString(text, this.stops);
    if (hit !== undefined) {
      text = text.slice(0, hit.index);
      this.stoppedBy = hit.stop;
    }
    this.text = text;
    const done = final || hit !== undefined;
    const stable = done ? text : text.slice(0, text.length - this.holdBack(text));
    return { delta: this.advance(stable, done), stopped: hit !== undefined };
  }

  /** Emits the rest of the text (call once at the end). */
  flush(): string {
    return this.advance(this.text, true);
  }

  private advance(stable: string, final: boolean): string {
    if (stable.length > this.emitted.length && stable.startsWith(this.emitted)) {
      const delta = stable.slice(this.emitted.length);
      this.emitted = stable;
      return delta;
    }
    if (final && !stable.startsWith(this.emitted)) {
      // The decode changed text already emitted (rare: a cleanup rule across tokens). Emit what
      // differs after the common prefix; the result's text stays the true decode.
      let common = 0;
      while (common < stable.length && stable[common] === this.emitted[common]) common++;
      const delta = stable.slice(common);
      this.emitted = stable;
      return delta;
    }
    return "";
  }

  private holdBack(text: string): number {
    let hold = 0;
    let end = text.length;
    while (end > 0 && text[end - 1] === REPLACEMENT) end--;
    hold = text.length - end;
    const head = text.slice(0, end);
    hold += stopPrefixLength(head, this.stops);
    if (this.tokenizer.cleansUpSpaces) {
      const space = text.lastIndexOf(" ");
      if (space >= 0) {
        const tail = text.slice(space + 1);
        if (CLEANUP_TAILS.some((t) => t.length > tail.length && t.startsWith(tail))) hold = Math.max(hold, text.length - space);
      }
    }
    return Math.min(hold, text.length);
  }
}
