import { existsSync, openSync, readSync, closeSync, statSync } from "node:fs";
import * as ort from "onnxruntime-node";
import { RiffError } from "@riff/core";
import { prepareOnnxruntime } from "./runtime-env.js";
import { onnxSessionOptions } from "./session-options.js";
import { resolveThreads } from "./threads.js";

/** Element types riff feeds and reads. */
export type DataType = "float32" | "float16" | "int64" | "int32" | "bool" | "uint8" | "int8" | "float64" | "string";

/** One input or output of a session: its name, element type and shape (symbolic dims as names). */
export interface ValueInfo {
  readonly name: string;
  readonly type: DataType | "unknown";
  readonly shape: readonly (number | string)[];
}

export type ExecutionProvider = "cpu" | "cuda";

export interface SessionOptions {
  /** Where to run. "cuda" needs an onnxruntime-node build with CUDA; otherwise a clear error. */
  readonly executionProvider?: ExecutionProvider;
  /**
   * Intra-op threads, 1 to {@link MAX_THREADS}; default: 1 for a model under 16 MiB
   * ({@link isSmallModel}), else the physical cores available to this process ({@link defaultThreads}).
   */
  readonly threads?: number;
  /** Names the model must have; a missing one is an error that names it. */
  readonly requiredInputs?: readonly string[];
  readonly requiredOutputs?: readonly string[];
  /** What the file is, for messages ("text decoder", "unet"). */
  readonly role?: string;
  /**
   * For a model held in memory whose weights stay in its file (weights-in-place.ts): the
   * folder onnxruntime reads external data from. Threads are then chosen by that file (`path`), not
   * by the bytes in memory.
   */
  readonly externalDataDir?: string;
}

/** Cumulative counters of {@link OnnxSession.run} calls, for benchmarks and profiling. */
export interface SessionStats {
  /** Completed runs. */
  readonly runs: number;
  /** Wall milliseconds spent awaiting onnxruntime's `run` (feeds in, outputs back), summed. */
  readonly runMs: number;
}

export type OrtTensor = ort.Tensor;
export type Feeds = Record<string, ort.Tensor>;
/** Outputs to return, each with a tensor to write it into or null (onnxruntime allocates). */
export type Fetches = Record<string, ort.Tensor | null>;

/** An ONNX model ready to run. Call dispose() when done: it frees the native session. */
export class OnnxSession {
  readonly path: string;
  /** The intra-op threads it runs on. */
  readonly threads: number;
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
  private session: ort.InferenceSession | undefined;
  private runCount = 0;
  private runTotalMs = 0;

  private constructor(path: string, session: ort.InferenceSession, threads: number) {
    this.path = path;
    this.threads = threads;
    this.session = session;
    this.inputs = session.inputMetadata.map(describe);
    this.outputs = session.outputMetadata.map(describe);
  }

  static async load(path: string, options: SessionOptions = {}): Promise<OnnxSession> {
    checkOnnxFile(path, options.role ?? "model");
    return OnnxSession.create(path, path, options);
  }

  /**
   * A model held in memory (one riff derived from a file at load time); `path` names it in
   * messages, as the file it came from with what was done to it.
   */
  static async fromBytes(bytes: Uint8Array, path: string, options: SessionOptions = {}): Promise<OnnxSession> {
    return OnnxSession.create(bytes, path, options);
  }

  private static async create(source: string | Uint8Array, path: string, options: SessionOptions): Promise<OnnxSession> {
    const role = options.role ?? "model";
    const threads = resolveThreads(options.threads, options.externalDataDir !== undefined ? path : source);
    const executionProvider = options.executionProvider ?? "cpu";
    if (executionProvider === "cuda" && !cudaAvailable()) {
      throw new RiffError(
        `execution provider "cuda" is not available in this onnxruntime-node build (available: ${availableProviders().join(", ")})`,
        "executionProvider",
      );
    }
    const sessionOptions = onnxSessionOptions(threads, executionProvider, options.externalDataDir);
    prepareOnnxruntime();
    let session: ort.InferenceSession;
    try {
      session = typeof source === "string" ? await ort.InferenceSession.create(source, sessionOptions) : await ort.InferenceSession.create(source, sessionOptions);
    } catch (error) {
      throw new RiffError(explainLoadFailure(path, role, error));
    }
    const loaded = new OnnxSession(path, session, threads);
    try {
      loaded.require(options.requiredInputs ?? [], "input");
      loaded.require(options.requiredOutputs ?? [], "output");
    } catch (error) {
      await loaded.dispose();
      throw error;
    }
    return loaded;
  }

