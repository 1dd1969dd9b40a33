/**
 * The CLI's flags, derived from the modalities' option schemas: each option with a `flag` becomes
 * a commander Option whose help shows its doc, allowed values and default, and whose values are
 * validated by the same schema the library uses, so errors read "--top-p must be …".
 */
import { Option, type Command } from "commander";
import type { JsonSchema, OptionOutput, OptionSchema, OptionTable } from "@riff/core";

/** How a flag's string becomes a value: numbers stay strings when they do not parse, so the schema names the flag. */
function reader(schema: JsonSchema): { takesValue: boolean; repeats: boolean; parse: (value: string) => unknown } {
  const alternatives = schema.anyOf ?? [schema];
  const types = new Set(alternatives.map((a) => a.type));
  const number = (value: string): unknown => {
    const n = Number(value);
    return value.trim() === "" || Number.isNaN(n) ? value : n;
  };
  if (types.size === 1 && types.has("boolean")) return { takesValue: false, repeats: false, parse: () => true };
  const repeats = types.has("array");
  const scalar = alternatives.find((a) => a.type !== "array") ?? schema.items ?? {};
  const numeric = scalar.type === "integer" || scalar.type === "number";
  return { takesValue: true, repeats, parse: numeric ? number : (value) => value };
}

/** The commander attribute a flag's value lands in (--max-tokens → maxTokens; never negated, see addFlags). */
function attribute(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Adds one flag per option of `keys` (default: all) that declares one. */
export function addFlags<T extends OptionTable>(command: Command, schema: OptionSchema<T>, keys?: ReadonlyArray<keyof T & string>): Command {
  for (const key of keys ?? schema.keys()) {
    const spec = schema.options[key]!;
    if (spec.flag === undefined) continue;
    const read = reader(schema.jsonSchemaOf(key));
    const custom = spec.parseFlag;
    const value = read.takesValue ? ` <${spec.metavar ?? "value"}>` : "";
    const facts = [read.takesValue ? schema.allowed(key) : "", spec.default === undefined ? "" : `default: ${spec.default}`, read.repeats || custom ? "repeatable" : ""];
    const said = facts.filter((fact) => fact !== "").join("; ");
    const option = new Option(`--${spec.flag}${value}`, said === "" ? spec.doc : `${spec.doc} (${said})`);
    // A flag spelled "--no-…" that takes a value is a plain option, not commander's negation.
    if (read.takesValue) option.negate = false;
    if (custom !== undefined) option.argParser((v: string, previous: unknown) => custom(v, previous));
    else if (read.repeats) option.argParser((v: string, previous: unknown) => [...(Array.isArray(previous) ? previous : []), read.parse(v)]);
    else if (read.takesValue) option.argParser((v: string) => read.parse(v));
    command.addOption(option);
  }
  return command;
}

/** The options `addFlags` declared, read back from commander's parse and validated in the CLI's vocabulary. */
export function readFlags<T extends OptionTable>(
  schema: OptionSchema<T>,
  parsed: Readonly<Record<string, unknown>>,
  keys?: ReadonlyArray<keyof T & string>,
): OptionOutput<T> {
  const values: Record<string, unknown> = {};
  for (const key of keys ?? schema.keys()) {
    const flag = schema.options[key]!.flag;
    if (flag !== undefined && parsed[attribute(flag)] !== undefined) values[key] = parsed[attribute(flag)];
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) out[key] = schema.check(key, value, "cli");
  return out as OptionOutput<T>;
}

