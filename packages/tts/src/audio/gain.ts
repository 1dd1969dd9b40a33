import { gainToTarget } from "./loudness.js";

/**
 * Loudness per sentence, chosen before its first sample: each sentence is brought to the same
 * active loudness (loudness.ts) from its frames' powers, which the voice gives before any sample
 * (riff's mel voices predict them from the mel frames; whole-sentence voices measure them), so
 * the level never depends on how a sentence, or the text, begins. Piper's own habit — scaling each
 * sentence to its peak — made quiet sentences as loud as shouted ones. A peak known beforehand
 * (whole sentences) caps the gain below the limiter's knee; any other peak the gain would push
 * past the knee goes through a soft limiter instead of being clipped.
 */
export interface GainOptions {
  /** Use exactly this gain for every sentence (skip the loudness target). */
  readonly fixedGain?: number;
  /** Active RMS (full scale = 1; see activeRms) each sentence is brought to; default 0.1 (-20 dBFS). */
  readonly targetRms?: number;
  /** Bounds on a sentence's gain, so near-silence is not blown up into noise; default [0.1, 100]. */
  readonly minGain?: number;
  readonly maxGain?: number;
  /** Where the soft limiter starts bending (default 0.9). */
  readonly knee?: number;
}

/** What a sentence's gain is chosen from. */
export interface SentenceLevel {
  /** Mean squares of its frames (10–20 ms), as its samples will have them. */
  readonly framePowers: ArrayLike<number>;
  /** Its largest |sample|, when known before the first one. */
  readonly peak?: number | undefined;
}

export class LoudnessControl {
  private gainValue: number | undefined;
  private readonly fixedGain: number | undefined;
  private readonly fallbackGain: number;
  private readonly targetRms: number;
  private readonly minGain: number;
  private readonly maxGain: number;
  private readonly knee: number;
  /** Samples the limiter bent (their scaled value exceeded the knee). */
  limited = 0;

  /** `fallbackGain`: the gain of a sentence with no sound to measure, before any had sound (default 1). */
  constructor(options: GainOptions = {}, fallbackGain = 1) {
    this.fixedGain = options.fixedGain;
    this.gainValue = options.fixedGain;
    this.fallbackGain = fallbackGain;
    this.targetRms = options.targetRms ?? 0.1;
    this.minGain = options.minGain ?? 0.1;
    this.maxGain = options.maxGain ?? 100;
    this.knee = options.knee ?? 0.9;
    if (this.fixedGain !== undefined && !(this.fixedGain > 0 && Number.isFinite(this.fixedGain))) {
      throw new RangeError(`fixedGain must be a positive finite number, got ${this.fixedGain}`);
    }
    if (!(this.knee > 0 && this.knee < 1)) throw new RangeError(`knee must be in (0, 1), got ${this.knee}`);
  }

  /** The gain in force: the last sentence's, or undefined before one had sound. */
  get gain(): number | undefined {
    return this.gainValue;
  }

  /** Chooses the next sentence's gain (kept from the sentence before when it has no sound); returns it. */
  startSentence(level: SentenceLevel): number {
    if (this.fixedGain !== undefined) return this.fixedGain;
    const chosen = gainToTarget(level.framePowers, this.targetRms);
    if (chosen !== undefined) {
      let gain = Math.min(this.maxGain, Math.max(this.minGain, chosen));
      if (level.peak !== undefined && level.peak > 0) gain = Math.min(gain, this.knee / level.peak);
      this.gainValue = gain;
    }
    return this.gainValue ?? this.fallbackGain;
  }

  /** Scales a chunk by the sentence's gain (not in place) and limits it to (-1, 1). */
  apply(samples: Float32Array): Float32Array {
    const gain = this.gainValue ?? this.fallbackGain;
    const out = new Float32Array(samples.length);
    for (let i = 0; i < samples.length; i++) {
      const x = samples[i]! * gain;
      const y = Number.isFinite(x) ? this.limit(x) : 0;
      out[i] = y;
    }
    return out;
  }

  private limit(x: number): number {
    const a = Math.abs(x);
    if (a <= this.knee) return x;
    this.limited++;
    const room = 1 - this.knee;
    const bent = this.knee + room * Math.tanh((a - this.knee) / room);
    return x < 0 ? -bent : bent;
  }
}

export function rms(samples: Float32Array): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i]! * samples[i]!;
  return Math.sqrt(sum / samples.length);
}

/** Float samples in [-1, 1] → 16-bit PCM (rounded, clamped). */
export function toInt16(samples: Float32Array): Int16Array {
  const out = new Int16Array(samples.length);
  for (let i = 0; i < samples.length; i++) {
    const v = Math.round(samples[i]! * 32767);
    out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
  return out;
}
