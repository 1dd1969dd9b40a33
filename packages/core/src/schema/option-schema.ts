/**
 * One declarative option schema per modality: each option is declared once (its zod type, one
 * line of docs, its Hugging Face / HTTP name and its CLI flag) and everything else derives from
 * the table: library validation, CLI flags and help, config-file mapping, server requests, the
 * JSON Schema and the docs' options table. Errors name the option in the caller's vocabulary.
 */
import { z } from "zod";
import { RiffError, optionError, renderTemplate } from "../errors.js";
import { describeSchema, showValue, type JsonSchema } from "./describe.js";

/** Who is asking, which decides how options are named in errors. */
export type Vocabulary = "library" | "cli" | "config";

export interface OptionSpec<T extends z.ZodType = z.ZodType> {
  /** What values are allowed (and how they are converted). */
  readonly type: T;
  /** One line for help and docs. */
  readonly doc: string;
  /** Its name in Hugging Face config files and HTTP requests (snake_case); absent: not mapped there. */
  readonly hf?: string;
  /** The CLI flag without its dashes; absent: the CLI has no flag for it. */
  readonly flag?: string;
  /** CLI help's placeholder for the value, e.g. "n" in `--steps <n>`. */
  readonly metavar?: string;
  /** How the default reads in help and docs ("the model's generation_config, else 256"). */
  readonly default?: string;
  /** The allowed values in words, where the type alone cannot say it (custom types). */
  readonly allowed?: string;
  /** How the CLI reads one occurrence of the flag, for values the type alone cannot say how to read (`id=bias`). */
  readonly parseFlag?: (value: string, previous: unknown) => unknown;
}

export type OptionTable = Readonly<Record<string, OptionSpec>>;

/** What a caller may pass: every option optional, undefined meaning "not given". */
export type OptionInput<T extends OptionTable> = { -readonly [K in keyof T]?: z.input<T[K]["type"]> | undefined };
/** What validation returns: only the options given, converted. */
export type OptionOutput<T extends OptionTable> = { -readonly [K in keyof T]?: z.output<T[K]["type"]> };

export interface ParseOptions {
  /** The file or request the values came from; config errors start with it. */
  readonly source?: string;
  /** Names that belong to the caller, not to this schema: neither read nor refused. */
  readonly extra?: Iterable<string>;
  /** Unknown names: refuse ("error", the default) or hand them over and go on. */
  readonly onUnknown?: "error" | ((names: readonly string[]) => void);
  /**
   * The caller's own names for some options, mapped to the vocabulary's (an HTTP request's
   * `max_tokens` for config's `max_new_tokens`): accepted in input, and used in errors.
   */
  readonly aliases?: Readonly<Record<string, string>>;
}

export class OptionSchema<T extends OptionTable> {
  private readonly byName = new Map<Vocabulary, Map<string, keyof T & string>>();

  constructor(
    /** What the options are for, as errors say it: "text generation", "speech". */
    readonly title: string,
    readonly options: T,
  ) {
    for (const vocabulary of ["library", "cli", "config"] as const) {
      const names = new Map<string, keyof T & string>();
      for (const key of this.keys()) {
        const name = this.nameOf(key, vocabulary);
        if (name === undefined) continue;
        if (names.has(name)) throw new Error(`option schema ${title}: ${name} is declared twice`);
        names.set(name, key);
      }
      this.byName.set(vocabulary, names);
    }
  }

  keys(): Array<keyof T & string> {
    return Object.keys(this.options) as Array<keyof T & string>;
  }

  /** The option's name in a vocabulary (`topP`, `--top-p`, `top_p`), or undefined where it has none. */
  nameOf(key: string, vocabulary: Vocabulary): string | undefined {
    const spec = this.options[key];
    if (spec === undefined) return undefined;
    if (vocabulary === "library") return key;
    if (vocabulary === "cli") return spec.flag === undefined ? undefined : `--${spec.flag}`;
    return spec.hf;
  }

  /** The library key behind a name in a vocabulary. */
  keyOf(name: string, vocabulary: Vocabulary): (keyof T & string) | undefined {
    return this.byName.get(vocabulary)?.get(name);
  }

  /** The option's type as JSON Schema (what a caller may send). */
  jsonSchemaOf(key: keyof T & string): JsonSchema {
    return z.toJSONSchema(this.options[key]!.type, { io: "input", unrepresentable: "any" }) as JsonSchema;
  }

  /** The allowed values in words: "an integer in [1, 64]". */
  allowed(key: keyof T & string): string {
    return this.options[key]!.allowed ?? describeSchema(this.jsonSchemaOf(key));
  }

