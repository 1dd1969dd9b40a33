/**
 * A copy of the text model generating in a worker thread, used like a ContinuousBatch: requests
 * sent to it stream back through the same DeltaChannel a local batch uses. A small model decodes
 * on one onnxruntime thread, so a second copy on another core decodes its own batch beside the
 * server's (see TextEngines).
 */
import { Worker } from "node:worker_threads";
import { RiffError } from "@riff/core";
import { DeltaChannel, type ContinuousBatchStats, type GenerationResult, type Prompt, type TextGenerationOptions, type TextStream } from "@riff/text";
import { receiveError, type FromWorker, type RequestEvent, type TextWorkerData, type ToWorker } from "./text-worker-protocol.js";

const NO_STATS: ContinuousBatchStats = { rows: 0, waiting: 0, steps: 0, rowSteps: 0, freed: { finished: 0, aborted: 0, failed: 0 } };

/** Whether riff runs from its TypeScript sources (tests, examples: node --import tsx). */
const FROM_SOURCE = import.meta.url.endsWith(".ts");
/** The worker's entry: the built .js beside this file, or the .ts source. */
const ENTRY = new URL(FROM_SOURCE ? "./text-worker.ts" : "./text-worker.js", import.meta.url);

/**
 * A worker on ENTRY. From source, the worker registers tsx itself first: Node 20 runs a worker with
 * the process's flags but does not apply `--import tsx`'s module hooks in it.
 */
function startWorker(data: TextWorkerData): Worker {
  if (!FROM_SOURCE) return new Worker(ENTRY, { workerData: data });
  const tsx = import.meta.resolve("tsx/esm/api");
  const boot = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(ENTRY.href)}); });`;
  return new Worker(boot, { eval: true, workerData: data });
}

export class WorkerEngine {
  private nextId = 1;
  private readonly open = new Map<number, DeltaChannel>();
  private latest: ContinuousBatchStats = NO_STATS;
  private stopped: Error | undefined;
  private readonly exited: Promise<void>;

  private constructor(private readonly worker: Worker) {
    this.exited = new Promise((resolve) => worker.once("exit", () => resolve()));
    worker.on("message", (message: FromWorker) => {
      if (message.type !== "events") return;
      this.latest = message.stats;
      for (const event of message.events) this.deliver(event);
    });
    const stop = (error: Error): void => {
      this.stopped ??= error;
      for (const channel of this.open.values()) channel.fail(this.stopped);
      this.open.clear();
    };
    worker.on("error", (error) => stop(new RiffError(`the text worker failed: ${error.message}`)));
    worker.on("exit", () => stop(new RiffError("the text worker stopped")));
  }

  /** Starts a worker on the model folder `dir`; resolves once its model is loaded, rejects with the loader's error. */
  static async start(data: TextWorkerData): Promise<WorkerEngine> {
    const worker = startWorker(data);
    const first = await new Promise<FromWorker>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
      worker.once("exit", (code) => reject(new RiffError(`the text worker exited (${code}) before its model loaded`)));
    });
    if (first.type === "failed") {
      await worker.terminate();
      throw receiveError(first.error);
    }
    return new WorkerEngine(worker);
  }

  /** The worker's batch counters, as of its last message. */
  get stats(): ContinuousBatchStats {
    return this.latest;
  }

  /** Whether it can take requests (false once the worker failed or stopped). */
  get alive(): boolean {
    return this.stopped === undefined;
  }

  generate(prompt: Prompt, options: TextGenerationOptions = {}): Promise<GenerationResult> {
    return this.send(prompt, options, false).result;
  }

  stream(prompt: Prompt, options: TextGenerationOptions = {}): TextStream {
    return this.send(prompt, options, true).stream();
  }

  private send(prompt: Prompt, options: TextGenerationOptions, stream: boolean): DeltaChannel {
    const id = this.nextId++;
    const abort = (): void => this.post({ type: "abort", id });
    const channel = new DeltaChannel(abort);
    if (this.stopped !== undefined) {
      channel.fail(this.stopped);
      return channel;
    }
    const { signal, ...rest } = options;
    this.open.set(id, channel);
    this.post({ type: "start", id, prompt, options: rest, stream });
    if (signal !== undefined) {
      if (signal.aborted) abort();
      else {
        signal.addEventListener("abort", abort, { once: true });
        void channel.result.then(
          () => signal.removeEventListener("abort", abort),
          () => signal.removeEventListener("abort", abort),
        );
      }
    }
    return channel;
  }

  private deliver(event: RequestEvent): void {
    const channel = this.open.get(event.id);
    if (channel === undefined) return;
    if (event.type === "delta") channel.push(event.delta);
    else {
      this.open.delete(event.id);
      if (event.type === "result") channel.finish(event.result);
      else channel.fail(receiveError(event.error));
    }
  }

  private post(message: ToWorker): void {
    if (this.stopped === undefined) this.worker.postMessage(message);
  }

  /** Frees the worker's model and ends its thread (requests still open fail). */
  async dispose(): Promise<void> {
    if (this.stopped === undefined) {
      this.worker.postMessage({ type: "close" } satisfies ToWorker);
      const timer = setTimeout(() => void this.worker.terminate(), 5000);
      await this.exited;
      clearTimeout(timer);
    }
  }
}
