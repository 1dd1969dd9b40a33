/**
 * What espeak is given: Latin-script words and clause punctuation. Other characters are either
 * ignorable typography (quotes, brackets, markup) or unreadable (emoji, other scripts, symbols):
 * both are removed, and the unreadable ones are returned so callers can report them.
 */
export interface ReadableText {
  readonly text: string;
  /** The unreadable characters removed, in order of appearance (one entry per occurrence). */
  readonly dropped: readonly string[];
}

const KEEP = /[\p{Script=Latin}0-9\s,.;:!?'-]/u;
const BRACKETS = /[()[\]{}]/;
// ¿ ¡ open Spanish questions and exclamations (the closing mark is the clause's); « » ‹ › are quotes.
const IGNORABLE = /["`*_~|<>^\\\p{M}\p{Cf}¿¡«»‹›]/u;

export function readableText(text: string): ReadableText {
  const dropped: string[] = [];
  let out = "";
  for (const ch of text) {
    if (KEEP.test(ch)) out += ch;
    else if (BRACKETS.test(ch)) out += ", ";
    else if (IGNORABLE.test(ch)) out += " ";
    else {
      dropped.push(ch);
      out += " ";
    }
  }
  out = out
    .replace(/\s+/g, " ")
    .replace(/\s+([,.;:!?])/g, "$1")
    .replace(/([,;:])[\s,;:]*[,;:]/g, "$1")
    .replace(/,\s*([.!?])/g, "$1")
    .replace(/(^|\s)'+|'+(?=\s|$|[,.;:!?])/g, "$1")
    .replace(/(^|\s)-+(?=\s|$)/g, "$1")
    .replace(/^[\s,.;:!?-]+/, "")
    .replace(/[\s,;:-]+$/, "")
    .trim();
  return { text: out, dropped };
}

/** True when the text has something to say (a letter or a digit). */
export function hasWords(text: string): boolean {
  return /[\p{L}\p{N}]/u.test(text);
}
