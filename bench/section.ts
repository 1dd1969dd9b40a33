/**
 * One benchmark section (text, diffusion, speech, …). bench/run.ts runs the sections in order and
 * writes what each returns under its name in bench/results/bench.json.
 *
 * A section returns plain JSON-able figures. Conventions the runner understands when printing:
 * - `skipped: "<why>"` (and nothing else needed): the section could not run here (e.g. a model is
 *   absent); it is reported, not treated as a failure.
 * - a {@link Goal} object (made with {@link goal}) prints as "value (goal ≥ 1.3: met)".
 * A section may write progress lines to stderr (console.error); stdout is the runner's summary.
 */
export interface BenchSection {
  readonly name: string;
  run(): Promise<Record<string, unknown>>;
}

/** A figure with the target it is judged against. */
export interface Goal {
  readonly value: number;
  readonly goal: string;
  readonly met: boolean;
}

export function goal(value: number, op: "≥" | "≤", target: number): Goal {
  return { value, goal: `${op} ${target}`, met: op === "≥" ? value >= target : value <= target };
}

export function isGoal(x: unknown): x is Goal {
  return typeof x === "object" && x !== null && typeof (x as Goal).value === "number" && typeof (x as Goal).goal === "string";
}

/** A skipped section's result. */
export function skipped(why: string): Record<string, unknown> {
  return { skipped: why };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median, min and max of repeated measurements, to `digits` significant digits. */
export function spread(values: readonly number[], digits = 4): { median: number; min: number; max: number; n: number } {
  return {
    median: round(median(values), digits),
    min: round(Math.min(...values), digits),
    max: round(Math.max(...values), digits),
    n: values.length,
  };
}

/** `value` to `digits` significant digits (for the JSON and the summary). */
export function round(value: number, digits = 4): number {
  return Number.isFinite(value) ? Number(value.toPrecision(digits)) : value;
}

/** The positive integer in environment variable `name`, or `fallback` when it is unset or empty. */
export function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return n;
}
