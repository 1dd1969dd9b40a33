import { abbreviationBefore } from "./abbreviations.js";

export interface SplitOptions {
  /** Longer sentences are cut at a comma-like mark, else at a space, else anywhere (default 400). */
  readonly maxChars?: number;
}

const DEFAULT_MAX_CHARS = 400;

/**
 * Splits raw text into sentences, lazily (a generator, so a long text streams). A sentence ends at
 * ".", "!" or "?" (with any closing quotes or brackets) followed by whitespace, or at a blank line.
 * A period does not end a sentence after a title (Dr., Mr., St., vs. …), after a single initial
 * ("J. R. R. Tolkien"), inside a number ("3.5") or when the next word starts in lower case
 * ("e.g. apples"). Over-long sentences are cut so that memory and latency stay bounded.
 */
export function* splitSentences(text: string, options: SplitOptions = {}): Generator<string> {
  const maxChars = options.maxChars ?? DEFAULT_MAX_CHARS;
  if (!(maxChars >= 16)) throw new RangeError(`maxChars must be at least 16, got ${maxChars}`);
  let start = 0;
  const n = text.length;
  let i = 0;
  while (i < n) {
    const ch = text[i]!;
    let end = -1; // exclusive end of the sentence, when one ends here
    let next = i + 1; // where scanning resumes
    if (ch === "\n") {
      const blank = /^\n[^\S\n]*\n\s*/.exec(text.slice(i, i + 256));
      if (blank) {
        end = i;
        next = i + blank[0].length;
      }
    } else if (ch === "." || ch === "!" || ch === "?") {
      let j = i + 1;
      while (j < n && /[.!?]/.test(text[j]!)) j++;
      while (j < n && /["'\u201D\u2019)\]]/.test(text[j]!)) j++;
      if (j >= n) {
        end = n;
        next = n;
      } else if (/\s/.test(text[j]!) && endsSentence(text, i, j)) {
        end = j;
        next = j;
      } else {
        next = j;
      }
    }
    if (end >= 0) {
      yield* emit(text.slice(start, end), maxChars);
      start = next;
      while (start < n && /\s/.test(text[start]!)) start++;
      i = start;
      continue;
    }
    i = next;
    // Cut a run-on sentence as soon as it is too long, so nothing waits for a far-away period.
    if (i - start >= maxChars * 2) {
      const piece = text.slice(start, i);
      const cut = cutPoint(piece, maxChars);
      yield* emit(piece.slice(0, cut), maxChars);
      start += cut;
      while (start < n && /\s/.test(text[start]!)) start++;
    }
  }
  if (start < n) yield* emit(text.slice(start), maxChars);
}

/** Whether the punctuation at `mark` (with trailing marks up to `after`) ends a sentence. */
function endsSentence(text: string, mark: number, after: number): boolean {
  const nextWord = /^\s+(\S)/.exec(text.slice(after, after + 64));
  const nextChar = nextWord?.[1] ?? "";
  if (/\p{Ll}/u.test(nextChar)) return false;
  if (text[mark] !== "." || after > mark + 1) return true;
  const abbreviation = abbreviationBefore(text, mark + 1);
  if (abbreviation?.keepsSentence) return false;
  // A single capital initial: "J. Smith", "U. S. A."
  if (/(?:^|[\s.])\p{Lu}$/u.test(text.slice(Math.max(0, mark - 2), mark))) return false;
  // "No. 5"
  if (/(?:^|\s)No$/.test(text.slice(Math.max(0, mark - 3), mark)) && /\d/.test(nextChar)) return false;
  return true;
}

function* emit(sentence: string, maxChars: number): Generator<string> {
  let rest = sentence.replace(/\s+/g, " ").trim();
  while (rest.length > maxChars) {
    const cut = cutPoint(rest, maxChars);
    const head = rest.slice(0, cut).trim();
    if (head) yield head;
    rest = rest.slice(cut).trim();
  }
  if (rest) yield rest;
}

/** Where to cut an over-long piece: after the last clause mark, else the last space, before maxChars. */
function cutPoint(piece: string, maxChars: number): number {
  const window = piece.slice(0, maxChars);
  const clause = Math.max(window.lastIndexOf(", "), window.lastIndexOf("; "), window.lastIndexOf(": "));
  if (clause >= maxChars / 4) return clause + 1;
  const space = window.lastIndexOf(" ");
  if (space >= maxChars / 4) return space;
  return maxChars;
}

