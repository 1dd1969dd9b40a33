import { RiffError, checkNumber } from "@riff/core";
import { OnnxSession, float32, int64, floatData } from "@riff/onnx";
import { phonemesToIds } from "../text/phoneme-ids.js";
import { checkEspeakLanguage, phonemizeSentence, type PhonemizeFunction } from "../text/phonemize.js";
import type { EncodedSentence, SynthesisOptions, Voice } from "../voice.js";
import { loadPiperConfig, resolvePiperFiles, type PiperConfig } from "./config.js";
import { piperInferenceSchema, type PiperInference } from "./inference-options.js";

export interface PiperLoadOptions {
  readonly threads?: number;
  readonly inference?: PiperInference;
}

/**
 * A Piper (VITS) voice: input [1,T] int64 phoneme ids, input_lengths [1] int64, scales [3] float32
 * (noise_scale, length_scale, noise_w), sid [1] int64 for multi-speaker voices → output
 * [1,1,1,samples] float32. The noise is drawn inside the model, so --seed does not reach it.
 */
export class PiperVoice implements Voice {
  readonly kind = "piper";
  readonly path: string;
  readonly config: PiperConfig;
  private readonly session: OnnxSession;

  private constructor(path: string, config: PiperConfig, session: OnnxSession) {
    this.path = path;
    this.config = config;
    this.session = session;
  }

  /**
   * A folder (voice.onnx + voice.onnx.json) or FILE.onnx with FILE.onnx.json beside it.
   * `inference` overrides the config's scales (e.g. 0 noise for reproducible output).
   */
  static async load(path: string, options: PiperLoadOptions = {}): Promise<PiperVoice> {
    const files = resolvePiperFiles(path);
    const loaded = loadPiperConfig(files.config);
    // Refused here, by name, rather than as phonemizer's error at the first sentence.
    await checkEspeakLanguage(loaded.language, files.config);
    const inference = piperInferenceSchema.parse(options.inference ?? {}, "library");
    const config: PiperConfig = {
      ...loaded,
      noiseScale: inference.noiseScale ?? loaded.noiseScale,
      lengthScale: inference.lengthScale ?? loaded.lengthScale,
      noiseW: inference.noiseW ?? loaded.noiseW,
    };
    const requiredInputs = ["input", "input_lengths", "scales", ...(config.numSpeakers > 1 ? ["sid"] : [])];
    const session = await OnnxSession.load(files.model, {
      role: "Piper voice",
      requiredInputs,
      requiredOutputs: ["output"],
      ...(options.threads !== undefined ? { threads: options.threads } : {}),
    });
    try {
      checkAgainstGraph(config, session, files);
    } catch (error) {
      await session.dispose();
      throw error;
    }
    return new PiperVoice(files.model, config, session);
  }

  get sampleRate(): number {
    return this.config.sampleRate;
  }

  get speakers(): ReadonlyMap<string, number> {
    return this.config.speakerIdMap;
  }

  get numSpeakers(): number {
    return this.config.numSpeakers;
  }

  get defaultSpeaker(): number {
    return this.config.defaultSpeaker;
  }

  get language(): string {
    return this.config.language;
  }

  async encode(sentence: string, phonemize?: PhonemizeFunction): Promise<EncodedSentence> {
    const phonemes = await phonemizeSentence(sentence, {
      language: this.config.language,
      ...(phonemize ? { phonemize } : {}),
    });
    const { ids, missing } = phonemesToIds(phonemes, this.config.phonemeIdMap);
    return { phonemes, ids, missing };
  }

  async synthesize(ids: readonly number[], options: SynthesisOptions): Promise<Float32Array> {
    const speed = checkNumber("speed", options.speed ?? 1, { min: 0.1, max: 10 });
    const { noiseScale, lengthScale, noiseW, numSpeakers } = this.config;
    const feeds = {
      input: int64(ids, [1, ids.length]),
      input_lengths: int64([ids.length], [1]),
      scales: float32(Float32Array.from([noiseScale, lengthScale / speed, noiseW]), [3]),
      ...(numSpeakers > 1 ? { sid: int64([options.speaker ?? this.config.defaultSpeaker], [1]) } : {}),
    };
    let result: Awaited<ReturnType<OnnxSession["run"]>>;
    try {
      result = await this.session.run(feeds, ["output"]);
    } catch (error) {
      // The phoneme embedding's size is not part of the graph's I/O: an id past it is found here.
      if (/out of (data )?bounds|indices/i.test(error instanceof Error ? error.message : "")) {
        throw new RiffError(`${this.path}.json: phoneme_id_map holds ids the voice model has no embedding for (up to ${Math.max(...ids)})`, "voice");
      }
      throw error;
    }
    const output = result.output;
    if (output === undefined) throw new RiffError(`${this.path} returned no "output"`);
    return Float32Array.from(floatData(output));
  }

  /** Frees the ONNX session once runs in progress end; later synthesis is a RiffError. */
  async dispose(): Promise<void> {
    await this.session.dispose();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }
}

/** The config's speaker count against the graph's sid input (the model decides which it feeds). */
function checkAgainstGraph(config: PiperConfig, session: OnnxSession, files: { model: string; config: string }): void {
  if (config.numSpeakers === 1 && session.hasInput("sid")) {
    throw new RiffError(`${files.config}: num_speakers is 1 but ${files.model} takes a speaker id (sid): a multi-speaker voice`, "voice");
  }
  const input = session.input("input");
  if (input !== undefined && input.type !== "int64") {
    throw new RiffError(`${files.model}: input "input" is ${input.type}; a Piper voice takes int64 phoneme ids`, "voice");
  }
}
