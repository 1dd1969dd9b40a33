import { dirname } from "node:path";
import { RiffError } from "@riff/core";
import { OnnxSession, bool, floatData, graphWithoutWeights, int64, integers, type ExecutionProvider, type Fetches, type OrtTensor, type SessionOptions, type SessionStats, type ValueInfo } from "@riff/onnx";
import { KvCache, type KvLayerIO, type KvLayout } from "./kv-cache.js";
import type { ModelConfig } from "./model-folder.js";
import { StepFeeds } from "./step-feeds.js";
import { stepKvNames, withStepKvOutputs } from "./step-kv.js";

export interface DecoderOptions {
  /** Intra-op threads for onnxruntime (default: 1 for a model under 16 MiB, else the available physical cores; see @riff/onnx resolveThreads). */
  readonly threads?: number | undefined;
  readonly executionProvider?: ExecutionProvider | undefined;
  /** false keeps the growing cache where the appending one would be used (step-kv.ts): for tests and benches that compare them. */
  readonly appending?: boolean | undefined;
}

/** One forward pass: `seq` new tokens for each of `batch` rows, on top of `cache`. */
export type ForwardInput = ForwardTokens & (ExplicitMask | PaddedStep);

interface ForwardTokens {
  /** Row-major [batch, seq]. */
  readonly ids: readonly number[];
  readonly batch: number;
  readonly seq: number;
  readonly cache: KvCache;
  /** Return the logits of every fed position, not just the last (to check drafted tokens). */
  readonly allPositions?: boolean | undefined;
}

/** Any shape: the mask and positions spelled out. */
interface ExplicitMask {
  /** Row-major [batch, cache.length + seq]: 1 for real tokens, 0 for padding. */
  readonly attentionMask: readonly number[];
  /** Row-major [batch, seq]. */
  readonly positionIds: readonly number[];
  readonly pads?: undefined;
}

/**
 * A decode step of rows that are left-padded prompts plus generated tokens (`seq` new tokens
 * each: 1, or a token and its drafts): row r's mask is pads[r] zeros then ones, its positions
 * count its real tokens. Built in buffers reused from step to step (see StepFeeds).
 */
interface PaddedStep {
  readonly pads: readonly number[];
  readonly attentionMask?: undefined;
  readonly positionIds?: undefined;
}

/** What the graph itself says, where its dims are numbers (symbolic dims are left out). */
export interface DecoderGraph {
  /** Layers: how many past_key_values.N.key inputs. */
  readonly layers: number;
  readonly kvHeads: number | undefined;
  readonly headDim: number | undefined;
  /** The logits' last dim: the vocabulary the model scores. */
  readonly vocab: number | undefined;
}

export interface ForwardOutput {
  /**
   * Row-major [batch, vocab]: the logits at each row's last position; with `allPositions`,
   * [batch, seq, vocab].
   */
  readonly logits: Float32Array;
  readonly vocab: number;
  /** The cache extended by the `seq` new positions. */
  readonly cache: KvCache;
}

const PAST = /^past_key_values\.(\d+)\.(key|value)$/;
const KNOWN_INPUTS = new Set(["input_ids", "attention_mask", "position_ids", "use_cache_branch", "num_logits_to_keep"]);

/**
 * A decoder-only ONNX model with a KV cache (optimum / transformers.js layout). The input and
 * output names and the cache dims come from the session (config.json fills symbolic dims), not
 * from a per-family table.
 */
export class Decoder {
  readonly layout: KvLayout;
  readonly graph: DecoderGraph;
  readonly hasPositionIds: boolean;
  readonly hasAttentionMask: boolean;
  /** A merged decoder (decoder_model_merged.onnx) chooses its branch with this bool input. */
  readonly hasUseCacheBranch: boolean;
  private readonly idsType: string;
  private readonly maskType: string;
  private readonly positionType: string;
  private readonly numLogitsToKeep: boolean;
  /**
   * Step input buffers not in use. A run takes one and gives it back when onnxruntime is done
   * with it, so concurrent generations on one model never share a buffer; one at a time reuse
   * the same one.
   */
  private readonly idleStepFeeds: StepFeeds[] = [];
  /** The outputs a run fetches: the logits and each layer's present key/value, or its step key/value when its caches append. */
  private readonly fetches: readonly string[];
  /** Whether its caches are appending ones (the graph outputs each step's new positions: step-kv.ts). */
  readonly appends: boolean;
  private readonly constants: Record<string, OrtTensor> = {};
  /**
   * Whether single-row caches are in-place (see KvCache): set by {@link useInPlaceCache} for a
   * graph whose attention is GroupQueryAttention, which writes into a shared past/present buffer.
   */
  private inPlace = false;

