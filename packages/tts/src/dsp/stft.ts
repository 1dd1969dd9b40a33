import { RealFft } from "./fft.js";

/** STFT settings; the defaults' conventions follow torch.stft / librosa (center, reflect padding). */
export interface StftConfig {
  readonly nFft: number;
  readonly hop: number;
  /** Window length (≤ nFft, centered in the frame); default nFft. */
  readonly winLength?: number;
  /** Pad nFft/2 on both sides by reflection, so frame t is centered on sample t·hop (default true). */
  readonly center?: boolean;
}

/** A complex spectrogram, frame-major: bin k of frame t is at t·bins + k. */
export interface Spectrogram {
  readonly frames: number;
  readonly bins: number;
  readonly re: Float32Array;
  readonly im: Float32Array;
}

/** Periodic Hann window (torch.hann_window(n, periodic=True)). */
export function hannWindow(length: number): Float64Array {
  const w = new Float64Array(length);
  for (let i = 0; i < length; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / length);
  return w;
}

/** Index into a signal of length n mirrored at both ends without repeating the edge (numpy "reflect"). */
function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let j = ((i % period) + period) % period;
  if (j >= n) j = period - j;
  return j;
}

export class Stft {
  readonly nFft: number;
  readonly hop: number;
  readonly bins: number;
  readonly center: boolean;
  /** The window, zero-padded (centered) to nFft. */
  readonly window: Float64Array;
  private readonly fft: RealFft;
  private readonly frame: Float64Array;
  private readonly frameB: Float64Array;

  constructor(config: StftConfig) {
    const winLength = config.winLength ?? config.nFft;
    if (!Number.isInteger(config.hop) || config.hop <= 0) throw new RangeError(`hop must be a positive integer, got ${config.hop}`);
    if (!Number.isInteger(winLength) || winLength <= 0 || winLength > config.nFft) {
      throw new RangeError(`winLength must be in [1, nFft], got ${winLength}`);
    }
    this.fft = new RealFft(config.nFft);
    this.nFft = config.nFft;
    this.hop = config.hop;
    this.bins = this.fft.bins;
    this.center = config.center ?? true;
    this.window = new Float64Array(this.nFft);
    const left = Math.floor((this.nFft - winLength) / 2);
    this.window.set(hannWindow(winLength), left);
    this.frame = new Float64Array(this.nFft);
    this.frameB = new Float64Array(this.nFft);
  }

  /** Number of frames for a signal of `length` samples. */
  frameCount(length: number): number {
    if (this.center) return 1 + Math.floor(length / this.hop);
    return length < this.nFft ? 0 : 1 + Math.floor((length - this.nFft) / this.hop);
  }

  forward(signal: Float32Array | Float64Array): Spectrogram {
    const frames = this.frameCount(signal.length);
    const bins = this.bins;
    const re = new Float32Array(frames * bins);
    const im = new Float32Array(frames * bins);
    const pad = this.center ? this.nFft / 2 : 0;
    const n = signal.length;
    const frame = this.frame;
    const w = this.window;
    for (let t = 0; t < frames; t++) {
      const start = t * this.hop - pad;
      for (let i = 0; i < this.nFft; i++) {
        const j = start + i;
        const x = j >= 0 && j < n ? signal[j]! : n > 0 ? signal[reflectIndex(j, n)]! : 0;
        frame[i] = x * w[i]!;
      }
      this.fft.forward(frame, re, im, t * bins);
    }
    return { frames, bins, re, im };
  }

  /**
   * Inverse STFT by windowed overlap-add divided by the summed squared window (torch.istft):
   * `length` samples (default: all the frames cover, less the centering pad).
   */
  inverse(spec: Spectrogram, length?: number): Float32Array {
    if (spec.bins !== this.bins) throw new RangeError(`spectrogram has ${spec.bins} bins, this STFT ${this.bins}`);
    const total = this.nFft + this.hop * Math.max(0, spec.frames - 1);
    const sum = new Float64Array(total);
    const envelope = new Float64Array(total);
    const w = this.window;
    const frame = this.frame;
    const other = this.frameB;
    const add = (buffer: Float64Array, t: number): void => {
      const start = t * this.hop;
      for (let i = 0; i < this.nFft; i++) {
        sum[start + i]! += buffer[i]! * w[i]!;
        envelope[start + i]! += w[i]! * w[i]!;
      }
    };
    let t = 0;
    for (; t + 1 < spec.frames; t += 2) {
      this.fft.inversePair(spec.re, spec.im, t * spec.bins, (t + 1) * spec.bins, frame, other);
      add(frame, t);
      add(other, t + 1);
    }
    if (t < spec.frames) {
      this.fft.inverse(spec.re, spec.im, frame, t * spec.bins);
      add(frame, t);
    }
    const pad = this.center ? this.nFft / 2 : 0;
    const n = length ?? total - 2 * pad;
    const out = new Float32Array(Math.max(0, n));
    for (let i = 0; i < out.length; i++) {
      const j = i + pad;
      if (j >= total) break;
      const e = envelope[j]!;
      out[i] = e > 1e-11 ? sum[j]! / e : 0;
    }
    return out;
  }
}

/** |X| of a spectrogram, frame-major (frames × bins). */
export function magnitude(spec: Spectrogram): Float32Array {
  const out = new Float32Array(spec.re.length);
  for (let i = 0; i < out.length; i++) {
    const r = spec.re[i]!;
    const m = spec.im[i]!;
    out[i] = Math.sqrt(r * r + m * m);
  }
  return out;
}
