import { CandidateHeap } from "./beam-candidates.js";

/** HF's early_stopping: true, false (heuristic) or "never" (canonical beam search). */
export type EarlyStopping = boolean | "never";

export interface BeamHypothesis {
  /** Generated ids only (without the prompt); includes the EOS token when the beam ended on one. */
  readonly tokens: readonly number[];
  /** sum of log-probabilities / (generated length ** length_penalty). */
  readonly score: number;
  /** The sum of log-probabilities (the beam score before the length penalty). */
  readonly sumLogprobs: number;
  /** Whether the hypothesis ended with an EOS token (else it ran into the length limit). */
  readonly finished: boolean;
}

/**
 * The n-best list of one prompt (HF BeamHypotheses): keeps the `numBeams` best finished
 * hypotheses, scored sum_logprobs / (generated_len ** length_penalty), where generated_len counts
 * the generated tokens including the EOS.
 */
export class BeamHypotheses {
  readonly beams: BeamHypothesis[] = [];
  private worstScore = 1e9;

  constructor(
    readonly numBeams: number,
    readonly lengthPenalty: number,
    readonly earlyStopping: EarlyStopping,
    /** Largest generated length (max_new_tokens), for early_stopping "never". */
    readonly maxNewTokens: number,
  ) {}

  get size(): number {
    return this.beams.length;
  }

  add(tokens: readonly number[], sumLogprobs: number, finished: boolean): void {
    const score = sumLogprobs / tokens.length ** this.lengthPenalty;
    if (this.beams.length < this.numBeams || score > this.worstScore) {
      this.beams.push({ tokens, score, sumLogprobs, finished });
      if (this.beams.length > this.numBeams) {
        // Drop the worst (the first of equal worst ones, as HF's sorted() + del does).
        let worst = 0;
        for (let i = 1; i < this.beams.length; i++) if (this.beams[i]!.score < this.beams[worst]!.score) worst = i;
        this.beams.splice(worst, 1);
        this.worstScore = Math.min(...this.beams.map((b) => b.score));
      } else {
        this.worstScore = Math.min(score, this.worstScore);
      }
    }
  }

  /**
   * Whether no running beam can beat the worst kept hypothesis any more.
   * @param bestSumLogprobs the best running beam score after this step
   * @param generatedLength generated tokens after this step (HF: cur_len - decoder_prompt_len)
   */
  isDone(bestSumLogprobs: number, generatedLength: number): boolean {
    if (this.beams.length < this.numBeams) return false;
    if (this.earlyStopping === true) return true;
    if (this.earlyStopping === false) {
      return this.worstScore >= bestSumLogprobs / generatedLength ** this.lengthPenalty;
    }
    const length = this.lengthPenalty > 0 ? this.maxNewTokens : generatedLength;
    return this.worstScore >= bestSumLogprobs / length ** this.lengthPenalty;
  }

  /** Hypotheses best first (stable for equal scores: earlier added first). */
  sorted(): BeamHypothesis[] {
    return this.beams
      .map((b, i) => ({ b, i }))
      .sort((x, y) => y.b.score - x.b.score || x.i - y.i)
      .map((x) => x.b);
  }
}

export interface BeamStep {
  /** Per row (prompt-major, numBeams rows per prompt): the row it continues (an index into the old rows). */
  readonly sources: number[];
  /** Per row: the token appended. */
  readonly tokens: number[];
  /** Per row: the new running beam score (sum of log-probabilities). */
  readonly scores: number[];
}

/**
 * HF BeamSearchScorer for `batch` prompts × `numBeams` beams: picks the next running beams from
 * the (processed) log-probabilities, moves beams that end on EOS into the hypotheses, and tracks
 * which prompts are done.
 */
export class BeamSearchScorer {
  readonly hypotheses: BeamHypotheses[];
  readonly done: boolean[];
  private readonly eos: ReadonlySet<number>;
  private readonly candidates = new CandidateHeap();

