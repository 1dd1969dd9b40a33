/**
 * `riff serve` as a library: loads the served models, builds the fastify app (OpenAI-shaped /v1
 * routes, /health, /metrics, the web page at /), listens, and closes by draining requests in
 * flight before freeing the models.
 */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { basename, resolve } from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { RiffError, resolveModelDir } from "@riff/core";
import { loadTextModel, type LoadTextModelOptions } from "@riff/text";
import { DiffusionPipeline } from "@riff/diffusion";
import { loadVoice, warmUpEspeak } from "@riff/tts";
import { ApiError, toApiError } from "./errors.js";
import { ServerMetrics } from "./metrics.js";
import { ModelQueue } from "./queue.js";
import { TextEngines } from "./text-engines.js";
import { registerTextRoutes, type TextService } from "./text-routes.js";
import { WorkerEngine } from "./worker-engine.js";
import { registerImageRoutes, type ImageService } from "./image-routes.js";
import { registerSpeechRoutes, type SpeechService } from "./speech-routes.js";

export interface ServeOptions {
  /** Port to listen on; 0 picks a free one. Default 8080. */
  readonly port?: number;
  /** Default 127.0.0.1 (this machine only). */
  readonly host?: string;
  /** Model folders; undefined = the embedded default, false = do not serve that modality. */
  readonly textModel?: string | false;
  readonly imageModel?: string | false;
  readonly voice?: string | false;
  /** Text requests generating at once. Default 8. */
  readonly maxBatch?: number;
  /** Requests waiting per model beyond those running; more are a 429. Default 64. */
  readonly maxQueue?: number;
  /** Largest request body in bytes. Default 1 MiB. */
  readonly bodyLimit?: number;
  /** A request running longer is stopped (408). Default 300 s. */
  readonly requestTimeoutMs?: number;
  /** fastify's pino logger on stderr. Default false. */
  readonly logger?: boolean;
  /**
   * onnxruntime intra-op threads of every served model's sessions. Default: each model's own (see
   * the loading tables). The server's own work (sampling, streaming) runs on the thread that calls
   * onnxruntime, between passes; on a busy machine fewer threads can serve faster.
   */
  readonly threads?: number;
  /**
   * Worker threads that each hold a copy of the text model and decode a continuous batch of their
   * own beside the server's, for requests that arrive while others generate. Default: 1 when the
   * text model decodes on one onnxruntime thread (a small model) and the machine has 2 cores or
   * more, else 0 (a larger model's own threads already use the cores).
   */
  readonly textWorkers?: number;
  /** Which decoder file of the text model's folder: its `dtype` variant, or an `onnxFile` (e.g. one `riff convert` wrote). */
  readonly textLoad?: Pick<LoadTextModelOptions, "dtype" | "onnxFile">;
}

export interface RiffServer {
  readonly app: FastifyInstance;
  /** http://host:port */
  readonly url: string;
  readonly metrics: ServerMetrics;
  /**
   * Drains: stops listening, answers requests that still arrive on open connections with a 503
   * (Connection: close), lets the requests in flight finish (each bounded by requestTimeoutMs),
   * then frees the models.
   */
  close(): Promise<void>;
}

/** The most worker copies of the text model a server starts. */
export const MAX_TEXT_WORKERS = 64;

const PAGE = new URL("../public/index.html", import.meta.url);

function positive(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 1) throw new RiffError(`${name} must be an integer ≥ 1, got ${String(value)}`, name);
  return v;
}

/**
 * A loader's RiffError about its folder (the loaders call it `model`) re-worded for the server
 * option that named the folder (`textModel`, `imageModel`): the server has no single "model".
 */
function namingOption(error: unknown, option: string): unknown {
  if (!(error instanceof RiffError) || error.option !== "model") return error;
  const named = error.message.startsWith("model ") || error.message.startsWith("model:");
  return new RiffError(named ? option + error.message.slice("model".length) : `${option}: ${error.message}`, option);
}