  private constructor(
    private session: OnnxSession | undefined,
    readonly path: string,
    config: ModelConfig,
    /** past_key_values.* input → the output of the step's new positions it is concatenated with (step-kv.ts). */
    stepKv: ReadonlyMap<string, string>,
  ) {
    const s = session!;
    const input = (name: string): ValueInfo | undefined => s.input(name);
    this.hasAttentionMask = s.hasInput("attention_mask");
    this.hasPositionIds = s.hasInput("position_ids");
    this.hasUseCacheBranch = s.hasInput("use_cache_branch");
    this.numLogitsToKeep = s.hasInput("num_logits_to_keep");
    this.idsType = input("input_ids")?.type ?? "int64";
    this.maskType = input("attention_mask")?.type ?? "int64";
    this.positionType = input("position_ids")?.type ?? "int64";

    const unknown = s.inputs.filter((v) => !KNOWN_INPUTS.has(v.name) && !PAST.test(v.name)).map((v) => v.name);
    if (unknown.length > 0) {
      throw new RiffError(`${path} has inputs riff text does not know how to feed: ${unknown.join(", ")}`, "model");
    }
    this.appends = stepKv.size > 0;
    this.layout = readLayout(s, path, config, stepKv);
    this.graph = readGraph(s, this.layout.layers.length);
    this.fetches = ["logits", ...this.layout.layers.flatMap((l) => (this.appends ? [l.keyStep!, l.valueStep!] : [l.keyOutput, l.valueOutput]))];
    if (this.numLogitsToKeep) this.constants.num_logits_to_keep = int64([1], []);
  }

  /**
   * Runs single-row generations on an in-place cache from now on: for graphs whose attention is
   * onnxruntime's GroupQueryAttention (the model builder's), which reads each row's length from
   * the attention mask and writes the new positions into the past buffer when the present output
   * is the same memory. Rows with padding never get one (these graphs refuse left padding).
   */
  useInPlaceCache(): void {
    this.inPlace = true;
  }

  static async load(path: string, config: ModelConfig, options: DecoderOptions = {}): Promise<Decoder> {
    const sessionOptions: SessionOptions = {
      role: "text decoder",
      requiredInputs: ["input_ids"],
      requiredOutputs: ["logits"],
      ...(options.threads !== undefined ? { threads: options.threads } : {}),
      ...(options.executionProvider !== undefined ? { executionProvider: options.executionProvider } : {}),
    };
    const stepKv = options.appending === false ? undefined : readStepKv(path);
    const session =
      stepKv !== undefined
        ? await OnnxSession.fromBytes(withStepKvOutputs(stepKv.graph, stepKv.names), path, { ...sessionOptions, externalDataDir: dirname(path) })
        : await OnnxSession.load(path, sessionOptions);
    try {
      return new Decoder(session, path, config, stepKv?.names ?? new Map());
    } catch (error) {
      await session.dispose();
      throw error;
    }
  }

  emptyCache(batch: number): KvCache {
    if (this.appends) return KvCache.appending(this.layout, batch, 0);
    return this.inPlace && batch === 1 ? KvCache.inPlace(this.layout, batch, 0) : KvCache.empty(this.layout, batch);
  }

