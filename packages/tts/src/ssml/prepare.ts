/**
 * An utterance → the text a voice encodes: text fragments normalized and stripped of unreadable
 * characters, inline IPA (SSML `<phoneme>`) put in by a phonemize function that sends the text
 * around it to espeak and passes the IPA through, so every voice kind takes it the same way.
 */
import { normalizeText, normalizeTypography } from "../text/normalize.js";
import { readableText, hasWords } from "../text/readable.js";
import { espeakPhonemize, type PhonemizeFunction } from "../text/phonemize.js";
import type { Utterance } from "./utterance.js";

export interface PreparedUtterance {
  /** What is said, in words (IPA shown as the text it stands for). */
  readonly spoken: string;
  /** What the voice encodes: `spoken` with each IPA piece as a private-use placeholder. */
  readonly encoded: string;
  readonly dropped: readonly string[];
  readonly hasWords: boolean;
  /** The phonemizer to encode with; undefined: the caller's. */
  readonly phonemize: PhonemizeFunction | undefined;
}

const PLACEHOLDER = /\uE000(\d+)\uE001/g;

/**
 * English text is normalized to words (numbers, dates, abbreviations…: English rules); text for a
 * voice in another language (`language`, the voice's espeak voice) goes to espeak as written, only
 * typography normalized, as Piper does: espeak reads numbers in the voice's own language.
 */
function normalizeFor(text: string, language: string | undefined): string {
  return language === undefined || /^en(-|$)/i.test(language) ? normalizeText(text) : normalizeTypography(text);
}

export function prepareUtterance(utterance: Utterance, given: PhonemizeFunction | undefined, language?: string): PreparedUtterance {
  const fragments = utterance.fragments;
  if (fragments.every((f) => f.kind === "text")) {
    const readable = readableText(normalizeFor(fragments.map((f) => f.text).join(""), language));
    return { spoken: readable.text, encoded: readable.text, dropped: readable.dropped, hasWords: hasWords(readable.text), phonemize: given };
  }
  const ipa: string[] = [];
  const spoken: string[] = [];
  const encoded: string[] = [];
  const dropped: string[] = [];
  for (const fragment of fragments) {
    if (fragment.kind === "ipa") {
      encoded.push(`\uE000${ipa.length}\uE001`);
      ipa.push(fragment.ipa);
      spoken.push(fragment.text);
      continue;
    }
    const readable = readableText(normalizeFor(fragment.text, language));
    dropped.push(...readable.dropped);
    encoded.push(readable.text);
    spoken.push(readable.text);
  }
  const base = given ?? espeakPhonemize;
  const phonemize: PhonemizeFunction = async (text, language) => {
    const clauses: string[] = [];
    const append = (lines: readonly string[]): void => {
      lines.forEach((raw, i) => {
        const line = raw.trim();
        if (i === 0 && clauses.length > 0) clauses[clauses.length - 1] = `${clauses.at(-1)!} ${line}`.trim();
        else clauses.push(line);
      });
    };
    let at = 0;
    for (const match of text.matchAll(PLACEHOLDER)) {
      const before = text.slice(at, match.index);
      if (/[\p{L}\p{N}]/u.test(before)) append(await base(before, language));
      append([ipa[Number(match[1])] ?? ""]);
      at = match.index + match[0].length;
    }
    const rest = text.slice(at);
    if (/[\p{L}\p{N}]/u.test(rest)) append(await base(rest, language));
    return clauses;
  };
  const join = (parts: string[]): string => parts.join(" ").replace(/\s+/g, " ").replace(/\s+([,.;:!?])/g, "$1").trim();
  return { spoken: join(spoken), encoded: join(encoded), dropped, hasWords: true, phonemize };
}
