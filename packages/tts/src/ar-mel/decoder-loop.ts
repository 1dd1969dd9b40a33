/**
 * The one-frame decoder (decoder.onnx) wrapped, at load time, in an ONNX Loop that runs it for a
 * block of frames in one onnxruntime call. Each run of the one-frame file from JavaScript costs
 * more in the call (feeds, outputs, a turn of the event loop) than in the GRU itself, and a
 * sentence decodes every frame before its first sample (its loudness is known only then), so the
 * calls were most of the time to the first chunk.
 *
 * The Loop's body is decoder.onnx's own nodes, copied byte for byte and reading its weights from
 * the outer graph, so onnxruntime runs the same kernels on the same values: the frames are the
 * per-frame loop's, bit for bit (tested). Per step it takes row `step` of the block's conditions
 * and noise, and feeds back float32(float64(frame) + noise): what JavaScript computes for
 * `frame + noiseScale · normal` (noise = noiseScale · normal in float64; −0 for no noise, which
 * leaves every frame as it is, −0 included).
 *
 * Inputs: steps (int64 scalar), first_prev_frame [1, nMels], first_state (state shape),
 * conditions [steps, 1, conditionDim] (float32), noise [steps, 1, nMels] (float64). Outputs:
 * frames [steps, 1, nMels], last_prev_frame (the fed-back copy of the last frame), last_state.
 */
import { readFileSync } from "node:fs";
import { RiffError } from "@riff/core";
import { ProtoWriter, bytesSource, fields } from "@riff/onnx";

export const LOOP_INPUTS = {
  steps: "riff_loop/steps",
  firstPrevFrame: "riff_loop/first_prev_frame",
  firstState: "riff_loop/first_state",
  conditions: "riff_loop/conditions",
  noise: "riff_loop/noise",
} as const;
export const LOOP_OUTPUTS = {
  frames: "riff_loop/frames",
  lastPrevFrame: "riff_loop/last_prev_frame",
  lastState: "riff_loop/last_state",
} as const;

export interface DecoderShapes {
  readonly nMels: number;
  readonly conditionDim: number;
  readonly stateShape: readonly number[];
}

// onnx.proto3 field numbers and enums.
const MODEL_GRAPH = 7;
const GRAPH_NODE = 1;
const GRAPH_NAME = 2;
const GRAPH_INITIALIZER = 5;
const GRAPH_INPUT = 11;
const GRAPH_OUTPUT = 12;
const GRAPH_VALUE_INFO = 13;
const GRAPH_SPARSE_INITIALIZER = 15;
const NODE_INPUT = 1;
const NODE_OUTPUT = 2;
const NODE_NAME = 3;
const NODE_OP_TYPE = 4;
const NODE_ATTRIBUTE = 5;
const ATTR_NAME = 1;
const ATTR_INT = 3;
const ATTR_GRAPH = 6;
const ATTR_TYPE = 20;
const ATTR_TYPE_INT = 2;
const ATTR_TYPE_GRAPH = 5;
const VALUE_NAME = 1;
const VALUE_TYPE = 2;
const TYPE_TENSOR = 1;
const TENSOR_ELEM_TYPE = 1;
const TENSOR_SHAPE = 2;
const SHAPE_DIM = 1;
const DIM_VALUE = 1;
const DIM_PARAM = 2;
const FLOAT = 1;
const INT64 = 7;
const BOOL = 9;
const DOUBLE = 11;

type Dim = number | string;

