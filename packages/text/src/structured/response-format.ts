/**
 * The `responseFormat` option: what shape the output must have. One of
 * `{ type: "json_schema", schema }` (OpenAI's `{ type: "json_schema", json_schema: { schema } }`
 * is read too), `{ type: "json_object" }`, `{ type: "regex", pattern }`,
 * `{ type: "grammar", grammar }` (GBNF / xgrammar EBNF, start symbol `root`), or `{ type: "text" }`
 * (no constraint). The keywords xgrammar would silently ignore are refused by name here.
 */
import { z } from "zod";
import { optionError } from "@riff/core";
import { emptyRegexPart } from "./empty-regex.js";

const jsonSchema = z.union([z.record(z.string(), z.unknown()), z.boolean()]);

export const responseFormatType = z.union([
  z.object({ type: z.literal("text") }).strict(),
  z.object({ type: z.literal("json_object") }).strict(),
  z
    .object({
      type: z.literal("json_schema"),
      schema: jsonSchema.optional(),
      json_schema: z.object({ name: z.string().optional(), schema: jsonSchema, strict: z.boolean().nullable().optional(), description: z.string().optional() }).strict().optional(),
    })
    .strict()
    .refine((f) => (f.schema === undefined) !== (f.json_schema === undefined), "a json_schema format needs `schema` (or OpenAI's `json_schema.schema`), one of them"),
  z.object({ type: z.literal("regex"), pattern: z.string().min(1).max(10_000) }).strict(),
  z.object({ type: z.literal("grammar"), grammar: z.string().min(1).max(100_000) }).strict(),
]);

export type ResponseFormat = z.output<typeof responseFormatType>;

/** What the engine compiles: the kind, and its text (the cache key). */
export interface GrammarSource {
  readonly kind: "json_schema" | "json_object" | "regex" | "grammar";
  readonly text: string;
}

/** Keywords xgrammar parses but does not enforce: accepting them would let invalid output through. */
const UNENFORCED = ["multipleOf", "uniqueItems", "not", "if", "then", "else", "dependentRequired", "dependentSchemas", "dependencies", "minContains", "maxContains", "$dynamicRef", "$recursiveRef"];
/** Keywords whose value maps names to subschemas (the names are not keywords). */
const SCHEMA_MAPS = new Set(["properties", "patternProperties", "$defs", "definitions"]);
/** Keywords whose value is data, not a schema. */
const DATA = new Set(["enum", "const", "default", "examples", "required", "title", "description", "pattern", "format"]);

/** The grammar source of a format, or undefined for "text"; refuses unsupported schema keywords. */
export function grammarSource(format: ResponseFormat): GrammarSource | undefined {
  switch (format.type) {
    case "text":
      return undefined;
    case "json_object":
      return { kind: "json_object", text: "" };
    case "json_schema": {
      const schema = format.schema ?? format.json_schema!.schema;
      checkKeywords(schema, "#");
      return { kind: "json_schema", text: JSON.stringify(exactRanges(schema)) };
    }
    case "regex": {
      const empty = emptyRegexPart(format.pattern);
      if (empty !== undefined) {
        throw optionError("responseFormat", `{responseFormat}: the regular expression can match nothing: "${empty.text}" at position ${empty.index} matches no character`);
      }
      return { kind: "regex", text: format.pattern };
    }
    case "grammar":
      return { kind: "grammar", text: format.grammar };
  }
}

/** The widest integer range written out as an enum. */
const MAX_ENUM_RANGE = 1000;
const BOUNDS = ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"];

/**
 * xgrammar 0.1.27 lets some out-of-range numbers through (measured: 125 for an integer with
 * maximum 120, -1.05 for a number with minimum -1). A bounded integer range of at most
 * {@link MAX_ENUM_RANGE} values is therefore given to it as an enum, which it enforces exactly;
 * bounds on non-integer numbers are refused (by {@link checkKeywords}).
 */
function exactRanges(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(exactRanges);
  if (schema === null || typeof schema !== "object") return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) out[key] = DATA.has(key) ? value : SCHEMA_MAPS.has(key) && value !== null && typeof value === "object" ? Object.fromEntries(Object.entries(value).map(([n, v]) => [n, exactRanges(v)])) : exactRanges(value);
  if (out.type !== "integer" || out.enum !== undefined) return out;
  const low = Math.max(num(out.minimum, 0), num(out.exclusiveMinimum, 1));
  const high = Math.min(num(out.maximum, 0, Infinity), num(out.exclusiveMaximum, -1, Infinity));
  if (!Number.isFinite(low) || !Number.isFinite(high) || high - low >= MAX_ENUM_RANGE) return out;
  for (const key of BOUNDS) delete out[key];
  out.enum = Array.from({ length: Math.max(0, high - low + 1) }, (_, i) => low + i);
  return out;
}

/** An integer bound moved inward by `shift` (exclusive bounds), or `absent`. */
function num(bound: unknown, shift: number, absent = -Infinity): number {
  if (typeof bound !== "number") return absent;
  return shift >= 0 ? Math.ceil(bound) + (Number.isInteger(bound) ? shift : 0) : Math.floor(bound) + (Number.isInteger(bound) ? shift : 0);
}

function checkKeywords(schema: unknown, path: string): void {
  if (Array.isArray(schema)) return schema.forEach((s, i) => checkKeywords(s, `${path}/${i}`));
  if (schema === null || typeof schema !== "object") return;
  for (const [key, value] of Object.entries(schema)) {
    const at = `${path}/${key}`;
    if (UNENFORCED.includes(key)) {
      throw optionError("responseFormat", `{responseFormat}: the JSON Schema keyword "${key}" (at ${at}) is not supported by the grammar engine, which would not enforce it`);
    }
    if (key === "allOf" && Array.isArray(value) && value.length > 1) {
      throw optionError("responseFormat", `{responseFormat}: the JSON Schema keyword "allOf" with more than one schema (at ${at}) is not supported; merge them into one`);
    }
    if (BOUNDS.includes(key) && (schema as { type?: unknown }).type !== "integer") {
      throw optionError("responseFormat", `{responseFormat}: "${key}" (at ${at}) is only supported on integers: the grammar engine does not enforce it on other numbers`);
    }
    if (DATA.has(key)) continue;
    if (SCHEMA_MAPS.has(key) && value !== null && typeof value === "object") {
      for (const [name, sub] of Object.entries(value)) checkKeywords(sub, `${at}/${name}`);
    } else checkKeywords(value, at);
  }
}
