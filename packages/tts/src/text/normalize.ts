import { ABBREVIATIONS } from "./abbreviations.js";
import { cardinal, decimal, digitWords, ordinal, pluralize, year } from "./numbers.js";
import { expandAddresses, expandPhoneNumbers } from "./contacts.js";
import { expandDates } from "./dates.js";
import { expandRomanNumerals } from "./roman.js";
import { expandUnits } from "./units.js";

/**
 * English text normalization: everything a speaker says aloud becomes words, so espeak only sees
 * letters and clause punctuation. Pure functions; each step is exported for tests.
 */
export function normalizeText(input: string): string {
  let text = normalizeTypography(input);
  text = expandAddresses(text);
  text = expandAbbreviations(text);
  text = expandDates(text);
  text = expandPhoneNumbers(text);
  text = expandCurrency(text);
  text = expandTimes(text);
  text = expandPercents(text);
  text = expandUnits(text);
  text = expandOrdinals(text);
  text = expandRomanNumerals(text);
  text = expandYears(text);
  text = expandNumbers(text);
  text = expandSymbols(text);
  return tidy(text);
}

/** NFKC, curly quotes to straight ones, dashes to commas, ellipses to periods. */
export function normalizeTypography(text: string): string {
  return text
    .normalize("NFKC")
    .replace(/[\u2018\u2019\u201B\u2032]/g, "'")
    .replace(/[\u201C\u201D\u201E\u2033]/g, '"')
    .replace(/\s*[\u2013\u2014\u2015]\s*/g, ", ")
    .replace(/\s+-{2,}\s*|\s*-{2,}\s+|(?<=\w)-{2,}(?=\w)/g, ", ")
    .replace(/\s+-\s+/g, ", ")
    .replace(/[\u2212]/g, "-")
    .replace(/\r\n?/g, "\n");
}

const ABBREVIATION_PATTERN = new RegExp(
  `(?<![A-Za-z.])(${[...ABBREVIATIONS.keys()]
    .sort((a, b) => b.length - a.length)
    .map((k) => k.replace(/\./g, "\\."))
    .join("|")})`,
  "g",
);

