/**
 * Continuous batching: one long-lived batch on a text model that many requests share, one
 * decoder forward pass per step for all of them. A request that arrives while others generate is
 * prefilled on its own (with the other newcomers of that step, left-padded) and its KV rows are
 * spliced into the running cache (the shorter side left-padded, masked out by attention_mask);
 * a row that finishes, or whose request is aborted, leaves the cache at the next step. Each
 * request (a BatchRequest) keeps its own options, logits processors, Rng stream (seeded as when it
 * runs alone), stop strings, token limit, logprobs, responseFormat matchers and AbortSignal, so its
 * output is the one it gets alone; this file is the scheduler that decides which rows run.
 *
 * Beam search and prompt lookup (asked for explicitly) run alone, outside the shared batch, as
 * TextModel.stream() runs them; so does every request on a decoder that cannot take left padding
 * (TextModel.leftPaddingOff: no attention_mask or position_ids input, GroupQueryAttention).
 * Greedy requests do not draft by default here (the batch is the speed-up).
 */
import { RiffError } from "@riff/core";
import { prefill } from "./batch.js";
import { BatchRequest } from "./batch-request.js";
import { DeltaChannel } from "./delta-channel.js";
import type { Decoder } from "./decoder.js";
import { KvCache } from "./kv-cache.js";
import type { TextModel } from "./model.js";
import type { GenerationResult, Prompt, TextStream } from "./results.js";
import type { ResolvedOptions, TextGenerationOptions } from "./options.js";
import type { RowConstraints } from "./structured/constraint.js";
import type { GrammarSource } from "./structured/response-format.js";

export interface ContinuousBatchOptions {
  /** Rows (sequences) decoded together at most; newcomers wait beyond it. Default 32. */
  readonly maxRows?: number;
}

/** Counters of a continuous batch, for metrics and tests. */
export interface ContinuousBatchStats {
  /** Rows in the running batch now. */
  readonly rows: number;
  /** Requests waiting to join. */
  readonly waiting: number;
  /** Decode steps run (one forward pass each, all rows together). */
  readonly steps: number;
  /** Rows decoded over all steps (rows / steps = the mean batch size). */
  readonly rowSteps: number;
  /** Rows that left the batch, by why. */
  readonly freed: Readonly<Record<"finished" | "aborted" | "failed", number>>;
}

/** What the batch needs from its model (built by TextModel.continuousBatch). */
export interface BatchHost {
  readonly model: TextModel;
  readonly decoder: Decoder;
  /** Aborted when the model is disposed. */
  readonly disposing: AbortSignal;
  resolve(options: TextGenerationOptions, promptLength: number, streaming: boolean): ResolvedOptions;
  constraints(grammar: GrammarSource, rows: number, eosTokenIds: readonly number[]): Promise<RowConstraints>;
}

/** A request still being prepared (its grammar compiling), then ready to join (undefined: it already ended). */
interface Arrival {
  settled: boolean;
  member: BatchRequest | undefined;
  ready: Promise<void>;
}

/** A row of the running batch: which member, which of its rows; its left padding and next token. */
interface Slot {
  readonly member: BatchRequest;
  readonly index: number;
  pad: number;
  next: number;
}

type Plan = { readonly ids: readonly number[]; readonly resolved: ResolvedOptions } | { readonly error: unknown };

export class ContinuousBatch {
  private readonly maxRows: number;
  private readonly waiting: Arrival[] = [];
  private slots: Slot[] = [];
  private cache: KvCache | undefined;
  private loop: Promise<void> | undefined;
  private readonly padId: number;
  private counts = { steps: 0, rowSteps: 0, freed: { finished: 0, aborted: 0, failed: 0 } };

  constructor(
    private readonly host: BatchHost,
    options: ContinuousBatchOptions = {},
  ) {
    const maxRows = options.maxRows ?? 32;
    if (!Number.isInteger(maxRows) || maxRows < 1) throw new RiffError(`maxRows must be an integer ≥ 1, got ${String(maxRows)}`, "maxRows");
    this.maxRows = maxRows;
    const tokenizer = host.model.tokenizer;
    this.padId = tokenizer.padTokenId ?? host.model.eosTokenIds[0] ?? 0;
  }

  get stats(): ContinuousBatchStats {
    return { rows: this.slots.length, waiting: this.waiting.length, steps: this.counts.steps, rowSteps: this.counts.rowSteps, freed: { ...this.counts.freed } };
  }

