/**
 * Seeded randomness for every loop in riff.
 *
 * Algorithm: xoshiro128** (Blackman & Vigna, 2018) over 32-bit integer arithmetic, seeded through
 * SplitMix32 so that nearby seeds give unrelated streams. Only 32-bit integer operations
 * (Math.imul, shifts) are used, so a seed gives the same numbers on every platform and Node version.
 * Normal variates use the ziggurat method (see ziggurat.ts).
 */
import { ZIGGURAT_R, zigguratTables } from "./ziggurat.js";

const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;
const ZIGGURAT = zigguratTables();

/** SplitMix32 step: a 32-bit mixer (Steele, Lea & Flood 2014, 32-bit variant). */
function splitMix32(state: { value: number }): number {
  state.value = (state.value + 0x9e3779b9) | 0;
  let z = state.value;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

export class Rng {
  readonly seed: number;
  readonly stream: number;
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /**
   * @param seed any safe integer; its low 53 bits are used.
   * @param stream selects an independent stream for the same seed (see {@link fork}).
   */
  constructor(seed: number, stream = 0) {
    if (!Number.isSafeInteger(seed)) {
      throw new RangeError(`seed must be a safe integer, got ${seed}`);
    }
    if (!Number.isSafeInteger(stream) || stream < 0) {
      throw new RangeError(`stream must be a non-negative safe integer, got ${stream}`);
    }
    this.seed = seed;
    this.stream = stream;
    const lo = seed >>> 0;
    const hi = Math.floor(seed / TWO_POW_32) >>> 0;
    const mixer = { value: lo ^ Math.imul(hi, 0x27d4eb2d) ^ Math.imul(stream + 1, 0x165667b1) };
    this.s0 = splitMix32(mixer);
    this.s1 = splitMix32(mixer) ^ hi;
    this.s2 = splitMix32(mixer);
    this.s3 = splitMix32(mixer) ^ stream;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
    // The mixed state's first outputs are already well spread; discard a few anyway so streams
    // that differ only in `stream` decorrelate fully.
    for (let i = 0; i < 8; i++) this.nextUint32();
  }

  /** An independent generator derived from this one's seed: same (seed, id) → same stream. */
  fork(id: number): Rng {
    return new Rng(this.seed, this.stream * 1_000_003 + id + 1);
  }

  /** Next 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const a = this.nextUint32() >>> 5; // 27 bits
    const b = this.nextUint32() >>> 6; // 26 bits
    return (a * 67108864 + b) / TWO_POW_53;
  }

  /** Uniform integer in [0, n). */
  integer(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new RangeError(`n must be a positive integer, got ${n}`);
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal variate (ziggurat, Marsaglia & Tsang 2000). */
  normal(): number {
    const { k, w } = ZIGGURAT;
    const hz = this.nextUint32() | 0;
    const layer = hz & 127;
    if (Math.abs(hz) < k[layer]!) return hz * w[layer]!;
    return this.normalSlow(hz, layer);
  }

  /** The ziggurat's rare path: the tail beyond R, or a draw in a layer's wedge. */
  private normalSlow(firstHz: number, firstLayer: number): number {
    const { k, w, f } = ZIGGURAT;
    let hz = firstHz;
    let layer = firstLayer;
    for (;;) {
      if (layer === 0) {
        // Marsaglia's tail method: x ~ Exp(R) beyond R, accepted with probability exp(−x²/2)/…
        let x: number;
        let y: number;
        do {
          x = -Math.log(this.openUniform()) / ZIGGURAT_R;
          y = -Math.log(this.openUniform());
        } while (y + y < x * x);
        return hz > 0 ? ZIGGURAT_R + x : -ZIGGURAT_R - x;
      }
      const x = hz * w[layer]!;
      if (f[layer]! + this.uniform() * (f[layer - 1]! - f[layer]!) < Math.exp(-0.5 * x * x)) return x;
      hz = this.nextUint32() | 0;
      layer = hz & 127;
      if (Math.abs(hz) < k[layer]!) return hz * w[layer]!;
    }
  }

  /** Uniform in (0, 1): never 0, so its logarithm is finite. */
  private openUniform(): number {
    return (this.nextUint32() + 0.5) / TWO_POW_32;
  }

  /** Fills `out` with standard normal variates and returns it. */
  fillNormal<T extends Float32Array | Float64Array>(out: T): T {
    for (let i = 0; i < out.length; i++) out[i] = this.normal();
    return out;
  }

  /** A new Float32Array of `length` standard normal variates. */
  normalArray(length: number): Float32Array {
    return this.fillNormal(new Float32Array(length));
  }
}
