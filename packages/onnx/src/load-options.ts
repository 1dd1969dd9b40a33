/**
 * The options every model load takes (threads, execution provider), declared once for every
 * modality's load schema, the CLI's flags and the server.
 */
import { z } from "zod";
import { MAX_THREADS } from "./threads.js";

export const SESSION_LOAD_OPTIONS = {
  threads: {
    type: z.number().int().min(1).max(MAX_THREADS),
    flag: "threads",
    metavar: "n",
    doc: "onnxruntime intra-op threads",
    default: "1 for a model under 16 MiB, else the physical cores available",
  },
  executionProvider: {
    type: z.enum(["cpu", "cuda"]),
    doc: "where to run; cuda needs an onnxruntime-node build with CUDA",
    default: "cpu",
  },
} as const;
