import { Rng, RiffError } from "@riff/core";
import { plainUtterances } from "./ssml/utterance.js";
import { parseSsml } from "./ssml/parse.js";
import { prepareUtterance } from "./ssml/prepare.js";
import { LoudnessControl, toInt16, type SentenceLevel } from "./audio/gain.js";
import { framePowers } from "./audio/loudness.js";
import type { SentenceAudio, SynthesisOptions, Voice } from "./voice.js";
import {
  checkSpeechText,
  planSentences,
  resolveSpeech,
  type DropReport,
  type PlannedSentence,
  type ResolvedSpeech,
  type SpeakOptions,
  type SpeechPlan,
} from "./speech-plan.js";

export { checkSpeechText, type DropReport, type SpeakOptions };

/**
 * A piece of speech, ready to play or write: a whole sentence, or — for voices that stream within
 * a sentence — one of its parts, in order.
 */
export interface SpeechChunk {
  /** The sentence it belongs to (0-based). */
  readonly index: number;
  /** Its place within the sentence (0-based); 0 starts a sentence. */
  readonly part: number;
  /** The sentence as written, and as spoken (normalized). */
  readonly text: string;
  readonly spoken: string;
  readonly phonemes: string;
  /** Samples after the sentence's gain and the limiter, in (-1, 1); a sentence's part 0 starts with the inter-sentence pause. */
  readonly audio: Float32Array;
  readonly pcm: Int16Array;
  /** The sentence's gain (each sentence is brought to the loudness target unless the caller fixed one). */
  readonly gain: number;
  readonly droppedCharacters: readonly string[];
  readonly missingPhonemes: readonly string[];
  /** Milliseconds spent on this chunk (since the sentence began, for part 0), and since speak() began when it was ready. */
  readonly synthesisMs: number;
  readonly elapsedMs: number;
}

export interface SpeakSummary {
  readonly sentences: number;
  readonly samples: number;
  readonly sampleRate: number;
  readonly durationSeconds: number;
  /** Wall time from the start to the last chunk, in seconds. */
  readonly synthesisSeconds: number;
  /** synthesisSeconds / durationSeconds: below 1 is faster than real time. */
  readonly realTimeFactor: number;
  /** Milliseconds from the start (of planning, for speakPlanned) until the first chunk was ready. */
  readonly firstChunkMs: number;
  readonly droppedCharacters: DropReport;
  readonly missingPhonemes: DropReport;
  /** The first sentence's gain with sound to measure (each chunk carries its own). */
  readonly gain: number | undefined;
  readonly limitedSamples: number;
}

/**
 * The checks speak() and speakToFile() make first, so a wrong argument is a RiffError naming it
 * rather than a TypeError from deep inside.
 */
export function checkSpeakArguments(text: unknown, options: unknown): asserts options is SpeakOptions {
  if (typeof text !== "string") throw new RiffError(`text must be a string, got ${text === null ? "null" : typeof text}`, "text");
  if (options === null || typeof options !== "object") {
    throw new RiffError(`options must be an object with a voice, got ${options === null ? "null" : typeof options}`, "options");
  }
  const voice = (options as { voice?: unknown }).voice;
  if (voice === null || typeof voice !== "object" || typeof (voice as { encode?: unknown }).encode !== "function") {
    throw new RiffError("options.voice must be a loaded voice (see loadVoice)", "voice");
  }
}

/**
 * Whether any sentence of `text` has words to speak, checked without espeak (it stops at the
 * first such sentence, so it is cheap for ordinary text). With `ssml`, malformed SSML throws here.
 */
export function hasSpeakableText(text: string, maxSentenceChars?: number, ssml = false): boolean {
  checkSpeechText(text, { emptyOk: true });
  const utterances = ssml ? parseSsml(text) : plainUtterances(text, maxSentenceChars);
  for (const utterance of utterances) if (prepareUtterance(utterance, undefined).hasWords) return true;
  return false;
}

/**
 * Text → speech, one sentence at a time: planned (speech-plan.ts: split or parse the SSML →
 * normalize → phonemes → ids → the voice's first stage) → the sentence's loudness → its gain →
 * its samples, through the gain and limiter → 16-bit PCM. Each sentence is yielded as soon as it
 * is made — in parts as they are made, for voices with a first stage (Voice.prepare) — and nothing
 * of earlier sentences is kept, so any length of text streams in bounded memory. Throws a
 * RiffError when the whole text had nothing to say.
 */
