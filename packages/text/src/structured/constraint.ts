/**
 * One grammar matcher per sequence (row) of a generation: the allowed-token masks for the next
 * step, computed when the step's forward pass is started, applied to the logits before anything
 * else sees them, and advanced with the chosen tokens. Beam search reorders the matchers with the
 * beams; prompt lookup asks for a mask at every drafted position.
 *
 * Nothing here overlaps the forward pass: onnxruntime-node runs a session on the main thread (in
 * a setImmediate), as xgrammar's WASM does, so every call into the engine adds to the step time.
 * A step therefore makes two: the mask and the chosen token; termination is tracked here.
 */
import type { CompiledGrammar, GrammarMatcher } from "@mlc-ai/web-xgrammar";
import { applyBitmask } from "./bitmask.js";
import type { XGrammarModule } from "./xgrammar.js";

export class RowConstraints {
  /**
   * Per row, per position of the coming step: the allowed-token bitmask (bit t of word t >> 5).
   * The lists are kept from step to step; `counts[r]` says how many of row r's are this step's.
   */
  private readonly masks: Int32Array[][];
  private readonly counts: number[];
  /**
   * Per row: whether its matcher accepted a stop token (what `isTerminated()` reports, kept here
   * so that a step asks the engine only for the mask and the token: each call into WASM costs).
   */
  private terminated: boolean[];

  private constructor(
    private matchers: GrammarMatcher[],
    private readonly stopTokens: ReadonlySet<number>,
  ) {
    this.masks = matchers.map(() => []);
    this.counts = matchers.map(() => 0);
    this.terminated = matchers.map(() => false);
  }

  /** `eosTokenIds`: the tokens that end a sequence, allowed only where the grammar is complete. */
  static async create(xg: XGrammarModule, grammar: CompiledGrammar, rows: number, eosTokenIds: readonly number[]): Promise<RowConstraints> {
    const matchers: GrammarMatcher[] = [];
    for (let r = 0; r < rows; r++) matchers.push(await xg.GrammarMatcher.createGrammarMatcher(grammar, [...eosTokenIds]));
    return new RowConstraints(matchers, new Set(eosTokenIds));
  }

  get rows(): number {
    return this.matchers.length;
  }

  /**
   * Computes the masks of the next step for the rows still going (`live(r)`); with `draft` (one
   * row, prompt lookup), one mask per drafted position as well: the matcher walks the draft and
   * is rolled back. The draft must already be accepted by the grammar ({@link acceptedPrefix}).
   */
  async prepare(live: (row: number) => boolean, draft: readonly number[] = []): Promise<void> {
    for (let r = 0; r < this.matchers.length; r++) {
      const matcher = this.matchers[r]!;
      const masks = this.masks[r]!;
      if (!live(r) || this.terminated[r]!) {
        this.counts[r] = 0;
        continue;
      }
      masks[0] = await matcher.getNextTokenBitmask();
      let walked = 0;
      for (const token of draft) {
        if (!matcher.acceptToken(token)) break;
        walked++;
        masks[walked] = await matcher.getNextTokenBitmask();
      }
      if (walked > 0) matcher.rollBack(walked);
      this.counts[r] = walked + 1;
    }
  }

  /** How many leading tokens of `draft` the grammar accepts from row `r`'s state (a rejected draft token ends the draft). */
  acceptedPrefix(r: number, draft: readonly number[]): number {
    const matcher = this.matchers[r]!;
    let n = 0;
    while (n < draft.length && matcher.acceptToken(draft[n]!)) n++;
    if (n > 0) matcher.rollBack(n);
    return n;
  }

  /** Sets the logits of the tokens the grammar forbids to -Infinity (row r, draft position `position`). */
  apply(r: number, scores: Float32Array, position = 0): void {
    if (position < this.counts[r]!) applyBitmask(this.masks[r]![position]!, scores);
  }

  /** Advances row r's matcher with its chosen token; false when the grammar refuses it. */
  accept(r: number, token: number): boolean {
    if (this.terminated[r]! || !this.matchers[r]!.acceptToken(token)) return false;
    if (this.stopTokens.has(token)) this.terminated[r] = true;
    return true;
  }

  /** Whether row r's output is complete: its matcher ended on EOS, or may end here. */
  async complete(r: number, eosTokenIds: readonly number[]): Promise<boolean> {
    if (this.terminated[r]!) return true;
    const mask = await this.matchers[r]!.getNextTokenBitmask();
    return eosTokenIds.some((id) => ((mask[id >> 5]! >>> (id & 31)) & 1) === 1);
  }

  /**
   * Beam search: new row r continues old row `sources[r]`, whose generated tokens were
   * `history[sources[r]]`, with `tokens[r]`. A source continued once hands its matcher on; for each
   * further continuation, a matcher no beam continues is reset and replays the source's tokens.
   */
  reorder(sources: readonly number[], history: readonly (readonly number[])[], tokens: readonly number[]): void {
    const old = this.matchers;
    const claimed = new Array<boolean>(old.length).fill(false);
    for (const s of sources) claimed[s] = true;
    const spare = old.filter((_, s) => !claimed[s]);
    const handed = new Array<boolean>(old.length).fill(false);
    this.matchers = sources.map((s) => {
      if (!handed[s]) {
        handed[s] = true;
        return old[s]!;
      }
      const matcher = spare.pop()!;
      matcher.reset();
      for (const token of history[s]!) matcher.acceptToken(token);
      return matcher;
    });
    // Accept after the copies are made: a copy replays its source's tokens before this step's.
    this.matchers.forEach((matcher, r) => {
      if (!matcher.isTerminated()) matcher.acceptToken(tokens[r]!);
    });
    this.terminated = this.matchers.map((matcher) => matcher.isTerminated());
    this.counts.fill(0);
  }

  dispose(): void {
    for (const matcher of this.matchers) matcher.dispose();
    this.matchers = [];
  }
}
