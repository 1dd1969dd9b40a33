/**
 * A read of a model file and a rewrite of a model held in memory, for a loader that wants an intermediate
 * value of the main graph as an output of its own: the main graph's nodes with the names of their
 * inputs and outputs, and the model with more graph outputs. (A text decoder fetches the key and
 * value of the step's new positions this way, instead of the whole concatenated present cache,
 * which onnxruntime-node would copy out on every step.) Weights are copied as bytes, never parsed.
 */
import { RiffError } from "@riff/core";
import { GRAPH_NODE, MODEL_GRAPH, NODE_OP_TYPE, PositionedFile, bytesSource, fields, type ByteSource, type Field } from "./graph-nodes.js";
import { ProtoWriter, varintBytes } from "./proto-writer.js";

// onnx.proto3's field numbers, beyond graph-nodes.ts's.
const GRAPH_OUTPUT = 12;
const NODE_INPUT = 1;
const NODE_OUTPUT = 2;
const NODE_DOMAIN = 7;
const NODE_ATTRIBUTE = 5;
const ATTR_NAME = 1;
const ATTR_INT = 3;
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
  const text = (f: Field): string => file.text(f.start, f.end);
  try {
    const graph = graphField(file, file.size);
    const nodes: NodeIO[] = [];
    for (const n of fields(file, graph.start, graph.end)) {
      if (n.field !== GRAPH_NODE || n.wire !== 2) continue;
      let opType = "";
      let domain = "";
      const inputs: string[] = [];
      const outputs: string[] = [];
      const intAttributes: Record<string, number> = {};
      for (const f of fields(file, n.start, n.end)) {
        if (f.wire !== 2) continue;
        if (f.field === NODE_INPUT) inputs.push(text(f));
        else if (f.field === NODE_OUTPUT) outputs.push(text(f));
        else if (f.field === NODE_OP_TYPE) opType = text(f);
        else if (f.field === NODE_DOMAIN) domain = text(f);
        else if (f.field === NODE_ATTRIBUTE) {
          let attr = "";
          let value: number | undefined;
          for (const a of fields(file, f.start, f.end)) {
            if (a.field === ATTR_NAME && a.wire === 2) attr = text(a);
            else if (a.field === ATTR_INT && a.wire === 0) value = int64(file, a.start, a.end);
          }
          if (value !== undefined) intAttributes[attr] = value;
        }
      }
      nodes.push({ opType, domain, inputs, outputs, intAttributes });
    }
    return nodes;
  } catch (error) {
    throw new RiffError(`${path} is not an ONNX model riff can read (${error instanceof Error ? error.message : String(error)})`);
  } finally {
    file.close();
  }
}

/** The signed int64 varint in bytes [start, end) (a negative one takes ten bytes: axis -2 is common). */
function int64(source: ByteSource, start: number, end: number): number {
  let value = 0n;
  for (let i = start; i < end; i++) value |= BigInt(source.byte(i) & 0x7f) << BigInt(7 * (i - start));
  return Number(BigInt.asIntN(64, value));
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
