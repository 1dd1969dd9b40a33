/**
 * Realsize: riff on a model the size users run (SmolLM2-135M's shape: 576 hidden, 30 layers,
 * 9 heads / 3 KV heads, vocabulary 49,152; random weights, so speed is real and text is not)
 * against transformers.js, a bare onnxruntime-node loop over the same ONNX file, and llama.cpp
 * (node-llama-cpp 3.21.1) on GGUF files of the same weights: fp32 ONNX against F16 GGUF, q8
 * (onnxruntime dynamic int8) against Q8_0, q4 (MatMulNBits, blocks of 32) against Q4_0. The same
 * weights in onnxruntime-genai's model builder form (GroupQueryAttention, MatMulNBits int8/int4
 * with accuracy_level 4) run through riff (riff-builder) and a bare loop that shares the
 * past/present buffer as onnxruntime-genai does (bare-builder).
 *
 * The models are built once by bench/realsize/build.sh into bench/realsize/models/ (ignored by
 * git; it also installs node-llama-cpp into bench/realsize/node_modules); without them the
 * section says so and is skipped, and without the builder folders the builder systems are.
 *
 * Each system runs in its own process (bench/realsize/worker.ts), so that each one's peak RSS is
 * its own; all are loaded for one precision and thread count, then repetitions alternate
 * between them with the order rotating each time; a system that fails to load or run is
 * reported with its error and the others go on. Same prompt ids (20 tokens), 128 greedy new
 * tokens with end-of-sequence banned. Reports per precision and thread count: medians and ranges
 * of prefill ms and decode tokens/s, peak RSS, load time, every system ÷ llama.cpp (decode,
 * prefill, peak RSS) and riff ÷ bare, riff-builder ÷ riff ratios (per repetition, then the
 * median), and token identity: against riff at the same precision, and each precision's first
 * 32 tokens against riff's fp32.
 *
 * Environment: RIFF_BENCH_REALSIZE_REPS (measured repetitions, default 3, after one warm-up),
 * RIFF_BENCH_REALSIZE_THREADS (comma-separated, default "1,2"), RIFF_BENCH_REALSIZE_PRECISIONS
 * (default "fp32,q8,q4"), RIFF_BENCH_REALSIZE_SYSTEMS (default all:
 * "riff,transformers,bare,llama,riff-builder,bare-builder,riff-convert"; riff-convert is optimum's q4
 * after `riff convert --accuracy-level 4`, so it runs at q4 only).
 */
