/**
 * The channel count an input feeds into its first convolution, read from the ONNX file: the Conv
 * node that takes `input` and its weight initializer's dims [out, in, kh, kw]. For graphs whose
 * input shape leaves the channels dynamic (diffusers' legacy ONNX export of a UNet, where a 4-channel
 * text-to-image UNet and a 9-channel inpainting UNet look alike), this is what the weights say.
 * Initializers are read for their names and dims only (external or not, raw data is skipped).
 */
import { RiffError } from "@riff/core";
import { GRAPH_NODE, MODEL_GRAPH, NODE_OP_TYPE, PositionedFile, fields } from "./graph-nodes.js";

// onnx.proto3 field numbers beyond graph-nodes.ts's.
const GRAPH_INITIALIZER = 5;
const NODE_INPUT = 1;
const TENSOR_DIMS = 1;
const TENSOR_NAME = 8;

/** dims[1] of the weight of the Conv whose data input is `input`; undefined when there is none. */
export function convInputChannels(path: string, input: string): number | undefined {
  const file = new PositionedFile(path);
  try {
    for (const f of fields(file, 0, file.size)) {
      if (f.field === MODEL_GRAPH && f.wire === 2) return fromGraph(file, f.start, f.end, input);
    }
    return undefined;
  } catch (error) {
    if (error instanceof RiffError) throw error;
    throw new RiffError(`${path} is not an ONNX model riff can read (${error instanceof Error ? error.message : String(error)})`);
  } finally {
    file.close();
  }
}

function fromGraph(file: PositionedFile, start: number, end: number, input: string): number | undefined {
  let weight: string | undefined;
  const dims = new Map<string, number[]>();
  for (const f of fields(file, start, end)) {
    if (f.wire !== 2) continue;
    if (f.field === GRAPH_NODE && weight === undefined) {
      let op = "";
      const inputs: string[] = [];
      for (const n of fields(file, f.start, f.end)) {
        if (n.wire !== 2) continue;
        if (n.field === NODE_OP_TYPE) op = file.text(n.start, n.end);
        else if (n.field === NODE_INPUT) inputs.push(file.text(n.start, n.end));
      }
      if (op === "Conv" && inputs[0] === input && inputs[1] !== undefined) weight = inputs[1];
    } else if (f.field === GRAPH_INITIALIZER) {
      let name = "";
      const d: number[] = [];
      for (const t of fields(file, f.start, f.end)) {
        if (t.field === TENSOR_NAME && t.wire === 2) name = file.text(t.start, t.end);
        else if (t.field === TENSOR_DIMS && t.wire === 0) d.push(t.value);
        else if (t.field === TENSOR_DIMS && t.wire === 2) d.push(...packedVarints(file, t.start, t.end));
      }
      dims.set(name, d);
    }
  }
  const channels = weight === undefined ? undefined : dims.get(weight)?.[1];
  return channels !== undefined && channels > 0 ? channels : undefined;
}

function packedVarints(file: PositionedFile, start: number, end: number): number[] {
  const out: number[] = [];
  let value = 0;
  let shift = 0;
  for (let at = start; at < end; at++) {
    const byte = file.byte(at);
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (byte < 0x80) {
      out.push(value);
      value = 0;
      shift = 0;
    }
  }
  return out;
}
