/**
 * A sampled (or greedy) generation of one batch of prompts, with numReturnSequences rows each,
 * drafting by prompt lookup when the options ask for it: runs the loop, streams the first row's
 * deltas when streaming, and returns one result per prompt.
 */
import { Rng, runSteps, type StepEvent } from "@riff/core";
import { SamplingModel, newRow, type SampledRow, type SamplingState } from "./generate.js";
import { LookupModel } from "./lookup-decoding.js";
import { Timing, summarise, type GeneratedSequence, type GenerationResult, type TextDelta } from "./results.js";
import type { RunContext } from "./run-context.js";

export async function* runSampling(run: RunContext, streaming: boolean): AsyncGenerator<TextDelta, GenerationResult[]> {
  const { decoder, tokenizer, prompts, options, padId, constraints } = run;
  const n = options.numReturnSequences;
  const rows: SampledRow[] = prompts.flatMap((prompt) => Array.from({ length: n }, () => newRow(prompt, tokenizer, options.stop)));
  const trackText = streaming || options.stop.length > 0;
  const state: SamplingState = { rows, cache: undefined, pads: [], next: [] };
  const timing = new Timing();
  const loopOptions = { rng: new Rng(options.seed), signal: options.signal, maxSteps: options.maxNewTokens };
  const loop: AsyncGenerator<StepEvent<unknown, unknown>, unknown> =
    // resolveOptions leaves it above 0 only for greedy decoding of one prompt (one row).
    options.promptLookupNumTokens > 0
      ? runSteps(new LookupModel(decoder, options, padId, prompts[0]!, trackText, constraints), { ...state, draft: [], feed: [] }, loopOptions)
      : runSteps(new SamplingModel(decoder, options, padId, prompts, trackText, constraints), state, loopOptions);
  const first = rows[0]!;
  for await (const event of loop) {
    // Every step adds a token to each live row; with prompt lookup, the accepted drafts too.
    timing.add(event, Math.max(1, first.fresh));
    if (streaming) {
      yield {
        text: first.delta,
        tokens: first.generated.slice(-first.fresh),
        ...(options.logprobs ? { logprobs: first.logprobs.slice(-first.fresh) } : {}),
      };
    }
  }
  const totalMs = performance.now() - run.started;
  for (const row of rows) {
    if (row.stopReason === undefined) row.stopReason = options.signal?.aborted ? "aborted" : "length";
    if (!trackText) row.tracker.update(row.generated, true);
    const tail = row.tracker.flush();
    if (streaming && row === first && tail !== "") yield { text: tail, tokens: [] };
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
    return summarise(sequences, prompt.length, { prefillMs: timing.prefillMs, totalMs, tokensPerSecond: timing.tokensPerSecond(sequences) }, options);
  });
}