/** Dr. → Doctor, St. → Saint/Street, e.g. → for example, No. 5 → number 5, vs → versus. */
export function expandAbbreviations(text: string): string {
  let out = text.replace(ABBREVIATION_PATTERN, (match: string, _word: string, offset: number) => {
    const after = text.slice(offset + match.length);
    const beforeName = /^\s+[A-Z]/.test(after);
    let words = ABBREVIATIONS.get(match)?.expansion ?? match;
    if (match === "St." && !beforeName) words = "Street";
    if (match === "Dr." && !beforeName && /[A-Za-z]\s*$/.test(text.slice(0, offset))) words = "Drive";
    // The abbreviation's period also ended the text: keep a sentence end.
    return /^\s*$/.test(after) ? `${words}.` : words;
  });
  out = out.replace(/(?<![A-Za-z])[Nn]o\.\s?(?=#?\d)/g, "number ");
  out = out.replace(/(?<![A-Za-z])vs(?![A-Za-z.])/g, "versus");
  return out;
}

const CURRENCIES: Readonly<Record<string, readonly [string, string, string, string]>> = {
  $: ["dollar", "dollars", "cent", "cents"],
  "£": ["pound", "pounds", "penny", "pence"],
  "€": ["euro", "euros", "cent", "cents"],
  "¥": ["yen", "yen", "sen", "sen"],
};

const INTEGER = String.raw`(?:\d{1,3}(?:,\d{3})+|\d+)`;

/** $3.50 → three dollars and fifty cents; £1 → one pound; €2.5 million → two point five million euros. */
export function expandCurrency(text: string): string {
  const pattern = new RegExp(
    String.raw`(?<![\w])(-)?([$£€¥])\s?(${INTEGER})?(?:\.(\d+))?(?:\s?(thousand|million|billion|trillion)\b)?`,
    "g",
  );
  return text.replace(
    pattern,
    (_match: string, minus: string | undefined, symbol: string, whole: string | undefined, fraction: string | undefined, scale: string | undefined) => {
      const [unit, units, subunit, subunits] = CURRENCIES[symbol]!;
      if (whole === undefined && fraction === undefined) return ` ${units} `;
      const sign = minus ? "minus " : "";
      const integer = whole ?? "0";
      if (scale !== undefined) {
        const amount = fraction === undefined ? cardinal(integer) : decimal(integer, fraction);
        return `${sign}${amount} ${scale} ${units}`;
      }
      if (fraction !== undefined && fraction.length > 2) {
        return `${sign}${decimal(integer, fraction)} ${units}`;
      }
      const wholeValue = BigInt(integer.replace(/,/g, ""));
      const cents = fraction === undefined ? 0 : Number(fraction.padEnd(2, "0"));
      const parts: string[] = [];
      if (wholeValue > 0n || cents === 0) parts.push(`${cardinal(integer)} ${wholeValue === 1n ? unit : units}`);
      if (cents > 0) parts.push(`${cardinal(cents)} ${cents === 1 ? subunit : subunits}`);
      return sign + parts.join(" and ");
    },
  );
}

/**
 * 3:30 pm → three thirty p m; 3:00 → three o'clock; 9:05 → nine oh five; 7 am → seven a m;
 * 10:30:15 → ten thirty and fifteen seconds.
 */
export function expandTimes(text: string): string {
  const meridiem = (letter: string | undefined): string => (letter ? ` ${letter.toLowerCase()} m` : "");
  const keepPeriod = (match: string, offset: number, full: string): string =>
    match.endsWith(".") && /^\s*$/.test(full.slice(offset + match.length)) ? "." : "";
  let out = text.replace(
    /(?<![\w:.])([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?(?:\s*([AaPp])\.?\s?[Mm](?![A-Za-z])\.?)?/g,
    (match: string, hours: string, minutes: string, seconds: string | undefined, letter: string | undefined, offset: number, full: string) => {
      const h = cardinal(hours);
      const m = Number(minutes);
      const s = Number(seconds ?? 0);
      const clock = m === 0 ? (letter ? h : `${h} o'clock`) : m < 10 ? `${h} oh ${cardinal(m)}` : `${h} ${cardinal(m)}`;
      const spoken = s > 0 ? `${clock} and ${cardinal(s)} second${s === 1 ? "" : "s"}` : clock;
      return spoken + meridiem(letter) + keepPeriod(match, offset, full);
    },
  );
  out = out.replace(
    /(?<![\w:.])(1[0-2]|0?[1-9])\s*([AaPp])\.?[Mm](?![A-Za-z])\.?/g,
    (match: string, hours: string, letter: string, offset: number, full: string) =>
      cardinal(hours) + meridiem(letter) + keepPeriod(match, offset, full),
  );
  return out;
}

/** 50% → fifty percent; 3.5% → three point five percent; -2% → minus two percent. */
export function expandPercents(text: string): string {
  const pattern = new RegExp(String.raw`(?<![\w.])(-)?(${INTEGER})?(?:\.(\d+))?\s?%`, "g");
  return text.replace(pattern, (match: string, minus: string | undefined, whole: string | undefined, fraction: string | undefined) => {
    if (whole === undefined && fraction === undefined) return match;
    return `${minus ? "minus " : ""}${number(whole ?? "", fraction)} percent`;
  });
}

/** 1st → first; 22nd → twenty-second; 103rd → one hundred third. */
export function expandOrdinals(text: string): string {
  const pattern = new RegExp(String.raw`(?<![\w.])(${INTEGER})(st|nd|rd|th)\b`, "gi");
  return text.replace(pattern, (_m: string, whole: string) => ordinal(whole));
}

/** 1984 → nineteen eighty-four; 2005 → two thousand five; 1980s → nineteen eighties; '90s → nineties. */
export function expandYears(text: string): string {
  let out = text.replace(
    /(?<![\w.,$£€¥-])(1[1-9]\d\d|20\d\d)(s?)(?![\w%]|[.,]\d|:\d)/g,
    (_m: string, digits: string, plural: string) => {
      const words = year(Number(digits));
      return plural ? pluralize(words) : words;
    },
  );
  out = out.replace(/(?<![\w.])'?([1-9]0)s\b/g, (_m: string, decade: string) => pluralize(cardinal(decade)));
  return out;
}

/** Integers (with thousands commas), decimals and negatives; any digits left are read one by one. */
export function expandNumbers(text: string): string {
  const pattern = new RegExp(String.raw`(?<![\w.])(-)?(${INTEGER})?(?:\.(\d+))?(?![\w])`, "g");
  let out = text.replace(pattern, (match: string, minus: string | undefined, whole: string | undefined, fraction: string | undefined) => {
    if (whole === undefined && fraction === undefined) return match;
    return `${minus ? "minus " : ""}${number(whole ?? "", fraction)}`;
  });
  out = out.replace(/\d+/g, (digits) => ` ${digits.length > 15 ? digitWords(digits) : cardinal(digits)} `);
  return out;
}

function number(whole: string, fraction: string | undefined): string {
  if (fraction === undefined) return cardinal(whole);
  return decimal(whole === "" ? "" : whole.replace(/,/g, ""), fraction);
}

const SYMBOLS: Readonly<Record<string, string>> = {
  "&": "and",
  "+": "plus",
  "@": "at",
  "=": "equals",
  "%": "percent",
  "#": "number",
  "/": "slash",
  "°": "degrees",
  "×": "times",
};

/** & → and, + → plus, @ → at, = → equals, % → percent, # → number, / → slash. */
export function expandSymbols(text: string): string {
  return text.replace(/[&+@=%#/°×]/g, (symbol) => ` ${SYMBOLS[symbol]!} `);
}

/** Collapses whitespace, removes spaces before punctuation and repeated punctuation. */
export function tidy(text: string): string {
  return text
    .replace(/\s+/g, " ")
    .replace(/\s+([,.;:!?])/g, "$1")
    .replace(/([,;:])[,;:]+/g, "$1")
    .replace(/,([.!?])/g, "$1")
    .replace(/([!?])[!?]+/g, "$1")
    .replace(/\.{2,}/g, ".")
    .replace(/^[\s,.;:]+/, "")
    .trim();
}