  async forward(input: ForwardInput): Promise<ForwardOutput> {
    const { batch, seq, cache } = input;
    const total = cache.length + seq;
    if (cache.batch !== batch) throw new RangeError(`forward: cache batch ${cache.batch} ≠ ${batch}`);
    if (input.ids.length !== batch * seq) throw new RangeError("forward: ids do not match [batch, seq]");
    if (cache.inPlace && (input.pads?.some((p) => p > 0) === true || input.attentionMask?.includes(0) === true)) {
      throw new RangeError("forward: an in-place cache cannot take padded rows");
    }
    const feeds: Record<string, OrtTensor> = {};
    // An appending cache is fed whole: its unfilled room, [length, capacity), is masked out.
    const room = cache.kind === "appending" ? cache.capacity - cache.length : 0;
    if (input.pads !== undefined) {
      if (input.pads.length !== batch) throw new RangeError("forward: pads need one pad count per row");
      const step = this.idleStepFeeds.pop() ?? new StepFeeds(this.idsType, this.maskType, this.positionType);
      try {
        feeds.input_ids = step.inputIds(input.ids, seq);
        if (this.hasAttentionMask) feeds.attention_mask = step.attentionMask(input.pads, total + room, { start: cache.length, end: cache.length + room });
        if (this.hasPositionIds) feeds.position_ids = step.positionIds(input.pads, total, seq);
        return await this.run(feeds, input, cache);
      } finally {
        this.idleStepFeeds.push(step);
      }
    } else {
      if (input.attentionMask.length !== batch * total || input.positionIds.length !== batch * seq) {
        throw new RangeError("forward: attention mask or positions do not match [batch, seq]");
      }
      feeds.input_ids = integers(this.idsType, input.ids, [batch, seq]);
      const mask = room > 0 ? maskWithRoom(input.attentionMask, batch, cache.length, room) : input.attentionMask;
      if (this.hasAttentionMask) feeds.attention_mask = integers(this.maskType, mask, [batch, total + room]);
      if (this.hasPositionIds) feeds.position_ids = integers(this.positionType, input.positionIds, [batch, seq]);
    }
    return this.run(feeds, input, cache);
  }

  private async run(feeds: Record<string, OrtTensor>, input: ForwardTokens, cache: KvCache): Promise<ForwardOutput> {
    const { batch, seq, allPositions = false } = input;
    const session = this.session;
    if (session === undefined) throw new RiffError("the text model was disposed");
    if (this.hasUseCacheBranch) feeds.use_cache_branch = this.useCacheBranch(cache.length > 0);
    if (this.numLogitsToKeep) feeds.num_logits_to_keep = allPositions && seq > 1 ? int64([seq], []) : this.constants.num_logits_to_keep!;
    let fetches: readonly string[] | Fetches = this.fetches;
    if ((cache.kind === "appending") !== this.appends) throw new Error(`forward: a ${cache.kind} cache on a decoder whose caches ${this.appends ? "append" : "do not append"}`);
    if (cache.inPlace) {
      cache = cache.withRoom(cache.length + seq);
      const bound: Fetches = { logits: null };
      cache.addOutputs(bound);
      fetches = bound;
    }
    cache.addFeeds(feeds);

    const outputs = await session.run(feeds, fetches);
    const logitsTensor = outputs.logits;
    if (logitsTensor === undefined) throw new Error("the decoder returned no logits");
    const dims = logitsTensor.dims;
    const vocab = Number(dims[dims.length - 1] ?? 0);
    const positions = dims.length === 3 ? Number(dims[1] ?? 1) : 1;
    const all = floatData(logitsTensor);
    let logits: Float32Array;
    if (allPositions && positions !== seq) throw new Error(`the decoder returned logits for ${positions} positions, expected ${seq}`);
    if (positions === 1 || allPositions) {
      logits = all;
    } else {
      logits = new Float32Array(batch * vocab);
      for (let b = 0; b < batch; b++) {
        const start = (b * positions + positions - 1) * vocab;
        logits.set(all.subarray(start, start + vocab), b * vocab);
      }
    }
    const next = cache.kind === "in-place" ? cache.extended(seq) : cache.kind === "appending" ? cache.appended(outputs, seq) : KvCache.fromOutputs(this.layout, outputs);
    return { logits, vocab, cache: next };
  }

  private useCacheBranch(value: boolean): OrtTensor {
    const name = value ? "useCacheTrue" : "useCacheFalse";
    return (this.constants[name] ??= bool([value], [1]));
  }

  /** The intra-op threads its session runs on. */
  get threads(): number {
    if (this.session === undefined) throw new RiffError("the text model was disposed");
    return this.session.threads;
  }

  /** The session's run counters (see {@link OnnxSession.stats}). */
  get stats(): SessionStats {
    if (this.session === undefined) throw new RiffError("the text model was disposed");
    return this.session.stats;
  }

  describe(): string {
    return this.session?.describe() ?? "(disposed)";
  }

  async dispose(): Promise<void> {
    const session = this.session;
    this.session = undefined;
    await session?.dispose();
  }
}

