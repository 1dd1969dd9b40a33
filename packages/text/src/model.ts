import { relative } from "node:path";
import { RiffError, drain, samplingOptionsFromGenerationConfig, type GenerationOptions } from "@riff/core";
import { dynamicQuantizationOps, graphNodes, type SessionStats } from "@riff/onnx";
import { runBeams } from "./beam-run.js";
import { applyChatTemplate, type ChatMessage } from "./chat.js";
import { ContinuousBatch, type ContinuousBatchOptions } from "./continuous-batch.js";
import { Decoder } from "./decoder.js";
import { checkFolderAgainstGraph } from "./folder-checks.js";
import type { TextStopReason } from "./generate.js";
import { leftPaddingProblem } from "./left-padding.js";
import { textLoadOptionsSchema, type LoadTextModelOptions } from "./load-options.js";
import { readModelFolder, type ModelConfig } from "./model-folder.js";
import { DEFAULT_PROMPT_LOOKUP_TOKENS, resolveOptions, type TextGenerationOptions } from "./options.js";
import { summarise, type GenerationResult, type Prompt, type TextDelta, type TextStream } from "./results.js";
import type { RunContext } from "./run-context.js";
import { runSampling } from "./sampling-run.js";
import { RowConstraints } from "./structured/constraint.js";
import { GrammarCache } from "./structured/grammar-cache.js";
import type { GrammarSource } from "./structured/response-format.js";
import { textStream } from "./text-stream.js";
import { TextTokenizer } from "./tokenizer.js";


/** Loads a text model folder (Hugging Face ONNX layout). Call dispose() when done. */
export async function loadTextModel(dir: string, options: LoadTextModelOptions = {}): Promise<TextModel> {
  if (typeof dir !== "string" || dir === "") throw new RiffError("loadTextModel needs the model folder's path", "dir");
  const load = textLoadOptionsSchema.parse(options, "library");
  const folder = readModelFolder(dir, { ...(load.dtype !== undefined ? { dtype: load.dtype } : {}), ...(load.onnxFile !== undefined ? { onnxFile: load.onnxFile } : {}) });
  const tokenizer = new TextTokenizer(folder.tokenizerJson, folder.tokenizerConfig);
  const ignored: string[] = [];
  const defaults = samplingOptionsFromGenerationConfig(folder.generationConfig, {
    onUnknown: (keys) => ignored.push(...keys),
    source: folder.generationConfigSource,
  });
  const decoder = await Decoder.load(folder.onnxPath, folder.config, { threads: load.threads, executionProvider: load.executionProvider });
  let dynamicOps: string[];
  let paddingProblem: string | undefined;
  try {
    checkFolderAgainstGraph(folder, decoder.graph, tokenizer.vocabularySize);
    // Read after onnxruntime accepted the file, so a broken file gets the session's message.
    const nodes = graphNodes(folder.onnxPath);
    dynamicOps = dynamicQuantizationOps(nodes);
    paddingProblem = leftPaddingProblem(decoder, nodes);
    if (nodes.some((n) => n.opType === "GroupQueryAttention" && n.domain === "com.microsoft")) decoder.useInPlaceCache();
  } catch (error) {
    await decoder.dispose();
    throw error;
  }
  const promptLookupOff =
    dynamicOps.length > 0
      ? `${relative(folder.dir, folder.onnxPath)} quantizes activations dynamically (${dynamicOps.join(", ")}): ` +
        "checking drafted tokens in one pass would change the output, so prompt lookup is off unless asked for"
      : undefined;
  const leftPaddingOff =
    paddingProblem !== undefined ? `${relative(folder.dir, folder.onnxPath)} cannot batch prompts of different lengths: ${paddingProblem}` : undefined;
  return new TextModel(folder.dir, folder.config, tokenizer, decoder, defaults, ignored, promptLookupOff, leftPaddingOff);
}

export class TextModel implements AsyncDisposable {
  private decoderRef: Decoder | undefined;
  /** Aborted by dispose(): runs in progress end at their next step with stopReason "aborted". */
  private readonly disposing = new AbortController();
  /** responseFormat's compiled grammars for this model's tokenizer, made on first use. */
  private grammarCache: GrammarCache | undefined;

