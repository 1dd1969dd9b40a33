/**
 * What a logits processor sees besides the logits: the sequence so far. Processors work on one
 * sequence's logits row at a time, in place.
 */
export interface SequenceContext {
  /** Every token id of the sequence so far, prompt included. */
  readonly tokens: ArrayLike<number>;
  /** How many of `tokens` are the prompt. */
  readonly promptLength: number;
}

/**
 * One step of the logits pipeline (one small file each under logits/). `process` rewrites the
 * row in place: penalties change values, filters set removed entries to -Infinity.
 */
export interface LogitsProcessor {
  /** The option name it implements, for messages and debugging (e.g. "top_p"). */
  readonly name: string;
  process(logits: Float32Array, context: SequenceContext): void;
}

/** Applies processors in order, in place. */
export function applyProcessors(
  processors: readonly LogitsProcessor[],
  logits: Float32Array,
  context: SequenceContext,
): Float32Array {
  for (const p of processors) p.process(logits, context);
  return logits;
}
