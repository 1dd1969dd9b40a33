import FFT from "fft.js";

/** Float arrays the transforms read and write (spectra may be kept in either precision). */
export type FloatArray = Float32Array | Float64Array;

/**
 * Real FFTs of one power-of-two size n, on reusable buffers.
 *
 * Backed by `fft.js` (MIT, no dependencies, ~1.5M weekly downloads), a radix-4 complex FFT among
 * the fastest pure-JS implementations. A real signal of length n is transformed as a complex one of
 * length n/2 (even samples as real parts, odd ones as imaginary parts) and the two interleaved
 * half-spectra are then split with one twiddle pass: about 30% cheaper than fft.js's own
 * realTransform and, unlike it, the same trick runs backwards for the inverse. Griffin–Lim runs one
 * transform each way per frame per iteration, so this is the vocoder's inner loop.
 */
export class RealFft {
  readonly size: number;
  readonly bins: number;
  private readonly half: number;
  private readonly fft: FFT;
  /** cos/sin(2πk/n) for k = 0..n/2. */
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  private readonly packed: Float64Array;
  private readonly spectrum: Float64Array;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 4 || (size & (size - 1)) !== 0) {
      throw new RangeError(`FFT size must be a power of two ≥ 4, got ${size}`);
    }
    this.size = size;
    this.half = size / 2;
    this.bins = this.half + 1;
    this.fft = new FFT(this.half);
    this.cos = new Float64Array(this.half + 1);
    this.sin = new Float64Array(this.half + 1);
    for (let k = 0; k <= this.half; k++) {
      this.cos[k] = Math.cos((2 * Math.PI * k) / size);
      this.sin[k] = Math.sin((2 * Math.PI * k) / size);
    }
    this.packed = new Float64Array(size);
    this.spectrum = new Float64Array(size);
  }

  /**
   * Forward transform of `frame` (length `size`), writing bins 0..size/2 into `re`/`im` at
   * `offset`. Unnormalized, like numpy.fft.rfft.
   */
  forward(frame: ArrayLike<number>, re: FloatArray, im: FloatArray, offset = 0): void {
    const packed = this.packed;
    // x[2j] + i·x[2j+1] is already the interleaved complex layout fft.js reads.
    for (let i = 0; i < this.size; i++) packed[i] = frame[i]!;
    this.forwardPacked(re, im, offset);
  }

  /** {@link forward} of src[srcOffset …] · window, without a separate windowing pass. */
  forwardWindowed(src: Float64Array, srcOffset: number, window: Float64Array, re: FloatArray, im: FloatArray, offset = 0): void {
    const packed = this.packed;
    for (let i = 0; i < this.size; i++) packed[i] = src[srcOffset + i]! * window[i]!;
    this.forwardPacked(re, im, offset);
  }

  private forwardPacked(re: FloatArray, im: FloatArray, offset: number): void {
    const h = this.half;
    const z = this.spectrum;
    this.fft.transform(z, this.packed);
    const cos = this.cos;
    const sin = this.sin;
    // Bins k and h−k come from the same pair Z[k], Z[h−k]: with E = (Z[k] + conj Z[h−k])/2 and
    // O = (Z[k] − conj Z[h−k])/(2i), X[k] = E + e^{−2πik/n}·O and X[h−k] = conj(E − e^{−2πik/n}·O).
    const z0r = z[0]!;
    const z0i = z[1]!;
    re[offset] = z0r + z0i;
    im[offset] = 0;
    re[offset + h] = z0r - z0i;
    im[offset + h] = 0;
    for (let k = 1, j = h - 1; k <= j; k++, j--) {
      const ar = z[2 * k]!;
      const ai = z[2 * k + 1]!;
      const br = z[2 * j]!;
      const bi = z[2 * j + 1]!;
      const er = 0.5 * (ar + br);
      const ei = 0.5 * (ai - bi);
      const or = 0.5 * (ai + bi);
      const oi = -0.5 * (ar - br);
      const c = cos[k]!;
      const s = sin[k]!;
      const wr = c * or + s * oi;
      const wi = c * oi - s * or;
      re[offset + k] = er + wr;
      im[offset + k] = ei + wi;
      re[offset + j] = er - wr;
      im[offset + j] = wi - ei;
    }
  }

  /**
   * Inverse of {@link forward}: bins 0..size/2 at `offset` → `size` real samples in `out`
   * (normalized by 1/size, like numpy.fft.irfft; the imaginary parts of DC and Nyquist ignored).
   */
  inverse(re: FloatArray, im: FloatArray, out: Float64Array, offset = 0): void {
    const y = this.inversePacked(re, im, offset);
    for (let j = 0; j < this.half; j++) {
      out[2 * j] = y[2 * j]!;
      out[2 * j + 1] = -y[2 * j + 1]!;
    }
  }

  /** dst[dstOffset + i] += window[i] · inverse(bins at `offset`)[i]: one step of an overlap-add. */
  inverseAdd(re: FloatArray, im: FloatArray, offset: number, window: Float64Array, dst: Float64Array, dstOffset: number): void {
    const y = this.inversePacked(re, im, offset);
    for (let j = 0; j < this.half; j++) {
      dst[dstOffset + 2 * j]! += y[2 * j]! * window[2 * j]!;
      dst[dstOffset + 2 * j + 1]! -= y[2 * j + 1]! * window[2 * j + 1]!;
    }
  }

  /** The inverse up to the last conjugation: samples are (y[2j], −y[2j+1]) pairs. */
  private inversePacked(re: FloatArray, im: FloatArray, offset: number): Float64Array {
    const h = this.half;
    const z = this.packed;
    const cos = this.cos;
    const sin = this.sin;
    const scale = 1 / h;
    // Z[k] = E + i·O with E = (X[k] + conj X[h−k])/2, O = (X[k] − conj X[h−k])·e^{2πik/n}/2, and
    // Z[h−k] = conj E + i·conj O. IDFT(Z) = conj(DFT(conj Z))/h: conjugated and scaled here,
    // conjugated back by the callers. DC's and Nyquist's imaginary parts are ignored (irfft).
    const x0 = re[offset]!;
    const xh = re[offset + h]!;
    z[0] = 0.5 * (x0 + xh) * scale;
    z[1] = -0.5 * (x0 - xh) * scale;
    for (let k = 1, j = h - 1; k <= j; k++, j--) {
      const xr = re[offset + k]!;
      const xi = im[offset + k]!;
      const yr = re[offset + j]!;
      const yi = im[offset + j]!;
      const er = 0.5 * (xr + yr);
      const ei = 0.5 * (xi - yi);
      const dr = xr - yr;
      const di = xi + yi;
      const c = cos[k]!;
      const s = sin[k]!;
      const or = 0.5 * (dr * c - di * s);
      const oi = 0.5 * (dr * s + di * c);
      z[2 * k] = (er - oi) * scale;
      z[2 * k + 1] = -(ei + or) * scale;
      z[2 * j] = (er + oi) * scale;
      z[2 * j + 1] = (ei - or) * scale;
    }
    const y = this.spectrum;
    this.fft.transform(y, z);
    return y;
  }

  /** Two inverse transforms: bins at `offsetA` and `offsetB` → `outA`, `outB`. */
  inversePair(re: FloatArray, im: FloatArray, offsetA: number, offsetB: number, outA: Float64Array, outB: Float64Array): void {
    this.inverse(re, im, outA, offsetA);
    this.inverse(re, im, outB, offsetB);
  }
}
