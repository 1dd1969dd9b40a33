/**
 * What a text generation returns and streams, and how a run's rows and timings become a result.
 * Shared by the one-shot runners (sampling-run.ts, beam-run.ts) and the continuous batch.
 */
import type { ChosenTokenLogprobs, StepEvent } from "@riff/core";
import type { ChatMessage } from "./chat.js";
import type { TextStopReason } from "./generate.js";
import type { ResolvedOptions } from "./options.js";

/** A prompt: plain text, a conversation for the chat template, or token ids. */
export type Prompt = string | readonly ChatMessage[] | { readonly ids: readonly number[] };

/** One generated sequence. */
export interface GeneratedSequence {
  /** The generated text (the prompt is not repeated), cut before a stop string. */
  readonly text: string;
  /** The generated ids, EOS included when the sequence ended on one. */
  readonly tokens: readonly number[];
  readonly tokenCount: number;
  readonly stopReason: TextStopReason;
  /** With `logprobs`: per generated token, its log-probability under the model (raw logits) and the top alternatives. */
  readonly logprobs?: readonly ChosenTokenLogprobs[];
  /**
   * With a responseFormat: true when the output does not complete the format (the token limit ran
   * out, the run was aborted, or a stop string cut it), false when it does.
   */
  readonly incomplete?: boolean;
  /** Beam search: the hypothesis score, sum_logprobs / tokenCount ** length_penalty. */
  readonly score?: number;
}

export interface GenerationResult extends GeneratedSequence {
  readonly promptTokens: number;
  /** Milliseconds of the prompt's forward pass. */
  readonly prefillMs: number;
  readonly totalMs: number;
  /** Tokens after the first per second of decoding (the first comes from the prefill). */
  readonly tokensPerSecond: number;
  /** The seed used (given, or DEFAULT_SEED), so a sampled run can be repeated. */
  readonly seed: number;
  /** Every returned sequence, best first for beam search; the fields above are sequences[0]'s. */
  readonly sequences: readonly GeneratedSequence[];
  /** Tokens drafted per step by prompt lookup (0 = none; see TextModel.promptLookupOff). */
  readonly promptLookupNumTokens: number;
}

/** One step of a stream: the new stable text (maybe ""), the token(s) behind it. */
export interface TextDelta {
  readonly text: string;
  readonly tokens: readonly number[];
  readonly logprobs?: readonly ChosenTokenLogprobs[];
}

/**
 * An async iterable of text deltas whose concatenation is the final text. `result` resolves when
 * the iteration ends (awaiting it without iterating runs the stream to its end).
 */
export interface TextStream extends AsyncIterable<TextDelta> {
  readonly result: Promise<GenerationResult>;
}

/** Prefill and decode time of a run, from its step events. */
export class Timing {
  prefillMs = 0;
  decodeMs = 0;
  /** Tokens per sequence that decode steps (after the prefill's first) produced. */
  decodedTokens = 0;

  /** One step's event and the tokens it added to a sequence (more than 1 with prompt lookup). */
  add(event: StepEvent<unknown, unknown>, tokens: number): void {
    if (event.step === 0) this.prefillMs = event.stepMs;
    else {
      this.decodeMs += event.stepMs;
      this.decodedTokens += tokens;
    }
  }

  tokensPerSecond(sequences: readonly GeneratedSequence[]): number {
    if (this.decodedTokens === 0 || this.decodeMs <= 0) {
      const total = this.prefillMs + this.decodeMs;
      return total > 0 ? ((sequences[0]?.tokenCount ?? 0) * 1000) / total : 0;
    }
    return (this.decodedTokens * 1000) / this.decodeMs;
  }
}

/** One prompt's result: its sequences (the best first), with the run's timing and options. */
export function summarise(
  sequences: GeneratedSequence[],
  promptTokens: number,
  timing: { readonly prefillMs: number; readonly totalMs: number; readonly tokensPerSecond: number },
  options: Pick<ResolvedOptions, "seed" | "promptLookupNumTokens">,
): GenerationResult {
  const first = sequences[0]!;
  const { seed, promptLookupNumTokens } = options;
  return { ...first, promptTokens, ...timing, seed, sequences, promptLookupNumTokens };
}