export async function* speak(text: string, given: SpeakOptions): AsyncGenerator<SpeechChunk, SpeakSummary> {
  const start = performance.now();
  const speech = resolveSpeech(text, given);
  return yield* synthesizeSentences(speech, planSentences(speech), start);
}

/** speak() for a text planned to the end (planSpeech): the same chunks, no sentence encoded twice. */
export async function* speakPlanned(plan: SpeechPlan): AsyncGenerator<SpeechChunk, SpeakSummary> {
  return yield* synthesizeSentences(plan.speech, plan.sentences, plan.startedAt);
}

async function* synthesizeSentences(
  speech: ResolvedSpeech,
  sentences: AsyncIterable<PlannedSentence> | Iterable<PlannedSentence>,
  start: number,
): AsyncGenerator<SpeechChunk, SpeakSummary> {
  const { voice, seed, speaker, signal, options } = speech;
  const loudness = new LoudnessControl(options.gain ?? {}, voice.outputGain ?? 1);
  let firstChunkMs = 0;
  let firstGain: number | undefined;
  let samples = 0;
  let count = 0;
  let began = performance.now();
  for await (const sentence of sentences) {
    if (signal?.aborted) throw new RiffError("speech synthesis was aborted");
    const { index, encoded } = sentence;
    // One generator per sentence, so a sentence's noise does not depend on what came before it.
    const rng = new Rng(seed, index);
    const audio = await sentenceAudio(voice, sentence, {
      speed: sentence.speed,
      rng,
      ...(speaker !== undefined ? { speaker } : {}),
      ...(signal ? { signal } : {}),
    });
    const gain = loudness.startSentence(audio);
    if (loudness.gain !== undefined) firstGain ??= loudness.gain;
    let part = 0;
    let since = began;
    const chunk = (raw: Float32Array, leading: number): SpeechChunk => {
      const out = new Float32Array(leading + raw.length);
      out.set(loudness.apply(raw), leading);
      const now = performance.now();
      if (index === 0 && part === 0) firstChunkMs = now - start;
      samples += out.length;
      const made: SpeechChunk = {
        index,
        part,
        text: sentence.text,
        spoken: sentence.spoken,
        phonemes: encoded.phonemes,
        audio: out,
        pcm: toInt16(out),
        gain,
        droppedCharacters: sentence.droppedCharacters,
        missingPhonemes: encoded.missing,
        synthesisMs: now - since,
        elapsedMs: now - start,
      };
      part++;
      since = now;
      return made;
    };
    for await (const raw of audio.pieces) yield chunk(raw, part === 0 ? sentence.leadingPause : 0);
    // A sentence too short to give samples still takes its place (and its pause) in the stream.
    if (part === 0) yield chunk(new Float32Array(0), sentence.leadingPause);
    // A break at the very end of an SSML text.
    if (sentence.trailingPause > 0) yield chunk(new Float32Array(sentence.trailingPause), 0);
    count++;
    began = performance.now();
  }
  if (count === 0) {
    const report = speech.dropped.report();
    const why =
      report.count > 0
        ? `it has no words espeak can read (dropped ${report.count} character${report.count === 1 ? "" : "s"}: ${report.examples.join(" ")})`
        : "it has no words, only punctuation or symbols";
    throw new RiffError(`nothing to speak: ${why}`, "text");
  }
  const synthesisSeconds = (performance.now() - start) / 1000;
  const durationSeconds = samples / voice.sampleRate;
  return {
    sentences: count,
    samples,
    sampleRate: voice.sampleRate,
    durationSeconds,
    synthesisSeconds,
    realTimeFactor: durationSeconds > 0 ? synthesisSeconds / durationSeconds : 0,
    firstChunkMs,
    droppedCharacters: speech.dropped.report(),
    missingPhonemes: speech.missing.report(),
    gain: firstGain,
    limitedSamples: loudness.limited,
  };
}

/**
 * A sentence's audio with its loudness known first: the voice's own second stage, or — for voices
 * that synthesize a sentence whole — the whole sentence, measured (its peak too, so its gain
 * never reaches the limiter).
 */
async function sentenceAudio(voice: Voice, sentence: PlannedSentence, options: SynthesisOptions): Promise<SentenceAudio & SentenceLevel> {
  if (sentence.prepared) return sentence.prepared.render(options);
  const samples = await voice.synthesize(sentence.encoded.ids, options);
  let peak = 0;
  for (let i = 0; i < samples.length; i++) peak = Math.max(peak, Math.abs(samples[i]!));
  return {
    framePowers: framePowers(samples, voice.sampleRate),
    peak,
    pieces: (async function* () {
      yield samples;
    })(),
  };
}
