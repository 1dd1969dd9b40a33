/**
 * The few numpy routines diffusers builds its schedules from, reproduced value for value so riff's
 * timesteps and sigmas match the Python reference exactly (including numpy's rounding rules).
 */

/** numpy.round / rint: rounds half to even (0.5 → 0, 1.5 → 2, 812.5 → 812). */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** numpy.linspace(start, stop, num) with endpoint=True, in float64: `i * step + start`, last = stop. */
export function linspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  if (num === 0) return out;
  if (num === 1) {
    out[0] = start;
    return out;
  }
  const div = num - 1;
  const delta = stop - start;
  const step = delta / div;
  for (let i = 0; i < num; i++) out[i] = step === 0 ? (i / div) * delta + start : i * step + start;
  out[num - 1] = stop;
  return out;
}

/**
 * numpy.arange(start, stop, step) for floats: length ceil((stop - start) / step); numpy fills
 * `start + i * delta` where delta = (start + step) - start, which can differ from `step` in the
 * last bit, so it is reproduced here.
 */
export function arange(start: number, stop: number, step: number): Float64Array {
  const length = Math.max(0, Math.ceil((stop - start) / step));
  const out = new Float64Array(length);
  const delta = start + step - start;
  for (let i = 0; i < length; i++) out[i] = start + i * delta;
  return out;
}

/** numpy.interp(x, xp, fp) for increasing xp: linear interpolation, clamped to the end values. */
export function interp(x: number, xp: ArrayLike<number>, fp: ArrayLike<number>): number {
  const n = xp.length;
  if (n === 0) return NaN;
  if (x <= xp[0]!) return fp[0]!;
  if (x >= xp[n - 1]!) return fp[n - 1]!;
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xp[mid]! <= x) lo = mid;
    else hi = mid;
  }
  const x0 = xp[lo]!;
  const x1 = xp[hi]!;
  const slope = (fp[hi]! - fp[lo]!) / (x1 - x0);
  return slope * (x - x0) + fp[lo]!;
}

/** Linear interpolation of `values` at a fractional index (numpy.interp over arange(len)). */
export function interpIndex(values: ArrayLike<number>, index: number): number {
  const n = values.length;
  if (index <= 0) return values[0]!;
  if (index >= n - 1) return values[n - 1]!;
  const lo = Math.floor(index);
  const frac = index - lo;
  const a = values[lo]!;
  return frac === 0 ? a : (values[lo + 1]! - a) * frac + a;
}

/** Rounds every element to float32 (numpy `.astype(np.float32)`), kept in a Float64Array. */
export function toFloat32Values(values: ArrayLike<number>): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Math.fround(values[i]!);
  return out;
}

/** The index of the first element equal to `value`, or -1. */
export function indexOf(values: ArrayLike<number>, value: number): number {
  for (let i = 0; i < values.length; i++) if (values[i] === value) return i;
  return -1;
}
