import { concatFloat32 } from "@riff/core";
import { RealFft } from "./fft.js";
import { hannWindow } from "./stft.js";
import { PhaseGradientIntegrator } from "./pghi.js";
import { setPhasor } from "./phasor.js";

export interface StreamingGriffinLimOptions {
  readonly nFft: number;
  readonly hop: number;
  /** Frames whose phases are settled, and samples emitted, per block. */
  readonly blockFrames: number;
  /** Frames past the block that take part in its iterations but are settled only by the next block. */
  readonly lookahead: number;
  /** Fast Griffin–Lim iterations per block (0: PGHI phases as they are). */
  readonly iterations: number;
  /** Fast Griffin–Lim momentum α (Perraudin et al. 2013): t = c + α(c − c_prev). */
  readonly momentum: number;
  /** Coefficients this far (in dB) below their frame's loudest get no PGHI phase (default 100). */
  readonly toleranceDb?: number;
}

/** The rows of frames a stream keeps: the frame before a block, the block, its look-ahead and one just received. */
function rowsFor(options: StreamingGriffinLimOptions): number {
  return options.blockFrames + options.lookahead + 2;
}

/**
 * The seven rows × bins planes a {@link StreamingGriffinLim} works in (about 1 MB for n_fft 1024
 * and 32-frame blocks), to lend from one sentence's stream to the next. Allocated afresh for
 * every sentence, outside V8's heap, they made a process that speaks sentence after sentence keep
 * growing (RSS +48% over 1,000 short sentences, still rising at the end); lent, they are
 * allocated once per stream running at once (+21%, level after the first 400).
 */
export class GriffinLimWorkspace {
  readonly rows: number;
  readonly bins: number;
  readonly planes: readonly Float64Array[];

  constructor(options: StreamingGriffinLimOptions) {
    this.rows = rowsFor(options);
    this.bins = options.nFft / 2 + 1;
    this.planes = Array.from({ length: PLANES }, () => new Float64Array(this.rows * this.bins));
  }
}

const PLANES = 7;

/**
 * Phase reconstruction for a stream of STFT magnitude frames (periodic Hann window of nFft, hop,
 * frames centred on t·hop as with torch.stft(center=True)), emitting finished samples block by
 * block while the frames are still being made — in the spirit of RTISI-LA (Zhu, Beauregard & Wyse
 * 2007) and real-time PGHI:
 *
 * - the frames of a block and a few look-ahead frames get their first phases from phase-gradient
 *   heap integration, continuing the settled frame before them;
 * - Fast Griffin–Lim then refines only those frames; the settled frames before the block enter as a
 *   fixed part of the overlap-add and are never changed again;
 * - the block's frames are settled, and every sample no unsettled frame overlaps is emitted.
 *
 * The emitted samples are exactly the inverse STFT (window-sum normalized overlap-add, as
 * torch.istft) of the settled coefficients, so blocks join without seams, and the schedule depends
 * only on the total frame count: the samples are the same however the frames arrive. The total
 * is (frames − 1)·hop samples.
 */
export class StreamingGriffinLim {
  readonly totalFrames: number;
  readonly bins: number;
  private readonly nFft: number;
  private readonly hop: number;
  private readonly options: StreamingGriffinLimOptions;
  private readonly fft: RealFft;
  private readonly pghi: PhaseGradientIntegrator;
  private readonly window: Float64Array;
  private readonly windowSq: Float64Array;
  private readonly floor: number;
  private readonly rows: number;
  private readonly logMag: Float64Array;
  /** Each frame's loudest log magnitude. */
  private readonly loudest: Float64Array;
  private readonly mag: Float64Array;
  private readonly phase: Float64Array;
  /** Current coefficients, and the previous projection for the momentum. */
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  private readonly prevRe: Float64Array;
  private readonly prevIm: Float64Array;
  private readonly projRe: Float64Array;
  private readonly projIm: Float64Array;
  /** Overlap-add of the settled frames into the (nFft − hop) samples after the last settled one. */
  private readonly carry: Float64Array;
  private buffer: Float64Array;
  private invEnvelope: Float64Array;
  /** The frames invEnvelope was computed for. */
  private regionStart = -1;
  private regionEnd = -1;
  private received = 0;
  private settled = 0;
  private initialized = 0;
  private emitted = 0;

