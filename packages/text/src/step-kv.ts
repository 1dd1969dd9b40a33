/**
 * The step's own new key and value positions, as outputs of a decoder graph. In an optimum export
 * each layer's present.N.key is Concat(past_key_values.N.key, k) along the positions axis, and the
 * attention reads that concatenation. Fetching present.* makes onnxruntime-node copy the whole
 * cache out of every step into fresh memory: at a context of a hundred positions, the larger part
 * of a 32-row step of the default model (7.2 against 4.3 ms). The step's k and v are all the cache
 * needs, so at load riff makes them the graph's outputs in place of present.* (a present output
 * nobody fetches still costs onnxruntime a buffer of its own) and keeps the cache in buffers of its
 * own with room to append (KvCache.appending), the unfilled room masked out of the past it feeds.
 */
import { dynamicQuantizationOps, mainGraphNodeIO, withGraphOutputs } from "@riff/onnx";

/** The positions axis of a [batch, heads, positions, head_dim] cache tensor, counted from either end. */
const POSITIONS_AXES = new Set([2, -2]);
const PAST = /^past_key_values\.\d+\.(key|value)$/;

/**
 * For each past_key_values.* input the main graph concatenates with new positions into the
 * matching present.* output, the name of those new positions (a merged decoder's If branches or
 * GroupQueryAttention give none). None for a model that quantizes activations dynamically: the
 * masked room changes the attention's sums in their last bits, which a per-tensor int8 scale can
 * turn into a different rounding (greedy tokens of the 135M-parameter q8 bench model parted at
 * the 39th), so such a model keeps the computation onnxruntime's own loop does.
 */
export function stepKvNames(path: string): Map<string, string> {
  const names = new Map<string, string>();
  const nodes = mainGraphNodeIO(path);
  if (dynamicQuantizationOps(nodes).length > 0) return names;
  // The room fed with the past is masked out, and the positions are fed: a graph that derives them
  // from the past's length would count the room.
  const reads = (input: string): boolean => nodes.some((n) => n.inputs.includes(input));
  if (!reads("attention_mask") || !reads("position_ids")) return names;
  for (const node of nodes) {
    const [past, step] = node.inputs;
    if (node.opType !== "Concat" || node.domain !== "" || !POSITIONS_AXES.has(node.intAttributes.axis ?? Number.NaN) || node.inputs.length !== 2) continue;
    if (past === undefined || step === undefined || step === "" || !PAST.test(past)) continue;
    if (node.outputs.length === 1 && node.outputs[0] === presentOf(past)) names.set(past, step);
  }
  // Every layer or none: a graph whose cache only partly appends keeps the growing cache.
  const pasts = new Set(nodes.flatMap((n) => n.inputs.filter((i) => PAST.test(i))));
  return names.size === pasts.size ? names : new Map();
}

/** The model with those new positions as its outputs in place of the present.* they are concatenated into. */
export function withStepKvOutputs(bytes: Uint8Array, names: ReadonlyMap<string, string>): Uint8Array {
  return withGraphOutputs(bytes, [...names.values()], new Set([...names.keys()].map(presentOf)));
}

/** The present.* output of a past_key_values.* input. */
export function presentOf(past: string): string {
  return past.replace("past_key_values", "present");
}
