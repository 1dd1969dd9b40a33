/**
 * How many intra-op threads a session gets: the physical cores this process may use when the
 * caller names none, and a refusal of counts no machine riff runs on could use.
 *
 * onnxruntime's own default counts the host's cores, not the ones the process is allowed (20-30%
 * slower on a 2-core container), and a second hardware thread of a core adds little to the
 * matrix products a decoder is made of while its threads spin against each other (llama.cpp
 * also defaults to physical cores).
 */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { checkNumber } from "@riff/core";

/** The most intra-op threads a session accepts; more is a mistake (a typo, a byte count), not a machine. */
export const MAX_THREADS = 256;

/**
 * Physical cores in a Linux /proc/cpuinfo text: distinct (physical id, core id) pairs, or
 * undefined when the text does not say (other platforms, some virtual machines).
 */
export function physicalCoresInCpuinfo(cpuinfo: string): number | undefined {
  const cores = new Set<string>();
  for (const block of cpuinfo.split(/\n\s*\n/)) {
    const socket = /^physical id\s*:\s*(\d+)/m.exec(block)?.[1];
    const core = /^core id\s*:\s*(\d+)/m.exec(block)?.[1];
    if (socket === undefined || core === undefined) {
      if (/^processor\s*:/m.test(block)) return undefined;
      continue;
    }
    cores.add(`${socket}:${core}`);
  }
  return cores.size > 0 ? cores.size : undefined;
}

let physical: number | undefined | null = null;

function physicalCores(): number | undefined {
  if (physical === null) {
    try {
      physical = process.platform === "linux" ? physicalCoresInCpuinfo(readFileSync("/proc/cpuinfo", "utf8")) : undefined;
    } catch {
      physical = undefined;
    }
  }
  return physical;
}

/**
 * The intra-op threads a session gets when none are asked for: the cores available to this
 * process (its affinity and cgroup limits), no more than the machine's physical cores where they
 * are known.
 */
export function defaultThreads(): number {
  const available = Math.max(1, availableParallelism());
  return Math.min(MAX_THREADS, available, physicalCores() ?? available);
}

/** `threads` when it is an integer in [1, MAX_THREADS], the default when undefined; else a RiffError naming `threads`. */
export function resolveThreads(threads: number | undefined): number {
  if (threads === undefined) return defaultThreads();
  return checkNumber("threads", threads, { min: 1, max: MAX_THREADS, integer: true });
}
