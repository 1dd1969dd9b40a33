import { join, relative } from "node:path";
import {
  RiffError,
  Rng,
  runSteps,
  samplingOptionsFromGenerationConfig,
  type ChosenTokenLogprobs,
  type GenerationOptions,
  type StepEvent,
} from "@riff/core";
import { dynamicQuantizationOps, graphNodes, type SessionStats } from "@riff/onnx";
import { textLoadOptionsSchema, type LoadTextModelOptions } from "./load-options.js";
import { BeamSearchModel } from "./beam-search.js";
import { applyChatTemplate, type ChatMessage } from "./chat.js";
import { ContinuousBatch, type ContinuousBatchOptions } from "./continuous-batch.js";
import { Decoder } from "./decoder.js";
import { leftPaddingProblem } from "./left-padding.js";
import { LookupModel } from "./lookup-decoding.js";
import { SamplingModel, type SampledRow, type SamplingState, type TextStopReason } from "./generate.js";
import { checkFolderAgainstGraph } from "./folder-checks.js";
import { readModelFolder, type ModelConfig, type TextDtype } from "./model-folder.js";
import { DEFAULT_PROMPT_LOOKUP_TOKENS, resolveOptions, type ResolvedOptions, type TextGenerationOptions } from "./options.js";
import { TextTracker } from "./stream.js";
import { TextTokenizer } from "./tokenizer.js";
import { RowConstraints } from "./structured/constraint.js";
import { GrammarCache } from "./structured/grammar-cache.js";
import type { GrammarSource } from "./structured/response-format.js";

/** A prompt: plain text, a conversation for the chat template, or token ids. */
export type Prompt = string | readonly ChatMessage[] | { readonly ids: readonly number[] };

/** One generated sequence. */
export interface GeneratedSequence {
  /** The generated text (the prompt is not repeated), cut before a stop string. */
  readonly text: string;
  /** The generated ids, EOS included when the sequence ended on one. */
  readonly tokens: readonly number[];
  readonly tokenCount: number;
  readonly stopReason: TextStopReason;
  /** With `logprobs`: per generated token, its log-probability under the model (raw logits) and the top alternatives. */
  readonly logprobs?: readonly ChosenTokenLogprobs[];
  /**
   * With a responseFormat: true when the output does not complete the format (the token limit ran
   * out, the run was aborted, or a stop string cut it), false when it does.
   */
  readonly incomplete?: boolean;
  /** Beam search: the hypothesis score, sum_logprobs / tokenCount ** length_penalty. */
  readonly score?: number;
}

export interface GenerationResult extends GeneratedSequence {
  readonly promptTokens: number;
  /** Milliseconds of the prompt's forward pass. */
  readonly prefillMs: number;
  readonly totalMs: number;
  /** Tokens after the first per second of decoding (the first comes from the prefill). */
  readonly tokensPerSecond: number;
  /** The seed used (given, or DEFAULT_SEED), so a sampled run can be repeated. */
  readonly seed: number;
  /** Every returned sequence, best first for beam search; the fields above are sequences[0]'s. */
  readonly sequences: readonly GeneratedSequence[];
  /** Tokens drafted per step by prompt lookup (0 = none; see {@link TextModel.promptLookupOff}). */
  readonly promptLookupNumTokens: number;
}

/** One step of a stream: the new stable text (maybe ""), the token(s) behind it. */
export interface TextDelta {
  readonly text: string;
  readonly tokens: readonly number[];
  readonly logprobs?: readonly ChosenTokenLogprobs[];
}

/**
 * An async iterable of text deltas whose concatenation is the final text. `result` resolves when
 * the iteration ends (awaiting it without iterating runs the stream to its end).
 */
