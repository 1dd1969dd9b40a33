/** `riff speak`: its flags come from the speech option schema; this file reads them and reports. */
import type { Command } from "commander";
import { RiffError, resolveModelDir } from "@riff/core";
import {
  hasSpeakableText,
  loadVoice,
  readableText,
  normalizeText,
  resolveSpeaker,
  speakToFile,
  speechOptionsSchema,
  startEspeak,
  voiceLoadOptionsSchema,
  type SpeakToFileResult,
} from "@riff/tts";
import { addFlags, readFlags } from "../flags.js";
import { interruptSignal } from "../signals.js";
import { readStdin } from "../options.js";
import { STDOUT } from "../stdout.js";

/** The flags that are the CLI's own (the rest come from the schemas). */
interface SpeakCliOptions {
  readonly out: string;
  readonly voice?: string;
  readonly json?: boolean;
}

/** Speech options the CLI takes as flags (the voice is loaded from --voice; the rest are library-only). */
const FLAG_KEYS = speechOptionsSchema.keys().filter((key) => speechOptionsSchema.nameOf(key, "cli") !== undefined);

export function registerSpeak(program: Command): void {
  const command = program
    .command("speak")
    .description("Speak text into a WAV file (16-bit mono), streaming sentence by sentence")
    .argument("[text...]", "the text to speak (default: read from stdin)")
    .requiredOption("-o, --out <file.wav>", "WAV file to write (written to a temp file, renamed when complete); - streams it to stdout, the report going to stderr")
    .option("--voice <path>", "voice folder (voice.json, or voice.onnx + voice.onnx.json) or Piper FILE.onnx (default: the embedded slt-voice)");
  addFlags(command, voiceLoadOptionsSchema);
  addFlags(command, speechOptionsSchema, FLAG_KEYS);
  command.option("--json", "print a JSON report (duration, real-time factor, first-chunk latency)").action(async (words: string[], options: SpeakCliOptions, self: Command) => {
    await runSpeak(words, options, self.opts());
  });
}

async function runSpeak(words: string[], options: SpeakCliOptions, flags: Readonly<Record<string, unknown>>): Promise<void> {
  const load = readFlags(voiceLoadOptionsSchema, flags);
  const speech = { seed: 0, speed: 1, ...readFlags(speechOptionsSchema, flags, FLAG_KEYS) };
  const text = words.length > 0 ? words.join(" ") : await readStdin();
  if (text.trim() === "") throw new RiffError("nothing to speak: give the text as an argument or on stdin", "text");
  if (options.out !== STDOUT && !options.out.toLowerCase().endsWith(".wav")) throw new RiffError(`--out must name a .wav file, got ${options.out}`, "--out");
  const voicePath = resolveModelDir("speech", options.voice, "--voice");
  const inCli = (error: unknown): unknown => speechOptionsSchema.inVocabulary(error, "cli");
  try {
    if (!hasSpeakableText(text, undefined, speech.ssml === true)) {
      const { dropped } = readableText(normalizeText(text));
      const examples = [...new Set(dropped)].slice(0, 20).join(" ");
      throw new RiffError(
        dropped.length > 0
          ? `nothing to speak: it has no words espeak can read (dropped ${dropped.length} character${dropped.length === 1 ? "" : "s"}: ${examples})`
          : "nothing to speak: it has no words, only punctuation or symbols",
        "text",
      );
    }
  } catch (error) {
    throw inCli(error);
  }
  const loadStart = performance.now();
  // espeak-ng's WASM compiles and initializes while the voice's sessions load (no sentence yet).
  startEspeak();
  const voice = await loadVoice(voicePath, load).catch((error: unknown) => {
    throw voiceLoadOptionsSchema.inVocabulary(error, "cli");
  });
  let result: SpeakToFileResult;
  let loadMs = 0;
  try {
    resolveSpeaker(voice, speech.speaker);
    // No espeak warm-up: a process that speaks once would phonemize the warm-up sentences for
    // nothing (they cost more than the sentence itself); espeak-ng starts in the first sentence.
    loadMs = performance.now() - loadStart;
    const run = { voice, ...speech, signal: interruptSignal() };
    // speak-stdout.ts borrows riff serve's WAV stream framing: imported only for --out -.
    result = options.out === STDOUT ? await (await import("./speak-stdout.js")).speakToStdout(text, run) : await speakToFile(text, options.out, run);
  } catch (error) {
    throw inCli(error);
  } finally {
    await voice.dispose();
  }
  report(result, { voicePath, voiceKind: voice.kind, loadMs, options, speech });
}

function report(
  result: SpeakToFileResult,
  context: { voicePath: string; voiceKind: string; loadMs: number; options: SpeakCliOptions; speech: { speed: number; seed: number; speaker?: string | number } },
): void {
  const { options, speech } = context;
  const round = (x: number, digits = 3): number => Number(x.toFixed(digits));
  // With --out - stdout carries the WAV: the report goes to stderr.
  const sink = options.out === STDOUT ? process.stderr : process.stdout;
  if (options.json) {
    const json = {
      out: result.file.path,
      voice: context.voicePath,
      voiceKind: context.voiceKind,
      sampleRate: result.sampleRate,
      sentences: result.sentences,
      samples: result.samples,
      durationSeconds: round(result.durationSeconds),
      synthesisSeconds: round(result.synthesisSeconds),
      realTimeFactor: round(result.realTimeFactor, 4),
      firstChunkMs: round(result.firstChunkWrittenMs, 1),
      loadMs: round(context.loadMs, 1),
      speed: speech.speed,
      speaker: speech.speaker ?? null,
      seed: speech.seed,
      gain: result.gain === undefined ? null : round(result.gain, 4),
      droppedCharacters: result.droppedCharacters,
      missingPhonemes: result.missingPhonemes,
    };
    sink.write(JSON.stringify(json, null, 2) + "\n");
    return;
  }
  const warn = (what: string, r: { count: number; examples: readonly string[] }): void => {
    if (r.count > 0) process.stderr.write(`riff: dropped ${r.count} ${what}: ${r.examples.join(" ")}\n`);
  };
  warn("unreadable character(s)", result.droppedCharacters);
  warn("phoneme(s) the voice does not know", result.missingPhonemes);
  sink.write(
    `wrote ${options.out === STDOUT ? "stdout" : options.out}: ${result.durationSeconds.toFixed(2)} s of audio at ${result.sampleRate} Hz ` +
      `(${result.sentences} sentence${result.sentences === 1 ? "" : "s"}) in ${result.synthesisSeconds.toFixed(2)} s ` +
      `(real-time factor ${result.realTimeFactor.toFixed(3)}, first chunk ${result.firstChunkWrittenMs.toFixed(0)} ms)\n`,
  );
}
