/**
 * How an option's allowed values read in errors, CLI help and docs ("an integer in [1, 64]",
 * "true or false", "one of ddim, euler"), derived from the JSON Schema that zod exports for it,
 * so the words can never disagree with what validation accepts.
 */
import { describeRange } from "../errors.js";

/** The subset of JSON Schema that zod emits for riff's option types. */
export interface JsonSchema {
  readonly type?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly items?: JsonSchema;
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly anyOf?: readonly JsonSchema[];
  readonly oneOf?: readonly JsonSchema[];
}

/** zod bounds every integer to the safe range; that bound says nothing to a reader. */
const SAFE = Number.MAX_SAFE_INTEGER;

function bound(value: number | undefined): number | undefined {
  return value === undefined || Math.abs(value) >= SAFE ? undefined : value;
}

function numberRange(s: JsonSchema): string {
  const min = bound(s.exclusiveMinimum ?? s.minimum);
  const max = bound(s.exclusiveMaximum ?? s.maximum);
  const range = describeRange({
    ...(min !== undefined ? { min } : {}),
    ...(max !== undefined ? { max } : {}),
    minExclusive: s.exclusiveMinimum !== undefined,
    maxExclusive: s.exclusiveMaximum !== undefined,
  });
  return range === "" ? "" : ` ${range}`;
}

function listOf(values: readonly string[], last = "or"): string {
  if (values.length <= 1) return values.join("");
  return `${values.slice(0, -1).join(", ")} ${last} ${values[values.length - 1]}`;
}

/** "an integer in [1, 64]", "a number > 0", "true or false", "one of a, b or c", "a list of …". */
export function describeSchema(s: JsonSchema): string {
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives !== undefined) {
    // true, false or "never": booleans and constants read as a list of values.
    if (alternatives.every((a) => a.type === "boolean" || a.const !== undefined)) {
      const values = alternatives.flatMap((a) => (a.type === "boolean" ? ["true", "false"] : [JSON.stringify(a.const)]));
      return listOf(values);
    }
    return listOf(alternatives.map(describeSchema));
  }
  if (s.enum !== undefined) return `one of ${listOf(s.enum.map(String))}`;
  if (s.const !== undefined) return JSON.stringify(s.const);
  switch (s.type) {
    case "integer":
      return `an integer${numberRange(s)}`;
    case "number":
      return `a number${numberRange(s)}`;
    case "boolean":
      return "true or false";
    case "string": {
      const empty = (s.minLength ?? 0) >= 1 ? "a non-empty string" : "a string";
      return s.maxLength !== undefined ? `${empty} of at most ${s.maxLength} characters` : empty;
    }
    case "array": {
      const count = s.maxItems !== undefined ? ` of at most ${s.maxItems}` : "";
      const item = s.items !== undefined ? describeSchema(s.items).replace(/^an? /, "") : "value";
      return `a list${count} of ${item.endsWith("s") ? item : pluralize(item)}`;
    }
    case "object":
      return "an object";
    default:
      return "a value";
  }
}

function pluralize(phrase: string): string {
  // "integer in [0, 5]" → "integers in [0, 5]"; "non-empty string" → "non-empty strings".
  const words = phrase.split(" ");
  const head = words.findIndex((w) => /^(integer|number|string|object|value)$/.test(w));
  if (head < 0) return phrase;
  words[head] = `${words[head]}s`;
  return words.join(" ");
}

/** A value as an error message shows it: short, one line, never a whole file. */
export function showValue(value: unknown): string {
  let text: string;
  if (typeof value === "string") text = JSON.stringify(value);
  else if (typeof value === "number" || typeof value === "boolean" || value === null || value === undefined) text = String(value);
  else if (Array.isArray(value)) text = `a list of ${value.length}`;
  else if (value instanceof Map) text = "a Map";
  else text = typeof value === "object" ? "an object" : typeof value;
  return text.length > 40 ? `${text.slice(0, 37)}…` : text;
}
