import {
  applyProcessors,
  createLogitsProcessors,
  greedy,
  tokenLogprobs,
  type ChosenTokenLogprobs,
  type LogitsProcessor,
  type StepModel,
} from "@riff/core";
import { prefill } from "./batch.js";
import type { Decoder } from "./decoder.js";
import { appendToken, rowEnds, type Logits, type RowEnds, type SampledChoice, type SamplingState } from "./generate.js";
import type { ResolvedOptions } from "./options.js";
import { draftFromContext } from "./prompt-lookup.js";
import type { RowConstraints } from "./structured/constraint.js";

/** The sampling state plus the tokens drafted for the next forward pass. */
export interface LookupState extends SamplingState {
  /** Drafted to follow `next`; the next forward pass feeds `next` and these. */
  draft: readonly number[];
  /** The ids of the next forward pass: `next`, then `draft`. */
  feed: readonly number[];
}

/**
 * Greedy decoding of one sequence with prompt lookup drafts (transformers' prompt_lookup_num_tokens,
 * llama.cpp's lookup decoding). Each step feeds the last token plus up to `promptLookupNumTokens`
 * tokens copied from where the context's last n-gram appeared before; one forward pass gives the logits
 * after each of them. Drafted tokens are kept while each is the greedy choice at its position, and
 * the first disagreement is the model's own next token, so the tokens are those of plain greedy
 * decoding, in fewer forward passes. The positions of rejected drafts are cut from the KV cache.
 */
export class LookupModel implements StepModel<LookupState, Logits, SampledChoice> {
  private readonly processors: LogitsProcessor[];
  private readonly ends: RowEnds;

  constructor(
    private readonly decoder: Decoder,
    private readonly options: ResolvedOptions,
    private readonly padId: number,
    private readonly prompt: readonly number[],
    trackText: boolean,
    /** responseFormat's matcher: a draft token the grammar rejects ends the draft. */
    private readonly constraints?: RowConstraints,
  ) {
    this.processors = createLogitsProcessors(options.sampling);
    this.ends = rowEnds(options, trackText);
  }

  // Not async: the decoder's promise is returned as is, without another wrapping promise per step.
  predict(state: LookupState, step: number): Promise<Logits> {
    const { cache } = state;
    const forward =
      step === 0 || cache === undefined
        ? prefill(this.decoder, [this.prompt], this.padId, 1)
        : this.decoder.forward({ ids: state.feed, batch: 1, seq: state.feed.length, pads: state.pads, cache, allPositions: true });
    if (this.constraints === undefined) return forward;
    // One mask per fed position, computed while the forward pass runs.
    const masks = this.constraints.prepare((r) => state.rows[r]!.stopReason === undefined, state.draft);
    return Promise.all([forward, masks]).then(([logits]) => logits);
  }

  sample(prediction: Logits, state: LookupState): SampledChoice {
    const { logits, vocab } = prediction;
    const row = state.rows[0]!;
    // The prefill's logits are for the prompt's last position only.
    const draft = prediction.pads !== undefined ? [] : state.draft;
    // What the processors see at each position: the context plus the drafts accepted before it.
    const context = draft.length > 0 ? row.tokens.slice() : row.tokens;
    const tokens: number[] = [];
    const logprobs: (ChosenTokenLogprobs | undefined)[] = [];
    for (let j = 0; j <= draft.length; j++) {
      const scores = logits.subarray(j * vocab, (j + 1) * vocab);
      this.constraints?.apply(0, scores, j);
      const raw = this.options.logprobs ? scores.slice() : undefined;
      applyProcessors(this.processors, scores, { tokens: context, promptLength: row.prompt.length });
      const token = greedy(scores);
      tokens.push(token);
      logprobs.push(raw === undefined ? undefined : tokenLogprobs(raw, token, this.options.topLogprobs));
      if (token !== draft[j] || this.ends.eos.has(token)) break;
      context.push(token);
    }
    return { tokens, logprobs, prediction };
  }

  update(state: LookupState, choice: SampledChoice): LookupState {
    const { prediction } = choice;
    const row = state.rows[0]!;
    row.delta = "";
    row.fresh = 0;
    const fed = prediction.pads !== undefined ? 0 : state.draft.length;
    if (prediction.pads !== undefined) state.pads = prediction.pads;
    let kept = 0;
    for (const token of choice.tokens) {
      this.constraints?.accept(0, token);
      const goesOn = appendToken(row, token, choice.logprobs[kept], this.ends);
      kept++;
      if (!goesOn) break;
    }
    const next = row.generated[row.generated.length - 1]!;
    state.next[0] = next;
    // The cache holds the fed token and every draft; of the drafts only the kept − 1 accepted stay.
    const { cache } = prediction;
    state.cache = row.stopReason === undefined ? cache.truncateInPlace(cache.length - fed + kept - 1) : cache;
    // Each step yields at least one token of its own, so drafts stop one short of the limit.
    const room = this.options.maxNewTokens - row.generated.length - 1;
    let draft = row.stopReason === undefined ? draftFromContext(row.tokens, Math.min(this.options.promptLookupNumTokens, room)) : [];
    if (this.constraints !== undefined) draft = draft.slice(0, this.constraints.acceptedPrefix(0, draft));
    state.draft = draft;
    state.feed = [next, ...state.draft];
    return state;
  }

  stop(state: LookupState): string | undefined {
    return state.rows[0]!.stopReason;
  }
}
