/**
 * One AbortSignal per request, aborted when its client disconnects before the response is complete
 * or when the per-request timeout passes: generation loops stop within a step and free their slot.
 */
import type { FastifyReply } from "fastify";
import { ApiError } from "./errors.js";

export interface RequestSignal {
  readonly signal: AbortSignal;
  /** True once the timeout fired (the reason to report, rather than a client that left). */
  timedOut(): boolean;
  /** The error to answer with when the signal aborted the work. */
  error(): ApiError;
}

export function requestSignal(reply: FastifyReply, timeoutMs: number): RequestSignal {
  const left = new AbortController();
  reply.raw.on("close", () => {
    if (!reply.raw.writableFinished) left.abort(new Error("the client disconnected"));
  });
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = AbortSignal.any([left.signal, timeout]);
  return {
    signal,
    timedOut: () => timeout.aborted,
    error: () =>
      timeout.aborted
        ? new ApiError(408, `the request took longer than the server's timeout of ${timeoutMs / 1000} s`, null, "timeout")
        : new ApiError(499, "the client disconnected", null, "client_closed"),
  };
}
