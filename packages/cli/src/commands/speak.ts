import { existsSync } from "node:fs";
import type { Command } from "commander";
import { RiffError, checkNumber } from "@riff/core";
import { hasSpeakableText, loadVoice, readableText, normalizeText, resolveSpeaker, speakToFile, warmUpEspeak, type SpeakToFileResult } from "@riff/tts";
import { defaultModelPath } from "../defaults.js";
import { interruptSignal } from "../signals.js";
import { parseInteger, parseNumber, readStdin } from "../options.js";

interface SpeakCliOptions {
  readonly out: string;
  readonly voice?: string;
  readonly speed: number;
  readonly speaker?: string;
  readonly seed: number;
  readonly json?: boolean;
}

export function registerSpeak(program: Command): void {
  program
    .command("speak")
    .description("Speak text into a WAV file (16-bit mono), streaming sentence by sentence")
    .argument("[text...]", "the text to speak (default: read from stdin)")
    .requiredOption("-o, --out <file.wav>", "WAV file to write (written to a temp file, renamed when complete)")
    .option("--voice <path>", "voice folder (voice.json, or voice.onnx + voice.onnx.json) or Piper FILE.onnx (default: the embedded slt-voice)")
    .option("--speed <rate>", "speaking rate: 2 is twice as fast, 0.5 half as fast", parseNumber, 1)
    .option("--speaker <name|id>", "speaker of a multi-speaker voice")
    .option("--seed <n>", "seed for the voice's sampling noise", parseInteger, 0)
    .option("--json", "print a JSON report (duration, real-time factor, first-chunk latency)")
    .action(async (words: string[], options: SpeakCliOptions) => {
      const text = words.length > 0 ? words.join(" ") : await readStdin();
      if (text.trim() === "") {
        throw new RiffError("nothing to speak: give the text as an argument or on stdin", "text");
      }
      if (!options.out.toLowerCase().endsWith(".wav")) {
        throw new RiffError(`--out must name a .wav file, got ${options.out}`, "--out");
      }
      const voicePath = options.voice ?? defaultModelPath("speech");
      if (options.voice === undefined && !existsSync(voicePath)) {
        throw new RiffError(`the default voice is missing (${voicePath}); pass --voice DIR or FILE.onnx`, "--voice");
      }
      checkNumber("--speed", options.speed, { min: 0.1, max: 10 });
      checkNumber("--seed", options.seed, { integer: true, min: 0, max: Number.MAX_SAFE_INTEGER });
      if (!hasSpeakableText(text)) {
        const { dropped } = readableText(normalizeText(text));
        const examples = [...new Set(dropped)].slice(0, 20).join(" ");
        throw new RiffError(
          dropped.length > 0
            ? `nothing to speak: it has no words espeak can read (dropped ${dropped.length} character${dropped.length === 1 ? "" : "s"}: ${examples})`
            : "nothing to speak: it has no words, only punctuation or symbols",
          "text",
        );
      }
      const loadStart = performance.now();
      const voice = await loadVoice(voicePath);
      let result: SpeakToFileResult;
      let loadMs = 0;
      try {
        resolveSpeaker(voice, options.speaker);
        // espeak-ng's WASM start-up and first (unoptimized) calls happen here, not in the first sentence.
        await warmUpEspeak();
        loadMs = performance.now() - loadStart;
        result = await speakToFile(text, options.out, {
          voice,
          speed: options.speed,
          seed: options.seed,
          signal: interruptSignal(),
          ...(options.speaker !== undefined ? { speaker: options.speaker } : {}),
        });
      } finally {
        await voice.dispose();
      }
      report(result, { voicePath, voiceKind: voice.kind, loadMs, options });
    });
}

function report(
  result: SpeakToFileResult,
  context: { voicePath: string; voiceKind: string; loadMs: number; options: SpeakCliOptions },
): void {
  const { options } = context;
  const round = (x: number, digits = 3): number => Number(x.toFixed(digits));
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
      speed: options.speed,
      speaker: options.speaker ?? null,
      seed: options.seed,
      gain: result.gain === undefined ? null : round(result.gain, 4),
      droppedCharacters: result.droppedCharacters,
      missingPhonemes: result.missingPhonemes,
    };
    process.stdout.write(JSON.stringify(json, null, 2) + "\n");
    return;
  }
  const warn = (what: string, r: { count: number; examples: readonly string[] }): void => {
    if (r.count > 0) process.stderr.write(`riff: dropped ${r.count} ${what}: ${r.examples.join(" ")}\n`);
  };
  warn("unreadable character(s)", result.droppedCharacters);
  warn("phoneme(s) the voice does not know", result.missingPhonemes);
  process.stdout.write(
    `wrote ${options.out}: ${result.durationSeconds.toFixed(2)} s of audio at ${result.sampleRate} Hz ` +
      `(${result.sentences} sentence${result.sentences === 1 ? "" : "s"}) in ${result.synthesisSeconds.toFixed(2)} s ` +
      `(real-time factor ${result.realTimeFactor.toFixed(3)}, first chunk ${result.firstChunkWrittenMs.toFixed(0)} ms)\n`,
  );
}
