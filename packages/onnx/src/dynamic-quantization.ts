/**
 * Whether an ONNX model quantizes its activations dynamically: one scale computed from all the
 * values of a pass (onnxruntime's quantize_dynamic, transformers.js's q8/int8/uint8 files,
 * MatMulNBits with accuracy_level 4, which quantizes its input to int8). Such a model's output
 * for a token depends on the other tokens fed in the same pass, so checking several drafted
 * tokens at once is not the computation of feeding them one at a time.
 */
import { graphNodes, type GraphNode } from "./graph-nodes.js";

/** Operators that quantize their float input with a scale taken from the whole tensor. */
const DYNAMIC_OPS = new Set([
  "DynamicQuantizeLinear",
  "MatMulInteger",
  "ConvInteger",
  "DynamicQuantizeMatMul",
  "DynamicQuantizeLSTM",
  "MatMulIntegerToFloat",
]);

/** MatMulNBits's accuracy_level that computes with int8 activations (onnxruntime's "compute type int8"). */
const INT8_ACCURACY_LEVEL = 4;

/**
 * The distinct dynamic-quantization operators of `nodes` ("MatMulInteger",
 * "MatMulNBits accuracy_level 4"), in first-seen order; empty for a model that computes in float.
 */
export function dynamicQuantizationOps(nodes: readonly GraphNode[]): string[] {
  const found = new Set<string>();
  for (const node of nodes) {
    if (DYNAMIC_OPS.has(node.opType)) found.add(node.opType);
    else if (node.opType === "MatMulNBits" && node.intAttributes.accuracy_level === INT8_ACCURACY_LEVEL) {
      found.add(`MatMulNBits accuracy_level ${INT8_ACCURACY_LEVEL}`);
    }
  }
  return [...found];
}

/** {@link dynamicQuantizationOps} of the ONNX file at `path`. */
export function dynamicQuantizationOpsOf(path: string): string[] {
  return dynamicQuantizationOps(graphNodes(path));
}
