/**
 * English number words: cardinals (up to 999 trillion), ordinals, years, decimals and digit
 * strings. American style: no "and" inside numbers ("one hundred twenty-three"), hyphens between
 * tens and ones ("twenty-one").
 */

const ONES = [
  "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
  "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen",
] as const;
const TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"] as const;
const SCALES = ["", "thousand", "million", "billion", "trillion"] as const;

/** Largest integer read as a number; longer digit strings are read digit by digit. */
const LIMIT = 10n ** 15n;

function belowHundred(n: number): string {
  if (n < 20) return ONES[n]!;
  const tens = TENS[Math.floor(n / 10)]!;
  return n % 10 === 0 ? tens : `${tens}-${ONES[n % 10]!}`;
}

function belowThousand(n: number): string {
  const hundreds = Math.floor(n / 100);
  const rest = n % 100;
  const parts: string[] = [];
  if (hundreds > 0) parts.push(`${ONES[hundreds]!} hundred`);
  if (rest > 0 || hundreds === 0) parts.push(belowHundred(rest));
  return parts.join(" ");
}

/** Each digit as a word: "007" → "zero zero seven". */
export function digitWords(digits: string): string {
  return Array.from(digits.replace(/\D/g, ""), (d) => ONES[Number(d)]!).join(" ");
}

/**
 * A non-negative integer (given as a number, bigint or digit string, commas allowed) in words.
 * 1,000,000,000,000,000 and beyond are read digit by digit.
 */
export function cardinal(value: number | bigint | string): string {
  const text = typeof value === "string" ? value.replace(/,/g, "") : String(value);
  if (!/^\d+$/.test(text)) throw new RangeError(`cardinal: not a non-negative integer: ${String(value)}`);
  let n = BigInt(text);
  if (n >= LIMIT) return digitWords(text);
  if (n === 0n) return "zero";
  const groups: string[] = [];
  let scale = 0;
  while (n > 0n) {
    const group = Number(n % 1000n);
    if (group > 0) groups.unshift(scale === 0 ? belowThousand(group) : `${belowThousand(group)} ${SCALES[scale]!}`);
    n /= 1000n;
    scale++;
  }
  return groups.join(" ");
}

/** An integer with an optional sign: "-5" → "minus five". */
export function signedCardinal(value: string): string {
  const negative = value.startsWith("-");
  const words = cardinal(negative ? value.slice(1) : value);
  return negative ? `minus ${words}` : words;
}

const IRREGULAR_ORDINALS: Readonly<Record<string, string>> = {
  one: "first",
  two: "second",
  three: "third",
  five: "fifth",
  eight: "eighth",
  nine: "ninth",
  twelve: "twelfth",
};

/** Turns the last word of a cardinal into its ordinal form: "twenty-two" → "twenty-second". */
export function ordinalize(words: string): string {
  const match = /^(.*?)([a-z]+)$/.exec(words);
  if (!match) return words;
  const head = match[1]!;
  const last = match[2]!;
  const ord = IRREGULAR_ORDINALS[last] ?? (last.endsWith("y") ? `${last.slice(0, -1)}ieth` : `${last}th`);
  return head + ord;
}

/** 1 → "first", 22 → "twenty-second", 100 → "one hundredth". */
export function ordinal(value: number | bigint | string): string {
  return ordinalize(cardinal(value));
}

/**
 * A year the way it is said: 1984 → "nineteen eighty-four", 1905 → "nineteen oh five",
 * 1900 → "nineteen hundred", 2000 → "two thousand", 2005 → "two thousand five",
 * 2019 → "twenty nineteen". Outside 1000–2999 (and for x000) it is the cardinal.
 */
export function year(value: number): string {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`year: not a year: ${value}`);
  if (value < 1000 || value > 2999 || value % 1000 === 0) return cardinal(value);
  if (value >= 2000 && value < 2010) return cardinal(value);
  const century = Math.floor(value / 100);
  const rest = value % 100;
  if (rest === 0) return `${belowHundred(century)} hundred`;
  if (rest < 10) return `${belowHundred(century)} oh ${ONES[rest]!}`;
  return `${belowHundred(century)} ${belowHundred(rest)}`;
}

/** Plural of a number's last word: "nineteen eighty" → "nineteen eighties". */
export function pluralize(words: string): string {
  if (words.endsWith("y")) return `${words.slice(0, -1)}ies`;
  if (words.endsWith("x")) return `${words}es`;
  return `${words}s`;
}

/** "3", "14" → "three point one four"; an empty integer part reads "point five". */
export function decimal(integer: string, fraction: string): string {
  const whole = integer === "" ? "" : `${cardinal(integer)} `;
  return `${whole}point ${digitWords(fraction)}`;
}