  hasInput(name: string): boolean {
    return this.inputs.some((v) => v.name === name);
  }

  hasOutput(name: string): boolean {
    return this.outputs.some((v) => v.name === name);
  }

  input(name: string): ValueInfo | undefined {
    return this.inputs.find((v) => v.name === name);
  }

  output(name: string): ValueInfo | undefined {
    return this.outputs.find((v) => v.name === name);
  }

  /** Runs in progress: dispose() waits for them, so the native session is never released under a run. */
  private readonly running = new Set<Promise<unknown>>();

  /**
   * Runs the model. Only the outputs named in `fetches` are returned when given; given as an
   * object, a tensor for a name is where that output is written (it must have the output's
   * shape), null lets onnxruntime allocate it.
   */
  async run(feeds: Feeds, fetches?: readonly string[] | Fetches): Promise<Record<string, ort.Tensor>> {
    const session = this.session;
    if (session === undefined) throw new RiffError(`${this.path}: the session was disposed`);
    const start = performance.now();
    const pending = fetches ? session.run(feeds, fetches as ort.InferenceSession.FetchesType) : session.run(feeds);
    this.running.add(pending);
    let result;
    try {
      result = await pending;
    } finally {
      this.running.delete(pending);
    }
    this.runTotalMs += performance.now() - start;
    this.runCount++;
    return result as Record<string, ort.Tensor>;
  }

  /**
   * How many runs completed and the time spent inside them, since the session was loaded. A
   * snapshot: take one before and one after the work to measure, and subtract.
   */
  get stats(): SessionStats {
    return { runs: this.runCount, runMs: this.runTotalMs };
  }

  /** A readable list of the model's inputs and outputs. */
  describe(): string {
    const line = (v: ValueInfo): string => `  ${v.name}: ${v.type}[${v.shape.join(", ")}]`;
    return [`inputs:`, ...this.inputs.map(line), `outputs:`, ...this.outputs.map(line)].join("\n");
  }

  /** Refuses new runs at once, waits for the runs in progress, then frees the native session. */
  async dispose(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    await Promise.allSettled([...this.running]);
    await session?.release();
  }

  private require(names: readonly string[], kind: "input" | "output"): void {
    const have = kind === "input" ? this.inputs : this.outputs;
    const missing = names.filter((n) => !have.some((v) => v.name === n));
    if (missing.length > 0) {
      throw new RiffError(
        `${this.path} lacks the ${kind}${missing.length > 1 ? "s" : ""} ${missing.map((m) => `"${m}"`).join(", ")}; ` +
          `it has ${have.map((v) => `"${v.name}"`).join(", ") || "none"}`,
      );
    }
  }
}

function describe(meta: ort.InferenceSession.ValueMetadata): ValueInfo {
  if (!meta.isTensor) return { name: meta.name, type: "unknown", shape: [] };
  return { name: meta.name, type: meta.type as DataType, shape: [...meta.shape] };
}

/** ONNX files are protobuf ModelProto messages; the first field is ir_version (tag 0x08). */
function checkOnnxFile(path: string, role: string): void {
  if (!existsSync(path)) throw new RiffError(`${role} file not found: ${path}`);
  const stat = statSync(path);
  if (!stat.isFile()) throw new RiffError(`${role} path is not a file: ${path}`);
  const head = Buffer.alloc(1);
  const fd = openSync(path, "r");
  try {
    readSync(fd, head, 0, 1, 0);
  } finally {
    closeSync(fd);
  }
  if (stat.size < 16 || head[0] !== 0x08) {
    throw new RiffError(`${path} is not an ONNX model file (expected a protobuf ModelProto)`);
  }
}

function explainLoadFailure(path: string, role: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/com\.microsoft|contrib|Could not find an implementation|NOT_IMPLEMENTED/i.test(message)) {
    return `${path}: this ${role} uses operators the CPU execution provider lacks (often a GPU-only export, e.g. fp16 contrib ops): ${firstLine(message)}`;
  }
  if (/protobuf|parse|Load model/i.test(message)) {
    return `${path} could not be read as an ONNX model: ${firstLine(message)}`;
  }
  return `${path}: onnxruntime could not load this ${role}: ${firstLine(message)}`;
}

function firstLine(text: string): string {
  return text.split("\n")[0] ?? text;
}

export function availableProviders(): string[] {
  const list = (ort as unknown as { listSupportedBackends?: () => { name: string; bundled: boolean }[] })
    .listSupportedBackends;
  if (!list) return ["cpu"];
  return list().filter((b) => b.bundled).map((b) => b.name);
}

function cudaAvailable(): boolean {
  return availableProviders().includes("cuda");
}
