/**
 * Things read piece by piece: telephone numbers digit by digit in their groups ("555-123-4567" →
 * "five five five, one two three, four five six seven"), e-mail addresses and web addresses with
 * their punctuation said ("jane.doe@example.com" → "jane dot doe at example dot com";
 * "https://example.com/docs" → "example dot com slash docs"). Runs before the number rules, which
 * would otherwise read a phone number as arithmetic.
 */
import { digitWords } from "./numbers.js";

const PHONE = /(?<![\w.+/-])(\+\d{1,3}[\s.-]?)?(?:\((\d{3})\)\s?|(\d{3})[\s.-])(\d{3})[.-](\d{4})(?![\w-]|\.\d)/g;
const INTERNATIONAL_PHONE = /(?<![\w.+/-])\+\d{1,3}(?:[\s.-]\(?\d{2,4}\)?){2,4}(?![\w-]|\.\d)/g;
const SHORT_PHONE = /(?<![\w.+/-])(1-)?(\d{3})-(\d{3})-(\d{4})(?![\w-]|\.\d)|(?<![\w.+/:-])(\d{3})-(\d{4})(?![\w-]|[.:]\d)/g;

/** A telephone number's digit groups read one digit at a time, groups apart: "+1 (555) 123-4567". */
export function telephoneWords(text: string): string {
  const plus = text.trim().startsWith("+") ? "plus " : "";
  const groups = text.match(/\d+/g) ?? [];
  return plus + groups.map((group) => digitWords(group)).join(", ");
}

export function expandPhoneNumbers(text: string): string {
  const read = (match: string): string => telephoneWords(match);
  return text.replace(INTERNATIONAL_PHONE, read).replace(PHONE, read).replace(SHORT_PHONE, read);
}

const PUNCTUATION: Readonly<Record<string, string>> = {
  ".": "dot",
  "/": "slash",
  "-": "dash",
  _: "underscore",
  "@": "at",
  ":": "colon",
  "?": "question mark",
  "=": "equals",
  "&": "and",
  "#": "hash",
  "~": "tilde",
  "+": "plus",
  "%": "percent",
};

/** One piece of an address: digits one by one, a word without vowels spelled, any other word kept. */
function pieceWords(piece: string): string {
  if (/^\d+$/.test(piece)) return digitWords(piece);
  if (!/[aeiouy]/i.test(piece) || piece.length === 1) return Array.from(piece.toLowerCase()).join(" ");
  return piece.toLowerCase();
}

/** An address, punctuation by name: "www.example.com/a_b" → "w w w dot example dot com slash a underscore b". */
export function addressWords(address: string): string {
  const words: string[] = [];
  for (const token of address.match(/[A-Za-z]+|\d+|[^A-Za-z\d]/g) ?? []) {
    const named = PUNCTUATION[token];
    if (named !== undefined) words.push(named);
    else if (/^[A-Za-z\d]+$/.test(token)) words.push(pieceWords(token));
  }
  return words.join(" ");
}

const TLD = "com|org|net|edu|gov|io|dev|co|uk|de|fr|ai|app|info|biz|us|ca|eu";
const URL_PATTERN = new RegExp(
  String.raw`(?<![\w@.])(?:(?:https?|ftp)://\S+|(?:www\.)?[A-Za-z\d-]+(?:\.[A-Za-z\d-]+)*\.(?:${TLD})(?![\w-])(?:/\S*)?)`,
  "gi",
);
const EMAIL = /(?<![\w.+-])[A-Za-z\d._%+-]+@[A-Za-z\d-]+(?:\.[A-Za-z\d-]+)*\.[A-Za-z]{2,}(?![\w-])/g;

/** Trailing sentence punctuation is not part of an address. */
function splitTrailing(match: string): [string, string] {
  const trail = /[.,;:!?)\]'"]+$/.exec(match)?.[0] ?? "";
  return [match.slice(0, match.length - trail.length), trail];
}

export function expandAddresses(text: string): string {
  const out = text.replace(EMAIL, (match: string) => {
    const [address, trail] = splitTrailing(match);
    return ` ${addressWords(address)}${trail}`;
  });
  return out.replace(URL_PATTERN, (match: string) => {
    const [address, trail] = splitTrailing(match);
    const bare = address.replace(/^https?:\/\//i, "").replace(/\/$/, "");
    return ` ${addressWords(bare)}${trail}`;
  });
}