  /** Like TextModel.generate(), in the shared batch. */
  async generate(prompt: Prompt, options: TextGenerationOptions = {}): Promise<GenerationResult> {
    const plan = this.plan(prompt, options, false);
    if (plan === "alone") return this.host.model.generate(prompt, options);
    return this.join(options, false, plan).result;
  }

  /**
   * Like TextModel.stream(), in the shared batch. The batch does not wait for the reader: deltas
   * queue up until read. Leaving the loop early frees the request's rows at the next step.
   */
  stream(prompt: Prompt, options: TextGenerationOptions = {}): TextStream {
    const plan = this.plan(prompt, options, true);
    if (plan === "alone") return this.host.model.stream(prompt, options);
    return this.join(options, true, plan).stream();
  }

  /** "alone" when the request runs outside the batch; else its ids and options, or the error they raised. */
  private plan(prompt: Prompt, options: TextGenerationOptions, streaming: boolean): "alone" | Plan {
    try {
      if (this.host.model.leftPaddingOff !== undefined) return "alone";
      const ids = this.host.model.encode(prompt);
      if (ids.length === 0) throw new RiffError("the prompt encodes to no tokens; give some text", "prompt");
      const resolved = this.host.resolve(options, ids.length, streaming);
      return resolved.numBeams > 1 || resolved.promptLookupNumTokens > 0 ? "alone" : { ids, resolved };
    } catch (error) {
      return { error };
    }
  }

  private join(options: TextGenerationOptions, streaming: boolean, plan: Plan): DeltaChannel {
    const started = performance.now();
    const leave = new AbortController();
    const channel = new DeltaChannel(() => leave.abort());
    if ("error" in plan) {
      channel.fail(plan.error);
      return channel;
    }
    const signal = AbortSignal.any([leave.signal, this.host.disposing, ...(options.signal !== undefined ? [options.signal] : [])]);
    const arrival: Arrival = { settled: false, member: undefined, ready: Promise.resolve() };
    arrival.ready = this.member(plan.ids, plan.resolved, streaming, channel, signal, started).then(
      (member) => {
        arrival.member = member;
        arrival.settled = true;
      },
      (error: unknown) => {
        arrival.settled = true;
        channel.fail(error);
      },
    );
    this.waiting.push(arrival);
    this.start();
    return channel;
  }

  /**
   * Runs the scheduler unless it runs already. A request that joins after run() saw nothing left
   * but before its promise settled would find a loop that is ending: so an ending loop starts the
   * next one itself when anything waits.
   */
  private start(): void {
    this.loop ??= this.run().finally(() => {
      this.loop = undefined;
      if (this.waiting.length > 0 || this.slots.length > 0) this.start();
    });
  }

  /** The request, its grammar compiled; undefined when it ended at once (no tokens asked for, or aborted). */
  private async member(
    ids: readonly number[],
    resolved: ResolvedOptions,
    streaming: boolean,
    channel: DeltaChannel,
    signal: AbortSignal,
    started: number,
  ): Promise<BatchRequest | undefined> {
    const member = new BatchRequest(ids, resolved, streaming, channel, signal, started, this.host.model.tokenizer);
    if (resolved.maxNewTokens === 0 || signal.aborted) {
      member.stop(signal.aborted ? "aborted" : "length");
      await member.finish();
      return undefined;
    }
    if (resolved.grammar !== undefined) member.constraints = await this.host.constraints(resolved.grammar, resolved.numReturnSequences, resolved.eosTokenIds);
    return member;
  }

  /** The scheduler: admit newcomers, one decode step for every row, drop finished rows; until idle. */
  private async run(): Promise<void> {
    // Let the requests of this tick arrive before the first prefill.
    await Promise.resolve();
    while (this.waiting.length > 0 || this.slots.length > 0) {
      this.abortLeft();
      await this.retire();
      await this.admit();
      if (this.slots.length > 0) await this.step();
      // Newcomers still preparing (a grammar compiling) and nothing to decode: wait for the first.
      else if (this.waiting.length > 0 && !this.waiting[0]!.settled) await this.waiting[0]!.ready;
    }
  }

  /** Rows of aborted requests end now ("aborted"); retire() then frees them. */
  private abortLeft(): void {
    for (const { member } of this.slots) if (member.signal.aborted) member.stop("aborted");
  }

