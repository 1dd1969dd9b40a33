import { Rng, RiffError, optionError } from "@riff/core";
import { MAX_SPEECH_CHARS, speechOptionsSchema, type SpeakOptionsInput } from "./speech-options.js";
import { plainUtterances, type Utterance } from "./ssml/utterance.js";
import { parseSsml } from "./ssml/parse.js";
import { prepareUtterance } from "./ssml/prepare.js";
import { LoudnessControl, toInt16, type GainOptions } from "./audio/gain.js";
import { resolveSpeaker, type Voice } from "./voice.js";

/** speak()'s options (see SPEECH_OPTIONS for each one's range and default); a voice is required. */
export type SpeakOptions = SpeakOptionsInput & { readonly voice: Voice };

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
  /** Samples after the stream's gain and limiter, in (-1, 1); a sentence's part 0 starts with the inter-sentence pause. */
  readonly audio: Float32Array;
  readonly pcm: Int16Array;
  readonly droppedCharacters: readonly string[];
  readonly missingPhonemes: readonly string[];
  /** Milliseconds spent on this chunk (since the sentence began, for part 0), and since speak() began when it was ready. */
  readonly synthesisMs: number;
  readonly elapsedMs: number;
}

/** Counts of what was dropped, with a few examples. */
export interface DropReport {
  readonly count: number;
  /** Distinct characters, at most 20, in order of first appearance. */
  readonly examples: readonly string[];
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
  /** Milliseconds from the start until the first chunk was ready. */
  readonly firstChunkMs: number;
  readonly droppedCharacters: DropReport;
  readonly missingPhonemes: DropReport;
  readonly gain: number | undefined;
  readonly limitedSamples: number;
}

