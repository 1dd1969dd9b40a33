/**
 * A {@link TextStream} fed from outside: a producer (the continuous batch) pushes one request's
 * deltas and then its result or failure; the consumer iterates. Leaving the iteration early calls
 * `onLeave` (the batch then frees the request's rows at its next step).
 */
import type { GenerationResult, TextDelta, TextStream } from "./results.js";

export class DeltaChannel {
  private readonly queued: TextDelta[] = [];
  private wake: (() => void) | undefined;
  private ended = false;
  private failure: { error: unknown } | undefined;
  private settle!: { resolve: (r: GenerationResult) => void; reject: (e: unknown) => void };
  readonly result: Promise<GenerationResult>;

  constructor(private readonly onLeave: () => void = () => undefined) {
    this.result = new Promise<GenerationResult>((resolve, reject) => (this.settle = { resolve, reject }));
    this.result.catch(() => undefined); // a failure also surfaces through the iteration
  }

  push(delta: TextDelta): void {
    if (this.ended) return;
    this.queued.push(delta);
    this.poke();
  }

  finish(result: GenerationResult): void {
    if (this.ended) return;
    this.ended = true;
    this.settle.resolve(result);
    this.poke();
  }

  fail(error: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = { error };
    this.settle.reject(error);
    this.poke();
  }

  stream(): TextStream {
    const iterator = this.iterate();
    const result = this.result;
    return { [Symbol.asyncIterator]: () => iterator, result };
  }

  private poke(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private async *iterate(): AsyncGenerator<TextDelta, void> {
    let done = false;
    try {
      for (;;) {
        const delta = this.queued.shift();
        if (delta !== undefined) {
          yield delta;
          continue;
        }
        if (this.failure !== undefined) throw this.failure.error;
        if (this.ended) {
          done = true;
          return;
        }
        await new Promise<void>((resolve) => (this.wake = resolve));
      }
    } finally {
      if (!done && !this.ended) this.onLeave();
    }
  }
}
