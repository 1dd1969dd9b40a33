import {
  MinNewTokensProcessor,
  NoRepeatNgramProcessor,
  applyProcessors,
  createLogitsProcessors,
  logSoftmax,
  type LogitsProcessor,
  type StepModel,
} from "@riff/core";
import { prefill } from "./batch.js";
import { rowLogZ } from "./beam-candidates.js";
import { BeamSearchScorer, type BeamStep } from "./beam-scorer.js";
import type { Decoder } from "./decoder.js";
import type { Logits } from "./generate.js";
import { RowScratch, type KvCache } from "./kv-cache.js";
import type { ResolvedOptions } from "./options.js";
import type { RowConstraints } from "./structured/constraint.js";

/** Rows are prompt-major: row b·numBeams + k is beam k of prompt b. */
export interface BeamState {
  readonly scorer: BeamSearchScorer;
  /** Per row: generated ids (without the prompt). */
  sequences: number[][];
  /** Per row: the running sum of log-probabilities. */
  scores: number[];
  cache: KvCache | undefined;
  /** Per row: its prompt's left padding (the attention mask is that many 0s, then 1s). */
  pads: number[];
}

export interface BeamChoice {
  readonly step: BeamStep;
  readonly prediction: Logits;
}

/** HF initialises every beam but the first at -1e9 so that step 1 expands one copy of the prompt. */
const DEAD_BEAM = -1e9;

/**
 * Beam search (HF BeamSearchScorer semantics) as a core {@link StepModel}: all beams of all prompts
 * run in ONE forward pass per step; after choosing, the KV cache is gathered along the batch
 * dim so each new beam continues its parent's cache.
 */
export class BeamSearchModel implements StepModel<BeamState, Logits, BeamChoice> {
  private readonly processors: LogitsProcessor[];
  /**
   * Whether every processor only bans tokens (sets -Infinity). A ban commutes with the log-softmax
   * when the log-partition is taken before it (−∞ − logZ = −∞, the other entries untouched), so
   * the bans can go on the raw logits and the log-probabilities need not be written out.
   */
  private readonly bansOnly: boolean;
  /** Per row log-partitions of the raw logits, when the log-probabilities are not written out. */
  private logZ = new Float64Array(0);
  private readonly reorderScratch = new RowScratch();
  /** Prompt + generated ids of the row being processed, for the processors' context. */
  private context = new Int32Array(0);

  constructor(
    private readonly decoder: Decoder,
    private readonly options: ResolvedOptions,
    private readonly padId: number,
    private readonly prompts: readonly (readonly number[])[],
    /** responseFormat's matchers, one per beam, reordered with the beams. */
    private readonly constraints?: RowConstraints,
  ) {
    this.processors = createLogitsProcessors(options.sampling);
    this.bansOnly = this.processors.every((p) => p instanceof MinNewTokensProcessor || p instanceof NoRepeatNgramProcessor);
  }

  initialState(): BeamState {
    const { numBeams, lengthPenalty, earlyStopping, maxNewTokens, eosTokenIds } = this.options;
    const rows = this.prompts.length * numBeams;
    return {
      scorer: new BeamSearchScorer(this.prompts.length, numBeams, lengthPenalty, earlyStopping, maxNewTokens, eosTokenIds, this.padId),
      sequences: Array.from({ length: rows }, () => []),
      scores: Array.from({ length: rows }, (_, r) => (r % numBeams === 0 ? 0 : DEAD_BEAM)),
      cache: undefined,
      pads: [],
    };
  }

  predict(state: BeamState, step: number): Promise<Logits> {
    const ids = state.sequences.map((s) => s[s.length - 1]!);
    const forward =
      step === 0 || state.cache === undefined
        ? prefill(this.decoder, this.prompts, this.padId, this.options.numBeams)
        : this.decoder.forward({ ids, batch: ids.length, seq: 1, pads: state.pads, cache: state.cache });
    if (this.constraints === undefined) return forward;
    const masks = this.constraints.prepare((r) => !state.scorer.promptDone(Math.floor(r / this.options.numBeams)));
    return Promise.all([forward, masks]).then(([logits]) => logits);
  }

  sample(prediction: Logits, state: BeamState): BeamChoice {
    const { logits, vocab } = prediction;
    const { numBeams } = this.options;
    const rows = state.sequences.length;
    if (this.bansOnly) {
      // The scorer reads float32(logit − logZ) on the fly: the same values as HF's log_softmax
      // rows with the bans applied after it.
      if (this.logZ.length !== rows) this.logZ = new Float64Array(rows);
      for (let r = 0; r < rows; r++) {
        this.logZ[r] = rowLogZ(logits, r * vocab, vocab);
        const row = logits.subarray(r * vocab, (r + 1) * vocab);
        // The grammar's mask is a ban like the processors': after the log-partition, as HF's processors.
        this.constraints?.apply(r, row);
        if (this.processors.length === 0) continue;
        const prompt = this.prompts[Math.floor(r / numBeams)]!;
        applyProcessors(this.processors, row, { tokens: this.contextOf(prompt, state.sequences[r]!), promptLength: prompt.length });
      }
      return { step: state.scorer.process(logits, vocab, state.scores, state.sequences, this.logZ), prediction };
    }
    for (let r = 0; r < rows; r++) {
      const row = logits.subarray(r * vocab, (r + 1) * vocab);
      // HF: log_softmax first, then the processors on the log-probabilities.
      logSoftmax(row, row);
      this.constraints?.apply(r, row);
      const prompt = this.prompts[Math.floor(r / numBeams)]!;
      applyProcessors(this.processors, row, { tokens: this.contextOf(prompt, state.sequences[r]!), promptLength: prompt.length });
    }
    return { step: state.scorer.process(logits, vocab, state.scores, state.sequences), prediction };
  }

  /** prompt + generated in a reused buffer (valid until the next call). */
  private contextOf(prompt: readonly number[], generated: readonly number[]): Int32Array {
    const length = prompt.length + generated.length;
    if (this.context.length < length) this.context = new Int32Array(Math.max(length, 2 * this.context.length));
    this.context.set(prompt);
    this.context.set(generated, prompt.length);
    return this.context.subarray(0, length);
  }

  update(state: BeamState, choice: BeamChoice): BeamState {
    const { step, prediction } = choice;
    const pads = prediction.pads ?? state.pads;
    const old = state.sequences;
    this.constraints?.reorder(step.sources, old, step.tokens);
    // A beam continued by one row extends its own array; one continued by several is copied for
    // all but the last of them (copies are taken before that last one appends).
    const uses = new Array<number>(old.length).fill(0);
    for (const s of step.sources) uses[s]!++;
    state.sequences = step.sources.map((s, r) => {
      const seq = --uses[s]! > 0 ? old[s]!.slice() : old[s]!;
      seq.push(step.tokens[r]!);
      return seq;
    });
    state.pads = step.sources.map((s) => pads[s]!);
    state.scores = step.scores;
    // The forward pass's present.* outputs are fresh and held by nothing else: reorder in place.
    state.cache = prediction.cache.reorderInPlace(step.sources, this.reorderScratch);
    return state;
  }

  stop(state: BeamState): string | undefined {
    if (state.scorer.allDone) return "eos";
    if ((state.sequences[0]?.length ?? 0) >= this.options.maxNewTokens) return "length";
    return undefined;
  }
}
