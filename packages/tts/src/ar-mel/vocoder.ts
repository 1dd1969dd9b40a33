import type { Rng } from "@riff/core";
import { Stft } from "../dsp/stft.js";
import { pseudoInverse, melToLinear, type MelFilterbank } from "../dsp/mel.js";
import { griffinLim } from "../dsp/griffin-lim.js";

export interface GriffinLimVocoderConfig {
  readonly filterbank: MelFilterbank;
  readonly nFft: number;
  readonly hop: number;
  readonly winLength?: number;
  /** Griffin–Lim iterations (default 60) and momentum (default 0.99). */
  readonly iterations?: number;
  readonly momentum?: number;
}

/**
 * Log-mel frames (natural log of the mel magnitude) → waveform: exp, the filterbank's
 * pseudo-inverse clamped at 0 (an NNLS stand-in) to get linear magnitudes, then Griffin–Lim from
 * seeded random phases. Output length is (frames − 1)·hop, as the voice's recipe defines it.
 */
export class GriffinLimVocoder {
  readonly stft: Stft;
  readonly filterbank: MelFilterbank;
  private readonly pinv: Float32Array;
  private readonly iterations: number;
  private readonly momentum: number;

  constructor(config: GriffinLimVocoderConfig) {
    this.filterbank = config.filterbank;
    this.stft = new Stft({ nFft: config.nFft, hop: config.hop, winLength: config.winLength ?? config.nFft, center: true });
    if (this.stft.bins !== config.filterbank.nFreqs) {
      throw new RangeError(`the mel filterbank has ${config.filterbank.nFreqs} frequencies; n_fft ${config.nFft} gives ${this.stft.bins}`);
    }
    this.pinv = pseudoInverse(config.filterbank);
    this.iterations = config.iterations ?? 60;
    this.momentum = config.momentum ?? 0.99;
  }

  /** Linear magnitudes (frames × bins) for log-mel frames (frames × nMels). */
  magnitudes(logMel: Float32Array, frames: number): Float32Array {
    const mel = new Float32Array(logMel.length);
    for (let i = 0; i < mel.length; i++) mel[i] = Math.exp(logMel[i]!);
    return melToLinear(this.filterbank, this.pinv, mel, frames);
  }

  vocode(logMel: Float32Array, frames: number, rng: Rng): Float32Array {
    if (frames < 2) return new Float32Array(0);
    const magnitude = this.magnitudes(logMel, frames);
    return griffinLim(this.stft, magnitude, frames, { iterations: this.iterations, momentum: this.momentum, rng });
  }
}
