import { RiffError, checkNumber, concatFloat32, runToEnd, type Rng } from "@riff/core";
import { OnnxSession, float32, float64, int64, floatData } from "@riff/onnx";
import { espeakPhonemize, type PhonemizeFunction } from "../text/phonemize.js";
import type { EncodedSentence, PrepareOptions, PreparedSentence, SentenceAudio, SynthesisOptions, Voice } from "../voice.js";
import { loadArMelConfig, type ArMelConfig } from "./config.js";
import { clausesToSymbols, durationsFromLog, symbolsToIds } from "./tokens.js";
import { FrameConditions } from "./frame-conditions.js";
import { MelBlockStepModel, type DecoderBlock } from "./block-step-model.js";
import { LOOP_INPUTS, LOOP_OUTPUTS, decoderLoopModel } from "./decoder-loop.js";
import { GriffinLimVocoder, StreamingMelVocoder } from "./vocoder.js";
import { MelInverse } from "../dsp/mel-inverse.js";
import { melFramePowers } from "./mel-level.js";

export interface ArMelLoadOptions {
  readonly threads?: number;
  /** Overrides voice.json's inference.noise_scale (0: deterministic frames). */
  readonly noiseScale?: number;
}

export interface MelResult {
  /** Frame-major log-mel (frames × nMels). */
  readonly mel: Float32Array;
  readonly frames: number;
  readonly durations: Int32Array;
  readonly logDurations: Float32Array;
}

/**
 * Decoder frames per onnxruntime call (decoder-loop.ts). Measured on slt-voice (a 572-frame
 * sentence, same process, alternating): 0.07–0.09 ms a frame in blocks against 0.11–0.22 ms one
 * call per frame, about the cost of the frame's matrix–vector products alone (numpy: 0.08–0.1);
 * blocks of 16 to the whole sentence cost the same, and 64 keeps an abort, or the event loop,
 * waiting at most a few milliseconds (onnxruntime-node runs a session on the JavaScript thread).
 */
const DECODER_BLOCK_FRAMES = 64;

/**
 * riff's autoregressive mel voice (model_type "riff-ar-mel", the embedded slt-voice): an encoder
 * (phoneme ids → encodings + log durations: the sentence's length, known in prepare()), a one-frame
 * decoder run on the core step loop for the whole sentence, a block of frames per call (its
 * loudness is then known: mel-level.ts),
 * and a vocoder that hands the samples over block by block (or, for voices in the first format,
 * plain Griffin–Lim for the whole sentence). voice.json describes every step; this follows its runtime_algorithm.
 */
export class ArMelVoice implements Voice {
  readonly kind = "riff-ar-mel";
  readonly path: string;
  readonly config: ArMelConfig;
  readonly speakers: ReadonlyMap<string, number> = new Map();
  readonly numSpeakers = 1;
  private readonly encoder: OnnxSession;
  private readonly decoder: OnnxSession;
  private readonly vocoder: GriffinLimVocoder | StreamingMelVocoder;
  private readonly inverse: MelInverse;

  private constructor(path: string, config: ArMelConfig, encoder: OnnxSession, decoder: OnnxSession) {
    this.path = path;
    this.config = config;
    this.encoder = encoder;
    this.decoder = decoder;
    this.inverse = new MelInverse(config.filterbank);
    const vocoder = config.vocoder;
    this.vocoder =
      vocoder.type === "streaming-pghi-fgla"
        ? new StreamingMelVocoder({
            filterbank: config.filterbank,
            nFft: config.nFft,
            hop: config.hop,
            iterations: vocoder.iterations,
            momentum: vocoder.momentum,
            blockFrames: vocoder.blockFrames,
            lookaheadFrames: vocoder.lookaheadFrames,
            toleranceDb: vocoder.toleranceDb,
          })
        : new GriffinLimVocoder({
            filterbank: config.filterbank,
            nFft: config.nFft,
            hop: config.hop,
            winLength: config.winLength,
            iterations: vocoder.iterations,
            momentum: vocoder.momentum,
          });
  }

