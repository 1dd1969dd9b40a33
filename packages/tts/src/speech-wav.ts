/**
 * The WAV `riff speak` writes, as bytes to send while they are made (riff serve, riff speak --out -):
 * the header first, then each chunk's PCM. For voices with a first stage (Voice.prepare: riff's
 * mel voices) the whole text is planned first (planSpeech: each sentence encoded once, its length
 * known), so the header carries the exact sizes and the stream is byte for byte the file. Other
 * voices (Piper) learn a sentence's length only by synthesizing it: their header says 0xFFFFFFFF
 * for both sizes ("until the end of the stream"); the rest of the bytes are the file's. So do
 * texts longer than an OpenAI speech request (MAX_PLANNED_CHARS): planning holds every sentence's
 * encoder output and puts all the phonemization (about 20 ms a sentence) before the first byte,
 * which a book piped through `riff speak --out -` should not wait for.
 */
import { optionError } from "@riff/core";
import type { Voice } from "./voice.js";
import { wavHeader, type WavInfo } from "./audio/wav-bytes.js";
import { planSpeech, type SpeakOptions } from "./speech-plan.js";
import { speak, speakPlanned, type SpeakSummary, type SpeechChunk } from "./speak.js";

/** The longest text planned before its first byte: 4096 characters, an OpenAI speech request's limit. */
export const MAX_PLANNED_CHARS = 4096;

export interface WavSpeech {
  readonly header: Uint8Array;
  /** The samples the stream will carry, when known before the first. */
  readonly samples: number | undefined;
  readonly chunks: AsyncGenerator<SpeechChunk, SpeakSummary>;
}

export async function wavSpeech(text: string, options: SpeakOptions): Promise<WavSpeech> {
  const info = speechWavInfo(text);
  const voice = options.voice as Voice | undefined;
  if (voice === undefined) throw optionError("voice", "{voice} is required: load one with loadVoice()");
  if (voice.prepare === undefined || text.length > MAX_PLANNED_CHARS) return { header: wavHeader(voice.sampleRate, { info }), samples: undefined, chunks: speak(text, options) };
  const plan = await planSpeech(text, options);
  return { header: wavHeader(voice.sampleRate, { samples: plan.samples, info }), samples: plan.samples, chunks: speakPlanned(plan) };
}

/** The LIST/INFO tags of a spoken text: its first words as the title, the whole text as the comment. */
export function speechWavInfo(text: string): WavInfo {
  const flat = text.replace(/\s+/g, " ").trim();
  const title = flat.length <= 80 ? flat : `${flat.slice(0, 79).replace(/\s+\S*$/, "")}…`;
  return { title, comment: text, software: "riff" };
}
