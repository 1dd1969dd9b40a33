import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Rng } from "@riff/core";
import {
  ArMelVoice,
  GriffinLimVocoder,
  MelInverse,
  Stft,
  StreamingMelVocoder,
  normalizeText,
  readableText,
  spectralConvergence,
  speakToFile,
  splitSentences,
  warmUpEspeak,
} from "@riff/tts";
import { goal, round, spread, type BenchSection } from "./section.js";
import { pooledScores, recognizerMissing, speechIntelligibility } from "./speech-wer.js";

const voiceDir = fileURLToPath(new URL("../models/slt-voice", import.meta.url));
const TEXT =
  "It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in want of a wife. " +
  "However little known the feelings or views of such a man may be on his first entering a neighbourhood, this truth is well fixed.";
const WARM_UP = "Warm up, please. This sentence only wakes the code paths before the timing starts, and is long enough to.";
const REPS = 5;

/**
 * Real-time factor and time to the first audio chunk of the embedded default voice, and the
 * spectral convergence of its vocoder against the Griffin–Lim it replaced (60 iterations from
 * random phases), on the same decoder mels.
 */
export const speechSection: BenchSection = {
  name: "speech",
  async run() {
    // First, while this process holds no model and no onnxruntime threads: a user's `riff speak`
    // starts on an otherwise idle machine.
    const cold = coldStart();
    // As `riff speak` does: espeak's WASM starts while the voice loads.
    const [voice] = await Promise.all([ArMelVoice.load(voiceDir), warmUpEspeak()]);
    const dir = mkdtempSync(join(tmpdir(), "riff-bench-"));
    try {
      // Untimed text first (not the timed text), so every timed run finds the JIT and onnxruntime warm.
      await speakToFile(WARM_UP, join(dir, "warm-up.wav"), { voice, seed: 9 });
      const rtf: number[] = [];
      const cpuRtf: number[] = [];
      const firstChunk: number[] = [];
      let audioSeconds = 0;
      for (let i = 0; i < REPS; i++) {
        const cpu = process.cpuUsage();
        const result = await speakToFile(TEXT, join(dir, `speech-${i}.wav`), { voice, seed: 1 });
        const used = process.cpuUsage(cpu);
        rtf.push(result.realTimeFactor);
        // CPU time of the whole process (onnxruntime's threads included) per second of audio: what
        // the wall-clock figure would be on an otherwise idle core.
        cpuRtf.push((used.user + used.system) / 1e6 / result.durationSeconds);
        firstChunk.push(result.firstChunkWrittenMs);
        audioSeconds = result.durationSeconds;
      }
      const rtfSpread = spread(rtf);
      const firstSpread = spread(firstChunk);
      return {
        voice: "slt-voice",
        audioSeconds: round(audioSeconds),
        realTimeFactor: goal(rtfSpread.median, "≤", 0.05),
        firstChunkMs: goal(firstSpread.median, "≤", 150),
        realTimeFactorSpread: rtfSpread,
        cpuRealTimeFactor: spread(cpuRtf),
        firstChunkMsSpread: firstSpread,
        ...(await vocoderQuality(voice)),
        coldStart: cold,
        intelligibility: await intelligibility(voice),
      };
    } finally {
      await voice.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

/**
 * Spectral convergence ‖ |STFT(y)| − S ‖ / ‖S‖ (lower is better) of the voice's vocoder and of the
 * old 60-iteration Griffin–Lim on the bench text's mels (seed 1), S = clamp(pinv(fb)·exp(mel), 0),
 * with the vocoders' CPU time per second of audio.
 */
async function vocoderQuality(voice: ArMelVoice): Promise<Record<string, unknown>> {
  const { config } = voice;
  const vocoder = config.vocoder;
  if (vocoder.type !== "streaming-pghi-fgla") return { vocoderSpectralConvergence: "the voice uses plain Griffin–Lim" };
  const current = new StreamingMelVocoder({ ...vocoder, filterbank: config.filterbank, nFft: config.nFft, hop: config.hop });
  const old = new GriffinLimVocoder({ filterbank: config.filterbank, nFft: config.nFft, hop: config.hop, iterations: 60, momentum: 0.99 });
  const inverse = new MelInverse(config.filterbank);
  const stft = new Stft({ nFft: config.nFft, hop: config.hop });
  const scNew: number[] = [];
  const scOld: number[] = [];
  let cpuNew = 0;
  let cpuOld = 0;
  let seconds = 0;
  let index = 0;
  for (const sentence of splitSentences(TEXT)) {
    const encoded = await voice.encode(readableText(normalizeText(sentence)).text);
    const { mel, frames } = await voice.melSpectrogram(encoded.ids, { rng: new Rng(1, index++) });
    const target = new Float64Array(frames * stft.bins);
    for (let t = 0; t < frames; t++) inverse.fromLogMel(mel, t * config.nMels, target, t * stft.bins);
    let start = process.cpuUsage();
    const y = current.vocode(mel, frames);
    let used = process.cpuUsage(start);
    cpuNew += (used.user + used.system) / 1e6;
    start = process.cpuUsage();
    const z = old.vocode(mel, frames, new Rng(1, 2));
    used = process.cpuUsage(start);
    cpuOld += (used.user + used.system) / 1e6;
    seconds += y.length / config.sampleRate;
    scNew.push(spectralConvergence(stft, y, target, frames));
    scOld.push(spectralConvergence(stft, z, target, frames));
  }
  const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
  return {
    vocoder: `${vocoder.type}, ${vocoder.iterations} iterations, blocks of ${vocoder.blockFrames}+${vocoder.lookaheadFrames} frames`,
    vocoderSpectralConvergence: goal(round(mean(scNew)), "≤", round(mean(scOld))),
    oldGriffinLim60SpectralConvergence: round(mean(scOld)),
    vocoderCpuRtf: round(cpuNew / seconds),
    oldGriffinLim60CpuRtf: round(cpuOld / seconds),
  };
}

/** Cold starts are cheap (about half a second each) and noisy: more of them than {@link REPS}. */
const COLD_REPS = 11;

const cli = fileURLToPath(new URL("../packages/cli/bundle/main.js", import.meta.url));

/**
 * Whole-process time of `riff speak "Hello." --out FILE` (process start to a complete WAV) against
 * `node -e 0`, alternating, medians of {@link COLD_REPS} runs each; goal ≤ 0.6 s.
 */
function coldStart(): Record<string, unknown> {
  const dir = mkdtempSync(join(tmpdir(), "riff-cold-"));
  try {
    return timeColdStart(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function timeColdStart(dir: string): Record<string, unknown> {
  const time = (args: string[]): number => {
    const start = performance.now();
    const run = spawnSync(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"], encoding: "utf8" });
    if (run.status !== 0) throw new Error(`${args.join(" ")} failed: ${run.stderr}`);
    return (performance.now() - start) / 1000;
  };
  const speak: number[] = [];
  const node: number[] = [];
  for (let i = 0; i < COLD_REPS; i++) {
    node.push(time(["-e", "0"]));
    speak.push(time([cli, "speak", "Hello.", "--out", join(dir, "cold.wav")]));
  }
  const s = spread(speak);
  const n = spread(node);
  return { speakSeconds: goal(s.median, "≤", 0.6), speakSpread: s, nodeSeconds: n, ratioToNode: round(s.median / n.median) };
}

/**
 * Word error rate by pocketsphinx of the voice (three seeds, pooled) and of Festival slt
 * (bench/speech-wer.ts), when the recognizer is installed; the goal is Festival's plus 1 point.
 */
async function intelligibility(voice: ArMelVoice): Promise<Record<string, unknown>> {
  const missing = recognizerMissing();
  if (missing !== undefined) return { skipped: missing };
  const report = await speechIntelligibility(voice);
  const systems = Object.fromEntries(
    Object.entries(report.systems).map(([name, s]) => [name, { wer: round(s.wer), errors: s.errors, words: s.words, lostLastWord: s.lostLastWord, perSentence: s.perSentence }]),
  );
  const pooled = pooledScores(report);
  const riff = pooled.riff;
  const festival = pooled.festival;
  const werGoal = riff !== undefined && festival !== undefined ? { riffWer: goal(riff.wer, "≤", round(festival.wer + 0.01)) } : {};
  return { recognizer: report.recognizer, sentences: report.sentences, ...werGoal, pooled, systems };
}
