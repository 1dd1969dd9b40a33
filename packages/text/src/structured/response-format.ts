/**
 * The `responseFormat` option: what shape the output must have. One of
 * `{ type: "json_schema", schema }` (OpenAI's `{ type: "json_schema", json_schema: { schema } }`
 * is read too), `{ type: "json_object" }`, `{ type: "regex", pattern }`,
 * `{ type: "grammar", grammar }` (GBNF / xgrammar EBNF, start symbol `root`), or `{ type: "text" }`
 * (no constraint). The keywords xgrammar would silently ignore are refused by name here.
 */
import { z } from "zod";
import { optionError } from "@riff/core";

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
      return { kind: "json_schema", text: JSON.stringify(schema) };
    }
    case "regex":
      return { kind: "regex", text: format.pattern };
    case "grammar":
      return { kind: "grammar", text: format.grammar };
  }
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
    if (DATA.has(key)) continue;
    if (SCHEMA_MAPS.has(key) && value !== null && typeof value === "object") {
      for (const [name, sub] of Object.entries(value)) checkKeywords(sub, `${at}/${name}`);
    } else checkKeywords(value, at);
  }
}