class DropCounter {
  count = 0;
  private readonly seen = new Set<string>();
  add(items: readonly string[]): void {
    this.count += items.length;
    for (const item of items) if (this.seen.size < 20) this.seen.add(item);
  }
  report(): DropReport {
    return { count: this.count, examples: [...this.seen] };
  }
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
 * Text → speech, one sentence at a time: split (or parse the SSML, with `ssml`) → normalize →
 * drop unreadable characters →
 * phonemes → ids → voice → one stream-wide gain → 16-bit PCM. Each sentence is yielded as soon as
 * it is made — in parts as they are made, for voices with synthesizeStream — and nothing of
 * earlier sentences is kept, so any length of text streams in bounded
 * memory. Throws a RiffError when the whole text had nothing to say.
 */
export async function* speak(text: string, given: SpeakOptions): AsyncGenerator<SpeechChunk, SpeakSummary> {
  checkSpeechText(text);
  const options = speechOptionsSchema.parse(given, "library", { extra: ["onChunk"] });
  const { voice, signal } = options;
  if (voice === undefined) throw optionError("voice", "{voice} is required: load one with loadVoice()");
  const speed = options.speed ?? 1;
  const seed = options.seed ?? 0;
  const silence = options.sentenceSilence ?? 0.2;
  const speaker = resolveSpeaker(voice, options.speaker);
  const loudness = new LoudnessControl(gainFor(voice, options.gain));
  const dropped = new DropCounter();
  const missing = new DropCounter();
  const pause = Math.round(silence * voice.sampleRate);
  const start = performance.now();
  let firstChunkMs = 0;
  let samples = 0;
  let index = 0;
  const utterances: Iterable<Utterance> = options.ssml ? parseSsml(text) : plainUtterances(text, options.maxSentenceChars);
  for (const utterance of utterances) {
    if (signal?.aborted) throw new RiffError("speech synthesis was aborted");
    const began = performance.now();
    const sentence = utterance.written;
    const readable = prepareUtterance(utterance, options.phonemize, voice.language);
    dropped.add(readable.dropped);
    if (!readable.hasWords) continue;
    const encoded = await voice.encode(readable.encoded, readable.phonemize);
    missing.add(encoded.missing);
    if (encoded.ids.length === 0 || encoded.phonemes.trim() === "") continue;
    // One generator per sentence, so a sentence's noise does not depend on what came before it.
    const rng = new Rng(seed, index);
    const synthesis = {
      speed: Math.min(10, Math.max(0.1, speed * utterance.rate)),
      rng,
      ...(speaker !== undefined ? { speaker } : {}),
      ...(signal ? { signal } : {}),
    };
    const leadingPause = utterance.pauseBefore !== undefined ? Math.round(utterance.pauseBefore * voice.sampleRate) : index > 0 ? pause : 0;
    const pieces: AsyncIterable<Float32Array> = voice.synthesizeStream
      ? voice.synthesizeStream(encoded.ids, synthesis)
      : (async function* () {
          yield await voice.synthesize(encoded.ids, synthesis);
        })();
    let part = 0;
    let since = began;
    const chunk = (raw: Float32Array): SpeechChunk => {
      const leading = part === 0 ? leadingPause : 0;
      const audio = new Float32Array(leading + raw.length);
      audio.set(loudness.apply(raw), leading);
      const now = performance.now();
      if (index === 0 && part === 0) firstChunkMs = now - start;
      samples += audio.length;
      const made: SpeechChunk = {
        index,
        part,
        text: sentence,
        spoken: readable.spoken,
        phonemes: encoded.phonemes,
        audio,
        pcm: toInt16(audio),
        droppedCharacters: readable.dropped,
        missingPhonemes: encoded.missing,
        synthesisMs: now - since,
        elapsedMs: now - start,
      };
      part++;
      return made;
    };
    for await (const raw of pieces) {
      yield chunk(raw);
      since = performance.now();
    }
    // A sentence too short to give samples still takes its place (and its pause) in the stream.
    if (part === 0) yield chunk(new Float32Array(0));
    // A break at the very end of an SSML text.
    if (utterance.pauseAfter) yield chunk(new Float32Array(Math.round(utterance.pauseAfter * voice.sampleRate)));
    index++;
  }
  if (index === 0) {
    const report = dropped.report();
    const why =
      report.count > 0
        ? `it has no words espeak can read (dropped ${report.count} character${report.count === 1 ? "" : "s"}: ${report.examples.join(" ")})`
        : "it has no words, only punctuation or symbols";
    throw new RiffError(`nothing to speak: ${why}`, "text");
  }
  const synthesisSeconds = (performance.now() - start) / 1000;
  const durationSeconds = samples / voice.sampleRate;
  return {
    sentences: index,
    samples,
    sampleRate: voice.sampleRate,
    durationSeconds,
    synthesisSeconds,
    realTimeFactor: durationSeconds > 0 ? synthesisSeconds / durationSeconds : 0,
    firstChunkMs,
    droppedCharacters: dropped.report(),
    missingPhonemes: missing.report(),
    gain: loudness.gain,
    limitedSamples: loudness.limited,
  };
}

/**
 * The stream's gain: the voice's calibrated level when it has one (so loudness never depends on
 * how the text begins), unless the caller chose a gain or a loudness target.
 */
function gainFor(voice: Voice, given: GainOptions | undefined): GainOptions {
  const chosen = given?.fixedGain !== undefined || given?.targetRms !== undefined;
  if (chosen || voice.outputGain === undefined) return given ?? {};
  return { ...given, fixedGain: voice.outputGain };
}

/** The text to speak: a non-empty string of at most MAX_SPEECH_CHARS characters. */
export function checkSpeechText(text: unknown, how: { emptyOk?: boolean } = {}): asserts text is string {
  if (typeof text !== "string") throw optionError("text", `{text} must be a string, got ${text === null ? "null" : typeof text}`);
  if (text.length > MAX_SPEECH_CHARS) throw optionError("text", `{text} has ${text.length} characters; at most ${MAX_SPEECH_CHARS} per call`);
  if (text.trim() === "" && how.emptyOk !== true) throw optionError("text", "nothing to speak: the {text} is empty");
}
