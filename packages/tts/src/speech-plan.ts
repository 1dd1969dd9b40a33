/**
 * speak()'s first pass over the text: split (or parse the SSML) → normalize → drop unreadable
 * characters → phonemes → ids → the voice's first stage (Voice.prepare: for riff's mel voices the
 * encoder, which fixes each sentence's length). Run lazily, sentence by sentence, by speak();
 * run to the end by planSpeech(), so the whole length is known before the first sample (a WAV
 * streamed with its exact sizes) and each sentence is still encoded only once.
 */
import { RiffError, optionError } from "@riff/core";
import { MAX_SPEECH_CHARS, speechOptionsSchema, type SpeakOptionsInput } from "./speech-options.js";
import { plainUtterances, type Utterance } from "./ssml/utterance.js";
import { parseSsml } from "./ssml/parse.js";
import { prepareUtterance } from "./ssml/prepare.js";
import { resolveSpeaker, type EncodedSentence, type PreparedSentence, type Voice } from "./voice.js";

/** speak()'s options (see SPEECH_OPTIONS for each one's range and default); a voice is required. */
export type SpeakOptions = SpeakOptionsInput & { readonly voice: Voice };

/** A sentence with words, encoded, with the pauses around it (in samples). */
export interface PlannedSentence {
  /** Its place among the sentences spoken (0-based). */
  readonly index: number;
  /** As written, and as spoken (normalized). */
  readonly text: string;
  readonly spoken: string;
  readonly encoded: EncodedSentence;
  readonly droppedCharacters: readonly string[];
  readonly speed: number;
  readonly leadingPause: number;
  readonly trailingPause: number;
  /** The voice's first stage, for voices with one; others synthesize the ids whole. */
  readonly prepared: PreparedSentence | undefined;
}

/** Counts of what was dropped, with a few examples. */
export interface DropReport {
  readonly count: number;
  /** Distinct characters, at most 20, in order of first appearance. */
  readonly examples: readonly string[];
}

export class DropCounter {
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

/** The options as the passes use them, checked once. */
export interface ResolvedSpeech {
  readonly text: string;
  readonly options: SpeakOptions;
  readonly voice: Voice;
  readonly seed: number;
  readonly speaker: number | undefined;
  readonly signal: AbortSignal | undefined;
  /** Filled as sentences are planned. */
  readonly dropped: DropCounter;
  readonly missing: DropCounter;
}

/** Checks the text and options (a RiffError naming the bad one). */
export function resolveSpeech(text: string, given: SpeakOptions): ResolvedSpeech {
  checkSpeechText(text);
  const options = speechOptionsSchema.parse(given, "library", { extra: ["onChunk"] }) as SpeakOptions;
  const { voice, signal } = options;
  if (voice === undefined) throw optionError("voice", "{voice} is required: load one with loadVoice()");
  const speaker = resolveSpeaker(voice, options.speaker);
  return { text, options, voice, seed: options.seed ?? 0, speaker, signal, dropped: new DropCounter(), missing: new DropCounter() };
}

/** The sentences of the text, each planned when it is asked for. */
export async function* planSentences(speech: ResolvedSpeech): AsyncGenerator<PlannedSentence, void> {
  const { text, options, voice, speaker, signal } = speech;
  const pause = Math.round((options.sentenceSilence ?? 0.2) * voice.sampleRate);
  const utterances: Iterable<Utterance> = options.ssml ? parseSsml(text) : plainUtterances(text, options.maxSentenceChars);
  let index = 0;
  for (const utterance of utterances) {
    if (signal?.aborted) throw new RiffError("speech synthesis was aborted");
    const readable = prepareUtterance(utterance, options.phonemize, voice.language);
    speech.dropped.add(readable.dropped);
    if (!readable.hasWords) continue;
    const encoded = await voice.encode(readable.encoded, readable.phonemize);
    speech.missing.add(encoded.missing);
    if (encoded.ids.length === 0 || encoded.phonemes.trim() === "") continue;
    const speed = Math.min(10, Math.max(0.1, (options.speed ?? 1) * utterance.rate));
    const prepared = voice.prepare ? await voice.prepare(encoded.ids, { speed, ...(speaker !== undefined ? { speaker } : {}) }) : undefined;
    yield {
      index,
      text: utterance.written,
      spoken: readable.spoken,
      encoded,
      droppedCharacters: readable.dropped,
      speed,
      leadingPause: utterance.pauseBefore !== undefined ? Math.round(utterance.pauseBefore * voice.sampleRate) : index > 0 ? pause : 0,
      trailingPause: utterance.pauseAfter ? Math.round(utterance.pauseAfter * voice.sampleRate) : 0,
      prepared,
    };
    index++;
  }
}

/** A text planned to the end: every sentence encoded, its length known when the voice can tell. */
export interface SpeechPlan {
  readonly speech: ResolvedSpeech;
  /** When planning began (performance.now()): speakPlanned()'s times count from here. */
  readonly startedAt: number;
  readonly sentences: readonly PlannedSentence[];
  /** Samples speak() will yield in all; undefined when the voice learns a sentence's length only by synthesizing it (Piper). */
  readonly samples: number | undefined;
}

/**
 * Plans the whole text before any synthesis (see speakPlanned): what a stream needs that must
 * say its length first. The sentences are kept, so synthesis encodes none of them again.
 */
export async function planSpeech(text: string, options: SpeakOptions): Promise<SpeechPlan> {
  const startedAt = performance.now();
  const speech = resolveSpeech(text, options);
  const sentences: PlannedSentence[] = [];
  let samples: number | undefined = 0;
  for await (const sentence of planSentences(speech)) {
    sentences.push(sentence);
    samples = sentence.prepared === undefined || samples === undefined ? undefined : samples + sentence.leadingPause + sentence.prepared.samples + sentence.trailingPause;
  }
  return { speech, startedAt, sentences, samples };
}

/** The text to speak: a non-empty string of at most MAX_SPEECH_CHARS characters. */
export function checkSpeechText(text: unknown, how: { emptyOk?: boolean } = {}): asserts text is string {
  if (typeof text !== "string") throw optionError("text", `{text} must be a string, got ${text === null ? "null" : typeof text}`);
  if (text.length > MAX_SPEECH_CHARS) throw optionError("text", `{text} has ${text.length} characters; at most ${MAX_SPEECH_CHARS} per call`);
  if (text.trim() === "" && how.emptyOk !== true) throw optionError("text", "nothing to speak: the {text} is empty");
}
