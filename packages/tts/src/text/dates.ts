/**
 * Dates as they are said (US order): 2024-03-15 and 3/15/2024 → "March fifteenth, twenty
 * twenty-four"; March 15 → "March fifteenth"; 15 March and the 15th of March → "the fifteenth of
 * March". Only real calendar days are read as dates; anything else is left to the number rules.
 */
import { cardinal, ordinal, year } from "./numbers.js";

export const MONTHS = [
  "January", "February", "March", "April", "May", "June",
  "July", "August", "September", "October", "November", "December",
] as const;

const SHORT_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sept?", "Oct", "Nov", "Dec"];
const MONTH = String.raw`(${MONTHS.join("|")}|(?:${SHORT_MONTHS.join("|")})\.?)`;
const DAY = String.raw`([0-3]?\d)(?:st|nd|rd|th)?`;
const YEAR = String.raw`(?:,?\s+(\d{4}))?`;

/** The month's number (1–12) for a full or short English name, or 0. */
export function monthNumber(name: string): number {
  const key = name.replace(/\.$/, "").slice(0, 3).toLowerCase();
  return MONTHS.findIndex((month) => month.slice(0, 3).toLowerCase() === key) + 1;
}

function validDay(month: number, day: number): boolean {
  const days = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  return days !== undefined && day >= 1 && day <= days;
}

/** "March fifteenth, twenty twenty-four" (year optional); undefined when it is no calendar day. */
export function dateWords(month: number, day: number, yearValue?: number): string | undefined {
  if (!validDay(month, day)) return undefined;
  const date = `${MONTHS[month - 1]!} ${ordinal(day)}`;
  return yearValue === undefined ? date : `${date}, ${year(yearValue)}`;
}

/** A two-digit year as a four-digit one: 24 → 2024, 87 → 1987. */
function fullYear(digits: string): number {
  const n = Number(digits);
  return digits.length === 2 ? (n < 50 ? 2000 + n : 1900 + n) : n;
}

/** Every date form in the text → words. */
export function expandDates(text: string): string {
  let out = text.replace(/(?<![\w./-])(\d{4})-(\d{2})-(\d{2})(?![\w-]|\.\d)/g, (match: string, y: string, m: string, d: string) =>
    dateWords(Number(m), Number(d), Number(y)) ?? match,
  );
  out = out.replace(/(?<![\w./-])(\d{1,2})\/(\d{1,2})\/(\d{4}|\d{2})(?![\w/]|\.\d)/g, (match: string, m: string, d: string, y: string) =>
    dateWords(Number(m), Number(d), fullYear(y)) ?? match,
  );
  // "the 15th of March", "15 March 2024"
  out = out.replace(
    new RegExp(String.raw`(?<![\w.])(the\s+)?${DAY}\s+(?:of\s+)?${MONTH}(?![\w])${YEAR}`, "gi"),
    (match: string, the: string | undefined, d: string, name: string, y: string | undefined) => {
      const month = monthNumber(name);
      if (!validDay(month, Number(d)) || !/^[A-Z]/.test(name)) return match;
      const spoken = `${the ?? "the "}${ordinal(d)} of ${MONTHS[month - 1]!}`;
      return y === undefined ? spoken : `${spoken}, ${year(Number(y))}`;
    },
  );
  // "March 15", "Mar. 15th, 2024"
  out = out.replace(
    new RegExp(String.raw`(?<![\w])${MONTH}\s+${DAY}(?![\w:.,]\d|[\w:])${YEAR}`, "g"),
    (match: string, name: string, d: string, y: string | undefined) =>
      dateWords(monthNumber(name), Number(d), y === undefined ? undefined : Number(y)) ?? match,
  );
  return out;
}

/** say-as date: a whole string read as one date ("2024-03-15", "3/15/2024", "March 15"). */
export function sayDate(text: string): string {
  const expanded = expandDates(text.trim());
  return expanded === text.trim() ? text : expanded;
}
