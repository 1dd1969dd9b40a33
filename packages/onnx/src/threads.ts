/**
 * How many intra-op threads a session gets: the cores this process may use when the caller names
 * none (onnxruntime's own choice is 20-30% slower here: it counts the host's cores, not the ones
 * the process is allowed), and a refusal of counts no machine riff runs on could use.
 */
import { availableParallelism } from "node:os";
import { checkNumber } from "@riff/core";

/** The most intra-op threads a session accepts; more is a mistake (a typo, a byte count), not a machine. */
export const MAX_THREADS = 256;

/** The intra-op threads a session gets when none are asked for: the cores available to this process. */
export function defaultThreads(): number {
  return Math.min(MAX_THREADS, Math.max(1, availableParallelism()));
}

/** `threads` when it is an integer in [1, MAX_THREADS], the default when undefined; else a RiffError naming `threads`. */
export function resolveThreads(threads: number | undefined): number {
  if (threads === undefined) return defaultThreads();
  return checkNumber("threads", threads, { min: 1, max: MAX_THREADS, integer: true });
}
