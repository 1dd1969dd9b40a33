export { OnnxSession, availableProviders } from "./session.js";
export { MAX_THREADS, defaultThreads, physicalCoresInCpuinfo } from "./threads.js";
export type { DataType, ValueInfo, ExecutionProvider, SessionOptions, SessionStats, OrtTensor, Feeds, Fetches } from "./session.js";
export { float32, float64, float16, int64, int32, bool, integers, floatData, dimsOf } from "./tensors.js";
export { SESSION_LOAD_OPTIONS } from "./load-options.js";
export { graphNodes, fields, bytesSource, type GraphNode, type Field, type ByteSource } from "./graph-nodes.js";
export { ProtoWriter } from "./proto-writer.js";
export { convInputChannels } from "./conv-channels.js";
export { dynamicQuantizationOps, dynamicQuantizationOpsOf } from "./dynamic-quantization.js";
