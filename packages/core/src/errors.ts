/**
 * An error in what the user asked for: a bad option value, a missing file, an unsupported model.
 * The CLI prints its message alone (no stack trace) and exits with the usage code.
 *
 * Errors about options carry a template in which every option is written `{key}` (its library
 * name), so each entry point can name options in its caller's vocabulary: the library says
 * `topP`, the CLI `--top-p`, a config file `top_p` (see OptionSchema.inVocabulary).
 */
export class RiffError extends Error {
  /** The option or input at fault, as the caller named it, e.g. "temperature" or "--model". */
  readonly option: string | undefined;
  /** The message with option names as `{key}` placeholders; undefined for messages about no option. */
  readonly template: string | undefined;

  constructor(message: string, option?: string, template?: string) {
    super(message);
    this.name = "RiffError";
    this.option = option;
    this.template = template;
  }
}

/** Replaces each `{key}` in a template with `name(key)`. */
export function renderTemplate(template: string, name: (key: string) => string): string {
  return template.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, key: string) => name(key));
}

/**
 * A RiffError about option `key`, with a message template naming options as `{key}`:
 * `optionError("topK", "{topK} only applies when sampling, but {doSample} is false")`.
 * The message reads in library names until an entry point renames it.
 */
export function optionError(key: string, template: string): RiffError {
  return new RiffError(renderTemplate(template, (k) => k), key, template);
}

/** "in [0, 1]", "≥ 1", "in (0, 1]": how a numeric range reads in messages and help. */
export function describeRange(range: { min?: number; max?: number; minExclusive?: boolean; maxExclusive?: boolean }): string {
  const { min, max, minExclusive = false, maxExclusive = false } = range;
  if (min !== undefined && max !== undefined) return `in ${minExclusive ? "(" : "["}${min}, ${max}${maxExclusive ? ")" : "]"}`;
  if (min !== undefined) return `${minExclusive ? ">" : "≥"} ${min}`;
  if (max !== undefined) return `${maxExclusive ? "<" : "≤"} ${max}`;
  return "";
}

/** Throws a RiffError unless `value` is a finite number within [min, max] (bounds optional, open with `exclusive`). */
export function checkNumber(
  option: string,
  value: number,
  range: { min?: number; max?: number; minExclusive?: boolean; maxExclusive?: boolean; integer?: boolean },
): number {
  const allowed = describeRange(range);
  const rest = ` must be ${range.integer === true ? "an integer" : "a finite number"}${allowed === "" ? "" : ` ${allowed}`}, got ${String(value)}`;
  const fail = (): never => {
    throw /^[A-Za-z_]\w*$/.test(option) ? optionError(option, `{${option}}${rest}`) : new RiffError(option + rest, option);
  };
  const { min, max, minExclusive = false, maxExclusive = false, integer = false } = range;
  if (typeof value !== "number" || !Number.isFinite(value)) fail();
  if (integer && !Number.isInteger(value)) fail();
  if (min !== undefined && (minExclusive ? value <= min : value < min)) fail();
  if (max !== undefined && (maxExclusive ? value >= max : value > max)) fail();
  return value;
}