/** Rows of [batch, filled + new] mask values with `room` zeros inserted after each row's first `filled`. */
function maskWithRoom(mask: readonly number[], batch: number, filled: number, room: number): number[] {
  const width = mask.length / batch;
  const out = new Array<number>(mask.length + batch * room).fill(0);
  for (let r = 0; r < batch; r++) {
    for (let i = 0; i < width; i++) out[r * (width + room) + (i < filled ? i : i + room)] = mask[r * width + i]!;
  }
  return out;
}

/**
 * The graph, without its weights (they stay in the file: @riff/onnx graphWithoutWeights), and its
 * step key/value outputs (step-kv.ts), when the file's present.* are concatenations riff can append
 * to itself; otherwise undefined, and the session loads the file by its path (which also gives a
 * missing or broken file onnxruntime's own message).
 */
function readStepKv(path: string): { graph: Uint8Array; names: Map<string, string> } | undefined {
  try {
    const names = stepKvNames(path);
    return names.size > 0 ? { graph: graphWithoutWeights(path), names } : undefined;
  } catch {
    return undefined;
  }
}

function readLayout(session: OnnxSession, path: string, config: ModelConfig, stepKv: ReadonlyMap<string, string>): KvLayout {
  const byLayer = new Map<number, { key?: ValueInfo; value?: ValueInfo }>();
  for (const v of session.inputs) {
    const m = PAST.exec(v.name);
    if (m === null) continue;
    const layer = Number(m[1]);
    const entry = byLayer.get(layer) ?? {};
    entry[m[2] as "key" | "value"] = v;
    byLayer.set(layer, entry);
  }
  if (byLayer.size === 0) {
    throw new RiffError(
      `${path} has no past_key_values.* inputs: riff text needs a decoder exported with its KV cache ` +
        `(optimum "text-generation-with-past", as transformers.js models are)`,
      "model",
    );
  }
  const count = Math.max(...byLayer.keys()) + 1;
  const layers: KvLayerIO[] = [];
  let first: ValueInfo | undefined;
  for (let i = 0; i < count; i++) {
    const entry = byLayer.get(i);
    const keyInput = `past_key_values.${i}.key`;
    const valueInput = `past_key_values.${i}.value`;
    if (entry?.key === undefined || entry.value === undefined) {
      throw new RiffError(`${path} lacks the input ${entry?.key === undefined ? keyInput : valueInput}`, "model");
    }
    const keyOutput = `present.${i}.key`;
    const valueOutput = `present.${i}.value`;
    // An appending decoder's graph returns the step's positions (step-kv.ts) in place of present.*.
    const keyStep = stepKv.get(keyInput);
    const valueStep = stepKv.get(valueInput);
    for (const name of stepKv.size > 0 ? [keyStep ?? keyInput, valueStep ?? valueInput] : [keyOutput, valueOutput]) {
      if (!session.hasOutput(name)) throw new RiffError(`${path} lacks the output ${name} (to feed back as ${name.replace("present", "past_key_values")})`, "model");
    }
    first ??= entry.key;
    layers.push({ keyInput, valueInput, keyOutput, valueOutput, ...(stepKv.size > 0 ? { keyStep, valueStep } : {}) });
  }
  const info = first!;
  if (info.type !== "float32" && info.type !== "float16") {
    throw new RiffError(`${path}: KV cache of type ${info.type} is not supported (float32 or float16 only)`, "model");
  }
  if (info.shape.length !== 4) {
    throw new RiffError(`${path}: past_key_values.0.key has ${info.shape.length} dims; riff expects [batch, heads, past, head_dim]`, "model");
  }
  const dim = (i: number, fallback: number): number => {
    const d = info.shape[i];
    return typeof d === "number" && d > 0 ? d : fallback;
  };
  return { layers, heads: dim(1, config.numKeyValueHeads), headDim: dim(3, config.headDim), type: info.type };
}

function readGraph(session: OnnxSession, layers: number): DecoderGraph {
  const known = (shape: readonly (number | string)[] | undefined, i: number): number | undefined => {
    const d = shape?.[i < 0 ? shape.length + i : i];
    return typeof d === "number" && d > 0 ? d : undefined;
  };
  const past = session.input("past_key_values.0.key")?.shape;
  return { layers, kvHeads: known(past, 1), headDim: known(past, 3), vocab: known(session.output("logits")?.shape, -1) };
}
