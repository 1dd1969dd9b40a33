/**
 * Loudness that stays the same from chunk to chunk. Piper scales each sentence to its own peak,
 * so a quiet sentence comes out as loud as a shouted one; here one gain is held for the whole
 * stream: the voice's calibrated gain (`fixedGain`, from its voice.json) when it has one, else one
 * chosen from the first chunk that has sound (so its RMS meets `targetRms`). The second depends on
 * how the text begins (a soft "sh" opening gets a large gain), which is why calibrated voices skip
 * it. Peaks the held gain would push past full scale go through a soft limiter instead of being clipped.
 */
export interface GainOptions {
  /** Use exactly this gain (skip the loudness target). */
  readonly fixedGain?: number;
  /** RMS (full scale = 1) the first chunk with sound is brought to; default 0.1 (-20 dBFS). */
  readonly targetRms?: number;
  /** Bounds on the chosen gain, so near-silence is not blown up into noise; default [0.1, 100]. */
  readonly minGain?: number;
  readonly maxGain?: number;
  /** Where the soft limiter starts bending (default 0.9). */
  readonly knee?: number;
}

/** Below this RMS a chunk is treated as silence and does not fix the gain. */
const SILENCE_RMS = 1e-5;

export class LoudnessControl {
  private gainValue: number | undefined;
  private readonly targetRms: number;
  private readonly minGain: number;
  private readonly maxGain: number;
  private readonly knee: number;
  /** Samples the limiter bent (their scaled value exceeded the knee). */
  limited = 0;

  constructor(options: GainOptions = {}) {
    this.gainValue = options.fixedGain;
    this.targetRms = options.targetRms ?? 0.1;
    this.minGain = options.minGain ?? 0.1;
    this.maxGain = options.maxGain ?? 100;
    this.knee = options.knee ?? 0.9;
    if (this.gainValue !== undefined && !(this.gainValue > 0 && Number.isFinite(this.gainValue))) {
      throw new RangeError(`fixedGain must be a positive finite number, got ${this.gainValue}`);
    }
    if (!(this.knee > 0 && this.knee < 1)) throw new RangeError(`knee must be in (0, 1), got ${this.knee}`);
  }

  /** The gain in force, or undefined until a chunk with sound has been seen. */
  get gain(): number | undefined {
    return this.gainValue;
  }

  /** Scales a chunk (not in place) and limits it to (-1, 1). */
  apply(samples: Float32Array): Float32Array {
    if (this.gainValue === undefined) {
      const level = rms(samples);
      if (level > SILENCE_RMS) this.gainValue = Math.min(this.maxGain, Math.max(this.minGain, this.targetRms / level));
    }
    const gain = this.gainValue ?? 1;
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