  /**
   * `workspace`, when given, lends the working planes (zeroed here, as fresh ones would be): it must
   * be made for the same options, and must not be lent to another stream until this one has had
   * all its frames.
   */
  constructor(totalFrames: number, options: StreamingGriffinLimOptions, workspace?: GriffinLimWorkspace) {
    const { nFft, hop, blockFrames, lookahead, iterations, momentum } = options;
    if (!Number.isInteger(totalFrames) || totalFrames < 0) throw new RangeError(`totalFrames must be a non-negative integer, got ${totalFrames}`);
    if (!Number.isInteger(hop) || hop <= 0 || nFft % hop !== 0) throw new RangeError(`hop must divide nFft (${nFft}), got ${hop}`);
    if (!Number.isInteger(blockFrames) || blockFrames < 1) throw new RangeError(`blockFrames must be a positive integer, got ${blockFrames}`);
    if (!Number.isInteger(lookahead) || lookahead < 0) throw new RangeError(`lookahead must be a non-negative integer, got ${lookahead}`);
    if (!Number.isInteger(iterations) || iterations < 0) throw new RangeError(`iterations must be a non-negative integer, got ${iterations}`);
    if (!(momentum >= 0 && momentum < 10)) throw new RangeError(`momentum must be in [0, 10), got ${momentum}`);
    this.totalFrames = totalFrames;
    this.nFft = nFft;
    this.hop = hop;
    this.options = options;
    this.fft = new RealFft(nFft);
    this.bins = this.fft.bins;
    this.pghi = new PhaseGradientIntegrator(nFft, hop, nFft);
    this.window = hannWindow(nFft);
    this.windowSq = this.window.map((w) => w * w);
    this.floor = -((options.toleranceDb ?? 100) / 20) * Math.LN10;
    // Frame f lives in row f mod `rows`: a block needs the frame before it, its own frames and the
    // look-ahead (and one just received), so memory stays the same however long the sentence.
    this.rows = Math.min(totalFrames, blockFrames + lookahead + 2);
    const size = this.rows * this.bins;
    if (workspace !== undefined && (workspace.bins !== this.bins || workspace.rows < this.rows)) {
      throw new RangeError(`the workspace holds ${workspace.rows} rows of ${workspace.bins} bins; this stream needs ${this.rows} of ${this.bins}`);
    }
    const plane = (i: number): Float64Array => {
      const lent = workspace?.planes[i];
      return lent === undefined ? new Float64Array(size) : lent.subarray(0, size).fill(0);
    };
    this.logMag = plane(0);
    this.loudest = new Float64Array(this.rows);
    this.mag = plane(1);
    this.phase = plane(2);
    this.re = plane(3);
    this.im = plane(4);
    this.prevRe = plane(5);
    this.prevIm = plane(6);
    this.projRe = new Float64Array(this.bins);
    this.projIm = new Float64Array(this.bins);
    this.carry = new Float64Array(nFft - hop);
    this.buffer = new Float64Array(0);
    this.invEnvelope = new Float64Array(0);
  }

  private row(frame: number): number {
    return frame % this.rows;
  }

  /** Samples the whole stream will emit. */
  get totalSamples(): number {
    return Math.max(0, (this.totalFrames - 1) * this.hop);
  }

  /** Frames given so far. */
  get framesReceived(): number {
    return this.received;
  }

  /**
   * Adds the next magnitude frame (bins values); returns the samples it finished (often none:
   * samples come out a block at a time, and all the rest with the last frame).
   */
  push(magnitudes: ArrayLike<number>): Float32Array {
    if (this.received >= this.totalFrames) throw new RangeError(`all ${this.totalFrames} frames were already given`);
    if (magnitudes.length !== this.bins) throw new RangeError(`a frame has ${this.bins} magnitudes, got ${magnitudes.length}`);
    const base = this.row(this.received) * this.bins;
    let loudest = 0;
    for (let k = 0; k < this.bins; k++) {
      const m = magnitudes[k]!;
      this.mag[base + k] = m;
      if (m > loudest) loudest = m;
    }
    // Log magnitudes for PGHI, floored relative to the frame's loudest bin so silence stays finite.
    const top = Math.log(loudest > 0 ? loudest : 1e-30);
    this.loudest[this.row(this.received)] = top;
    const floor = top + this.floor - 1;
    for (let k = 0; k < this.bins; k++) {
      const m = this.mag[base + k]!;
      this.logMag[base + k] = m > 0 ? Math.max(Math.log(m), floor) : floor;
    }
    this.received++;
    const pieces: Float32Array[] = [];
    for (;;) {
      const piece = this.nextBlock();
      if (!piece) break;
      pieces.push(piece);
    }
    return concatFloat32(pieces);
  }

  /** Runs the next block if its frames are all here. */
  private nextBlock(): Float32Array | undefined {
    const total = this.totalFrames;
    const c = this.settled;
    if (c >= total) return undefined;
    const { blockFrames, lookahead } = this.options;
    const settleTo = Math.min(c + blockFrames, total);
    const end = Math.min(settleTo + lookahead, total);
    if (this.received < end) return undefined;
    this.initialize(end);
    this.iterate(c, end);
    return this.settle(c, settleTo, end);
  }