  /**
   * Validates `input` (keyed by the vocabulary's names: library keys for the library and the CLI,
   * HF names for config files) and returns the given options by library key, converted. The first
   * bad value or unknown name is a RiffError naming it in that vocabulary.
   */
  parse(input: unknown, vocabulary: Vocabulary, how: ParseOptions = {}): OptionOutput<T> {
    const where = how.source === undefined ? "" : `${how.source}: `;
    if (input === null || typeof input !== "object" || Array.isArray(input)) {
      throw new RiffError(`${where}${this.title} options must be an object, got ${showValue(input)}`, "options");
    }
    const extra = new Set(how.extra ?? []);
    const out: Record<string, unknown> = {};
    const unknown: string[] = [];
    const inputName = vocabulary === "cli" ? "library" : vocabulary;
    const aliases = how.aliases ?? {};
    for (const [name, value] of Object.entries(input as Record<string, unknown>)) {
      if (value === undefined || (vocabulary === "config" && value === null) || extra.has(name)) continue;
      const key = this.keyOf(aliases[name] ?? name, inputName);
      if (key === undefined) {
        unknown.push(name);
        continue;
      }
      try {
        out[key] = this.check(key, value, vocabulary, how.source);
      } catch (error) {
        throw aliases[name] === undefined ? error : this.inVocabulary(error, vocabulary, undefined, { [name]: aliases[name]! });
      }
    }
    if (unknown.length > 0) {
      if (typeof how.onUnknown === "function") how.onUnknown(unknown);
      else throw this.unknownError(unknown, inputName, where);
    }
    return out as OptionOutput<T>;
  }

  /** One option's value, validated and converted; a RiffError naming it in the vocabulary. */
  check<K extends keyof T & string>(key: K, value: unknown, vocabulary: Vocabulary, source?: string): z.output<T[K]["type"]> {
    const result = this.options[key]!.type.safeParse(value);
    if (result.success) return result.data as z.output<T[K]["type"]>;
    const rest = ` must be ${this.allowed(key)}, got ${showValue(value)}`;
    // From the library, a template, so that an entry point can still re-word it (inVocabulary).
    if (vocabulary === "library" && source === undefined) throw optionError(key, `{${key}}${rest}`);
    const name = this.nameOf(key, vocabulary) ?? key;
    throw new RiffError(`${source === undefined ? "" : `${source}: `}${name}${rest}`, name);
  }

  /**
   * Re-words a RiffError from the library (whose template names options by library key) in the
   * caller's vocabulary, and by `aliases` (caller's name → the vocabulary's, as in parse) where the
   * caller used one; other errors pass through unchanged.
   */
  inVocabulary(error: unknown, vocabulary: Vocabulary, source?: string, aliases: Readonly<Record<string, string>> = {}): unknown {
    if (!(error instanceof RiffError) || vocabulary === "library") return error;
    const callerName = new Map(Object.entries(aliases).map(([alias, name]) => [name, alias]));
    const spoken = (name: string): string => callerName.get(name) ?? name;
    if (this.options[error.option ?? ""] === undefined && callerName.has(error.option ?? "")) {
      // Already in the vocabulary (a check() error): rename the vocabulary's name to the alias.
      const from = error.option!;
      const message = error.message.split(from).join(spoken(from));
      return new RiffError(message, spoken(from));
    }
    const name = (key: string): string => {
      const named = this.nameOf(key, vocabulary) ?? key;
      return spoken(named);
    };
    const where = source === undefined ? "" : `${source}: `;
    if (error.template !== undefined) {
      const option = error.option === undefined ? undefined : name(error.option);
      return new RiffError(where + renderTemplate(error.template, name), option);
    }
    // A message without a template that is about one of this schema's options: name it up front.
    const key = error.option;
    if (key === undefined || this.options[key] === undefined || name(key) === key) return error;
    const named = error.message.startsWith(`${key} `) || error.message.startsWith(`${key}:`);
    const message = named ? name(key) + error.message.slice(key.length) : `${name(key)}: ${error.message}`;
    return new RiffError(where + message, name(key));
  }

  /** The same table with more options (a modality's schema built on core's sampling options). */
  extend<U extends OptionTable>(title: string, more: U): OptionSchema<T & U> {
    return new OptionSchema(title, { ...this.options, ...more } as T & U);
  }

  /** The whole table as one JSON Schema object (for docs, OpenAPI and server request validation). */
  toJsonSchema(): Record<string, unknown> {
    const shape: Record<string, z.ZodType> = {};
    for (const key of this.keys()) shape[key] = this.options[key]!.type.optional();
    return z.toJSONSchema(z.strictObject(shape), { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  }

  /** The options table for a README: library name, CLI flag, config name, allowed values, default, doc. */
  markdownTable(): string {
    const rows = ["| option | CLI | config / HTTP | allowed | default | what it does |", "|---|---|---|---|---|---|"];
    const cell = (text: string | undefined): string => (text === undefined || text === "" ? "—" : text.replace(/\|/g, "\\|"));
    for (const key of this.keys()) {
      const spec = this.options[key]!;
      const flag = spec.flag === undefined ? undefined : `\`--${spec.flag}\``;
      const hf = spec.hf === undefined ? undefined : `\`${spec.hf}\``;
      rows.push(`| \`${key}\` | ${cell(flag)} | ${cell(hf)} | ${cell(this.allowed(key))} | ${cell(spec.default)} | ${cell(spec.doc)} |`);
    }
    return rows.join("\n");
  }

  private unknownError(names: readonly string[], vocabulary: Vocabulary, where: string): RiffError {
    const first = names[0]!;
    const known = [...(this.byName.get(vocabulary)?.keys() ?? [])];
    const near = closest(first, known);
    const hint = near === undefined ? "" : ` (did you mean "${near}"?)`;
    const list = names.map((n) => JSON.stringify(n)).join(", ");
    return new RiffError(`${where}unknown ${this.title} option${names.length > 1 ? "s" : ""} ${list}${hint}`, first);
  }
}

/** The known name within edit distance 2 of `name` (case-insensitive), if any. */
function closest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length]!;
}