export interface TextStream extends AsyncIterable<TextDelta> {
  readonly result: Promise<GenerationResult>;
}

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
    // Leaving the loop early aborts the run through this signal; `result` then has stopReason "aborted".
    const leave = new AbortController();
    const signal = options?.signal !== undefined ? AbortSignal.any([options.signal, leave.signal]) : leave.signal;
    const generator = this.execute([prompt], { ...options, signal }, true);
    let settle!: { resolve: (r: GenerationResult) => void; reject: (e: unknown) => void };
    const result = new Promise<GenerationResult>((resolve, reject) => (settle = { resolve, reject }));
    result.catch(() => undefined); // a failure also surfaces through the iteration
    let started = false;
    let settled = false;
    async function* iterate(): AsyncGenerator<TextDelta, void> {
      try {
        for (;;) {
          const next = await generator.next();
          if (next.done) {
            settled = true;
            settle.resolve(next.value[0]!);
            return;
          }
          yield next.value;
        }
      } catch (error) {
        settled = true;
        settle.reject(error);
        throw error;
      } finally {
        if (!settled) {
          // The consumer left early: stop within one step and finish the result quietly.
          leave.abort();
          try {
            settle.resolve((await drain(generator))[0]!);
          } catch (error) {
            settle.reject(error);
          }
        }
      }
    }
    const iterator = iterate();
    return {
      [Symbol.asyncIterator]: () => {
        started = true;
        return iterator;
      },
      get result(): Promise<GenerationResult> {
        if (!started) {
          started = true;
          void (async () => {
            try {
              for await (const _ of iterator) void _;
            } catch {
              // reported through `result`
            }
          })();
        }
        return result;
      },
    };
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
      encoded.map((ids) => summarise([{ text: "", tokens: [], tokenCount: 0, stopReason }], ids.length, 0, 0, 0, resolved));
    if (resolved.maxNewTokens === 0) return empty("length");
    if (resolved.signal?.aborted) return empty("aborted");
    const rows = encoded.length * (resolved.numBeams > 1 ? resolved.numBeams : resolved.numReturnSequences);
    const constraints = resolved.grammar === undefined ? undefined : await this.constraints(resolved.grammar, rows, resolved.eosTokenIds);
    try {
      if (resolved.numBeams > 1) return await this.runBeams(decoder, encoded, resolved, padId, started, constraints);
      return yield* this.runSampling(decoder, encoded, resolved, padId, started, streaming, constraints);
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

  private async *runSampling(
    decoder: Decoder,
    prompts: readonly number[][],
    options: ResolvedOptions,
    padId: number,
    started: number,
    streaming: boolean,
    constraints: RowConstraints | undefined,
  ): AsyncGenerator<TextDelta, GenerationResult[]> {
    const n = options.numReturnSequences;
    const rows: SampledRow[] = prompts.flatMap((prompt) =>
      Array.from({ length: n }, () => ({
        prompt,
        tokens: [...prompt],
        generated: [],
        logprobs: [],
        tracker: new TextTracker(this.tokenizer, prompt, options.stop),
        stopReason: undefined,
        delta: "",
        fresh: 0,
      })),
    );
    const trackText = streaming || options.stop.length > 0;
    const state: SamplingState = { rows, cache: undefined, pads: [], next: [] };
    const timing = new Timing();
    const run = { rng: new Rng(options.seed), signal: options.signal, maxSteps: options.maxNewTokens };
    const loop: AsyncGenerator<StepEvent<unknown, unknown>, unknown> =
      // resolveOptions leaves it above 0 only for greedy decoding of one prompt (one row).
      options.promptLookupNumTokens > 0
        ? runSteps(new LookupModel(decoder, options, padId, prompts[0]!, trackText, constraints), { ...state, draft: [], feed: [] }, run)
        : runSteps(new SamplingModel(decoder, options, padId, prompts, trackText, constraints), state, run);
    for (;;) {
      const next = await loop.next();
      if (next.done) break;
      const row = rows[0]!;
      // Every step adds a token to each live row; with prompt lookup, the accepted drafts too.
      timing.add(next.value, Math.max(1, row.fresh));
      if (streaming) {
        yield {
          text: row.delta,
          tokens: row.generated.slice(-row.fresh),
          ...(options.logprobs ? { logprobs: row.logprobs.slice(-row.fresh) } : {}),
        };
      }
    }
    const totalMs = performance.now() - started;
    for (const row of rows) {
      if (row.stopReason === undefined) row.stopReason = options.signal?.aborted ? "aborted" : "length";
      if (!trackText) row.tracker.update(row.generated, true);
      const tail = row.tracker.flush();
      if (streaming && row === rows[0] && tail !== "") yield { text: tail, tokens: [] };
    }
    // A row that ended on EOS completed its format (EOS is allowed only then); a stop string cuts it.
    const incomplete: boolean[] = [];
    for (const [r, row] of rows.entries()) {
      if (constraints === undefined) continue;
      const reason = row.stopReason;
      incomplete[r] = reason !== "eos" && (reason === "stop_string" || !(await constraints.complete(r, options.eosTokenIds)));
    }
    return prompts.map((prompt, p) => {
      const sequences = rows.slice(p * n, (p + 1) * n).map((row, i): GeneratedSequence => ({
        text: row.tracker.text,
        tokens: row.generated,
        tokenCount: row.generated.length,
        stopReason: row.stopReason!,
        ...(constraints !== undefined ? { incomplete: incomplete[p * n + i]! } : {}),
        ...(options.logprobs ? { logprobs: row.logprobs } : {}),
      }));
      return summarise(sequences, prompt.length, timing.prefillMs, totalMs, timing.tokensPerSecond(sequences), options);
    });
  }

  private async runBeams(
    decoder: Decoder,
    prompts: readonly number[][],
    options: ResolvedOptions,
    padId: number,
    started: number,
    constraints: RowConstraints | undefined,
  ): Promise<GenerationResult[]> {
    const model = new BeamSearchModel(decoder, options, padId, prompts, constraints);
    const state = model.initialState();
    const timing = new Timing();
    const loop = runSteps(model, state, { rng: new Rng(options.seed), signal: options.signal, maxSteps: options.maxNewTokens });
    let stopReason: string | undefined;
    for (;;) {
      const next = await loop.next();
      if (next.done) {
        stopReason = next.value.stopReason;
        break;
      }
      timing.add(next.value, 1);
    }
    const totalMs = performance.now() - started;
    const aborted = stopReason === "aborted";
    const best = state.scorer.finalize(state.scores, state.sequences, options.numReturnSequences);
    return prompts.map((prompt, p) => {
      const sequences = best[p]!.map((h): GeneratedSequence => {
        const tracker = new TextTracker(this.tokenizer, prompt, []);
        tracker.update(h.tokens, true);
        return {
          text: tracker.text,
          tokens: h.tokens,
          tokenCount: h.tokens.length,
          stopReason: h.finished ? "eos" : aborted ? "aborted" : "length",
          // A finished hypothesis ended on EOS, which the grammar allows only when complete.
          ...(constraints !== undefined ? { incomplete: !h.finished } : {}),
          score: h.score,
        };
      });
      if (sequences.length === 0) sequences.push({ text: "", tokens: [], tokenCount: 0, stopReason: aborted ? "aborted" : "length" });
      return summarise(sequences, prompt.length, timing.prefillMs, totalMs, timing.tokensPerSecond(sequences), options);
    });
  }
}

