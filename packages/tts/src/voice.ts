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
   * The fixed gain that brings this voice to speech level, known from its calibration; speak()
   * holds it for the whole stream. Absent: the gain is chosen from the first chunk with sound.
   */
  readonly outputGain?: number | undefined;
  /** Normalized sentence → model ids, by this voice's phonemization rule. */
  encode(sentence: string, phonemize?: PhonemizeFunction): Promise<EncodedSentence>;
  /** Model ids → mono float samples at {@link sampleRate}. */
  synthesize(ids: readonly number[], options: SynthesisOptions): Promise<Float32Array>;
  /**
   * The same audio in pieces, each yielded as soon as it is final (voices that can start playing
   * before the sentence is done). Joined, the pieces equal {@link synthesize}'s result.
   */
  synthesizeStream?(ids: readonly number[], options: SynthesisOptions): AsyncIterable<Float32Array>;
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
