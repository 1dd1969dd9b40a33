/**
 * `riff text --json-schema FILE.json | --regex PATTERN | --grammar FILE.gbnf`: the CLI's spellings
 * of the text option responseFormat, one at a time. A file that cannot be read or parsed, and a
 * format the engine refuses, are reported under the flag that gave it.
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { RiffError } from "@riff/core";
import type { ResponseFormat } from "@riff/text";

const FLAGS = ["json-schema", "regex", "grammar"] as const;
type Flag = (typeof FLAGS)[number];

export function addResponseFormatFlags(command: Command): Command {
  return command
    .option("--json-schema <file>", "constrain the output to this JSON Schema (a .json file)")
    .option("--regex <pattern>", "constrain the output to match this regular expression")
    .option("--grammar <file>", "constrain the output to this GBNF grammar (start symbol root)");
}

/** The responseFormat the flags ask for, and the flag that asked; undefined when none did. */
export function readResponseFormat(flags: Readonly<Record<string, unknown>>): { format: ResponseFormat; flag: string } | undefined {
  const given = FLAGS.filter((flag) => flags[camel(flag)] !== undefined);
  if (given.length > 1) throw new RiffError(`${given.map((f) => `--${f}`).join(" and ")} cannot be combined: give one output format`, `--${given[1]}`);
  const flag: Flag | undefined = given[0];
  if (flag === undefined) return undefined;
  const value = String(flags[camel(flag)]);
  if (flag === "regex") return { format: { type: "regex", pattern: value }, flag: "--regex" };
  const text = readFile(value, `--${flag}`);
  if (flag === "grammar") return { format: { type: "grammar", grammar: text }, flag: "--grammar" };
  try {
    return { format: { type: "json_schema", schema: JSON.parse(text) as Record<string, unknown> }, flag: "--json-schema" };
  } catch (error) {
    throw new RiffError(`--json-schema: ${value} is not JSON: ${(error as Error).message}`, "--json-schema");
  }
}

function readFile(path: string, flag: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    throw new RiffError(`${flag}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, flag);
  }
}

function camel(flag: string): string {
  return flag.replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
}