class Timing {
  prefillMs = 0;
  decodeMs = 0;
  /** Tokens per sequence that decode steps (after the prefill's first) produced. */
  decodedTokens = 0;

  /** One step's event and the tokens it added to a sequence (more than 1 with prompt lookup). */
  add(event: StepEvent<unknown, unknown>, tokens: number): void {
    if (event.step === 0) this.prefillMs = event.stepMs;
    else {
      this.decodeMs += event.stepMs;
      this.decodedTokens += tokens;
    }
  }

  tokensPerSecond(sequences: readonly GeneratedSequence[]): number {
    if (this.decodedTokens === 0 || this.decodeMs <= 0) {
      const total = this.prefillMs + this.decodeMs;
      return total > 0 ? ((sequences[0]?.tokenCount ?? 0) * 1000) / total : 0;
    }
    return (this.decodedTokens * 1000) / this.decodeMs;
  }
}

function summarise(
  sequences: GeneratedSequence[],
  promptTokens: number,
  prefillMs: number,
  totalMs: number,
  tokensPerSecond: number,
  options: Pick<ResolvedOptions, "seed" | "promptLookupNumTokens">,
): GenerationResult {
  const first = sequences[0]!;
  const { seed, promptLookupNumTokens } = options;
  return { ...first, promptTokens, prefillMs, totalMs, tokensPerSecond, seed, sequences, promptLookupNumTokens };
}

async function drain<T>(generator: AsyncGenerator<unknown, T>): Promise<T> {
  for (;;) {
    const next = await generator.next();
    if (next.done) return next.value;
  }
}