  /** @internal use {@link loadTextModel}. */
  constructor(
    readonly dir: string,
    readonly config: ModelConfig,
    readonly tokenizer: TextTokenizer,
    decoder: Decoder,
    /** Options from generation_config.json (the call's options override them). */
    readonly defaults: Readonly<GenerationOptions>,
    /** generation_config.json keys riff does not use. */
    readonly ignoredGenerationConfigKeys: readonly string[],
    /**
     * Why greedy decoding does not draft by prompt lookup by default, when it does not: the
     * decoder quantizes activations dynamically (one scale per pass), so a pass over drafted
     * tokens is not the computation of one token at a time. promptLookupNumTokens (the call's or
     * generation_config.json's) still turns it on.
     */
    readonly promptLookupOff: string | undefined = undefined,
    /**
     * Why prompts of different lengths do not share a batch on this decoder, when they do not
     * (see left-padding.ts): generateBatch runs them one at a time, a continuous batch runs each
     * request alone, so each gets the tokens it gets alone.
     */
    readonly leftPaddingOff: string | undefined = undefined,
  ) {
    this.decoderRef = decoder;
  }

  /** The context length (max_position_embeddings), when the config gives one. */
  get contextLength(): number | undefined {
    return this.config.maxPositions;
  }

  /** EOS ids: generation_config.json, else config.json, else the tokenizer's eos_token. */
  get eosTokenIds(): readonly number[] {
    if (this.defaults.eosTokenIds !== undefined) return this.defaults.eosTokenIds;
    if (this.config.eosTokenIds.length > 0) return this.config.eosTokenIds;
    return this.tokenizer.eosTokenId !== undefined ? [this.tokenizer.eosTokenId] : [];
  }

  /** The prompt's ids: text through the tokenizer, messages through the chat template. */
  encode(prompt: Prompt): number[] {
    if (typeof prompt === "string") return this.tokenizer.encode(prompt);
    if (Array.isArray(prompt)) return applyChatTemplate(this.tokenizer, prompt as readonly ChatMessage[]);
    const ids = prompt !== null && typeof prompt === "object" ? (prompt as { ids?: unknown }).ids : undefined;
    if (!Array.isArray(ids) || ids.some((id) => !Number.isInteger(id) || id < 0)) {
      const got = prompt === null ? "null" : Array.isArray(ids) ? "ids that are not non-negative integers" : typeof prompt;
      throw new RiffError(`prompt must be a string, chat messages, or { ids: token ids }, got ${got}`, "prompt");
    }
    const vocab = this.config.vocabSize;
    const outside = vocab === undefined ? undefined : (ids as number[]).find((id) => id >= vocab);
    if (outside !== undefined) throw new RiffError(`prompt: token id ${outside} is outside the vocabulary (0 to ${vocab! - 1})`, "prompt");
    return [...(ids as number[])];
  }

  decode(ids: readonly number[]): string {
    return this.tokenizer.decode(ids);
  }

  async generate(prompt: Prompt, options: TextGenerationOptions = {}): Promise<GenerationResult> {
    const [result] = await drain(this.execute([prompt], options, false));
    return result!;
  }

  /**
   * Several prompts in one batch (left-padded); one result per prompt, in order. On a decoder
   * that cannot take left padding ({@link TextModel.leftPaddingOff}) prompts of different lengths
   * run one after another instead.
   */
  async generateBatch(prompts: readonly Prompt[], options: TextGenerationOptions = {}): Promise<GenerationResult[]> {
    if (!Array.isArray(prompts) || prompts.length === 0) throw new RiffError("generateBatch needs at least one prompt", "prompts");
    if (this.leftPaddingOff !== undefined && new Set(prompts.map((p) => this.encode(p).length)).size > 1) {
      const results: GenerationResult[] = [];
      for (const prompt of prompts) results.push(await this.generate(prompt, options));
      return results;
    }
    return drain(this.execute(prompts, options, false));
  }

  /**
   * Streams one prompt's generation as text deltas, one per step (its text may be "" while
   * characters are held back) plus a last one for held-back text. Generation advances as the
   * deltas are read; leaving the loop early stops it.
   */
  stream(prompt: Prompt, options: TextGenerationOptions = {}): TextStream {
    return textStream((signal) => this.execute([prompt], { ...options, signal }, true), options?.signal);
  }