  constructor(
    readonly batch: number,
    readonly numBeams: number,
    readonly lengthPenalty: number,
    readonly earlyStopping: EarlyStopping,
    readonly maxNewTokens: number,
    readonly eosTokenIds: readonly number[],
    readonly padTokenId: number,
  ) {
    this.hypotheses = Array.from({ length: batch }, () => new BeamHypotheses(numBeams, lengthPenalty, earlyStopping, maxNewTokens));
    this.done = new Array<boolean>(batch).fill(false);
    this.eos = new Set(eosTokenIds);
  }

  get allDone(): boolean {
    return this.done.every(Boolean);
  }

  /** Whether prompt b's search is over (its beams then only carry padding). */
  promptDone(b: number): boolean {
    return this.done[b] === true;
  }

  /**
   * One step.
   * @param logprobs row-major [batch*numBeams, vocab]: processed log-probabilities of the next token
   *   (or raw logits, with `logZ`)
   * @param beamScores per row: the running beam score so far
   * @param sequences per row: the generated ids so far
   * @param logZ per row, when `logprobs` holds raw logits: their log-partition, so that the
   *   log-probabilities float32(logit − logZ) need not be written out
   */
  process(
    logprobs: Float32Array,
    vocab: number,
    beamScores: readonly number[],
    sequences: readonly (readonly number[])[],
    logZ?: Float64Array,
  ): BeamStep {
    const { batch, numBeams, eos } = this;
    const keep = Math.max(2, 1 + eos.size) * numBeams;
    const sources: number[] = [];
    const tokens: number[] = [];
    const scores: number[] = [];
    const generatedLength = (sequences[0]?.length ?? 0) + 1;
    const top = this.candidates;
    for (let b = 0; b < batch; b++) {
      if (this.done[b]) {
        for (let k = 0; k < numBeams; k++) {
          sources.push(b * numBeams);
          tokens.push(this.padTokenId);
          scores.push(0);
        }
        continue;
      }
      const first = b * numBeams;
      const count = top.select(
        logprobs,
        first * vocab,
        vocab,
        beamScores.slice(first, first + numBeams),
        logZ?.subarray(first, first + numBeams),
        numBeams,
        keep,
      );
      let filled = 0;
      for (let rank = 0; rank < count && filled < numBeams; rank++) {
        const flat = top.index[rank]!;
        const score = top.score[rank]!;
        if (score === -Infinity) break;
        const beam = Math.floor(flat / vocab);
        const token = flat % vocab;
        const row = b * numBeams + beam;
        if (eos.has(token)) {
          if (rank >= numBeams) continue;
          this.hypotheses[b]!.add([...sequences[row]!, token], score, true);
        } else {
          sources.push(row);
          tokens.push(token);
          scores.push(score);
          filled++;
        }
      }
      if (filled < numBeams) {
        // Every remaining candidate is -Infinity (filters left fewer than numBeams tokens):
        // keep the count by repeating the last beam with score -Infinity, which never wins.
        for (; filled < numBeams; filled++) {
          sources.push(sources[sources.length - 1] ?? b * numBeams);
          tokens.push(tokens[tokens.length - 1] ?? this.padTokenId);
          scores.push(-Infinity);
        }
      }
      // HF passes the best of all the top candidates (an EOS one included) as best_sum_logprobs.
      const best = count > 0 ? top.score[0]! : -Infinity;
      this.done[b] = this.hypotheses[b]!.isDone(best, generatedLength);
    }
    return { sources, tokens, scores };
  }

  /**
   * At the end (length limit or abort): adds the open beams of unfinished prompts, then returns
   * each prompt's `count` best hypotheses, best first.
   */
  finalize(beamScores: readonly number[], sequences: readonly (readonly number[])[], count: number): BeamHypothesis[][] {
    return this.hypotheses.map((hyps, b) => {
      if (!this.done[b]) {
        for (let k = 0; k < this.numBeams; k++) {
          const row = b * this.numBeams + k;
          const seq = sequences[row]!;
          if (seq.length > 0) hyps.add(seq, beamScores[row]!, false);
        }
      }
      return hyps.sorted().slice(0, count);
    });
  }
}
