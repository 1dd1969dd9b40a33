/**
 * The `serve` bench section: `riff serve`'s continuous batching on the default text model. Total
 * tokens/s of 8 and 32 concurrent streaming clients against the same clients served one at a
 * time (goals ≥ 3× and ≥ 5×), p50/p99 time to first token and per-token latency, and a single
 * client's HTTP streaming tokens/s against the library's own stream() (goal ≥ 0.9).
 *
 * Every request samples with its own seed and a fixed length (min_new_tokens = max_tokens), so
 * the work is the same however the requests are scheduled and no request drafts by prompt lookup.
 *
 * The server runs in a process of its own (bench/serve-child.ts), as `riff serve` does for real
 * clients: in the bench's process its event loop would also parse every client's stream, a cost
 * per token that no real deployment pays. RIFF_BENCH_SERVE_IN_PROCESS=1 runs it in the bench's
 * process instead (how the section measured before), to compare. In its own process, the server's
 * CPU time per token (from its /metrics) is reported too: it moves less than tokens/s with what else
 * the machine runs, though on a busy machine onnxruntime's waiting threads spin and count too.
 *
 * RIFF_BENCH_THREADS sets the onnxruntime intra-op threads of the server and of the library
 * model alike (default: riff's own, as `riff serve` runs: one thread for the small default model).
 * RIFF_BENCH_TEXT_WORKERS sets riff serve's --text-workers (default: riff's own, one worker for
 * the small default model on 2 cores or more).
 * RIFF_BENCH_SERVE_REPS (default 5) alternates the one-at-a-time and concurrent loads that many
 * times; the speedup is the median of the per-repetition ratios, their spread reported beside it.
 */
import { spawn } from "node:child_process";
import { Agent, request as httpRequest, type IncomingMessage } from "node:http";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { resolveModelDir } from "@riff/core";
import { sseData, startServer } from "@riff/server";
import { loadTextModel } from "@riff/text";
import { goal, median, positiveInt, round, spread, type BenchSection } from "./section.js";

const TOKENS = 96;
/** Untimed library streams before the single-client comparison. */
const LIBRARY_WARM_UP = 8;
const MAX_BATCH = 32;
/** Waves of concurrent clients in one timed load. */
const WAVES = 3;
const PROMPTS = ["In the beginning", "And the LORD said unto Moses,", "Blessed are the meek", "For God so loved the world", "The LORD is my shepherd"];

interface ClientRun {
  readonly tokens: number;
  readonly firstMs: number;
  /** Milliseconds between consecutive streamed chunks. */
  readonly gaps: number[];
  readonly ms: number;
}

function body(i: number): Record<string, unknown> {
  return { prompt: PROMPTS[i % PROMPTS.length], max_tokens: TOKENS, min_new_tokens: TOKENS, temperature: 0.8, seed: i, stream: true, stream_options: { include_usage: true } };
}

/** Keeps the clients' connections open between requests, as fetch does. */
const agent = new Agent({ keepAlive: true, maxSockets: 2 * MAX_BATCH });

/** POSTs a JSON body; resolves with the response once its head arrives. */
function post(url: string, path: string, json: unknown): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(new URL(path, url), { method: "POST", agent, headers: { "content-type": "application/json" } }, resolve);
    request.on("error", reject);
    request.end(JSON.stringify(json));
  });
}

/**
 * One streaming client. It reads the stream with node:http rather than fetch: the clients share the
 * machine with the server, and fetch's web streams cost them about 1.5× the CPU per token (35
 * against 24 µs, 32 clients), which the server's batch then lacks.
 */
