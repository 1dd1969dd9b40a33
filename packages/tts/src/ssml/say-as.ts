/**
 * SSML `<say-as interpret-as>`: the element's text as words, read the way it names (a date, a
 * cardinal, an ordinal, letter by letter, a telephone number). Unreadable content is a RiffError.
 */
import { cardinal, digitWords, ordinal } from "../text/numbers.js";
import { expandDates } from "../text/dates.js";
import { telephoneWords } from "../text/contacts.js";

export const SAY_AS = ["date", "cardinal", "ordinal", "characters", "telephone"] as const;
export type SayAs = (typeof SAY_AS)[number];

const LETTER_DIGITS = /^[\p{L}\d]$/u;

/** The words for `content` read as `kind`; undefined when the content cannot be read that way. */
export function sayAs(kind: SayAs, content: string): string | undefined {
  const text = content.trim();
  switch (kind) {
    case "cardinal": {
      const m = /^(-)?(\d{1,3}(?:,\d{3})+|\d+)$/.exec(text);
      return m ? `${m[1] ? "minus " : ""}${cardinal(m[2]!)}` : undefined;
    }
    case "ordinal": {
      const m = /^(\d{1,3}(?:,\d{3})+|\d+)(?:st|nd|rd|th)?$/i.exec(text);
      return m ? ordinal(m[1]!) : undefined;
    }
    case "characters":
      return Array.from(text.replace(/\s+/g, ""), (c) => (/\d/.test(c) ? digitWords(c) : LETTER_DIGITS.test(c) ? c.toUpperCase() : c)).join(" ");
    case "telephone":
      return /\d/.test(text) && /^[\d\s().+-]+$/.test(text) ? telephoneWords(text) : undefined;
    case "date": {
      const words = expandDates(text);
      return words !== text && !/\d/.test(words) ? words : undefined;
    }
  }
}
