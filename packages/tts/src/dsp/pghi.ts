/**
 * Real-time Phase Gradient Heap Integration (RTPGHI; Průša & Holighaus, "Phase vocoder done right",
 * 2017, after Průša, Balazs & Søndergaard 2017): the phase of one STFT frame from the log
 * magnitudes around it and the phase of the frame before, with no iterations.
 *
 * For a Gaussian-like window the STFT phase gradient follows from the log magnitude s:
 *   ∂φ/∂t (rad per hop) = 2π·a·m/N + (a·N/γ)·∂s/∂m,   ∂φ/∂m (rad per bin) = −(γ/(a·N))·∂s/∂t,
 * with hop a, FFT size N and γ = 0.25645·L² for a Hann window of length L. Phases here are
 * "centred" (the frame's time origin at its middle), so a frame's FFT phase is this plus π·m.
 * The heap integrates from the loudest coefficients outwards: along time from the previous frame,
 * along frequency within the frame, so loud partials and transients get coherent phases first.
 */
export class PhaseGradientIntegrator {
  readonly bins: number;
  /** a·N/γ and γ/(a·N). */
  private readonly timeScale: number;
  private readonly freqScale: number;
  /** 2π·a/N: the phase advance per hop of bin 1's centre frequency. */
  private readonly binAdvance: number;
  /**
   * The "heap" is a bucket queue over log magnitude (512 levels between the floor and the loudest
   * coefficient, ≈0.2 dB apart for 100 dB): O(1) per push and pop, where a binary heap spent most
   * of the time. Ties within a level pop in any order, which PGHI does not mind.
   */
  private readonly head: Int32Array;
  private readonly next: Int32Array;
  private top = -1;
  private queued = 0;
  private bucketLow = 0;
  private bucketScale = 0;
  private readonly pending: Uint8Array;
  private dtPrev: Float64Array;
  private dtCur: Float64Array;
  /** The frame (and array) dtCur was computed for, so the next frame can reuse it as dtPrev. */
  private lastFrame = -1;
  private lastLogMag: Float64Array | undefined;
  private readonly df: Float64Array;

  constructor(nFft: number, hop: number, windowLength: number) {
    this.bins = nFft / 2 + 1;
    const gamma = 0.25645 * windowLength * windowLength;
    this.timeScale = (hop * nFft) / gamma;
    this.freqScale = gamma / (hop * nFft);
    this.binAdvance = (2 * Math.PI * hop) / nFft;
    this.head = new Int32Array(BUCKETS);
    this.next = new Int32Array(2 * this.bins);
    this.pending = new Uint8Array(this.bins);
    this.dtPrev = new Float64Array(this.bins);
    this.dtCur = new Float64Array(this.bins);
    this.df = new Float64Array(this.bins);
  }

  /** ∂φ/∂t of a frame from its log magnitudes (centred differences across bins). */
  private timeDerivative(logMag: Float64Array, offset: number, out: Float64Array): void {
    const last = this.bins - 1;
    for (let m = 0; m <= last; m++) {
      const up = logMag[offset + (m === last ? m : m + 1)]!;
      const down = logMag[offset + (m === 0 ? m : m - 1)]!;
      const width = m === 0 || m === last ? 1 : 2;
      out[m] = this.binAdvance * m + (this.timeScale * (up - down)) / width;
    }
  }