  /** Prefills the newcomers that are ready and fit, samples their first token, splices them in. */
  private async admit(): Promise<void> {
    const ready: BatchRequest[] = [];
    let room = this.maxRows - this.slots.length;
    while (this.waiting.length > 0) {
      const head = this.waiting[0]!;
      if (!head.settled) break; // still preparing
      const m = head.member;
      if (m !== undefined && m.rows.length > room && (ready.length > 0 || this.slots.length > 0)) break;
      this.waiting.shift();
      if (m === undefined) continue;
      if (m.signal.aborted) {
        m.stop("aborted");
        await m.finish();
        continue;
      }
      ready.push(m);
      room -= m.rows.length;
    }
    if (ready.length === 0) return;
    const started = performance.now();
    let out: Awaited<ReturnType<typeof prefill>>;
    try {
      const masks = ready.map((m) => m.constraints?.prepare(() => true));
      [out] = await Promise.all([prefill(this.host.decoder, ready.map((m) => m.prompt), this.padId, 1), ...masks]);
    } catch (error) {
      for (const m of ready) m.fail(error);
      return;
    }
    const now = performance.now();
    const fresh: Slot[] = [];
    const parts: { cache: KvCache; row: number }[] = [];
    ready.forEach((member, p) => {
      member.prefillMs = now - started;
      member.firstTokenAt = now;
      const scores = out.logits.subarray(p * out.vocab, (p + 1) * out.vocab);
      const ok = member.sample(member.rows.map(() => scores.slice()), member.rows.map((_, i) => i));
      if (!ok) return;
      member.rows.forEach((row, index) => {
        if (row.stopReason !== undefined) return;
        fresh.push({ member, index, pad: out.pads[p]!, next: row.generated[row.generated.length - 1]! });
        parts.push({ cache: out.cache, row: p });
      });
    });
    if (fresh.length === 0) return;
    const layout = out.cache.layout;
    if (this.cache === undefined || this.slots.length === 0) {
      const identity = parts.length === out.cache.batch && parts.every((part, i) => part.row === i);
      this.cache = identity ? out.cache : KvCache.splice(layout, out.cache.length, parts);
      this.slots = fresh;
      return;
    }
    const length = Math.max(this.cache.length, out.cache.length);
    const old = this.cache;
    for (const slot of this.slots) slot.pad += length - old.length;
    for (const slot of fresh) slot.pad += length - out.cache.length;
    this.cache = KvCache.splice(layout, length, [...this.slots.map((_, row) => ({ cache: old, row })), ...parts]);
    this.slots = [...this.slots, ...fresh];
  }

  /** One forward pass for every row in the batch, then each request samples its own rows. */
  private async step(): Promise<void> {
    const slots = this.slots;
    const members = [...new Set(slots.map((s) => s.member))];
    let out: Awaited<ReturnType<Decoder["forward"]>>;
    try {
      const masks = members.map((m) => m.constraints?.prepare((r) => m.rows[r]!.stopReason === undefined));
      [out] = await Promise.all([
        this.host.decoder.forward({ ids: slots.map((s) => s.next), batch: slots.length, seq: 1, pads: slots.map((s) => s.pad), cache: this.cache! }),
        ...masks,
      ]);
    } catch (error) {
      for (const m of members) m.fail(error);
      return;
    }
    this.counts.steps++;
    this.counts.rowSteps += slots.length;
    this.cache = out.cache;
    for (const member of members) {
      const mine = slots.flatMap((s, r) => (s.member === member ? [r] : []));
      const scores = mine.map((r) => out.logits.subarray(r * out.vocab, (r + 1) * out.vocab));
      if (!member.sample(scores, mine.map((r) => slots[r]!.index))) continue;
      for (const r of mine) {
        const slot = slots[r]!;
        const row = member.rows[slot.index]!;
        slot.next = row.generated[row.generated.length - 1]!;
      }
    }
  }

  /** Drops the rows that ended from the cache (trimming padding every row shares) and finishes their requests. */
  private async retire(): Promise<void> {
    const keep: Slot[] = [];
    const done = new Set<BatchRequest>();
    for (const slot of this.slots) {
      const row = slot.member.rows[slot.index]!;
      if (slot.member.failed) this.counts.freed.failed++;
      else if (row.stopReason === undefined) {
        keep.push(slot);
        continue;
      } else this.counts.freed[row.stopReason === "aborted" ? "aborted" : "finished"]++;
      if (!slot.member.failed && slot.member.done) done.add(slot.member);
    }
    if (keep.length !== this.slots.length) {
      const old = this.cache!;
      if (keep.length === 0) this.cache = undefined;
      else {
        const trim = Math.min(...keep.map((s) => s.pad));
        const index = new Map(this.slots.map((s, r) => [s, r]));
        this.cache = KvCache.splice(old.layout, old.length - trim, keep.map((s) => ({ cache: old, row: index.get(s)! })));
        for (const slot of keep) slot.pad -= trim;
      }
      this.slots = keep;
    }
    for (const member of done) await member.finish();
  }
}