/** decoder.onnx at `path` → the bytes of its Loop form (see the file comment). A file without the decoder's inputs and outputs is a RiffError. */
export function decoderLoopModel(path: string, shapes: DecoderShapes): Uint8Array {
  const source = readFileSync(path);
  const bytes = new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  const read = bytesSource(bytes);
  const model = new ProtoWriter();
  let graph: { start: number; end: number } | undefined;
  try {
    for (const f of fields(read, 0, bytes.length)) {
      if (f.field === MODEL_GRAPH && f.wire === 2) graph = f;
      else if (f.wire === 2) model.bytes(f.field, bytes.subarray(f.start, f.end));
      else if (f.wire === 0) model.varint(f.field, f.value);
      else throw new Error(`ModelProto field ${f.field} has wire type ${f.wire}`);
    }
    if (graph === undefined) throw new Error("it has no graph");
    model.bytes(MODEL_GRAPH, loopGraph(bytes, graph.start, graph.end, shapes, path));
  } catch (error) {
    if (error instanceof RiffError) throw error;
    throw new RiffError(`${path} is not an ONNX model riff can read (${error instanceof Error ? error.message : String(error)})`);
  }
  return model.finish();
}

function loopGraph(bytes: Uint8Array, start: number, end: number, shapes: DecoderShapes, path: string): ProtoWriter {
  const read = bytesSource(bytes);
  const { nMels, conditionDim, stateShape } = shapes;
  const outer = new ProtoWriter().bytes(GRAPH_NAME, "riff_decoder_loop");
  const body = new ProtoWriter().bytes(GRAPH_NAME, "riff_decoder_step");
  body.bytes(GRAPH_NODE, node("Gather", [LOOP_INPUTS.conditions, "riff_loop/step"], ["condition"]));
  body.bytes(GRAPH_NODE, node("Gather", [LOOP_INPUTS.noise, "riff_loop/step"], ["riff_loop/step_noise"]));
  const inputs: string[] = [];
  const outputs: string[] = [];
  const nameOf = (s: number, e: number): string => {
    for (const v of fields(read, s, e)) if (v.field === VALUE_NAME && v.wire === 2) return new TextDecoder().decode(bytes.subarray(v.start, v.end));
    return "";
  };
  for (const f of fields(read, start, end)) {
    if (f.wire !== 2) continue;
    const payload = bytes.subarray(f.start, f.end);
    if (f.field === GRAPH_NODE || f.field === GRAPH_VALUE_INFO) body.bytes(f.field, payload);
    else if (f.field === GRAPH_INITIALIZER || f.field === GRAPH_SPARSE_INITIALIZER) outer.bytes(f.field, payload);
    else if (f.field === GRAPH_INPUT) inputs.push(nameOf(f.start, f.end));
    else if (f.field === GRAPH_OUTPUT) outputs.push(nameOf(f.start, f.end));
  }
  requireNames(path, "input", ["prev_frame", "condition", "state"], inputs);
  requireNames(path, "output", ["frame", "next_state"], outputs);
  body.bytes(GRAPH_NODE, node("Identity", ["riff_loop/go_on"], ["riff_loop/go_on_next"]));
  body.bytes(GRAPH_NODE, node("Cast", ["frame"], ["riff_loop/frame_f64"], DOUBLE));
  body.bytes(GRAPH_NODE, node("Add", ["riff_loop/frame_f64", "riff_loop/step_noise"], ["riff_loop/fed_back_f64"]));
  body.bytes(GRAPH_NODE, node("Cast", ["riff_loop/fed_back_f64"], ["riff_loop/fed_back"], FLOAT));
  body.bytes(GRAPH_INPUT, valueInfo("riff_loop/step", INT64, []));
  body.bytes(GRAPH_INPUT, valueInfo("riff_loop/go_on", BOOL, []));
  body.bytes(GRAPH_INPUT, valueInfo("prev_frame", FLOAT, [1, nMels]));
  body.bytes(GRAPH_INPUT, valueInfo("state", FLOAT, stateShape));
  body.bytes(GRAPH_OUTPUT, valueInfo("riff_loop/go_on_next", BOOL, []));
  body.bytes(GRAPH_OUTPUT, valueInfo("riff_loop/fed_back", FLOAT, [1, nMels]));
  body.bytes(GRAPH_OUTPUT, valueInfo("next_state", FLOAT, stateShape));
  body.bytes(GRAPH_OUTPUT, valueInfo("frame", FLOAT, [1, nMels]));

  const loop = node("Loop", [LOOP_INPUTS.steps, "", LOOP_INPUTS.firstPrevFrame, LOOP_INPUTS.firstState], [LOOP_OUTPUTS.lastPrevFrame, LOOP_OUTPUTS.lastState, LOOP_OUTPUTS.frames]);
  loop.bytes(NODE_ATTRIBUTE, new ProtoWriter().bytes(ATTR_NAME, "body").varint(ATTR_TYPE, ATTR_TYPE_GRAPH).bytes(ATTR_GRAPH, body));
  outer.bytes(GRAPH_NODE, loop);
  outer.bytes(GRAPH_INPUT, valueInfo(LOOP_INPUTS.steps, INT64, []));
  outer.bytes(GRAPH_INPUT, valueInfo(LOOP_INPUTS.firstPrevFrame, FLOAT, [1, nMels]));
  outer.bytes(GRAPH_INPUT, valueInfo(LOOP_INPUTS.firstState, FLOAT, stateShape));
  outer.bytes(GRAPH_INPUT, valueInfo(LOOP_INPUTS.conditions, FLOAT, ["steps", 1, conditionDim]));
  outer.bytes(GRAPH_INPUT, valueInfo(LOOP_INPUTS.noise, DOUBLE, ["steps", 1, nMels]));
  outer.bytes(GRAPH_OUTPUT, valueInfo(LOOP_OUTPUTS.lastPrevFrame, FLOAT, [1, nMels]));
  outer.bytes(GRAPH_OUTPUT, valueInfo(LOOP_OUTPUTS.lastState, FLOAT, stateShape));
  outer.bytes(GRAPH_OUTPUT, valueInfo(LOOP_OUTPUTS.frames, FLOAT, ["steps", 1, nMels]));
  return outer;
}

