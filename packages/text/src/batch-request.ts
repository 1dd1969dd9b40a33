/**
 * One request in a continuous batch (see ContinuousBatch): its rows (num_return_sequences of
 * them) and everything of its own: options, logits processors, Rng stream (seeded as when it runs
 * alone), stop conditions, responseFormat matchers, AbortSignal and the channel its deltas and
 * result go out on. The batch decides which rows run in which step; the request samples its rows
 * from the logits it is given, as SamplingModel does alone, and builds its result at the end.
 */
import { Rng, applyProcessors, createLogitsProcessors, greedy, sampleCategorical, tokenLogprobs, type LogitsProcessor } from "@riff/core";
import type { DeltaChannel } from "./delta-channel.js";
import { appendToken, newRow, rowEnds, type RowEnds, type SampledRow } from "./generate.js";
import type { ResolvedOptions } from "./options.js";
import type { GeneratedSequence } from "./results.js";
import type { RowConstraints } from "./structured/constraint.js";
import type { TextTokenizer } from "./tokenizer.js";

export class BatchRequest {
  readonly rows: SampledRow[];
  readonly processors: LogitsProcessor[];
  readonly ends: RowEnds;
  readonly rng: Rng;
  /** responseFormat's matchers, set once its grammar compiled. */
  constraints: RowConstraints | undefined;
  prefillMs = 0;
  firstTokenAt = 0;
  failed = false;

  constructor(
    readonly prompt: readonly number[],
    readonly options: ResolvedOptions,
    readonly streaming: boolean,
    readonly channel: DeltaChannel,
    readonly signal: AbortSignal,
    /** performance.now() when it arrived. */
    readonly started: number,
    tokenizer: TextTokenizer,
  ) {
    this.rows = Array.from({ length: options.numReturnSequences }, () => newRow(prompt, tokenizer, options.stop));
    this.processors = createLogitsProcessors(options.sampling);
    this.ends = rowEnds(options, streaming || options.stop.length > 0);
    this.rng = new Rng(options.seed);
  }

  /** Whether every row has ended. */
  get done(): boolean {
    return this.rows.every((r) => r.stopReason !== undefined);
  }

  /** Ends every row that is still running with `reason`. */
  stop(reason: "aborted" | "length"): void {
    for (const row of this.rows) row.stopReason ??= reason;
  }

  /**
   * Samples one token for each live row among `indices` (in row order, from its own Rng, as
   * SamplingModel does alone) from its logits in `scores`, and streams row 0's delta. False when
   * the request failed.
   */
  sample(scores: readonly Float32Array[], indices: readonly number[]): boolean {
    const { options, constraints } = this;
    try {
      indices.forEach((index, k) => {
        const row = this.rows[index]!;
        row.delta = "";
        row.fresh = 0;
        if (row.stopReason !== undefined) return;
        const s = scores[k]!;
        constraints?.apply(index, s);
        const raw = options.logprobs ? s.slice() : undefined;
        applyProcessors(this.processors, s, { tokens: row.tokens, promptLength: row.prompt.length });
        const token = options.greedy ? greedy(s) : sampleCategorical(s, this.rng);
        constraints?.accept(index, token);
        appendToken(row, token, raw === undefined ? undefined : tokenLogprobs(raw, token, options.topLogprobs), this.ends);
      });
    } catch (error) {
      this.fail(error);
      return false;
    }
    const row = this.rows[0]!;
    if (this.streaming && row.fresh > 0) {
      this.channel.push({
        text: row.delta,
        tokens: row.generated.slice(-row.fresh),
        ...(options.logprobs ? { logprobs: row.logprobs.slice(-row.fresh) } : {}),
      });
    }
    return true;
  }

  fail(error: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.constraints?.dispose();
    this.channel.fail(error);
  }

  /** Sends the result, as TextModel's runSampling builds it. */
  async finish(): Promise<void> {
    const { options, constraints, rows } = this;
    try {
      const totalMs = performance.now() - this.started;
      this.stop(this.signal.aborted ? "aborted" : "length");
      for (const row of rows) {
        if (!this.ends.trackText) row.tracker.update(row.generated, true);
        const tail = row.tracker.flush();
        if (this.streaming && row === rows[0] && tail !== "") this.channel.push({ text: tail, tokens: [] });
      }
      const incomplete: boolean[] = [];
      for (const [r, row] of rows.entries()) {
        if (constraints === undefined) continue;
        const reason = row.stopReason;
        incomplete[r] = reason !== "eos" && (reason === "stop_string" || !(await constraints.complete(r, options.eosTokenIds)));
      }
      const sequences = rows.map((row, i): GeneratedSequence => ({
        text: row.tracker.text,
        tokens: row.generated,
        tokenCount: row.generated.length,
        stopReason: row.stopReason!,
        ...(constraints !== undefined ? { incomplete: incomplete[i]! } : {}),
        ...(options.logprobs ? { logprobs: row.logprobs } : {}),
      }));
      const first = sequences[0]!;
      const decodeMs = this.firstTokenAt > 0 ? performance.now() - this.firstTokenAt : 0;
      const decoded = Math.max(0, first.tokenCount - 1);
      const tokensPerSecond = decoded > 0 && decodeMs > 0 ? (decoded * 1000) / decodeMs : totalMs > 0 ? (first.tokenCount * 1000) / totalMs : 0;
      this.channel.finish({
        ...first,
        promptTokens: this.prompt.length,
        prefillMs: this.prefillMs,
        totalMs,
        tokensPerSecond,
        seed: options.seed,
        sequences,
        promptLookupNumTokens: 0,
      });
    } catch (error) {
      this.channel.fail(error);
    } finally {
      constraints?.dispose();
    }
  }
}