  /**
   * Phases of frame `cur` (centred convention) into `phase[cur·bins …]`.
   * `logMag` holds frame-major log magnitudes; frames `prev` (or −1 for none) and `next` (or −1)
   * give the time differences. `phase` must already hold frame `prev`'s phases. Bins whose
   * magnitude is below `floor` (natural-log units) keep phase 0: they are inaudible.
   */
  integrate(logMag: Float64Array, prev: number, cur: number, next: number, phase: Float64Array, floor: number): void {
    const bins = this.bins;
    const base = cur * bins;
    const pending = this.pending;
    const df = this.df;
    // ∂φ/∂m from the time difference of log magnitudes: centred where both neighbours exist.
    const lo = prev >= 0 ? prev : cur;
    const hi = next >= 0 ? next : cur;
    const span = (prev >= 0 ? 1 : 0) + (next >= 0 ? 1 : 0);
    let remaining = 0;
    let loudest = -1;
    for (let m = 0; m < bins; m++) {
      df[m] = span === 0 ? 0 : (-this.freqScale * (logMag[hi * bins + m]! - logMag[lo * bins + m]!)) / span;
      phase[base + m] = 0;
      const significant = logMag[base + m]! > floor;
      pending[m] = significant ? 1 : 0;
      if (significant) {
        remaining++;
        if (loudest < 0 || logMag[base + m]! > logMag[base + loudest]!) loudest = m;
      }
    }
    if (remaining === 0) return;
    const reuse = prev >= 0 && prev === this.lastFrame && logMag === this.lastLogMag;
    if (reuse) {
      const t = this.dtPrev;
      this.dtPrev = this.dtCur;
      this.dtCur = t;
    }
    this.timeDerivative(logMag, base, this.dtCur);
    this.lastFrame = cur;
    this.lastLogMag = logMag;
    let high = logMag[base + loudest]!;
    if (prev >= 0) for (let m = 0; m < bins; m++) if (logMag[prev * bins + m]! > high) high = logMag[prev * bins + m]!;
    this.head.fill(-1);
    this.top = -1;
    this.queued = 0;
    this.bucketLow = floor;
    this.bucketScale = (BUCKETS - 1) / Math.max(high - floor, 1e-9);
    if (prev >= 0) {
      if (!reuse) this.timeDerivative(logMag, prev * bins, this.dtPrev);
      for (let m = 0; m < bins; m++) if (pending[m]) this.push(logMag[prev * bins + m]!, m);
    } else {
      phase[base + loudest] = 0;
      pending[loudest] = 0;
      remaining--;
      this.push(logMag[base + loudest]!, bins + loudest);
    }
    while (remaining > 0) {
      if (this.queued === 0) {
        // An island the heap did not reach: start it from its loudest bin, phase 0.
        let best = -1;
        for (let m = 0; m < bins; m++) if (pending[m] && (best < 0 || logMag[base + m]! > logMag[base + best]!)) best = m;
        phase[base + best] = 0;
        pending[best] = 0;
        remaining--;
        this.push(logMag[base + best]!, bins + best);
        continue;
      }
      const id = this.pop();
      if (id < bins) {
        // A bin of the previous frame: carry its phase forward in time (trapezoidal rule).
        const m = id;
        if (!pending[m]) continue;
        // Wrapped to (−π, π]: unbounded sums would reach 10⁵ rad within seconds, where cos and sin
        // take their slow range-reduction path.
        const p = phase[prev * bins + m]! + 0.5 * (this.dtPrev[m]! + this.dtCur[m]!);
        phase[base + m] = p - TWO_PI * Math.round(p / TWO_PI);
        pending[m] = 0;
        remaining--;
        this.push(logMag[base + m]!, bins + m);
      } else {
        const m = id - bins;
        const p = phase[base + m]!;
        if (m + 1 < bins && pending[m + 1]) {
          phase[base + m + 1] = p + 0.5 * (df[m]! + df[m + 1]!);
          pending[m + 1] = 0;
          remaining--;
          this.push(logMag[base + m + 1]!, bins + m + 1);
        }
        if (m > 0 && pending[m - 1]) {
          phase[base + m - 1] = p - 0.5 * (df[m]! + df[m - 1]!);
          pending[m - 1] = 0;
          remaining--;
          this.push(logMag[base + m - 1]!, bins + m - 1);
        }
      }
    }
  }

  private push(key: number, id: number): void {
    const level = Math.floor((key - this.bucketLow) * this.bucketScale);
    const b = level < 0 ? 0 : level >= BUCKETS ? BUCKETS - 1 : level;
    this.next[id] = this.head[b]!;
    this.head[b] = id;
    if (b > this.top) this.top = b;
    this.queued++;
  }

  private pop(): number {
    const head = this.head;
    while (head[this.top]! < 0) this.top--;
    const id = head[this.top]!;
    head[this.top] = this.next[id]!;
    this.queued--;
    return id;
  }
}

const BUCKETS = 512;
const TWO_PI = 2 * Math.PI;
