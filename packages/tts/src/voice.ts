import { RiffError, optionError, type Rng } from "@riff/core";
import type { PhonemizeFunction } from "./text/phonemize.js";

/** A sentence as a voice's model takes it. */
export interface EncodedSentence {
  /** The phonemes it was made from (for reports). */
  readonly phonemes: string;
  readonly ids: readonly number[];
  /** Phonemes the voice's map lacks, dropped (one entry per occurrence). */
  readonly missing: readonly string[];
}

export interface SynthesisOptions {
  /** Speaking rate: 2 is twice as fast, 0.5 half as fast (default 1). */
  readonly speed?: number;
  /** Speaker id (resolve names with {@link resolveSpeaker}); multi-speaker voices only. */
  readonly speaker?: number;
  /** The only source of randomness a voice may use. */
  readonly rng: Rng;
  readonly signal?: AbortSignal;
}

/** What a sentence's first stage needs: everything of {@link SynthesisOptions} but the noise. */
export type PrepareOptions = Pick<SynthesisOptions, "speed" | "speaker">;

/** A sentence after a voice's first stage, kept until it is synthesized. */
export interface PreparedSentence {
  /** Samples the sentence will have. */
  readonly samples: number;
  /**
   * Runs the rest of the model up to the point the sentence's loudness is known, then hands its
   * samples over in pieces, each as soon as it is final. Joined, the pieces are the voice's
   * {@link Voice.synthesize} result for the same ids and options.
   */
  render(options: Pick<SynthesisOptions, "rng" | "signal">): Promise<SentenceAudio>;
}

/** A sentence's audio, its loudness known before its first sample. */
export interface SentenceAudio {
  /** Mean squares of the sentence's frames (frames of about 10–20 ms), as its samples will have them: what its gain is chosen from. */
  readonly framePowers: ArrayLike<number>;
  readonly pieces: AsyncIterable<Float32Array>;
}

/** Anything that turns a normalized sentence into audio. */
export interface Voice {
  /** "piper" or "riff-ar-mel", for reports. */
  readonly kind: string;
  readonly path: string;
  readonly sampleRate: number;
  /** Speaker names → ids; empty for a single-speaker voice. */
  readonly speakers: ReadonlyMap<string, number>;
  readonly numSpeakers: number;
  /** The speaker used when none is given (Piper's default_speaker_id; 0 when absent). */
  readonly defaultSpeaker?: number | undefined;
  /**
   * The espeak voice the model was trained on ("en-us", "de", …: Piper's espeak.voice); text
   * normalization that only English has (numbers, dates, abbreviations as English words) applies
   * only when it is English or absent.
   */
  readonly language?: string | undefined;
  /**
   * The gain that brings this voice to speech level, known from its calibration: what speak()
   * uses for a sentence with no sound to measure (each other sentence is brought to the loudness target).
   */
  readonly outputGain?: number | undefined;
  /** Normalized sentence → model ids, by this voice's phonemization rule. */
  encode(sentence: string, phonemize?: PhonemizeFunction): Promise<EncodedSentence>;
  /** Model ids → mono float samples at {@link sampleRate}. */
  synthesize(ids: readonly number[], options: SynthesisOptions): Promise<Float32Array>;
  /**
   * The sentence's first stage (voices that can split it off): the model run that fixes its
   * length, so a planner knows how many samples it will have before any is made. Voices without
   * it are synthesized whole (speak() measures the finished sentence).
   */
  prepare?(ids: readonly number[], options: PrepareOptions): Promise<PreparedSentence>;
  /** Frees the voice's sessions (waiting for runs in progress); later synthesis is a RiffError. Safe to call twice. */
  dispose(): Promise<void>;
  /** {@link dispose}, for `await using voice = await loadVoice(…)`. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * A speaker given by name or by number → its id. Unknown speakers (and any speaker for a
 * single-speaker voice) are RiffErrors that list the known ones.
 */
export function resolveSpeaker(voice: Voice, speaker: string | number | undefined): number | undefined {
  if (speaker === undefined) return voice.numSpeakers > 1 ? (voice.defaultSpeaker ?? 0) : undefined;
  if (voice.numSpeakers <= 1) {
    throw optionError("speaker", `${voice.path} has a single speaker; leave {speaker} out`);
  }
  const text = String(speaker).trim();
  const named = voice.speakers.get(text);
  if (named !== undefined) return named;
  if (/^\d+$/.test(text)) {
    const id = Number(text);
    if (id < voice.numSpeakers) return id;
  }
  const names = [...voice.speakers.entries()].map(([name, id]) => `${name} (${id})`);
  const known = names.length > 0 ? names.join(", ") : `ids 0–${voice.numSpeakers - 1}`;
  throw optionError("speaker", `unknown {speaker} "${text}"; this voice has ${known}`);
}