function requireNames(path: string, kind: string, wanted: readonly string[], have: readonly string[]): void {
  const missing = wanted.filter((name) => !have.includes(name));
  if (missing.length === 0) return;
  throw new RiffError(
    `${path} lacks the ${kind}${missing.length > 1 ? "s" : ""} ${missing.map((m) => `"${m}"`).join(", ")}; it has ${have.map((v) => `"${v}"`).join(", ") || "none"}`,
  );
}

/** A NodeProto; `to` is a Cast's target type. */
function node(opType: string, inputs: readonly string[], outputs: readonly string[], to?: number): ProtoWriter {
  const out = new ProtoWriter();
  for (const name of inputs) out.bytes(NODE_INPUT, name);
  for (const name of outputs) out.bytes(NODE_OUTPUT, name);
  out.bytes(NODE_NAME, `riff_loop/${opType}_${outputs[0]}`);
  out.bytes(NODE_OP_TYPE, opType);
  if (to !== undefined) out.bytes(NODE_ATTRIBUTE, new ProtoWriter().bytes(ATTR_NAME, "to").varint(ATTR_TYPE, ATTR_TYPE_INT).varint(ATTR_INT, to));
  return out;
}

/** A ValueInfoProto of a tensor; an empty shape is a scalar. */
function valueInfo(name: string, elemType: number, dims: readonly Dim[]): ProtoWriter {
  const shape = new ProtoWriter();
  for (const dim of dims) shape.bytes(SHAPE_DIM, typeof dim === "number" ? new ProtoWriter().varint(DIM_VALUE, dim) : new ProtoWriter().bytes(DIM_PARAM, dim));
  const tensor = new ProtoWriter().varint(TENSOR_ELEM_TYPE, elemType).bytes(TENSOR_SHAPE, shape);
  return new ProtoWriter().bytes(VALUE_NAME, name).bytes(VALUE_TYPE, new ProtoWriter().bytes(TYPE_TENSOR, tensor));
}
