/**
 * The decoder's condition for each frame of a sentence: frame k of phone p (n_p frames) is
 * conditioned on concat(encodings[p], (k + 0.5)/n_p, ln(1 + n_p)).
 */
export class FrameConditions {
  /** Frames of the sentence: the sum of the durations. */
  readonly totalFrames: number;
  /** encodingDim + 2. */
  readonly dim: number;
  private readonly encodings: Float32Array;
  private readonly encodingDim: number;
  private readonly durations: Int32Array;
  /** For each frame: its phone and its index within the phone. */
  private readonly phoneOf: Int32Array;
  private readonly indexInPhone: Int32Array;
  private readonly condition: Float32Array;

  /** `encodings`: [phones × encodingDim], row-major; `durations`: frames per phone. */
  constructor(encodings: Float32Array, encodingDim: number, durations: Int32Array) {
    this.encodings = encodings;
    this.encodingDim = encodingDim;
    this.durations = durations;
    this.dim = encodingDim + 2;
    let total = 0;
    for (const n of durations) total += n;
    this.totalFrames = total;
    this.phoneOf = new Int32Array(total);
    this.indexInPhone = new Int32Array(total);
    let t = 0;
    durations.forEach((n, p) => {
      for (let k = 0; k < n; k++, t++) {
        this.phoneOf[t] = p;
        this.indexInPhone[t] = k;
      }
    });
    this.condition = new Float32Array(this.dim);
  }

  /** The condition vector of frame `t` (one buffer, overwritten by the next call). */
  at(t: number): Float32Array {
    const d = this.encodingDim;
    const p = this.phoneOf[t]!;
    const n = this.durations[p]!;
    const c = this.condition;
    c.set(this.encodings.subarray(p * d, (p + 1) * d));
    c[d] = (this.indexInPhone[t]! + 0.5) / n;
    c[d + 1] = Math.log1p(n);
    return c;
  }
}
