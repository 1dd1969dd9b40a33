/**
 * Roman numerals after a name: "Henry VIII" → "Henry the Eighth", "Pope Benedict XVI" → "Pope
 * Benedict the Sixteenth"; after a counted word they are cardinals: "World War II" → "World War
 * two", "Chapter IV" → "Chapter four". Only I, V and X numerals of two or more letters (and a lone
 * V) are taken, so the pronoun "I", "Malcolm X" and acronyms such as "DC" or "MD" stay as written.
 */
import { cardinal, ordinal } from "./numbers.js";

const COUNTED = new Set([
  "War", "Chapter", "Part", "Volume", "Vol", "Book", "Act", "Scene", "Article", "Section", "Phase", "Level",
  "Stage", "Type", "Class", "Series", "Episode", "Bowl", "Apollo", "Rocky", "Title", "Appendix", "Psalm",
]);

const VALUES: Readonly<Record<string, number>> = { I: 1, V: 5, X: 10 };

/** The value of a valid numeral made of I, V and X (1–39), else 0. */
export function romanValue(numeral: string): number {
  if (!/^X{0,3}(?:IX|IV|V?I{0,3})$/.test(numeral) || numeral === "") return 0;
  let total = 0;
  for (let i = 0; i < numeral.length; i++) {
    const value = VALUES[numeral[i]!]!;
    const next = VALUES[numeral[i + 1] ?? ""] ?? 0;
    total += value < next ? -value : value;
  }
  return total;
}

export function expandRomanNumerals(text: string): string {
  return text.replace(/(?<![\w])([A-Z][a-z]+)\s+([IVX]{2,}|V)(?![\w'’-])/g, (match: string, word: string, numeral: string) => {
    const value = romanValue(numeral);
    if (value === 0) return match;
    return COUNTED.has(word) ? `${word} ${cardinal(value)}` : `${word} the ${capitalize(ordinal(value))}`;
  });
}

function capitalize(words: string): string {
  return words.charAt(0).toUpperCase() + words.slice(1);
}