async function client(url: string, i: number): Promise<ClientRun> {
  const started = performance.now();
  const response = await post(url, "/v1/completions", body(i));
  if (response.statusCode !== 200) throw new Error(`status ${response.statusCode}: ${(await response.toArray()).join("")}`);
  let tokens = 0;
  let firstMs = 0;
  let last = 0;
  const gaps: number[] = [];
  for await (const event of sseData(response)) {
    if (event === "[DONE]") continue;
    const data = JSON.parse(event) as { choices: Array<{ text?: string }>; usage?: { completion_tokens: number } };
    if (data.usage !== undefined) tokens = data.usage.completion_tokens;
    if ((data.choices[0]?.text ?? "") === "") continue;
    const now = performance.now();
    if (firstMs === 0) firstMs = now - started;
    else gaps.push(now - last);
    last = now;
  }
  return { tokens, firstMs, gaps, ms: performance.now() - started };
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

interface Load {
  readonly tokensPerSecond: number;
  /** The server's CPU milliseconds per generated token (NaN when the server shares the bench's process). */
  readonly cpuMsPerToken: number;
  readonly runs: ClientRun[];
}

/**
 * The clients one at a time, or together in WAVES waves, one after the other (a single wave of 8
 * lasts about 0.2 s here: too short a window to time on a machine whose speed drifts).
 */
async function load(server: BenchServer, clients: number, together: boolean): Promise<Load> {
  const cpuBefore = await server.cpuSeconds();
  const started = performance.now();
  const runs: ClientRun[] = [];
  if (together) for (let w = 0; w < WAVES; w++) runs.push(...(await Promise.all(Array.from({ length: clients }, (_, i) => client(server.url, i)))));
  else for (let i = 0; i < clients; i++) runs.push(await client(server.url, i));
  const seconds = (performance.now() - started) / 1000;
  const tokens = runs.reduce((n, r) => n + r.tokens, 0);
  const cpu = (await server.cpuSeconds()) - cpuBefore;
  return { tokensPerSecond: tokens / seconds, cpuMsPerToken: (cpu * 1000) / tokens, runs };
}

function latencies(runs: readonly ClientRun[]): Record<string, number> {
  const first = runs.map((r) => r.firstMs);
  const gaps = runs.flatMap((r) => r.gaps);
  return { ttftP50Ms: round(percentile(first, 50)), ttftP99Ms: round(percentile(first, 99)), perTokenP50Ms: round(percentile(gaps, 50)), perTokenP99Ms: round(percentile(gaps, 99)) };
}

interface BenchServer {
  readonly url: string;
  /** The server process's CPU seconds so far (user + system), NaN when it is the bench's own process. */
  cpuSeconds(): Promise<number>;
  close(): Promise<void>;
}

/** riff serve's own process CPU counter, from its Prometheus metrics. */
async function scrapeCpuSeconds(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = /^riff_process_process_cpu_seconds_total (\S+)$/m.exec(text);
  if (line === null) throw new Error("the server's /metrics has no riff_process_process_cpu_seconds_total");
  return Number(line[1]);
}

/** bench/serve-child.ts in a process of its own (same node, same loader flags); closed by SIGTERM, which drains it. */
async function childServer(threads: number | undefined): Promise<BenchServer> {
  const script = fileURLToPath(new URL("./serve-child.ts", import.meta.url));
  const args = [...process.execArgv, script, String(MAX_BATCH), ...(threads !== undefined ? [String(threads)] : [])];
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  const exited = once(child, "exit");
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise<string>((resolve, reject) => {
    lines.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`the bench's server exited with ${code} before listening`)));
  });
  return {
    url,
    cpuSeconds: () => scrapeCpuSeconds(url),
    close: async () => {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

export const serveSection: BenchSection = {
  name: "serve",
  async run() {
    const inProcess = process.env.RIFF_BENCH_SERVE_IN_PROCESS === "1";
    const threadsSetting = process.env.RIFF_BENCH_THREADS ?? "auto";
    const threads = threadsSetting === "auto" ? undefined : positiveInt("RIFF_BENCH_THREADS", 1);
    const sessions = threads !== undefined ? { threads } : {};
    const reps = positiveInt("RIFF_BENCH_SERVE_REPS", 5);
    const workers = process.env.RIFF_BENCH_TEXT_WORKERS !== undefined ? { textWorkers: Number(process.env.RIFF_BENCH_TEXT_WORKERS) } : {};
    const server: BenchServer = inProcess
      ? { ...(await startServer({ port: 0, maxBatch: MAX_BATCH, imageModel: false, voice: false, ...sessions, ...workers })), cpuSeconds: async () => Number.NaN }
      : await childServer(threads);
    const figures: Record<string, unknown> = {
      server: inProcess ? "in the bench's process" : "a child process",
      threads: threads ?? "riff's default",
      textWorkers: process.env.RIFF_BENCH_TEXT_WORKERS ?? "riff's default",
    };
    try {
      // Warm-up: one client, then a crowd (the batched path's code is compiled before it is timed).
      await client(server.url, 0);
      await load(server, MAX_BATCH, true);
      for (const clients of [8, 32]) {
        // Alone and together alternate, so a change in the machine's load between them shows as a spread.
        const alone: Load[] = [];
        const together: Load[] = [];
        for (let r = 0; r < reps; r++) {
          console.error(`[bench] serve: ${clients} clients one at a time, then together (${r + 1}/${reps})`);
          alone.push(await load(server, clients, false));
          together.push(await load(server, clients, true));
        }
        const ratios = together.map((t, r) => t.tokensPerSecond / alone[r]!.tokensPerSecond);
        const cpu = (loads: Load[]): number => median(loads.map((l) => l.cpuMsPerToken));
        figures[`clients${clients}`] = {
          speedup: goal(round(median(ratios), 3), "≥", clients === 8 ? 3 : 5),
          speedupEachRep: spread(ratios, 3),
          batchedTokensPerSecond: round(median(together.map((l) => l.tokensPerSecond))),
          oneAtATimeTokensPerSecond: round(median(alone.map((l) => l.tokensPerSecond))),
          ...(inProcess
            ? {}
            : {
                serverCpuSaving: spread(
                  together.map((t, r) => alone[r]!.cpuMsPerToken / t.cpuMsPerToken),
                  3,
                ),
                serverCpuMsPerToken: { batched: round(cpu(together)), oneAtATime: round(cpu(alone)) },
              }),
          batched: latencies(together.flatMap((l) => l.runs)),
          oneAtATime: latencies(alone.flatMap((l) => l.runs)),
        };
      }
      // One client: HTTP streaming against the library's own stream() on the same model.
      const model = await loadTextModel(resolveModelDir("text", undefined), sessions);
      try {
        /** One library stream's tokens/s after its first token, as the HTTP client measures it. */
        const libraryRun = async (i: number): Promise<number> => {
          const stream = model.stream(body(i).prompt as string, { maxNewTokens: TOKENS, minNewTokens: TOKENS, temperature: 0.8, seed: i });
          let first = 0;
          let count = 0;
          let end = 0;
          for await (const delta of stream) {
            if (delta.text === "") continue;
            end = performance.now();
            if (first === 0) first = end;
            else count++;
          }
          return (count * 1000) / (end - first);
        };
        // The server has run hundreds of requests by now: warm the library's model (JIT, onnxruntime's
        // allocations) as much before it is timed, else the ratio measures a cold start.
        for (let i = 0; i < LIBRARY_WARM_UP; i++) await libraryRun(i);
        const http: number[] = [];
        const library: number[] = [];
        for (let i = 0; i < 5; i++) {
          const run = await client(server.url, i);
          http.push((run.gaps.length * 1000) / (run.ms - run.firstMs));
          library.push(await libraryRun(i));
        }
        figures.singleClient = {
          httpOverLibrary: goal(round(median(http) / median(library), 3), "≥", 0.9),
          httpTokensPerSecond: round(median(http)),
          libraryTokensPerSecond: round(median(library)),
        };
      } finally {
        await model.dispose();
      }
    } finally {
      agent.destroy();
      await server.close();
    }
    return figures;
  },
};
