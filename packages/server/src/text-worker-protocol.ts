/**
 * The messages between the server's thread and a text worker (text-worker.ts): a worker holds its
 * own copy of the text model and its own continuous batch, and generates the requests it is sent.
 * Everything in them is structured-cloneable; errors travel as their fields and come back as the
 * RiffError (or Error) they were, so the routes re-word them as they do a local one.
 */
import { RiffError } from "@riff/core";
import type { ContinuousBatchStats, GenerationResult, LoadTextModelOptions, Prompt, TextDelta, TextGenerationOptions } from "@riff/text";

/** What a worker is started with (its workerData). */
export interface TextWorkerData {
  readonly dir: string;
  readonly load: LoadTextModelOptions;
  readonly maxRows: number;
}

export type ToWorker =
  | { readonly type: "start"; readonly id: number; readonly prompt: Prompt; readonly options: Omit<TextGenerationOptions, "signal">; readonly stream: boolean }
  | { readonly type: "abort"; readonly id: number }
  | { readonly type: "close" };

/** One event of a request, in the order the worker produced it. */
export type RequestEvent =
  | { readonly type: "delta"; readonly id: number; readonly delta: TextDelta }
  | { readonly type: "result"; readonly id: number; readonly result: GenerationResult }
  | { readonly type: "error"; readonly id: number; readonly error: SentError };

export type FromWorker =
  | { readonly type: "ready" }
  | { readonly type: "failed"; readonly error: SentError }
  /** The events since the last message (one message per step, not one per token), and the batch's counters after them. */
  | { readonly type: "events"; readonly events: readonly RequestEvent[]; readonly stats: ContinuousBatchStats }
  | { readonly type: "closed" };

export interface SentError {
  readonly riff: boolean;
  readonly message: string;
  readonly option: string | undefined;
  readonly template: string | undefined;
}

export function sendError(error: unknown): SentError {
  if (error instanceof RiffError) return { riff: true, message: error.message, option: error.option, template: error.template };
  return { riff: false, message: error instanceof Error ? error.message : String(error), option: undefined, template: undefined };
}

export function receiveError(sent: SentError): Error {
  return sent.riff ? new RiffError(sent.message, sent.option, sent.template) : new Error(sent.message);
}