export async function startServer(options: ServeOptions = {}): Promise<RiffServer> {
  const maxBatch = positive("maxBatch", options.maxBatch, 8);
  const maxQueue = positive("maxQueue", options.maxQueue, 64);
  const timeoutMs = positive("requestTimeoutMs", options.requestTimeoutMs, 300_000);
  const port = options.port ?? 8080;
  const load = options.threads !== undefined ? { threads: positive("threads", options.threads, 1) } : {};
  const { textWorkers } = options;
  if (textWorkers !== undefined && !(Number.isInteger(textWorkers) && textWorkers >= 0 && textWorkers <= MAX_TEXT_WORKERS)) {
    throw new RiffError(`textWorkers must be an integer in [0, ${MAX_TEXT_WORKERS}], got ${String(textWorkers)}`, "textWorkers");
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RiffError(`port must be an integer in [0, 65535], got ${port}`, "port");
  const metrics = new ServerMetrics();
  const disposers: Array<() => Promise<void>> = [];
  const freeAll = async (): Promise<void> => {
    for (const dispose of disposers.splice(0).reverse()) await dispose();
  };
  const queue = (id: string, concurrency: number): ModelQueue => new ModelQueue(id, concurrency, maxQueue, metrics.watch(id));
  let text: TextService | undefined;
  let image: ImageService | undefined;
  let speech: SpeechService | undefined;
  try {
    if (options.textModel !== false) {
      const dir = resolve(resolveModelDir("text", options.textModel, "textModel"));
      const model = await loadTextModel(dir, { ...options.textLoad, ...load }).catch((error: unknown) => {
        throw namingOption(error, "textModel");
      });
      disposers.push(() => model.dispose());
      const textLoad = { ...options.textLoad, ...load };
      const workers: WorkerEngine[] = [];
      const workerCount = options.textWorkers ?? (model.threads === 1 && availableParallelism() >= 2 ? 1 : 0);
      for (let i = 0; i < workerCount; i++) {
        const worker = await WorkerEngine.start({ dir, load: textLoad, maxRows: maxBatch });
        disposers.push(() => worker.dispose());
        workers.push(worker);
      }
      const batch = new TextEngines(model.continuousBatch({ maxRows: maxBatch }), workers);
      metrics.watchBatch(() => batch.stats);
      text = { id: basename(dir), model, batch, queue: queue(basename(dir), maxBatch) };
    }
    if (options.imageModel !== false) {
      const dir = resolve(resolveModelDir("image", options.imageModel, "imageModel"));
      const pipeline = await DiffusionPipeline.load(dir, load).catch((error: unknown) => {
        throw namingOption(error, "imageModel");
      });
      disposers.push(() => pipeline.dispose());
      image = { id: basename(dir), pipeline, queue: queue(basename(dir), 1) };
    }
    if (options.voice !== false) {
      const dir = resolve(resolveModelDir("speech", options.voice, "voice"));
      const voice = await loadVoice(dir, load);
      disposers.push(() => voice.dispose());
      await warmUpEspeak();
      speech = { id: basename(dir).replace(/\.onnx$/, ""), voice, queue: queue(basename(dir), 1) };
    }
  } catch (error) {
    await freeAll();
    throw error;
  }

  // While closing, fastify's own 503 has a body of its own shape: the onRequest hook answers instead.
  const app = Fastify({ logger: options.logger ?? false, bodyLimit: options.bodyLimit ?? 1024 * 1024, forceCloseConnections: "idle", return503OnClosing: false });
  let closing: Promise<void> | undefined;
  app.addHook("onRequest", async (_request, reply) => {
    if (closing === undefined) return;
    void reply.header("connection", "close");
    throw new ApiError(503, "the server is shutting down; it finishes the requests it has and takes no new ones", null, "server_shutting_down");
  });
  app.addHook("onResponse", async (request, reply) => {
    const route = request.routeOptions.url ?? "unmatched";
    metrics.requests.inc({ route, status: String(reply.statusCode) });
    metrics.latency.observe({ route }, reply.elapsedTime / 1000);
    // A response that ends while the server drains closes its connection: left open, the idle
    // keep-alive socket would hold close() until it timed out (72 s), long after the last request.
    if (closing !== undefined) request.raw.socket.end();
  });
  app.setErrorHandler(async (error, request, reply) => {
    const api = toApiError(error);
    if (api.status >= 500) request.log.error(error);
    if (api.retryAfter !== undefined) void reply.header("retry-after", String(api.retryAfter));
    return reply.status(api.status).send(api.body());
  });
  app.setNotFoundHandler(async (request, reply) => {
    const api = new ApiError(404, `no route ${request.method} ${request.url}`, null, "not_found");
    return reply.status(404).send(api.body());
  });
  const page = readFileSync(PAGE, "utf8");
  app.get("/", async (_request, reply) => reply.type("text/html; charset=utf-8").send(page));
  app.get("/health", async () => ({ status: "ok", models: { text: text?.id ?? null, image: image?.id ?? null, speech: speech?.id ?? null } }));
  app.get("/metrics", async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
  app.get("/v1/models", async () => {
    const created = Math.floor(Date.now() / 1000);
    const served = [text && { id: text.id, kind: "text" }, image && { id: image.id, kind: "image" }, speech && { id: speech.id, kind: "speech" }];
    return { object: "list", data: served.filter((m) => m !== undefined).map((m) => ({ id: m.id, object: "model", created, owned_by: "riff", riff_modality: m.kind })) };
  });
  registerTextRoutes(app, { text, metrics, timeoutMs });
  registerImageRoutes(app, { image, timeoutMs });
  registerSpeechRoutes(app, { speech, timeoutMs });

  try {
    await app.listen({ port, host: options.host ?? "127.0.0.1" });
  } catch (error) {
    await freeAll();
    throw new RiffError(`cannot listen on ${options.host ?? "127.0.0.1"}:${port}: ${(error as Error).message}`, "port");
  }
  const address = app.server.address();
  const url = typeof address === "object" && address !== null ? `http://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}` : String(address);
  return {
    app,
    url,
    metrics,
    close: () =>
      (closing ??= (async () => {
        await app.close();
        await freeAll();
      })()),
  };
}
