/**
 * A beam search over one batch of prompts (numBeams hypotheses each): runs the loop to its end and
 * returns one result per prompt, its numReturnSequences best hypotheses first. Beam search does
 * not stream: the best hypothesis is known only at the end.
 */
import { Rng, drain, runSteps } from "@riff/core";
import { BeamSearchModel } from "./beam-search.js";
import { Timing, summarise, type GeneratedSequence, type GenerationResult } from "./results.js";
import type { RunContext } from "./run-context.js";
import { TextTracker } from "./stream.js";

export async function runBeams(run: RunContext): Promise<GenerationResult[]> {
  const { decoder, tokenizer, prompts, options, padId, constraints } = run;
  const model = new BeamSearchModel(decoder, options, padId, prompts, constraints);
  const timing = new Timing();
  const loop = runSteps(model, model.initialState(), { rng: new Rng(options.seed), signal: options.signal, maxSteps: options.maxNewTokens });
  const { state, stopReason } = await drain(loop, (event) => timing.add(event, 1));
  const totalMs = performance.now() - run.started;
  const aborted = stopReason === "aborted";
  const best = state.scorer.finalize(state.scores, state.sequences, options.numReturnSequences);
  return prompts.map((prompt, p) => {
    const sequences = best[p]!.map((h): GeneratedSequence => {
      const tracker = new TextTracker(tokenizer, prompt, []);
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
    return summarise(sequences, prompt.length, { prefillMs: timing.prefillMs, totalMs, tokensPerSecond: timing.tokensPerSecond(sequences) }, options);
  });
}