  /** PGHI phases for frames not yet started, continuing from the (refined) frame before. */
  private initialize(end: number): void {
    const bins = this.bins;
    const { mag, phase, re, im, prevRe, prevIm } = this;
    const start = this.initialized;
    if (start > 0 && start < end) {
      // The frame before was refined by Griffin–Lim since its PGHI phase: read its phase back
      // (FFT phase → centred phase: the FFT's time origin is the frame's first sample).
      const b = this.row(start - 1) * bins;
      for (let m = 0; m < bins; m++) phase[b + m] = Math.atan2(im[b + m]!, re[b + m]!) - Math.PI * (m & 1);
    }
    for (let f = start; f < end; f++) {
      const row = this.row(f);
      const prev = f > 0 ? this.row(f - 1) : -1;
      const next = f + 1 < end ? this.row(f + 1) : -1;
      this.pghi.integrate(this.logMag, prev, row, next, phase, this.loudest[row]! + this.floor);
      const b = row * bins;
      for (let m = 0; m < bins; m++) {
        const a = mag[b + m]!;
        if (a > 0) {
          // e^{iπm} = ±1 turns the centred phase back into the FFT's.
          setPhasor(phase[b + m]!, m & 1 ? -a : a, re, im, b + m);
        } else {
          re[b + m] = 0;
          im[b + m] = 0;
        }
        prevRe[b + m] = re[b + m]!;
        prevIm[b + m] = im[b + m]!;
      }
    }
    this.initialized = Math.max(this.initialized, end);
  }

  /** Window-sum normalization (1/Σw²) for the samples frames [c, end) cover, settled frames included. */
  private prepareRegion(c: number, end: number): number {
    const { nFft, hop } = this;
    const length = (end - 1 - c) * hop + nFft;
    if (this.regionStart === c && this.regionEnd === end) return length;
    this.regionStart = c;
    this.regionEnd = end;
    if (this.buffer.length < length) {
      this.buffer = new Float64Array(length);
      this.invEnvelope = new Float64Array(length);
    }
    const env = this.invEnvelope;
    env.fill(0, 0, length);
    for (let f = Math.max(0, c - (nFft / hop - 1)); f < end; f++) {
      const start = (f - c) * hop;
      for (let i = 0; i < nFft; i++) {
        const j = start + i;
        if (j >= 0 && j < length) env[j]! += this.windowSq[i]!;
      }
    }
    for (let j = 0; j < length; j++) env[j] = env[j]! > 1e-11 ? 1 / env[j]! : 0;
    return length;
  }

  /** Overlap-add of the carry and frames [from, to) into the buffer (region starting at frame c). */
  private synthesize(c: number, from: number, to: number, length: number): void {
    const { hop, bins } = this;
    const buf = this.buffer;
    const w = this.window;
    buf.fill(0, 0, length);
    buf.set(this.carry.subarray(0, Math.min(this.carry.length, length)));
    for (let f = from; f < to; f++) this.fft.inverseAdd(this.re, this.im, this.row(f) * bins, w, buf, (f - c) * hop);
  }

  /** Fast Griffin–Lim on frames [c, end), the settled frames before c held fixed. */
  private iterate(c: number, end: number): void {
    const { iterations, momentum } = this.options;
    if (iterations === 0) return;
    const { hop, bins } = this;
    const length = this.prepareRegion(c, end);
    const buf = this.buffer;
    const env = this.invEnvelope;
    const w = this.window;
    const pr = this.projRe;
    const pi = this.projIm;
    // t = c + α(c − c_prev) has the phase of c − β·c_prev with β = α/(1 + α).
    const beta = momentum / (1 + momentum);
    const mag = this.mag;
    const re = this.re;
    const im = this.im;
    const prevRe = this.prevRe;
    const prevIm = this.prevIm;
    for (let it = 0; it < iterations; it++) {
      this.synthesize(c, c, end, length);
      for (let j = 0; j < length; j++) buf[j]! *= env[j]!;
      for (let f = c; f < end; f++) {
        this.fft.forwardWindowed(buf, (f - c) * hop, w, pr, pi);
        const b = this.row(f) * bins;
        for (let m = 0; m < bins; m++) {
          const a = mag[b + m]!;
          const tr = pr[m]!;
          const ti = pi[m]!;
          const ar = tr - beta * prevRe[b + m]!;
          const ai = ti - beta * prevIm[b + m]!;
          prevRe[b + m] = tr;
          prevIm[b + m] = ti;
          const norm2 = ar * ar + ai * ai;
          if (a > 0 && norm2 > 1e-60) {
            const scale = a / Math.sqrt(norm2);
            re[b + m] = ar * scale;
            im[b + m] = ai * scale;
          } else {
            re[b + m] = a;
            im[b + m] = 0;
          }
        }
      }
    }
  }

  /** Settles frames [c, to): their overlap-add becomes final for every sample before frame `to`. */
  private settle(c: number, to: number, end: number): Float32Array {
    const { hop, nFft } = this;
    // The region of frames [c, end) covers the settled frames' samples: end ≥ to.
    this.prepareRegion(c, end);
    const pad = nFft / 2;
    this.synthesize(c, c, to, (to - c) * hop + (nFft - hop));
    const buf = this.buffer;
    const env = this.invEnvelope;
    // Padded sample j (frame f starts at f·hop) is final once no unsettled frame covers it.
    const last = to >= this.totalFrames ? this.totalSamples + pad : to * hop;
    const from = Math.max(this.emitted + pad, c * hop);
    const out = new Float32Array(Math.max(0, last - from));
    for (let j = from; j < last; j++) out[j - from] = buf[j - c * hop]! * env[j - c * hop]!;
    this.emitted += out.length;
    this.carry.set(buf.subarray((to - c) * hop, (to - c) * hop + this.carry.length));
    this.settled = to;
    return out;
  }
}
