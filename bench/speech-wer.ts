/**
 * Intelligibility of a riff voice by an independent recognizer: the held-out sentences of
 * models/slt-voice/recipe/wer/sentences.txt spoken by riff and by Festival's cmu_us_slt_arctic_hts
 * (the default voice's teacher), each decoded by CMU pocketsphinx (recipe/wer/score.py, Debian's
 * python3) and scored as word error rate.
 *
 * Standalone: `node --import tsx bench/speech-wer.ts [VOICE_DIR] [OUT.json] [--no-festival]`
 * (after `npm run build`); the bench's speech section calls {@link speechIntelligibility}.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadVoice, speakToFile, warmUpEspeak, type Voice } from "@riff/tts";

const recipe = fileURLToPath(new URL("../models/slt-voice/recipe/wer/", import.meta.url));
export const WER_SENTENCES = join(recipe, "sentences.txt");
const SCORE = join(recipe, "score.py");
const PYTHON = "/usr/bin/python3";
const FESTIVAL_VOICE = "voice_cmu_us_slt_arctic_hts";

/** Why the recognizer cannot run here, or undefined when it can. */
export function recognizerMissing(): string | undefined {
  const python = spawnSync(PYTHON, ["-c", "import pocketsphinx.pocketsphinx"], { encoding: "utf8" });
  if (python.status !== 0) return "pocketsphinx is not installed (apt-get install pocketsphinx pocketsphinx-en-us python3-pocketsphinx)";
  if (!existsSync("/usr/share/pocketsphinx/model/en-us/en-us.lm.bin")) return "pocketsphinx-en-us (the US English model) is not installed";
  if (spawnSync("sox", ["--version"]).status !== 0) return "sox is not installed";
  return undefined;
}

/** Why Festival's slt voice cannot run here, or undefined when it can. */
export function festivalMissing(): string | undefined {
  const check = spawnSync("festival", ["-b", `(${FESTIVAL_VOICE})`], { encoding: "utf8" });
  if (check.error !== undefined || check.status !== 0 || /not defined|unbound/i.test(check.stderr + check.stdout)) {
    return "festival with festvox-us-slt-hts is not installed";
  }
  return undefined;
}

export function werSentences(): string[] {
  return readFileSync(WER_SENTENCES, "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "");
}

/** Speaks every sentence into DIR/NN.wav with a riff voice (the voice's defaults, one seed). */
export async function synthesizeRiff(voice: Voice, sentences: readonly string[], dir: string, seed = 1): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for (const [i, text] of sentences.entries()) {
    await speakToFile(text, join(dir, `${String(i).padStart(2, "0")}.wav`), { voice, seed });
  }
}

/**
 * Seeds riff is scored with. riff's voice samples its frames (noise_scale), so one seed's score
 * moves by ±3 of 416 words from seed to seed: the report pools three.
 */
export const WER_SEEDS: readonly number[] = [1, 2, 3];

/** Speaks every sentence into DIR/NN.wav with Festival's cmu_us_slt_arctic_hts (text2wave). */
export function synthesizeFestival(sentences: readonly string[], dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const [i, text] of sentences.entries()) {
    const out = join(dir, `${String(i).padStart(2, "0")}.wav`);
    const run = spawnSync("text2wave", ["-eval", `(${FESTIVAL_VOICE})`, "-o", out], { input: text, encoding: "utf8" });
    if (run.status !== 0) throw new Error(`text2wave failed on sentence ${i}: ${run.stderr}`);
  }
}

export interface SystemScore {
  readonly wer: number;
  readonly errors: number;
  readonly words: number;
  readonly lostLastWord: number;
  readonly lostLastWordSentences: readonly number[];
  readonly perSentence: readonly { index: number; reference: string; hypothesis: string; errors: number }[];
  readonly [comparison: string]: unknown;
}

export interface WerReport {
  readonly recognizer: string;
  readonly sentences: number;
  readonly systems: Record<string, SystemScore>;
}

