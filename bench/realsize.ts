/**
 * Realsize: riff on a model the size users run (SmolLM2-135M's shape: 576 hidden, 30 layers,
 * 9 heads / 3 KV heads, vocabulary 49,152; random weights, so speed is real and text is not)
 * against transformers.js, a bare onnxruntime-node loop over the same ONNX file, and llama.cpp
 * (node-llama-cpp 3.21.1) on GGUF files of the same weights: fp32 ONNX against F16 GGUF, q8
 * (onnxruntime dynamic int8) against Q8_0, q4 (MatMulNBits, blocks of 32) against Q4_0.
 *
 * The models are built once by bench/realsize/build.sh into bench/realsize/models/ (ignored by
 * git; it also installs node-llama-cpp into bench/realsize/node_modules); without them the
 * section says so and is skipped.
 *
 * Each system runs in its own process (bench/realsize/worker.ts), so that each one's peak RSS is
 * its own; all four are loaded for one precision and thread count, then repetitions alternate
 * between them with the order rotating each time. Same prompt ids (20 tokens), 128 greedy new
 * tokens with end-of-sequence banned. Reports per precision and thread count: medians and ranges
 * of prefill ms and decode tokens/s, peak RSS, load time, riff ÷ llama.cpp and riff ÷ bare
 * ratios (per repetition, then the median), and token identity: against riff at the same
 * precision, and each precision's first 32 tokens against riff's fp32.
 *
 * Environment: RIFF_BENCH_REALSIZE_REPS (measured repetitions, default 3, after one warm-up),
 * RIFF_BENCH_REALSIZE_THREADS (comma-separated, default "1,2"), RIFF_BENCH_REALSIZE_PRECISIONS
 * (default "fp32,q8,q4"), RIFF_BENCH_REALSIZE_SYSTEMS (default "riff,transformers,bare,llama").
 */
