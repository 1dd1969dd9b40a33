/**
 * Speech's options, declared once: speak() and speakToFile() validate with this table, the CLI
 * derives `riff speak`'s flags from it, and the server maps requests onto it.
 */
import { z } from "zod";
import { OptionSchema, type OptionInput } from "@riff/core";
import { SESSION_LOAD_OPTIONS } from "@riff/onnx";
import type { GainOptions } from "./audio/gain.js";
import type { PhonemizeFunction } from "./text/phonemize.js";
import type { SpeechChunk } from "./speak.js";
import type { Voice } from "./voice.js";

/** The longest text one call speaks, in characters (about three hours of speech). */
export const MAX_SPEECH_CHARS = 200_000;

const isVoice = (v: unknown): v is Voice =>
  typeof v === "object" && v !== null && typeof (v as Voice).encode === "function" && typeof (v as Voice).synthesize === "function";

const gain = z.strictObject({
  fixedGain: z.number().gt(0).max(1000).optional(),
  targetRms: z.number().gt(0).max(1).optional(),
  minGain: z.number().gt(0).max(1000).optional(),
  maxGain: z.number().gt(0).max(1000).optional(),
  knee: z.number().gt(0).max(1).optional(),
});

export const SPEECH_OPTIONS = {
  voice: { type: z.custom<Voice>(isVoice), allowed: "a loaded voice (see loadVoice)", doc: "the voice that speaks" },
  speed: { type: z.number().min(0.1).max(10), hf: "speed", flag: "speed", metavar: "rate", doc: "speaking rate: 2 is twice as fast, 0.5 half as fast", default: "1" },
  speaker: {
    type: z.union([z.string().min(1).max(200), z.number().int().min(0)]),
    hf: "speaker",
    flag: "speaker",
    metavar: "name|id",
    allowed: "a speaker name or id",
    doc: "speaker of a multi-speaker voice",
  },
  seed: { type: z.number().int().min(0), hf: "seed", flag: "seed", metavar: "n", doc: "seed for the voice's sampling noise: the same seed gives the same samples", default: "0" },
  sentenceSilence: { type: z.number().min(0).max(10), hf: "sentence_silence", flag: "sentence-silence", metavar: "seconds", doc: "silence between sentences", default: "0.2" },
  maxSentenceChars: { type: z.number().int().min(16).max(100_000), hf: "max_sentence_chars", doc: "sentences longer than this are split at pauses", default: "400" },
  ssml: {
    type: z.boolean(),
    hf: "ssml",
    flag: "ssml",
    doc: "read the text as SSML (elements speak, p, s, break, say-as, sub, phoneme with IPA, prosody rate)",
    default: "false",
  },
  gain: { type: gain as z.ZodType<GainOptions>, allowed: "{ fixedGain?, targetRms?, minGain?, maxGain?, knee? }", doc: "loudness control (library only)" },
  phonemize: { type: z.custom<PhonemizeFunction>((v) => typeof v === "function"), allowed: "a function", doc: "phonemizer override (tests); default espeak-ng" },
  signal: { type: z.instanceof(AbortSignal), allowed: "an AbortSignal", doc: "stops synthesis between chunks" },
} as const;

export const speechOptionsSchema = new OptionSchema("speech", SPEECH_OPTIONS);

/** speakToFile's options: speak()'s plus a per-chunk callback. */
export const speechToFileOptionsSchema = speechOptionsSchema.extend("speech", {
  onChunk: {
    type: z.custom<(chunk: SpeechChunk, bytesWritten: number) => void>((v) => typeof v === "function"),
    allowed: "a function",
    doc: "called after each chunk is on disk",
  },
});

/** loadVoice()'s options: threads and execution provider, shared with every modality. */
export const voiceLoadOptionsSchema = new OptionSchema("voice load", {
  ...SESSION_LOAD_OPTIONS,
  threads: { ...SESSION_LOAD_OPTIONS.threads, default: "1 for riff's mel voices (their steps are too small to share) and for a Piper voice under 16 MiB, else the physical cores available" },
});

export type SpeakOptionsInput = OptionInput<typeof SPEECH_OPTIONS>;
