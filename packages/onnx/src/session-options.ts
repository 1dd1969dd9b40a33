import type * as ort from "onnxruntime-node";

/**
 * The onnxruntime session options riff runs every model with: full graph optimization, one
 * inter-op thread, `threads` intra-op threads, and the intra-op pool's threads block when idle
 * instead of spinning (`session.intra_op.allow_spinning` "0").
 *
 * Spinning is onnxruntime's default and costs riff a lot: between two runs riff's main thread
 * does JavaScript work (sampling, streaming, the vocoder), and a spinning pool thread holds a core
 * it could use; on a machine with other work the spin competes with that too. Measured on this
 * 2-core machine (decode tokens/s, 2 threads, medians of 5, separate processes): the 135M-parameter
 * builder int4 model 55–62 → 84–92 (1.45×), the default text model 984–1270 → 1458–1651 (1.3–1.5×);
 * 1 thread (no pool threads) is unchanged.
 */
export function onnxSessionOptions(threads: number, executionProvider: string, externalDataDir?: string): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [executionProvider],
    graphOptimizationLevel: "all",
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    extra: {
      "session.intra_op.allow_spinning": "0",
      // Where a model loaded from memory finds its external data (its weights, left in its file).
      ...(externalDataDir !== undefined ? { "session.model_external_initializers_file_folder_path": externalDataDir } : {}),
    },
  };
}
