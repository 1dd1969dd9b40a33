/**
 * TextModel.stream()'s plumbing: a generation (an async generator of deltas that returns the
 * results) as a {@link TextStream}, an async iterable of deltas plus a `result` promise. Leaving the
 * iteration early aborts the generation within one step; awaiting `result` without iterating runs
 * it to its end.
 */
import { drain } from "@riff/core";
import type { GenerationResult, TextDelta, TextStream } from "./results.js";

/** `start` begins the generation under the signal it is given: the caller's, joined with leaving early. */
export function textStream(
  start: (signal: AbortSignal) => AsyncGenerator<TextDelta, GenerationResult[]>,
  callerSignal: AbortSignal | undefined,
): TextStream {
  const leave = new AbortController();
  const generation = start(callerSignal !== undefined ? AbortSignal.any([callerSignal, leave.signal]) : leave.signal);
  let settle!: { resolve: (r: GenerationResult) => void; reject: (e: unknown) => void };
  const result = new Promise<GenerationResult>((resolve, reject) => (settle = { resolve, reject }));
  result.catch(() => undefined); // a failure also surfaces through the iteration
  let settled = false;
  async function* iterate(): AsyncGenerator<TextDelta, void> {
    try {
      // Not `yield*`: that would forward the consumer's early return() into the generation and
      // end it without a result; leaving early must abort it and still collect what it made.
      for (;;) {
        const next = await generation.next();
        if (next.done) {
          settled = true;
          settle.resolve(next.value[0]!);
          return;
        }
        yield next.value;
      }
    } catch (error) {
      settled = true;
      settle.reject(error);
      throw error;
    } finally {
      if (!settled) {
        // The consumer left early: stop within one step and finish the result quietly.
        leave.abort();
        await drain(generation).then(([first]) => settle.resolve(first!), settle.reject);
      }
    }
  }
  const iterator = iterate();
  let started = false;
  return {
    [Symbol.asyncIterator]: () => {
      started = true;
      return iterator;
    },
    get result(): Promise<GenerationResult> {
      if (!started) {
        started = true;
        // Reported through `result`, so the iteration's own rejection is dropped here.
        drain(iterator).catch(() => undefined);
      }
      return result;
    },
  };
}
