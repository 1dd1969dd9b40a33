/**
 * Batching prompts of different lengths left-pads the shorter ones: pads masked out by
 * attention_mask, positions from cumsum(mask) − 1 fed as position_ids. Some graphs cannot take
 * that, and give a padded row other tokens than it gets alone:
 * - without attention_mask the pads cannot be masked;
 * - without position_ids the graph numbers positions from the start of the cache (transformers'
 *   cache_position, as optimum exports without position_ids do), so a padded row's are shifted;
 * - onnxruntime's GroupQueryAttention (onnxruntime-genai's model builder) takes each row's length
 *   from the mask's sum and expects its tokens first (right padding).
 * On such a graph rows of different lengths run one at a time.
 */
import type { GraphNode } from "@riff/onnx";

export interface PaddingInputs {
  readonly hasAttentionMask: boolean;
  readonly hasPositionIds: boolean;
}

/** Why `decoder` cannot run left-padded rows exactly, or undefined when it can. */
export function leftPaddingProblem(decoder: PaddingInputs, nodes: readonly GraphNode[]): string | undefined {
  if (!decoder.hasAttentionMask) return "it has no attention_mask input to mask padding with";
  if (nodes.some((n) => n.opType === "GroupQueryAttention")) {
    return "its GroupQueryAttention reads each row's length from attention_mask and expects right padding";
  }
  if (!decoder.hasPositionIds) return "it has no position_ids input, so a left-padded row's positions would be shifted";
  return undefined;
}
