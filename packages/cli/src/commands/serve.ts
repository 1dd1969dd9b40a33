/**
 * `riff serve`: the OpenAI-compatible HTTP server (@riff/server) until SIGINT/SIGTERM, which drain
 * it: requests in flight finish (each within --timeout), new ones get a 503, then riff exits 0. A
 * second signal, or a drain longer than --timeout plus a margin, exits 128 + the signal's number.
 */
import type { Command } from "commander";
import { RiffError } from "@riff/core";
import { MAX_TEXT_WORKERS, startServer } from "@riff/server";
import { textLoadOptionsSchema } from "@riff/text";
import { addFlags, readFlags } from "../flags.js";
import { interruptSignal, stopOnSignal } from "../signals.js";

/** Beyond the per-request timeout, how long a drain may take to free the models before riff exits anyway. */
const DRAIN_MARGIN_MS = 10_000;

interface ServeCliOptions {
  readonly port: string;
  readonly host: string;
  readonly textModel?: string;
  readonly imageModel?: string;
  readonly voice?: string;
  readonly maxBatch: string;
  readonly maxQueue: string;
  readonly textWorkers?: string;
  readonly timeout: string;
  readonly log?: boolean;
}

function integer(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new RiffError(`${flag} must be an integer in [${min}, ${max}], got ${value}`, flag);
  return n;
}

const LOAD_FLAGS = ["threads", "dtype", "onnxFile"] as const;

export function registerServe(program: Command): void {
  const command = program
    .command("serve")
    .description("Serve text, images and speech over HTTP in the OpenAI API's shape (/v1), with a web page at /")
    .option("--port <n>", "port to listen on (0 = any free port)", "8080")
    .option("--host <address>", "address to listen on", "127.0.0.1")
    .option("--text-model <dir>", "text model folder (default: the embedded model)")
    .option("--image-model <dir>", "image model folder (default: the embedded model)")
    .option("--voice <path>", "voice folder or Piper .onnx (default: the embedded voice)")
    .option("--max-batch <n>", "text requests generating at once", "8")
    .option("--max-queue <n>", "requests waiting per model; more are answered 429", "64")
    .option("--text-workers <n>", "worker threads with a copy of the text model, each decoding a batch of its own (default: 1 for a small model on 2+ cores, else 0)")
    .option("--timeout <seconds>", "stop a request that runs longer (408)", "300")
    .option("--log", "log each request (pino JSON on stdout)");
  // From the text model's load options, declared once: --threads for every served model; --dtype
  // and --onnx-file pick the text model's decoder file (e.g. one riff convert wrote).
  addFlags(command, textLoadOptionsSchema, LOAD_FLAGS);
  command.action(async (options: ServeCliOptions, self: Command) => {
    const { threads, dtype, onnxFile } = readFlags(textLoadOptionsSchema, self.opts(), LOAD_FLAGS);
    const timeoutMs = integer("--timeout", options.timeout, 1, 86_400) * 1000;
    const server = await startServer({
      port: integer("--port", options.port, 0, 65535),
      host: options.host,
      textModel: options.textModel,
      imageModel: options.imageModel,
      voice: options.voice,
      maxBatch: integer("--max-batch", options.maxBatch, 1, 1024),
      maxQueue: integer("--max-queue", options.maxQueue, 1, 1_000_000),
      ...(options.textWorkers !== undefined ? { textWorkers: integer("--text-workers", options.textWorkers, 0, MAX_TEXT_WORKERS) } : {}),
      requestTimeoutMs: timeoutMs,
      logger: options.log === true,
      ...(threads !== undefined ? { threads } : {}),
      textLoad: { ...(dtype !== undefined ? { dtype } : {}), ...(onnxFile !== undefined ? { onnxFile } : {}) },
    }).catch((error: unknown) => {
      if (error instanceof RiffError && error.option !== undefined) {
        const flags: Record<string, string> = { textModel: "--text-model", imageModel: "--image-model", voice: "--voice", port: "--port" };
        const flag = flags[error.option];
        if (flag !== undefined) {
          const named = error.message.startsWith(`${error.option} `) || error.message.startsWith(`${error.option}:`);
          throw new RiffError(named ? flag + error.message.slice(error.option.length) : `${flag}: ${error.message}`, flag);
        }
      }
      throw textLoadOptionsSchema.inVocabulary(error, "cli");
    });
    const stop = interruptSignal();
    // A signal while the models loaded interrupted the start: that one exits as any command does.
    if (!stop.aborted) stopOnSignal({ graceMs: timeoutMs + DRAIN_MARGIN_MS, notice: "stopping: finishing the requests in flight, refusing new ones (signal again to stop at once)" });
    process.stderr.write(`riff: serving on ${server.url} (Ctrl-C or SIGTERM to stop)\n`);
    await new Promise<void>((resolve) => (stop.aborted ? resolve() : stop.addEventListener("abort", () => resolve(), { once: true })));
    // Drain: requests in flight finish, new ones are refused; then the models are freed.
    await server.close();
  });
}