  /**
   * A continuous batch on this model: its generate() and stream() calls share one forward pass
   * per step, joining the running batch at the next step and leaving it when they end, each with
   * the output it gets alone (see continuous-batch.ts for what runs outside the batch).
   */
  continuousBatch(options: ContinuousBatchOptions = {}): ContinuousBatch {
    return new ContinuousBatch(
      {
        model: this,
        decoder: this.decoder,
        disposing: this.disposing.signal,
        resolve: (call, promptLength, streaming) =>
          resolveOptions(call, this.defaults, {
            promptLength,
            contextLength: this.contextLength,
            eosTokenIds: this.eosTokenIds,
            streaming,
            batch: 1,
            // The batch is the speed-up; drafting runs alone, so only when asked for.
            defaultPromptLookup: 0,
          }),
        constraints: (grammar, rows, eosTokenIds) => this.constraints(grammar, rows, eosTokenIds),
      },
      options,
    );
  }

  /**
   * The decoder session's cumulative counters: forward passes run and milliseconds spent inside
   * onnxruntime. Subtract two snapshots to see how much of a generation was the model itself.
   */
  sessionStats(): SessionStats {
    return this.decoder.stats;
  }

  /** The onnxruntime intra-op threads the decoder runs on (the `threads` it was loaded with, or the default for its size). */
  get threads(): number {
    return this.decoder.threads;
  }

  /**
   * Frees the model. A generate() or stream() in progress ends at its next step with stopReason
   * "aborted" (the step running finishes first); later calls throw a RiffError.
   */
  async dispose(): Promise<void> {
    const decoder = this.decoderRef;
    this.decoderRef = undefined;
    this.disposing.abort();
    await decoder?.dispose();
    await this.grammarCache?.dispose();
    this.grammarCache = undefined;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.dispose();
  }

  // --- internals ---

  private get decoder(): Decoder {
    if (this.decoderRef === undefined) throw new RiffError(`the text model ${this.dir} was disposed`);
    return this.decoderRef;
  }

  /** The generation, as a generator of stream deltas (only when streaming) returning the results. */
  private async *execute(
    prompts: readonly Prompt[],
    options: TextGenerationOptions,
    streaming: boolean,
  ): AsyncGenerator<TextDelta, GenerationResult[]> {
    const decoder = this.decoder;
    const signal = options?.signal !== undefined ? AbortSignal.any([options.signal, this.disposing.signal]) : this.disposing.signal;
    options = { ...options, signal };
    const encoded = prompts.map((p) => this.encode(p));
    if (encoded.some((ids) => ids.length === 0)) throw new RiffError("the prompt encodes to no tokens; give some text", "prompt");
    const promptLength = Math.max(...encoded.map((ids) => ids.length));
    const resolved = resolveOptions(options ?? {}, this.defaults, {
      promptLength,
      contextLength: this.contextLength,
      eosTokenIds: this.eosTokenIds,
      streaming,
      batch: prompts.length,
      defaultPromptLookup: this.promptLookupOff === undefined ? DEFAULT_PROMPT_LOOKUP_TOKENS : 0,
    });
    const padId = this.tokenizer.padTokenId ?? resolved.eosTokenIds[0] ?? 0;
    const started = performance.now();
    const empty = (stopReason: TextStopReason): GenerationResult[] =>
      encoded.map((ids) => summarise([{ text: "", tokens: [], tokenCount: 0, stopReason }], ids.length, { prefillMs: 0, totalMs: 0, tokensPerSecond: 0 }, resolved));
    if (resolved.maxNewTokens === 0) return empty("length");
    if (resolved.signal?.aborted) return empty("aborted");
    const rows = encoded.length * (resolved.numBeams > 1 ? resolved.numBeams : resolved.numReturnSequences);
    const constraints = resolved.grammar === undefined ? undefined : await this.constraints(resolved.grammar, rows, resolved.eosTokenIds);
    const run: RunContext = { decoder, tokenizer: this.tokenizer, prompts: encoded, options: resolved, padId, started, constraints };
    try {
      if (resolved.numBeams > 1) return await runBeams(run);
      return yield* runSampling(run, streaming);
    } finally {
      constraints?.dispose();
    }
  }

  /** One grammar matcher per row for a response format (compiled once per model and format). */
  private async constraints(source: GrammarSource, rows: number, eosTokenIds: readonly number[]): Promise<RowConstraints> {
    this.grammarCache ??= new GrammarCache(this.tokenizer, this.config.vocabSize ?? this.tokenizer.vocabularySize);
    const grammar = await this.grammarCache.compile(source);
    return RowConstraints.create(await this.grammarCache.xgrammar(), grammar, rows, eosTokenIds);
  }
}
