import type { TextTokenizer } from "./tokenizer.js";
import { findStopString, stopPrefixLength } from "./stop-strings.js";

const REPLACEMENT = "\uFFFD";
/** What may follow a space that transformers' clean_up_tokenization then removes (" ." → "."). */
const CLEANUP_TAILS = [".", "?", "!", ",", "' ", "n't", "'m", "'s", "'ve", "'re"];
/** How many prompt tokens to decode in front of the generated ones, so the first token keeps its leading space. */
const CONTEXT_TOKENS = 4;
/** Generated tokens decoded past the anchor before it moves up to the end (see TextTracker). */
const WINDOW_TOKENS = 16;

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
 *
 * Decoding the whole list at every token costs O(length) per token. Between updates the tracker
 * keeps an anchor: a token count whose text ended on a whole character, and the text up to it.
 * An update decodes only the tokens after the anchor, behind the CONTEXT_TOKENS before it (as the
 * first tokens are decoded behind the prompt), and appends that to the anchor's text; the anchor
 * moves up every WINDOW_TOKENS tokens, so an update costs O(1). Where the window's decode does not
 * extend its context's (a cleanup rule reached back across the anchor) the update decodes the
 * whole list, as does the final one, so the final text is always the whole decode.
 */
export class TextTracker {
  private readonly context: readonly number[];
  private readonly contextText: string;
  /** Generated tokens before the anchor, their text, and the CONTEXT_TOKENS ids (and text) before it. */
  private anchor = 0;
  private anchorText = "";
  private anchorContext: readonly number[];
  private anchorContextText: string;
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
    this.anchorContext = this.context;
    this.anchorContextText = this.contextText;
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
    let text = final ? this.decode(ids) : this.decodeFromAnchor(ids);
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

  /** decode(ids), decoding only the tokens after the anchor; moves the anchor up. */
  private decodeFromAnchor(ids: readonly number[]): string {
    if (this.anchor > ids.length || this.anchorContext.length === 0) return this.reanchor(ids, this.decode(ids), this.anchor > ids.length);
    const full = this.tokenizer.decode([...this.anchorContext, ...ids.slice(this.anchor)]);
    if (!full.startsWith(this.anchorContextText)) return this.reanchor(ids, this.decode(ids), true);
    return this.reanchor(ids, this.anchorText + full.slice(this.anchorContextText.length));
  }

  /** Returns `text` (the text of `ids`), first moving the anchor to its end when the window is full. */
  private reanchor(ids: readonly number[], text: string, reset = false): string {
    if (reset) {
      this.anchor = 0;
      this.anchorText = "";
      this.anchorContext = this.context;
      this.anchorContextText = this.contextText;
    }
    if (ids.length - this.anchor >= WINDOW_TOKENS && !text.endsWith(REPLACEMENT)) {
      const before = [...this.context, ...ids];
      this.anchor = ids.length;
      this.anchorText = text;
      this.anchorContext = before.slice(Math.max(0, before.length - CONTEXT_TOKENS));
      this.anchorContextText = this.tokenizer.decode(this.anchorContext);
    }
    return text;
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
