import {
  applyProcessors,
  createLogitsProcessors,
  greedy,
  sampleCategorical,
  tokenLogprobs,
  type ChosenTokenLogprobs,
  type LogitsProcessor,
  type Rng,
  type StepModel,
} from "@riff/core";
import { prefill } from "./batch.js";
import type { Decoder } from "./decoder.js";
import type { KvCache } from "./kv-cache.js";
import type { ResolvedOptions } from "./options.js";
import { TextTracker } from "./stream.js";
import type { TextTokenizer } from "./tokenizer.js";
import type { RowConstraints } from "./structured/constraint.js";

/** Why one sequence ended. */
export type TextStopReason = "eos" | "stop_string" | "length" | "aborted";

/** One sequence being sampled (a prompt, or one of its num_return_sequences copies). */
export interface SampledRow {
  readonly prompt: readonly number[];
  /** Prompt + generated ids: what the logits processors see. */
  readonly tokens: number[];
  readonly generated: number[];
  readonly logprobs: ChosenTokenLogprobs[];
  readonly tracker: TextTracker;
  stopReason: TextStopReason | undefined;
  /** Text that became stable in the last step (for streams). */
  delta: string;
  /** How many tokens the last step appended (0 once stopped; more than 1 with prompt lookup). */
  fresh: number;
}

/** A fresh row for `prompt`: nothing generated yet, its text tracked against `stop`. */
export function newRow(prompt: readonly number[], tokenizer: TextTokenizer, stop: readonly string[]): SampledRow {
  return { prompt, tokens: [...prompt], generated: [], logprobs: [], tracker: new TextTracker(tokenizer, prompt, stop), stopReason: undefined, delta: "", fresh: 0 };
}

export interface SamplingState {
  readonly rows: SampledRow[];
  cache: KvCache | undefined;
  /** Per row: its left padding (the attention mask is that many 0s, then 1s). */
  pads: number[];
  /** Per row: the token to feed next. */
  next: number[];
}

export interface Logits {
  readonly logits: Float32Array;
  readonly vocab: number;
  readonly cache: KvCache;
  /** Set by the prefill: each row's left padding. */
  readonly pads?: number[];
}

export interface SampledChoice {
  /** One token per row; under prompt lookup (one row), the step's tokens: accepted drafts, then the model's own. */
  readonly tokens: readonly number[];
  readonly logprobs: readonly (ChosenTokenLogprobs | undefined)[];
  readonly prediction: Logits;
}

/**
 * Greedy decoding and sampling as a core {@link StepModel}: step 0 prefills every prompt in one
 * forward pass; each later step feeds one token per row on top of the KV cache. Finished rows keep
 * being fed the pad token (as transformers does) until every row is done.
 */
export class SamplingModel implements StepModel<SamplingState, Logits, SampledChoice> {
  private readonly processors: LogitsProcessor[];
  private readonly ends: RowEnds;

  constructor(
    private readonly decoder: Decoder,
    private readonly options: ResolvedOptions,
    private readonly padId: number,
    /** Distinct prompts; each is sampled numReturnSequences times (rows prompt-major). */
    private readonly prompts: readonly (readonly number[])[],
    /**
     * Decode the text every step (streaming, stop strings). Otherwise the text is decoded once at
     * the end: re-decoding the whole continuation per token is the loop's largest cost outside
     * onnxruntime.
     */
    trackText = true,
    /** responseFormat's matchers, one per row: masks applied before the processors and logprobs. */
    private readonly constraints?: RowConstraints,
  ) {
    this.processors = createLogitsProcessors(options.sampling);
    this.ends = rowEnds(options, trackText);
  }

  // Not async: the decoder's promise is returned as is, without another wrapping promise per step.
  predict(state: SamplingState, step: number): Promise<Logits> {
    const forward =
      step === 0 || state.cache === undefined
        ? prefill(this.decoder, this.prompts, this.padId, this.options.numReturnSequences)
        : this.decoder.forward({ ids: state.next, batch: state.rows.length, seq: 1, pads: state.pads, cache: state.cache });
    if (this.constraints === undefined) return forward;
    // The masks are fetched after the forward pass is started; onnxruntime-node runs it on the main thread, so they add to the step (about 5 µs a row on stories260K).
    const masks = this.constraints.prepare((r) => state.rows[r]!.stopReason === undefined);
    return Promise.all([forward, masks]).then(([logits]) => logits);
  }

  sample(prediction: Logits, state: SamplingState, rng: Rng): SampledChoice {
    const { logits, vocab } = prediction;
    const tokens: number[] = [];
    const logprobs: (ChosenTokenLogprobs | undefined)[] = [];
    state.rows.forEach((row, r) => {
      if (row.stopReason !== undefined) {
        tokens.push(this.padId);
        logprobs.push(undefined);
        return;
      }
      const scores = logits.subarray(r * vocab, (r + 1) * vocab);
      this.constraints?.apply(r, scores);
      const raw = this.options.logprobs ? scores.slice() : undefined;
      applyProcessors(this.processors, scores, { tokens: row.tokens, promptLength: row.prompt.length });
      const token = this.options.greedy ? greedy(scores) : sampleCategorical(scores, rng);
      tokens.push(token);
      logprobs.push(raw === undefined ? undefined : tokenLogprobs(raw, token, this.options.topLogprobs));
    });
    return { tokens, logprobs, prediction };
  }

  update(state: SamplingState, choice: SampledChoice): SamplingState {
    const { prediction } = choice;
    state.cache = prediction.cache;
    if (prediction.pads !== undefined) state.pads = prediction.pads;
    state.rows.forEach((row, r) => {
      const token = choice.tokens[r]!;
      state.next[r] = token;
      row.delta = "";
      row.fresh = 0;
      if (row.stopReason !== undefined) return;
      this.constraints?.accept(r, token);
      appendToken(row, token, choice.logprobs[r], this.ends);
    });
    return state;
  }

  stop(state: SamplingState): string | undefined {
    if (!state.rows.every((row) => row.stopReason !== undefined)) return undefined;
    return state.rows.length === 1 ? state.rows[0]!.stopReason : "finished";
  }
}

/** What ends a row: an EOS id, the length limit, or (when the text is tracked) a stop string. */
export interface RowEnds {
  readonly eos: ReadonlySet<number>;
  readonly maxNewTokens: number;
  /** Decode the text at every token (streams, stop strings), not only at the end. */
  readonly trackText: boolean;
}

export function rowEnds(options: ResolvedOptions, trackText: boolean): RowEnds {
  return { eos: new Set(options.eosTokenIds), maxNewTokens: options.maxNewTokens, trackText };
}

/**
 * Appends one generated token to a live row, adds the text it made stable to `row.delta`, and
 * sets `row.stopReason` when the row ends with it. Returns whether the row goes on.
 */
export function appendToken(row: SampledRow, token: number, logprob: ChosenTokenLogprobs | undefined, ends: RowEnds): boolean {
  row.tokens.push(token);
  row.generated.push(token);
  row.fresh++;
  if (logprob !== undefined) row.logprobs.push(logprob);
  const atEos = ends.eos.has(token);
  const atLength = row.generated.length >= ends.maxNewTokens;
  if (!ends.trackText && !atEos && !atLength) return true;
  const { delta, stopped } = row.tracker.update(row.generated, atEos || atLength);
  row.delta += delta;
  if (stopped) row.stopReason = "stop_string";
  else if (atEos) row.stopReason = "eos";
  else if (atLength) row.stopReason = "length";
  return row.stopReason === undefined;
}
