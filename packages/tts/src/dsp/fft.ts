import FFT from "fft.js";

/**
 * Real FFTs of one power-of-two size, on reusable buffers.
 *
 * Backed by `fft.js` (MIT, no dependencies, ~1.5M weekly downloads): a radix-4 FFT that is among
 * the fastest pure-JS implementations and has a dedicated real-input transform, which is what an
 * STFT needs. Griffin–Lim runs two transforms per frame per iteration, so speed matters more here
 * than generality (the sizes riff uses, like 1024, are powers of two anyway).
 */
export class RealFft {
  readonly size: number;
  readonly bins: number;
  private readonly fft: FFT;
  private readonly input: Float64Array;
  private readonly spectrum: Float64Array;
  private readonly output: Float64Array;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 2 || (size & (size - 1)) !== 0) {
      throw new RangeError(`FFT size must be a power of two ≥ 2, got ${size}`);
    }
    this.size = size;
    this.bins = size / 2 + 1;
    this.fft = new FFT(size);
    this.input = new Float64Array(size);
    this.spectrum = new Float64Array(size * 2);
    this.output = new Float64Array(size * 2);
  }

  /**
   * Forward transform of `frame` (length `size`), writing bins 0..size/2 into `re`/`im` at
   * `offset`. Unnormalized, like numpy.fft.rfft.
   */
  forward(frame: ArrayLike<number>, re: Float32Array, im: Float32Array, offset = 0): void {
    const input = this.input;
    for (let i = 0; i < this.size; i++) input[i] = frame[i]!;
    this.fft.realTransform(this.spectrum, input);
    const s = this.spectrum;
    for (let k = 0; k < this.bins; k++) {
      re[offset + k] = s[2 * k]!;
      im[offset + k] = s[2 * k + 1]!;
    }
  }

  /**
   * Inverse of {@link forward}: bins 0..size/2 at `offset` → `size` real samples in `out`
   * (normalized by 1/size, like numpy.fft.irfft; the imaginary parts of DC and Nyquist ignored).
   */
  inverse(re: Float32Array, im: Float32Array, out: Float64Array, offset = 0): void {
    const n = this.size;
    const s = this.spectrum;
    const half = n / 2;
    for (let k = 0; k <= half; k++) {
      s[2 * k] = re[offset + k]!;
      s[2 * k + 1] = k === 0 || k === half ? 0 : im[offset + k]!;
    }
    for (let k = 1; k < half; k++) {
      s[2 * (n - k)] = s[2 * k]!;
      s[2 * (n - k) + 1] = -s[2 * k + 1]!;
    }
    this.fft.inverseTransform(this.output, s);
    const o = this.output;
    for (let i = 0; i < n; i++) out[i] = o[2 * i]!;
  }

  /**
   * Two inverse transforms for the price of one: since both signals are real, the complex IFFT of
   * X₁ + i·X₂ is x₁ + i·x₂. Bins at `offsetA` and `offsetB` → `outA`, `outB`.
   */
  inversePair(re: Float32Array, im: Float32Array, offsetA: number, offsetB: number, outA: Float64Array, outB: Float64Array): void {
    const n = this.size;
    const half = n / 2;
    const s = this.spectrum;
    for (let k = 0; k <= half; k++) {
      const edge = k === 0 || k === half;
      const ra = re[offsetA + k]!;
      const ia = edge ? 0 : im[offsetA + k]!;
      const rb = re[offsetB + k]!;
      const ib = edge ? 0 : im[offsetB + k]!;
      // Z[k] = A[k] + i·B[k]
      s[2 * k] = ra - ib;
      s[2 * k + 1] = ia + rb;
      if (!edge) {
        // Z[n−k] = conj(A[k]) + i·conj(B[k])
        s[2 * (n - k)] = ra + ib;
        s[2 * (n - k) + 1] = rb - ia;
      }
    }
    this.fft.inverseTransform(this.output, s);
    const o = this.output;
    for (let i = 0; i < n; i++) {
      outA[i] = o[2 * i]!;
      outB[i] = o[2 * i + 1]!;
    }
  }
}