  static async load(folder: string, options: ArMelLoadOptions = {}): Promise<ArMelVoice> {
    const loaded = loadArMelConfig(folder);
    const noiseScale = options.noiseScale ?? loaded.noiseScale;
    checkNumber("noiseScale", noiseScale, { min: 0 });
    const config = { ...loaded, noiseScale };
    // One intra-op thread unless asked otherwise: the decoder runs once per frame on a [1, 256]
    // state, far too little work to share, and onnxruntime's spinning pool threads only compete
    // with the vocoder for the cores (measured: about 2× the CPU time per frame with the default).
    const threads = { threads: options.threads ?? 1 };
    const encoder = await OnnxSession.load(config.encoderFile, {
      role: "voice encoder",
      requiredInputs: ["phoneme_ids"],
      requiredOutputs: ["encodings", "log_durations"],
      ...threads,
    });
    let decoder: OnnxSession;
    try {
      decoder = await OnnxSession.fromBytes(decoderLoopModel(config.decoderFile, config), `${config.decoderFile} (in a Loop of frames)`, {
        role: "voice decoder",
        ...threads,
      });
    } catch (error) {
      await encoder.dispose();
      throw error;
    }
    return new ArMelVoice(folder, config, encoder, decoder);
  }

  get outputGain(): number | undefined {
    return this.config.outputGain;
  }

  get sampleRate(): number {
    return this.config.sampleRate;
  }

  /** espeak's clauses for the sentence → ['^', clause, ',', ' ', clause, …, '.', '$'] → ids. */
  async encode(sentence: string, phonemize: PhonemizeFunction = espeakPhonemize): Promise<EncodedSentence> {
    const clauses = (await phonemize(sentence, this.config.language))
      .map((clause) => clause.replace(/\([a-z]{2,3}(?:-[a-z0-9]+)*\)/gi, "").trim())
      .filter((clause) => clause.length > 0);
    if (clauses.length === 0) return { phonemes: "", ids: [], missing: [] };
    const symbols = clausesToSymbols(clauses);
    const { ids, missing } = symbolsToIds(symbols, this.config.phonemeIdMap);
    return { phonemes: clauses.join(", "), ids, missing };
  }

  /** Phoneme ids → log-mel frames, by the encoder and the step loop. */
  async melSpectrogram(ids: readonly number[], options: { speed?: number; rng: Rng; signal?: AbortSignal }): Promise<MelResult> {
    const { model, durations, logDurations } = await this.prepareModel(ids, options.speed);
    return { ...(await this.decode(model, options.rng, options.signal)), durations, logDurations };
  }

  /** Every frame of the sentence, by the step loop (its frames' buffer made only now, not while the sentence waits). */
  private async decode(model: MelBlockStepModel, rng: Rng, signal: AbortSignal | undefined): Promise<{ mel: Float32Array; frames: number }> {
    const stateSize = this.config.stateShape.reduce((a, b) => a * b, 1);
    const initial = model.initialState(this.config.initialPrevFrame, stateSize, rng);
    const result = await runToEnd(model, initial, { rng, maxSteps: model.totalSteps, ...(signal ? { signal } : {}) });
    if (result.stopReason === "aborted") throw new RiffError("speech synthesis was aborted");
    return { mel: result.state.mel, frames: result.state.frames };
  }

