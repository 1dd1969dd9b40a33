/**
 * What speak() synthesizes one at a time: a sentence (or, in SSML, a piece of one between breaks or
 * rate changes) as text fragments and inline IPA, with its rate and the pauses around it. Plain
 * text becomes one utterance per sentence; SSML is turned into the same list by ssml/parse.ts.
 */
import { splitSentences } from "../text/sentences.js";

/** Text to normalize and phonemize, or IPA given as is (`text` is what it stands for, for reports). */
export type Fragment = { readonly kind: "text"; readonly text: string } | { readonly kind: "ipa"; readonly ipa: string; readonly text: string };

export interface Utterance {
  /** As written (for reports). */
  readonly written: string;
  readonly fragments: readonly Fragment[];
  /** Multiplies the speed option (SSML prosody rate); 1 for plain text. */
  readonly rate: number;
  /** Seconds of silence before it; undefined: the sentence pause (none before the first). */
  readonly pauseBefore?: number | undefined;
  /** Seconds of silence after it (a break at the very end of an SSML text). */
  readonly pauseAfter?: number | undefined;
}

/** Plain text: one utterance per sentence. */
export function* plainUtterances(text: string, maxChars?: number): Generator<Utterance> {
  for (const sentence of splitSentences(text, maxChars ? { maxChars } : {})) {
    yield { written: sentence, fragments: [{ kind: "text", text: sentence }], rate: 1 };
  }
}
