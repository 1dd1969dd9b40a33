/**
 * The text requests' engines: the server's own continuous batch and, beside it, worker copies of
 * the model (WorkerEngine), each decoding a batch of its own on another core. The server's own
 * batch takes the first LOCAL_FIRST requests in flight; beyond them a request goes to the engine
 * with the fewest, the server's own first on a tie. So a few clients are served on the server's
 * thread as before (a worker's messages would only add to their latency) and a crowd is split
 * between the cores.
 */
import type { ContinuousBatchStats, GenerationResult, Prompt, TextGenerationOptions, TextStream } from "@riff/text";

/** What the routes need of the text model's batching. */
export interface TextBatch {
  generate(prompt: Prompt, options?: TextGenerationOptions): Promise<GenerationResult>;
  stream(prompt: Prompt, options?: TextGenerationOptions): TextStream;
  /** The engines' counters, summed. */
  readonly stats: ContinuousBatchStats;
}

/**
 * Requests the server's own batch takes before a worker gets any: up to about 8 rows one batch
 * decodes faster than two halves on two cores (8 streaming clients: 3,809 tokens/s in one batch,
 * 3,186 split 4 and 4); at 32 the split is faster (5,117 against 4,500).
 */
const LOCAL_FIRST = 8;

/** One engine: a ContinuousBatch, or a WorkerEngine (which can stop: then it takes no more requests). */
export interface TextEngine extends TextBatch {
  readonly alive?: boolean;
}

export class TextEngines implements TextBatch {
  private readonly engines: TextEngine[];
  private readonly inFlight: number[];

  constructor(local: TextEngine, workers: readonly TextEngine[]) {
    this.engines = [local, ...workers];
    this.inFlight = this.engines.map(() => 0);
  }

  /** How many engines there are (1 + the workers). */
  get size(): number {
    return this.engines.length;
  }

  get stats(): ContinuousBatchStats {
    const all = this.engines.map((e) => e.stats);
    const sum = (pick: (s: ContinuousBatchStats) => number): number => all.reduce((n, s) => n + pick(s), 0);
    return {
      rows: sum((s) => s.rows),
      waiting: sum((s) => s.waiting),
      steps: sum((s) => s.steps),
      rowSteps: sum((s) => s.rowSteps),
      freed: { finished: sum((s) => s.freed.finished), aborted: sum((s) => s.freed.aborted), failed: sum((s) => s.freed.failed) },
    };
  }

  generate(prompt: Prompt, options: TextGenerationOptions = {}): Promise<GenerationResult> {
    const i = this.pick();
    this.inFlight[i]!++;
    return this.engines[i]!.generate(prompt, options).finally(() => this.inFlight[i]!--);
  }

  stream(prompt: Prompt, options: TextGenerationOptions = {}): TextStream {
    const i = this.pick();
    this.inFlight[i]!++;
    const stream = this.engines[i]!.stream(prompt, options);
    void stream.result.then(
      () => this.inFlight[i]!--,
      () => this.inFlight[i]!--,
    );
    return stream;
  }

  /** The server's own batch while it has fewer than LOCAL_FIRST requests; then the live engine with the fewest, the first such. */
  private pick(): number {
    if (this.inFlight[0]! < LOCAL_FIRST) return 0;
    let best = 0;
    for (let i = 1; i < this.engines.length; i++) {
      if (this.engines[i]!.alive === false) continue;
      if (this.inFlight[i]! < this.inFlight[best]!) best = i;
    }
    return best;
  }
}