/** A system's errors over all its runs (riff: one per seed, named "riff seed N"). */
export interface PooledScore {
  readonly wer: number;
  readonly errors: number;
  readonly words: number;
  readonly lostLastWord: number;
  readonly runs: number;
}

/** Pools "NAME seed N" systems under NAME (other systems stand alone). */
export function pooledScores(report: WerReport): Record<string, PooledScore> {
  const pooled: Record<string, { errors: number; words: number; lostLastWord: number; runs: number }> = {};
  for (const [name, s] of Object.entries(report.systems)) {
    const key = name.replace(/ seed \d+$/, "");
    const p = (pooled[key] ??= { errors: 0, words: 0, lostLastWord: 0, runs: 0 });
    p.errors += s.errors;
    p.words += s.words;
    p.lostLastWord += s.lostLastWord;
    p.runs += 1;
  }
  return Object.fromEntries(Object.entries(pooled).map(([k, p]) => [k, { ...p, wer: Math.round((p.errors / p.words) * 1e4) / 1e4 }]));
}

/** Runs recipe/wer/score.py on folders of NN.wav files, one per sentence. */
export function scoreSystems(sentencesFile: string, systems: Readonly<Record<string, string>>, outFile: string): WerReport {
  const args = [SCORE, sentencesFile, outFile, ...Object.entries(systems).map(([name, dir]) => `${name}=${dir}`)];
  const run = spawnSync(PYTHON, args, { encoding: "utf8", maxBuffer: 1 << 26 });
  if (run.status !== 0) throw new Error(`score.py failed: ${run.stderr}`);
  process.stderr.write(run.stderr);
  return JSON.parse(readFileSync(outFile, "utf8")) as WerReport;
}

/**
 * WER of `voice` (once per seed) and of Festival slt on the held-out sentences, Festival first so
 * score.py counts the sentences each riff run is worse or better on against it; `keep` reuses
 * Festival's WAVs when it already holds them (they depend only on the sentences).
 */
export async function speechIntelligibility(
  voice: Voice,
  options: { festival?: boolean; keep?: string; seeds?: readonly number[] } = {},
): Promise<WerReport> {
  const sentences = werSentences();
  const dir = options.keep ?? mkdtempSync(join(tmpdir(), "riff-wer-"));
  try {
    const systems: Record<string, string> = {};
    if (options.festival !== false && festivalMissing() === undefined) {
      systems.festival = join(dir, "festival");
      if (!existsSync(join(systems.festival, `${String(sentences.length - 1).padStart(2, "0")}.wav`))) {
        synthesizeFestival(sentences, systems.festival);
      }
    }
    for (const seed of options.seeds ?? WER_SEEDS) {
      const riff = join(dir, `riff-seed-${seed}`);
      await synthesizeRiff(voice, sentences, riff, seed);
      systems[`riff seed ${seed}`] = riff;
    }
    return scoreSystems(WER_SENTENCES, systems, join(dir, "wer.json"));
  } finally {
    if (options.keep === undefined) rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2).filter((a) => !a.startsWith("--"));
  const voiceDir = resolve(args[0] ?? fileURLToPath(new URL("../models/slt-voice", import.meta.url)));
  const out = resolve(args[1] ?? "wer.json");
  const missing = recognizerMissing();
  if (missing !== undefined) throw new Error(missing);
  const keep = `${out}.wavs`;
  const [voice] = await Promise.all([loadVoice(voiceDir), warmUpEspeak()]);
  try {
    const report = await speechIntelligibility(voice, { festival: !process.argv.includes("--no-festival"), keep });
    const { writeFileSync } = await import("node:fs");
    writeFileSync(out, `${JSON.stringify(report, null, 1)}\n`);
    for (const [name, s] of Object.entries(pooledScores(report))) {
      console.log(`${name}: WER ${s.wer} (${s.errors}/${s.words}, ${s.runs} run${s.runs > 1 ? "s" : ""}), last word lost ${s.lostLastWord} times`);
    }
  } finally {
    await voice.dispose();
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