  /** The encoder's output and the decoder's step model for a sentence, ready to run. */
  private async prepareModel(
    ids: readonly number[],
    speedOption: number | undefined,
  ): Promise<{ model: MelBlockStepModel; durations: Int32Array; logDurations: Float32Array }> {
    const speed = checkNumber("speed", speedOption ?? 1, { min: 0.1, max: 10 });
    if (ids.length === 0) throw new RiffError("no phonemes to speak");
    const { encodingDim, conditionDim, nMels, stateShape, noiseScale } = this.config;
    const encoded = await this.encoder.run({ phoneme_ids: int64(ids, [1, ids.length]) }, ["encodings", "log_durations"]);
    const encodings = floatData(encoded.encodings!);
    const logDurations = Float32Array.from(floatData(encoded.log_durations!));
    if (encodings.length !== ids.length * encodingDim) {
      throw new RiffError(`${this.config.encoderFile}: encodings hold ${encodings.length} values, expected ${ids.length}×${encodingDim}`);
    }
    const durations = durationsFromLog(logDurations, this.config.lengthScale / speed);
    const decoder: DecoderBlock = async ({ count, prevFrame, state, conditions, noise }) => {
      const out = await this.decoder.run(
        {
          [LOOP_INPUTS.steps]: int64([count], []),
          [LOOP_INPUTS.firstPrevFrame]: float32(prevFrame, [1, nMels]),
          [LOOP_INPUTS.firstState]: float32(state, stateShape),
          [LOOP_INPUTS.conditions]: float32(conditions, [count, 1, conditionDim]),
          [LOOP_INPUTS.noise]: float64(noise, [count, 1, nMels]),
        },
        [LOOP_OUTPUTS.frames, LOOP_OUTPUTS.lastPrevFrame, LOOP_OUTPUTS.lastState],
      );
      return { frames: floatData(out[LOOP_OUTPUTS.frames]!), prevFrame: floatData(out[LOOP_OUTPUTS.lastPrevFrame]!), state: floatData(out[LOOP_OUTPUTS.lastState]!) };
    };
    const conditions = new FrameConditions(encodings, encodingDim, durations);
    const model = new MelBlockStepModel({ run: decoder, conditions, blockFrames: DECODER_BLOCK_FRAMES, nMels, noiseScale });
    return { model, durations, logDurations };
  }

  /** The encoder's run: the sentence's durations, hence its length, and the decoder ready to run. */
  async prepare(ids: readonly number[], options: PrepareOptions): Promise<PreparedSentence> {
    const { model } = await this.prepareModel(ids, options.speed);
    const frames = model.totalFrames;
    return {
      samples: frames < 2 ? 0 : (frames - 1) * this.config.hop,
      render: (how) => this.render(model, how),
    };
  }

  /**
   * The decoder for every frame of the sentence (its loudness is then known: melFramePowers), then
   * the vocoder: the streaming one hands each block over as soon as it is final.
   */
  private async render(model: MelBlockStepModel, options: Pick<SynthesisOptions, "rng" | "signal">): Promise<SentenceAudio> {
    // Separate streams for the decoder's noise and the vocoder's initial phases (fork 2, which the streaming one does not use).
    const { mel, frames } = await this.decode(model, options.rng.fork(1), options.signal);
    const { nFft, winLength } = this.config;
    const framePowers = melFramePowers(this.inverse, mel, frames, nFft, winLength);
    const vocoder = this.vocoder;
    const signal = options.signal;
    async function* pieces(): AsyncGenerator<Float32Array, void> {
      if (vocoder instanceof GriffinLimVocoder) {
        yield vocoder.vocode(mel, frames, options.rng.fork(2));
        return;
      }
      for (const piece of vocoder.pieces(mel, frames)) {
        if (signal?.aborted) throw new RiffError("speech synthesis was aborted");
        yield piece;
      }
    }
    return { framePowers, pieces: pieces() };
  }

  async synthesize(ids: readonly number[], options: SynthesisOptions): Promise<Float32Array> {
    const prepared = await this.prepare(ids, options);
    const audio = await prepared.render(options);
    const pieces: Float32Array[] = [];
    for await (const piece of audio.pieces) pieces.push(piece);
    return concatFloat32(pieces);
  }

  /** Releases both sessions, the decoder's even when the encoder's release fails. */
  async dispose(): Promise<void> {
    try {
      await this.encoder.dispose();
    } finally {
      await this.decoder.dispose();
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}
