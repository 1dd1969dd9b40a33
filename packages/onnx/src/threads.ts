/**
 * How many intra-op threads a session gets when the caller names none, and a refusal of counts no
 * machine riff runs on could use.
 *
 * A model of a few million parameters runs on one thread: its ops are so small that handing half
 * of each to a pool thread (woken, since idle pool threads block) costs more than it saves.
 * Measured on a 2-core machine, one thread against two, medians in separate processes: the
 * embedded text model decodes 1.35× faster (1516–1728 against 877–1358 tokens/s), an image of
 * the embedded diffusion model renders 1.15× faster (61–72 against 72–81 ms; a batch of 4 with
 * guidance is 0.96× as fast), the embedded voice speaks 1.25× faster; the 135M-parameter int4
 * model of the realsize bench gains from a second thread (1.45× at 2, see session-options.ts).
 *
 * Larger models get the physical cores this process may use. onnxruntime's own default counts the
 * host's cores, not the ones the process is allowed (20-30% slower on a 2-core container), and a
 * second hardware thread of a core adds little to the matrix products a decoder is made of while
 * its threads spin against each other (llama.cpp also defaults to physical cores).
 */
import { readFileSync, statSync } from "node:fs";
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

/** Models whose file is smaller than this (and keeps no weights in external data) run on one thread by default. */
export const SMALL_MODEL_BYTES = 16 * 1024 * 1024;

/** ONNX's external data entry: StringStringEntryProto field 1 (key), 8 bytes, "location". */
const EXTERNAL_DATA_KEY = Buffer.from("\n\x08location", "latin1");

/**
 * Whether a model is small enough for one thread: its bytes under {@link SMALL_MODEL_BYTES} and no
 * tensor's data elsewhere (a graph-only file beside gigabytes of weights is not small).
 */
export function isSmallModel(model: Uint8Array): boolean {
  return model.byteLength < SMALL_MODEL_BYTES && !keepsExternalData(model);
}

/** Whether some tensor of the model keeps its data in another file (its "location" key). */
export function keepsExternalData(model: Uint8Array): boolean {
  return Buffer.from(model.buffer, model.byteOffset, model.byteLength).indexOf(EXTERNAL_DATA_KEY) >= 0;
}

/**
 * The intra-op threads of a session on `model` (its file, or its bytes): `threads` when it is an
 * integer in [1, MAX_THREADS]; when undefined, 1 for a small model ({@link isSmallModel}) and
 * {@link defaultThreads} otherwise; else a RiffError naming `threads`.
 */
export function resolveThreads(threads: number | undefined, model: string | Uint8Array): number {
  if (threads !== undefined) return checkNumber("threads", threads, { min: 1, max: MAX_THREADS, integer: true });
  if (typeof model === "string") {
    if (statSync(model).size >= SMALL_MODEL_BYTES) return defaultThreads();
    model = readFileSync(model);
  }
  return isSmallModel(model) ? 1 : defaultThreads();
}