import { fork, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { readModelFolder, TextTokenizer } from "@riff/text";
import { median, positiveInt, round, skipped, spread, type BenchSection } from "./section.js";
import { BUILDER_FOLDER, CONVERTED_Q4_FILE, GGUF_FILE, modelsDir, onnxFolder, ONNX_FILE, PROMPT, SYSTEMS, type Precision, type RunFigures, type SystemName, type WorkerReply, type WorkerRequest } from "./realsize/worker.js";

const WARMUP = 1;
const SAME_PREFIX = 32;
const workerPath = fileURLToPath(new URL("./realsize/worker.ts", import.meta.url));
const nodeLlamaCpp = fileURLToPath(new URL("./realsize/node_modules/node-llama-cpp/package.json", import.meta.url));

function list<T extends string>(name: string, fallback: readonly T[], allowed: readonly T[]): T[] {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return [...fallback];
  const items = raw.split(",").map((s) => s.trim()) as T[];
  const bad = items.filter((i) => !allowed.includes(i));
  if (bad.length > 0) throw new Error(`${name}: unknown ${bad.join(", ")} (known: ${allowed.join(", ")})`);
  return items;
}

/** A forked worker with a promise per request. */
class Worker {
  private waiting: ((reply: WorkerReply) => void) | undefined;
  private constructor(
    readonly system: SystemName,
    private readonly child: ChildProcess,
  ) {
    child.on("message", (reply: WorkerReply) => {
      const w = this.waiting;
      this.waiting = undefined;
      w?.(reply);
    });
    child.on("exit", (code) => {
      const w = this.waiting;
      this.waiting = undefined;
      w?.({ kind: "error", message: `${system} worker exited (${code})` });
    });
  }

  static async start(system: SystemName, precision: Precision, threads: number, prompt: readonly number[]): Promise<{ worker: Worker; ready: WorkerReply }> {
    const child = fork(workerPath, [system, precision, String(threads), JSON.stringify(prompt)], {
      execArgv: ["--import", "tsx"],
      stdio: ["ignore", "ignore", "inherit", "ipc"],
    });
    const worker = new Worker(system, child);
    const ready = await worker.next();
    if (ready.kind === "error") throw new Error(`${system} ${precision}: ${ready.message}`);
    return { worker, ready };
  }

  private next(): Promise<WorkerReply> {
    return new Promise((done) => (this.waiting = done));
  }

  async run(): Promise<RunFigures> {
    const reply = this.next();
    this.child.send({ kind: "run" } satisfies WorkerRequest);
    const r = await reply;
    if (r.kind !== "result") throw new Error(`${this.system}: ${r.kind === "error" ? r.message : "unexpected reply"}`);
    return r.figures;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((done) => this.child.once("exit", () => done()));
    this.child.send({ kind: "exit" } satisfies WorkerRequest);
    const timer = setTimeout(() => this.child.kill(), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

interface Cell {
  readonly runs: RunFigures[];
  readonly loadMs: number;
}

/**
 * Loads each system, then alternates repetitions between them. One system failing (to load or
 * in a run) is recorded in `errors` and drops out of the rotation; the others go on.
 */
async function measure(precision: Precision, threads: number, systems: readonly SystemName[], prompt: readonly number[], reps: number): Promise<{ cells: Map<SystemName, Cell>; errors: Map<SystemName, string>; llamaPrompt?: readonly number[] }> {
  const workers: Worker[] = [];
  const cells = new Map<SystemName, Cell>();
  const errors = new Map<SystemName, string>();
  let llamaPrompt: readonly number[] | undefined;
  const message = (error: unknown): string => (error instanceof Error ? error.message : String(error)).split("\n").slice(0, 3).join(" | ");
  try {
    // Loaded one after another, so that no load competes with another.
    for (const system of systems) {
      try {
        const { worker, ready } = await Worker.start(system, precision, threads, prompt);
        workers.push(worker);
        if (ready.kind === "ready") {
          cells.set(system, { runs: [], loadMs: ready.loadMs });
          if (ready.promptTokens !== undefined) llamaPrompt = ready.promptTokens;
        }
      } catch (error) {
        errors.set(system, message(error));
        console.error(`[bench] realsize ${precision} ${threads}: ${system} did not load: ${message(error)}`);
      }
    }
    for (let i = 0; i < WARMUP + reps; i++) {
      const live = workers.filter((w) => !errors.has(w.system));
      for (let k = 0; k < live.length; k++) {
        const worker = live[(i + k) % live.length]!;
        try {
          const figures = await worker.run();
          if (i >= WARMUP) cells.get(worker.system)!.runs.push(figures);
        } catch (error) {
          errors.set(worker.system, message(error));
          console.error(`[bench] realsize ${precision} ${threads}: ${worker.system} failed: ${message(error)}`);
        }
      }
      console.error(`[bench] realsize ${precision} ${threads} thread${threads > 1 ? "s" : ""}: ${i < WARMUP ? "warm-up" : `repetition ${i - WARMUP + 1}/${reps}`}`);
    }
  } finally {
    for (const w of workers) await w.stop().catch(() => undefined);
  }
  for (const system of errors.keys()) cells.delete(system);
  return { cells, errors, ...(llamaPrompt !== undefined ? { llamaPrompt } : {}) };
}

function samePrefix(a: readonly number[], b: readonly number[], n: number): boolean {
  return a.length >= n && b.length >= n && a.slice(0, n).every((t, i) => t === b[i]);
}

async function run(): Promise<Record<string, unknown>> {
  const missing = [resolve(modelsDir, "READY"), nodeLlamaCpp].filter((p) => !existsSync(p));
  if (missing.length > 0) {
    return skipped(`the realsize models are not built (missing ${missing.join(", ")}): run bench/realsize/build.sh once (needs a Python venv with torch and transformers; see its header)`);
  }
  const reps = positiveInt("RIFF_BENCH_REALSIZE_REPS", 3);
  const threadCounts = list("RIFF_BENCH_REALSIZE_THREADS", ["1", "2"], ["1", "2", "3", "4", "6", "8", "12", "16"]).map(Number);
  const precisions = list<Precision>("RIFF_BENCH_REALSIZE_PRECISIONS", ["fp32", "q8", "q4"], ["fp32", "q8", "q4"]);
  const asked = list<SystemName>("RIFF_BENCH_REALSIZE_SYSTEMS", SYSTEMS, SYSTEMS);

  const folder = readModelFolder(onnxFolder);
  const prompt = new TextTokenizer(folder.tokenizerJson, folder.tokenizerConfig).encode(PROMPT);
  const results: Record<string, unknown> = {};
  const riffTokens = new Map<Precision, readonly number[]>();
  const notes: string[] = [];
  let llamaPromptSame: boolean | undefined;
  for (const threads of threadCounts) {
    for (const precision of precisions) {
      // The builder systems need build.sh's step 5 (ONNXRUNTIME_GENAI_SRC).
      const builderMissing = !existsSync(resolve(modelsDir, BUILDER_FOLDER[precision], "genai_config.json"));
      const systems = asked.filter((s) => !(builderMissing && s.endsWith("-builder")) && (s !== "riff-convert" || precision === "q4"));
      if (builderMissing && systems.length < asked.length) notes.push(`${precision}: no models/${BUILDER_FOLDER[precision]} (build.sh with ONNXRUNTIME_GENAI_SRC makes it): builder systems skipped`);
      const { cells, errors, llamaPrompt } = await measure(precision, threads, systems, prompt, reps);
      if (llamaPrompt !== undefined) llamaPromptSame = (llamaPromptSame ?? true) && [folder.config.bosTokenId ?? 1, ...llamaPrompt].every((t, i) => t === prompt[i]) && llamaPrompt.length + 1 === prompt.length;
      const riff = cells.get("riff");
      const firstRiff = riff?.runs[0]?.tokens;
      if (firstRiff !== undefined && threads === threadCounts[0]) riffTokens.set(precision, firstRiff);
      const entry: Record<string, unknown> = {};
      for (const [system, why] of errors) entry[system] = { error: why };
      for (const [system, cell] of cells) {
        if (cell.runs.length === 0) continue;
        const tokens = cell.runs[0]!.tokens;
        const fp32 = riffTokens.get("fp32");
        entry[system] = {
          file:
            system === "llama"
              ? GGUF_FILE[precision]
              : system.endsWith("-builder")
                ? `${BUILDER_FOLDER[precision]}/model.onnx`
                : system === "riff-convert"
                  ? CONVERTED_Q4_FILE
                  : `onnx/${ONNX_FILE[precision]}`,
          decodeTokensPerSecond: spread(cell.runs.map((r) => r.decodeTokensPerSecond)),
          prefillMs: spread(cell.runs.map((r) => r.prefillMs)),
          peakRssMB: round(Math.max(...cell.runs.map((r) => r.maxRssMB))),
          loadMs: round(cell.loadMs),
          sameTokensEveryRepetition: cell.runs.every((r) => samePrefix(r.tokens, tokens, tokens.length)),
          ...(firstRiff !== undefined && system !== "riff" ? { sameTokensAsRiff: samePrefix(tokens, firstRiff, firstRiff.length) } : {}),
          ...(fp32 !== undefined ? { [`first${SAME_PREFIX}SameAsRiffFp32`]: samePrefix(tokens, fp32, SAME_PREFIX) } : {}),
        };
      }
      // Per repetition (the systems of one repetition ran back to back), then the median.
      const ratio = (a: SystemName, b: SystemName, key: "decodeTokensPerSecond" | "prefillMs"): unknown => {
        const x = cells.get(a)?.runs;
        const y = cells.get(b)?.runs;
        if (x === undefined || y === undefined || x.length === 0 || y.length === 0) return undefined;
        const n = Math.min(x.length, y.length);
        return spread(x.slice(0, n).map((r, i) => r[key] / y[i]![key]));
      };
      const rss = (system: SystemName): number | undefined => {
        const runs = cells.get(system)?.runs;
        return runs === undefined || runs.length === 0 ? undefined : Math.max(...runs.map((r) => r.maxRssMB));
      };
      const overLlama: Record<string, unknown> = {};
      for (const system of cells.keys()) {
        if (system === "llama") continue;
        const llamaRss = rss("llama");
        const mine = rss(system);
        overLlama[system] = {
          decodeTokensPerSecond: ratio(system, "llama", "decodeTokensPerSecond"),
          prefillMs: ratio(system, "llama", "prefillMs"),
          peakRss: llamaRss !== undefined && mine !== undefined ? round(mine / llamaRss) : undefined,
        };
      }
      entry.overLlama = overLlama;
      entry.ratios = {
        riffOverBareDecodeTokensPerSecond: ratio("riff", "bare", "decodeTokensPerSecond"),
        riffOverTransformersDecodeTokensPerSecond: ratio("riff", "transformers", "decodeTokensPerSecond"),
        riffBuilderOverRiffDecodeTokensPerSecond: ratio("riff-builder", "riff", "decodeTokensPerSecond"),
        riffBuilderOverBareBuilderDecodeTokensPerSecond: ratio("riff-builder", "bare-builder", "decodeTokensPerSecond"),
        riffConvertOverRiffDecodeTokensPerSecond: ratio("riff-convert", "riff", "decodeTokensPerSecond"),
      };
      results[`${precision} ${threads} thread${threads > 1 ? "s" : ""}`] = entry;
    }
  }
  /** The median over every precision and thread count of a system's ÷ llama.cpp decode tokens/s; undefined when it did not run. */
  const glance = (system: SystemName): number | undefined => {
    const medians = Object.values(results).flatMap((e) => {
      const r = (e as { overLlama?: Record<string, { decodeTokensPerSecond?: { median: number } }> }).overLlama?.[system]?.decodeTokensPerSecond;
      return r === undefined ? [] : [r.median];
    });
    return medians.length === 0 ? undefined : round(median(medians));
  };
  return {
    model: "random-weight SmolLM2-135M-shaped Llama (bench/realsize/build.sh)",
    prompt: PROMPT,
    promptTokens: prompt.length,
    llamaCppTokenizesThePromptAlike: llamaPromptSame,
    newTokens: 128,
    repetitions: reps,
    warmup: WARMUP,
    // For a glance (see glance()).
    riffOverLlamaDecodeMedian: glance("riff"),
    riffBuilderOverLlamaDecodeMedian: glance("riff-builder"),
    riffConvertOverLlamaDecodeMedian: glance("riff-convert"),
    ...(notes.length > 0 ? { notes: [...new Set(notes)] } : {}),
    results,
  };
}

export const realsizeSection: BenchSection = { name: "realsize", run };
