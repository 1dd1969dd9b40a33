import type { Rng } from "@riff/core";
import { Stft } from "../dsp/stft.js";
import { pseudoInverse, melToLinear, type MelFilterbank } from "../dsp/mel.js";
import { griffinLim } from "../dsp/griffin-lim.js";
import { MelInverse } from "../dsp/mel-inverse.js";
import { GriffinLimWorkspace, StreamingGriffinLim } from "../dsp/streaming-griffin-lim.js";

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
 * The first vocoder format ("griffin-lim" in voice.json), kept so such voices still load and sound
 * as before. Log-mel frames (natural log of the mel magnitude) → waveform: exp, the filterbank's
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

export interface StreamingMelVocoderConfig {
  readonly filterbank: MelFilterbank;
  readonly nFft: number;
  readonly hop: number;
  readonly iterations: number;
  readonly momentum: number;
  readonly blockFrames: number;
  readonly lookaheadFrames: number;
  readonly toleranceDb: number;
}

/** One sentence's worth of {@link StreamingMelVocoder}: log-mel frames in, finished samples out. */
export interface MelVocoderStream {
  /** Samples the sentence will have in all: (frames − 1)·hop. */
  readonly totalSamples: number;
  /** The next log-mel frame (nMels values at `offset`); returns the samples it finished, often none. */
  push(logMel: ArrayLike<number>, offset?: number): Float32Array;
}

/**
 * Log-mel frames → waveform while the frames are being made: each frame's magnitudes from the
 * filterbank's pseudo-inverse (clamped at 0, as the first format did), then
 * {@link StreamingGriffinLim}: PGHI phases refined by a few Fast Griffin–Lim iterations, block by
 * block. Deterministic: it draws no random numbers.
 */
export class StreamingMelVocoder {
  readonly filterbank: MelFilterbank;
  readonly config: StreamingMelVocoderConfig;
  private readonly inverse: MelInverse;
  private readonly magnitudes: Float64Array;
  /** Working planes of finished streams, lent to the next (one per stream running at once). */
  private readonly spareWorkspaces: GriffinLimWorkspace[] = [];

  constructor(config: StreamingMelVocoderConfig) {
    if (config.filterbank.nFreqs !== config.nFft / 2 + 1) {
      throw new RangeError(`the mel filterbank has ${config.filterbank.nFreqs} frequencies; n_fft ${config.nFft} gives ${config.nFft / 2 + 1}`);
    }
    this.filterbank = config.filterbank;
    this.config = config;
    this.inverse = new MelInverse(config.filterbank);
    this.magnitudes = new Float64Array(config.filterbank.nFreqs);
  }

  /** A stream for a sentence of `frames` frames. */
  start(frames: number): MelVocoderStream {
    const { nFft, hop, iterations, momentum, blockFrames, lookaheadFrames, toleranceDb } = this.config;
    const options = { nFft, hop, iterations, momentum, blockFrames, lookahead: lookaheadFrames, toleranceDb };
    // A workspace from a finished stream, or a new one; it comes back when this stream has all its frames.
    const workspace = this.spareWorkspaces.pop() ?? new GriffinLimWorkspace(options);
    const phases = new StreamingGriffinLim(frames, options, workspace);
    const spare = this.spareWorkspaces;
    const inverse = this.inverse;
    const magnitudes = this.magnitudes;
    return {
      totalSamples: phases.totalSamples,
      push(logMel: ArrayLike<number>, offset = 0): Float32Array {
        inverse.fromLogMel(logMel, offset, magnitudes, 0);
        const samples = phases.push(magnitudes);
        if (phases.framesReceived === phases.totalFrames) spare.push(workspace);
        return samples;
      },
    };
  }

  /**
   * A sentence whose frames are all made: its samples in pieces (one per block of frames), each
   * yielded as soon as it is final, so they can go out while the rest is vocoded.
   */
  *pieces(logMel: Float32Array, frames: number): Generator<Float32Array, void> {
    const nMels = this.filterbank.nMels;
    if (logMel.length < frames * nMels) throw new RangeError(`expected ${frames}×${nMels} log-mel values, got ${logMel.length}`);
    if (frames < 2) return;
    const stream = this.start(frames);
    for (let t = 0; t < frames; t++) {
      const piece = stream.push(logMel, t * nMels);
      if (piece.length > 0) yield piece;
    }
  }

  /** A whole sentence at once: the pieces, joined. */
  vocode(logMel: Float32Array, frames: number): Float32Array {
    const nMels = this.filterbank.nMels;
    if (logMel.length !== frames * nMels) throw new RangeError(`expected ${frames}×${nMels} log-mel values, got ${logMel.length}`);
    const out = new Float32Array(Math.max(0, (frames - 1) * this.config.hop));
    let at = 0;
    for (const piece of this.pieces(logMel, frames)) {
      out.set(piece, at);
      at += piece.length;
    }
    return out;
  }
}