import { fork, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { readModelFolder, TextTokenizer } from "@riff/text";
import { median, positiveInt, round, skipped, spread, type BenchSection } from "./section.js";
import { GGUF_FILE, modelsDir, onnxFolder, ONNX_FILE, PROMPT, type Precision, type RunFigures, type SystemName, type WorkerReply, type WorkerRequest } from "./realsize/worker.js";

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

async function measure(precision: Precision, threads: number, systems: readonly SystemName[], prompt: readonly number[], reps: number): Promise<{ cells: Map<SystemName, Cell>; llamaPrompt?: readonly number[] }> {
  const workers: Worker[] = [];
  const cells = new Map<SystemName, Cell>();
  let llamaPrompt: readonly number[] | undefined;
  try {
    // Loaded one after another, so that no load competes with another.
    for (const system of systems) {
      const { worker, ready } = await Worker.start(system, precision, threads, prompt);
      workers.push(worker);
      if (ready.kind === "ready") {
        cells.set(system, { runs: [], loadMs: ready.loadMs });
        if (ready.promptTokens !== undefined) llamaPrompt = ready.promptTokens;
      }
    }
    for (let i = 0; i < WARMUP + reps; i++) {
      for (let k = 0; k < workers.length; k++) {
        const worker = workers[(i + k) % workers.length]!;
        const figures = await worker.run();
        if (i >= WARMUP) cells.get(worker.system)!.runs.push(figures);
      }
      console.error(`[bench] realsize ${precision} ${threads} thread${threads > 1 ? "s" : ""}: ${i < WARMUP ? "warm-up" : `repetition ${i - WARMUP + 1}/${reps}`}`);
    }
  } finally {
    for (const w of workers) await w.stop();
  }
  return { cells, ...(llamaPrompt !== undefined ? { llamaPrompt } : {}) };
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
  const systems = list<SystemName>("RIFF_BENCH_REALSIZE_SYSTEMS", ["riff", "transformers", "bare", "llama"], ["riff", "transformers", "bare", "llama"]);

  const folder = readModelFolder(onnxFolder);
  const prompt = new TextTokenizer(folder.tokenizerJson, folder.tokenizerConfig).encode(PROMPT);
  const results: Record<string, unknown> = {};
  const riffTokens = new Map<Precision, readonly number[]>();
  let llamaPromptSame: boolean | undefined;
  for (const threads of threadCounts) {
    for (const precision of precisions) {
      const { cells, llamaPrompt } = await measure(precision, threads, systems, prompt, reps);
      if (llamaPrompt !== undefined) llamaPromptSame = (llamaPromptSame ?? true) && [folder.config.bosTokenId ?? 1, ...llamaPrompt].every((t, i) => t === prompt[i]) && llamaPrompt.length + 1 === prompt.length;
      const riff = cells.get("riff");
      const firstRiff = riff?.runs[0]?.tokens;
      if (firstRiff !== undefined && threads === threadCounts[0]) riffTokens.set(precision, firstRiff);
      const entry: Record<string, unknown> = {};
      for (const [system, cell] of cells) {
        const tokens = cell.runs[0]?.tokens ?? [];
        const fp32 = riffTokens.get("fp32");
        entry[system] = {
          file: system === "llama" ? GGUF_FILE[precision] : `onnx/${ONNX_FILE[precision]}`,
          decodeTokensPerSecond: spread(cell.runs.map((r) => r.decodeTokensPerSecond)),
          prefillMs: spread(cell.runs.map((r) => r.prefillMs)),
          peakRssMB: round(Math.max(...cell.runs.map((r) => r.maxRssMB))),
          loadMs: round(cell.loadMs),
          sameTokensEveryRepetition: cell.runs.every((r) => samePrefix(r.tokens, tokens, tokens.length)),
          ...(firstRiff !== undefined && system !== "riff" ? { sameTokensAsRiff: samePrefix(tokens, firstRiff, firstRiff.length) } : {}),
          ...(fp32 !== undefined ? { [`first${SAME_PREFIX}SameAsRiffFp32`]: samePrefix(tokens, fp32, SAME_PREFIX) } : {}),
        };
      }
      const ratio = (a: SystemName, b: SystemName, key: "decodeTokensPerSecond" | "prefillMs"): unknown => {
        const x = cells.get(a)?.runs;
        const y = cells.get(b)?.runs;
        if (x === undefined || y === undefined) return undefined;
        return spread(x.map((r, i) => r[key] / y[i]![key]));
      };
      entry.ratios = {
        riffOverLlamaDecodeTokensPerSecond: ratio("riff", "llama", "decodeTokensPerSecond"),
        riffOverLlamaPrefillMs: ratio("riff", "llama", "prefillMs"),
        riffOverBareDecodeTokensPerSecond: ratio("riff", "bare", "decodeTokensPerSecond"),
        riffOverTransformersDecodeTokensPerSecond: ratio("riff", "transformers", "decodeTokensPerSecond"),
        bareOverLlamaDecodeTokensPerSecond: ratio("bare", "llama", "decodeTokensPerSecond"),
        riffOverLlamaPeakRss:
          cells.get("riff") !== undefined && cells.get("llama") !== undefined
            ? round(Math.max(...cells.get("riff")!.runs.map((r) => r.maxRssMB)) / Math.max(...cells.get("llama")!.runs.map((r) => r.maxRssMB)))
            : undefined,
      };
      results[`${precision} ${threads} thread${threads > 1 ? "s" : ""}`] = entry;
    }
  }
  return {
    model: "random-weight SmolLM2-135M-shaped Llama (bench/realsize/build.sh)",
    prompt: PROMPT,
    promptTokens: prompt.length,
    llamaCppTokenizesThePromptAlike: llamaPromptSame,
    newTokens: 128,
    repetitions: reps,
    warmup: WARMUP,
    // The median over every precision and thread count of riff ÷ llama.cpp decode tokens/s, for a glance.
    riffOverLlamaDecodeMedian: round(
      median(
        Object.values(results).flatMap((e) => {
          const r = (e as { ratios?: { riffOverLlamaDecodeTokensPerSecond?: { median: number } } }).ratios?.riffOverLlamaDecodeTokensPerSecond;
          return r === undefined ? [] : [r.median];
        }),
      ),
    ),
    results,
  };
}

export const realsizeSection: BenchSection = { name: "realsize", run };
