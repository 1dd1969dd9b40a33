/**
 * A read of a model file and a rewrite of a model held in memory, for a loader that wants an intermediate
 * value of the main graph as an output of its own: the main graph's nodes with the names of their
 * inputs and outputs, and the model with more graph outputs. (A text decoder fetches the key and
 * value of the step's new positions this way, instead of the whole concatenated present cache,
 * which onnxruntime-node would copy out on every step.) Weights are copied as bytes, never parsed.
 */
import { RiffError } from "@riff/core";
import { GRAPH_NODE, MODEL_GRAPH, PositionedFile, bytesSource, fields, nodeFields, type ByteSource, type Field } from "./graph-nodes.js";
import { ProtoWriter, varintBytes } from "./proto-writer.js";

// onnx.proto3's field numbers, beyond graph-nodes.ts's.
const GRAPH_OUTPUT = 12;
const VALUE_NAME = 1;

/** One node of the main graph, with the names it reads and writes. */
export interface NodeIO {
  readonly opType: string;
  readonly domain: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly intAttributes: Readonly<Record<string, number>>;
}

function graphField(source: ByteSource, size: number): Field {
  for (const f of fields(source, 0, size)) if (f.field === MODEL_GRAPH && f.wire === 2) return f;
  throw new Error("no graph");
}

/**
 * The main graph's nodes (not those of subgraphs or functions) of the ONNX file at `path`, in file
 * order, read by position so that the weights are skipped. A malformed model is a RiffError.
 */
export function mainGraphNodeIO(path: string): NodeIO[] {
  const file = new PositionedFile(path);
  try {
    const graph = graphField(file, file.size);
    const nodes: NodeIO[] = [];
    for (const n of fields(file, graph.start, graph.end)) {
      if (n.field !== GRAPH_NODE || n.wire !== 2) continue;
      const { opType, domain, inputs, outputs, attributes } = nodeFields(file, n.start, n.end);
      const intAttributes: Record<string, number> = {};
      for (const a of attributes) if (a.int !== undefined) intAttributes[a.name] = a.int;
      nodes.push({ opType, domain, inputs, outputs, intAttributes });
    }
    return nodes;
  } catch (error) {
    throw new RiffError(`${path} is not an ONNX model riff can read (${error instanceof Error ? error.message : String(error)})`);
  } finally {
    file.close();
  }
}

/**
 * The model with its main graph's outputs changed: the values named `add` appended, by name only
 * (onnxruntime infers their type and shape, as for any value), and the outputs named in `drop`
 * removed (an output nobody fetches still costs: onnxruntime keeps it apart from the buffers it
 * reuses). One copy of the bytes: every other field is kept as it is, and the graph's length prefix
 * is rewritten.
 */
export function withGraphOutputs(bytes: Uint8Array, add: readonly string[], drop: ReadonlySet<string> = new Set()): Uint8Array {
  const source = bytesSource(bytes);
  const graph = graphField(source, bytes.length);
  const pieces: Uint8Array[] = [];
  let kept = graph.start;
  for (const f of fields(source, graph.start, graph.end)) {
    if (f.field !== GRAPH_OUTPUT || f.wire !== 2) continue;
    let name = "";
    for (const v of fields(source, f.start, f.end)) if (v.field === VALUE_NAME && v.wire === 2) name = Buffer.from(bytes.subarray(v.start, v.end)).toString("utf8");
    if (!drop.has(name)) continue;
    pieces.push(bytes.subarray(kept, f.keyStart));
    kept = f.end;
  }
  pieces.push(bytes.subarray(kept, graph.end));
  const extra = new ProtoWriter();
  for (const name of add) extra.bytes(GRAPH_OUTPUT, new ProtoWriter().bytes(VALUE_NAME, name));
  pieces.push(extra.finish());
  const length = pieces.reduce((n, p) => n + p.length, 0);
  return Buffer.concat([bytes.subarray(0, graph.keyStart), varintBytes(MODEL_GRAPH * 8 + 2), varintBytes(length), ...pieces, bytes.subarray(graph.end)]);
}
