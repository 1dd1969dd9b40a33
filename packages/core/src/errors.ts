/**
 * An error in what the user asked for: a bad option value, a missing file, an unsupported model.
 * The CLI prints its message alone (no stack trace) and exits non-zero.
 */
export class RiffError extends Error {
  /** The option or input at fault, e.g. "temperature" or "--model". */
  readonly option: string | undefined;

  constructor(message: string, option?: string) {
    super(message);
    this.name = "RiffError";
    this.option = option;
  }
}

/** Throws a RiffError unless `value` is a finite number within [min, max] (bounds optional, open with `exclusive`). */
export function checkNumber(
  option: string,
  value: number,
  range: { min?: number; max?: number; minExclusive?: boolean; maxExclusive?: boolean; integer?: boolean },
): number {
  const { min, max, minExclusive = false, maxExclusive = false, integer = false } = range;
  const lower = min === undefined ? "" : `${minExclusive ? "(" : "["}${min}`;
  const upper = max === undefined ? "" : `${max}${maxExclusive ? ")" : "]"}`;
  const allowed =
    min !== undefined && max !== undefined
      ? ` in ${lower}, ${upper}`
      : min !== undefined
        ? ` ${minExclusive ? ">" : "≥"} ${min}`
        : max !== undefined
          ? ` ${maxExclusive ? "<" : "≤"} ${max}`
          : "";
  const kind = integer ? "an integer" : "a finite number";
  const fail = (): never => {
    throw new RiffError(`${option} must be ${kind}${allowed}, got ${String(value)}`, option);
  };
  if (typeof value !== "number" || !Number.isFinite(value)) fail();
  if (integer && !Number.isInteger(value)) fail();
  if (min !== undefined && (minExclusive ? value <= min : value < min)) fail();
  if (max !== undefined && (maxExclusive ? value >= max : value > max)) fail();
  return value;
}
