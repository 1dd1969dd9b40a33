/**
 * The step's own new key and value positions, as outputs of a decoder graph. In an optimum export
 * each layer's present.N.key is Concat(past_key_values.N.key, k) along the positions axis, and the
 * attention reads that concatenation. Fetching present.* makes onnxruntime-node copy the whole
 * cache out of every step into fresh memory: at a context of a hundred positions, the larger part
 * of a 32-row step of the default model (7.2 against 4.3 ms). The step's k and v are all the cache
 * needs, so riff adds them to the graph's outputs at load time and keeps the cache in buffers of
 * its own with room to append (KvCache.appending), the unfilled room masked out of the past it feeds.
 */
import { mainGraphNodeIO, withGraphOutputs } from "@riff/onnx";

/** The positions axis of a [batch, heads, positions, head_dim] cache tensor. */
const POSITIONS_AXIS = 2;
const PAST = /^past_key_values\.\d+\.(key|value)$/;

/**
 * For each past_key_values.* input the main graph concatenates with new positions into the
 * matching present.* output, the name of those new positions (a merged decoder's If branches or
 * GroupQueryAttention give none).
 */
export function stepKvNames(bytes: Uint8Array, name: string): Map<string, string> {
  const names = new Map<string, string>();
  for (const node of mainGraphNodeIO(bytes, name)) {
    const [past, step] = node.inputs;
    if (node.opType !== "Concat" || node.domain !== "" || node.intAttributes.axis !== POSITIONS_AXIS || node.inputs.length !== 2) continue;
    if (past === undefined || step === undefined || step === "" || !PAST.test(past)) continue;
    if (node.outputs.length === 1 && node.outputs[0] === past.replace("past_key_values", "present")) names.set(past, step);
  }
  return names;
}

/** The model with those new positions added to its outputs (a model without any is returned as it is). */
export function withStepKvOutputs(bytes: Uint8Array, names: ReadonlyMap<string, string>): Uint8Array {
  return names.size === 0 ? bytes : withGraphOutputs(bytes, [...names.values()]);
}
