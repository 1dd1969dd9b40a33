/**
 * Rewrites an ONNX file without Python: for now one rewrite, the accuracy_level of every
 * MatMulNBits node (onnxruntime's 4-bit weight MatMul). optimum's q4 export leaves it at 0 (float
 * activations); at 4 onnxruntime quantizes each MatMul's input to int8 and uses MLAS's integer
 * kernels, markedly faster at decode on CPU, with int8 numerics (tokens may differ).
 *
 * The file is rewritten as a stream of byte ranges: every byte is copied from the input except the
 * MatMulNBits NodeProtos, which get the attribute, and the length prefixes of the messages that
 * hold them (the graph, and a subgraph's attribute and node when a MatMulNBits sits in an If/Loop
 * body). Weights are copied as they are, never parsed; weights kept in external data files stay
 * there, shared by both files, so the output must be written in the input's folder.
 */
import { closeSync, existsSync, openSync, readSync, realpathSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { z } from "zod";
import { AtomicFile, OptionSchema, RiffError, optionError, type OptionInput } from "@riff/core";
import { GRAPH_NODE, MODEL_GRAPH, PositionedFile, fields, nodeFields, type Field } from "./graph-nodes.js";
import { ProtoWriter, varintBytes } from "./proto-writer.js";

/** The rewrites riff convert does, declared once for the library and the CLI's flags. */
export const CONVERT_OPTIONS = {
  accuracyLevel: {
    type: z.number().int().min(0).max(4),
    flag: "accuracy-level",
    metavar: "n",
    doc: "set every MatMulNBits node's accuracy_level: 4 = int8 activations (MLAS's fast kernels; changes the numerics), 0 = float activations as exported",
  },
} as const;

export const convertOptionsSchema = new OptionSchema("ONNX convert", CONVERT_OPTIONS);

export interface ConvertOnnxOptions extends OptionInput<typeof CONVERT_OPTIONS> {
  /** Where to write; default {@link convertedPath}. Never the input, never an existing file. */
  readonly out?: string | undefined;
}

export interface ConvertResult {
  /** The file written (absolute). */
  readonly out: string;
  /** MatMulNBits nodes in the file, subgraphs and functions included. */
  readonly matMulNBits: number;
  /** Of those, the ones whose accuracy_level was changed or added. */
  readonly changed: number;
  /** The external data files the input keeps weights in (its "location"s), which the output shares. */
  readonly externalData: readonly string[];
}

/** The default output: `NAME_acc<level>.onnx` beside `NAME.onnx` (optimum's model_q4.onnx → model_q4_acc4.onnx). */
export function convertedPath(input: string, accuracyLevel: number): string {
  const name = basename(input).replace(/\.onnx$/i, "");
  return join(dirname(resolve(input)), `${name}_acc${accuracyLevel}.onnx`);
}

// onnx.proto3's field numbers, beyond graph-nodes.ts's.
const MODEL_FUNCTIONS = 25;
const FUNCTION_NODE = 7;
const GRAPH_INITIALIZER = 5;
const NODE_ATTRIBUTE = 5;
const ATTR_NAME = 1;
const ATTR_INT = 3;
const ATTR_TENSOR = 5;
const ATTR_GRAPH = 6;
const ATTR_TENSORS = 10;
const ATTR_GRAPHS = 11;
const ATTR_TYPE = 20;
const ATTRIBUTE_TYPE_INT = 2;
const TENSOR_EXTERNAL_DATA = 13;
const TENSOR_DATA_LOCATION = 14;
const DATA_LOCATION_EXTERNAL = 1;
const ENTRY_KEY = 1;
const ENTRY_VALUE = 2;

const MATMUL_NBITS = "MatMulNBits";
const MICROSOFT_DOMAIN = "com.microsoft";
const ACCURACY_LEVEL = "accuracy_level";

/** A piece of the output: a byte range of the input, or new bytes. */
type Piece = { readonly start: number; readonly end: number } | Uint8Array;

/** What a walk over the file found and changed. */
interface Walk {
  readonly level: number;
  matMulNBits: number;
  changed: number;
  readonly externalData: Set<string>;
}

/**
 * Writes a copy of the ONNX file `input` with every MatMulNBits node's accuracy_level set to
 * `options.accuracyLevel` (added where absent), atomically (an exclusive temp file renamed into
 * place). Refused as RiffErrors: a file without MatMulNBits nodes or whose nodes all have the
 * level already, an output that exists, and external data with an output in another folder.
 */
export async function convertOnnx(input: string, options: ConvertOnnxOptions): Promise<ConvertResult> {
  const { out: outOption, ...rest } = options;
  const { accuracyLevel } = convertOptionsSchema.parse(rest, "library");
  if (accuracyLevel === undefined) {
    throw optionError("accuracyLevel", "{accuracyLevel} is required: it is the one rewrite riff convert does (4 = int8 activations)");
  }
  if (typeof input !== "string" || input === "") throw new RiffError("convertOnnx needs the ONNX file's path", "input");
  const source = resolve(input);
  if (!existsSync(source)) throw new RiffError(`ONNX file not found: ${source}`, "input");
  if (statSync(source).isDirectory()) throw new RiffError(`${source} is a folder: give the .onnx file to convert (e.g. ${join(source, "onnx", "model_q4.onnx")})`, "input");
  const out = resolve(outOption ?? convertedPath(source, accuracyLevel));
  if (existsSync(out)) {
    const same = realpathSync(out) === realpathSync(source);
    throw new RiffError(
      same ? `out is the input file itself (${out}): riff convert writes a new file and leaves the input as it is` : `out already exists: ${out} (riff convert never overwrites; remove it or choose another path)`,
      "out",
    );
  }

  const file = new PositionedFile(source);
  let pieces: Piece[] | undefined;
  const walk: Walk = { level: accuracyLevel, matMulNBits: 0, changed: 0, externalData: new Set() };
  try {
    pieces = rewriteMessage(0, file.size, (f) => {
      if (f.field === MODEL_GRAPH) return rewriteGraph(file, f, GRAPH_NODE, walk);
      if (f.field === MODEL_FUNCTIONS) return rewriteGraph(file, f, FUNCTION_NODE, walk);
      return undefined;
    }, file);
  } catch (error) {
    file.close();
    if (error instanceof RiffError) throw error;
    throw new RiffError(`${source} is not an ONNX model riff can read (${error instanceof Error ? error.message : String(error)})`, "input");
  }
  file.close();

  if (walk.matMulNBits === 0) {
    throw optionError("accuracyLevel", `{accuracyLevel} sets MatMulNBits nodes' accuracy_level, and ${source} has none (riff convert rewrites 4-bit MatMulNBits models, such as optimum's model_q4.onnx)`);
  }
  if (walk.changed === 0 || pieces === undefined) {
    throw optionError("accuracyLevel", `every MatMulNBits node of ${source} already has accuracy_level ${accuracyLevel}: nothing to convert ({accuracyLevel} ${accuracyLevel})`);
  }
  const externalData = [...walk.externalData];
  if (externalData.length > 0 && realpathSync(dirname(source)) !== realpathSync(dirname(out))) {
    throw new RiffError(
      `${source} keeps its weights in external data (${externalData.join(", ")}), which the converted file shares: write out in the same folder, ${dirname(source)}`,
      "out",
    );
  }
  await writePieces(source, out, pieces);
  return { out, matMulNBits: walk.matMulNBits, changed: walk.changed, externalData };
}

/**
 * The message [start, end) with the length-delimited fields `rewrite` changes replaced (it returns
 * the field's new payload, or undefined to keep it): unchanged bytes are copied as ranges.
 */
function rewriteMessage(start: number, end: number, rewrite: (f: Field) => Piece[] | undefined, file: PositionedFile): Piece[] | undefined {
  const pieces: Piece[] = [];
  let copied = start;
  for (const f of fields(file, start, end)) {
    if (f.wire !== 2) continue;
    const payload = rewrite(f);
    if (payload === undefined) continue;
    pieces.push({ start: copied, end: f.keyStart }, ...lengthDelimited(f.field, payload));
    copied = f.end;
  }
  // Nothing rewritten: the caller keeps the message's bytes as they are.
  if (pieces.length === 0) return undefined;
  pieces.push({ start: copied, end });
  return pieces;
}

/** A length-delimited field holding `payload`. */
function lengthDelimited(field: number, payload: readonly Piece[]): Piece[] {
  const header = new Uint8Array([...varintBytes(field * 8 + 2), ...varintBytes(sizeOf(payload))]);
  return [header, ...payload];
}

function sizeOf(pieces: readonly Piece[]): number {
  let size = 0;
  for (const p of pieces) size += p instanceof Uint8Array ? p.length : p.end - p.start;
  return size;
}

/** A GraphProto (or FunctionProto, whose nodes are field 7): its nodes rewritten, its initializers checked for external data. */
function rewriteGraph(file: PositionedFile, graph: Field, nodeField: number, walk: Walk): Piece[] | undefined {
  return rewriteMessage(graph.start, graph.end, (f) => {
    if (nodeField === GRAPH_NODE && f.field === GRAPH_INITIALIZER) {
      noteExternalData(file, f, walk);
      return undefined;
    }
    return f.field === nodeField ? rewriteNode(file, f, walk) : undefined;
  }, file);
}

/** A NodeProto: a MatMulNBits gets the accuracy_level; any other node's subgraphs are rewritten. */
function rewriteNode(file: PositionedFile, node: Field, walk: Walk): Piece[] | undefined {
  const { opType, opTypeEnd, domain, attributes } = nodeFields(file, node.start, node.end);
  if (opType === MATMUL_NBITS && domain === MICROSOFT_DOMAIN) return setAccuracyLevel(node, opTypeEnd, attributes, walk);

  return rewriteMessage(node.start, node.end, (f) => (f.field === NODE_ATTRIBUTE ? rewriteAttribute(file, f, walk) : undefined), file);
}

/** An AttributeProto of another node: its subgraphs (If/Loop/Scan bodies) rewritten, its tensors checked for external data. */
function rewriteAttribute(file: PositionedFile, attribute: Field, walk: Walk): Piece[] | undefined {
  return rewriteMessage(attribute.start, attribute.end, (f) => {
    if (f.field === ATTR_TENSOR || f.field === ATTR_TENSORS) {
      noteExternalData(file, f, walk);
      return undefined;
    }
    return f.field === ATTR_GRAPH || f.field === ATTR_GRAPHS ? rewriteGraph(file, f, GRAPH_NODE, walk) : undefined;
  }, file);
}

/**
 * A MatMulNBits NodeProto with accuracy_level = walk.level: the attribute replaced where present,
 * else added among the attributes in name order (where onnx.helper.make_node puts it, as the
 * attributes it writes are sorted), so the result matches a file quantized with that level.
 */
function setAccuracyLevel(
  node: Field,
  opTypeEnd: number,
  attributes: ReadonlyArray<{ field: Field; name: string; int: number | undefined }>,
  walk: Walk,
): Piece[] | undefined {
  walk.matMulNBits++;
  const existing = attributes.find((a) => a.name === ACCURACY_LEVEL);
  if (existing?.int === walk.level) return undefined;
  walk.changed++;
  const attribute = lengthDelimited(NODE_ATTRIBUTE, [new ProtoWriter().bytes(ATTR_NAME, ACCURACY_LEVEL).varint(ATTR_INT, walk.level).varint(ATTR_TYPE, ATTRIBUTE_TYPE_INT).finish()]);
  if (existing !== undefined) {
    return [{ start: node.start, end: existing.field.keyStart }, ...attribute, { start: existing.field.end, end: node.end }];
  }
  const after = attributes.find((a) => a.name > ACCURACY_LEVEL);
  const last = attributes.at(-1);
  // No attributes at all: onnx writes them after op_type (field 4), so right after it.
  const at = after !== undefined ? after.field.keyStart : last !== undefined ? last.field.end : opTypeEnd;
  return [{ start: node.start, end: at }, ...attribute, { start: at, end: node.end }];
}

/** Notes the external data file of a TensorProto field (an initializer or a Constant's tensor) stored outside the model. */
function noteExternalData(file: PositionedFile, tensor: Field, walk: Walk): void {
  let external = false;
  const locations: string[] = [];
  for (const f of fields(file, tensor.start, tensor.end)) {
    if (f.field === TENSOR_DATA_LOCATION && f.wire === 0 && f.value === DATA_LOCATION_EXTERNAL) external = true;
    else if (f.field === TENSOR_EXTERNAL_DATA && f.wire === 2) {
      let key = "";
      let value = "";
      for (const e of fields(file, f.start, f.end)) {
        if (e.field === ENTRY_KEY && e.wire === 2) key = file.text(e.start, e.end);
        else if (e.field === ENTRY_VALUE && e.wire === 2) value = file.text(e.start, e.end);
      }
      if (key === "location") locations.push(value);
    }
  }
  if (external) for (const location of locations.length > 0 ? locations : ["(no location)"]) walk.externalData.add(location);
}

/** Writes the pieces to `out` through an exclusive temp file renamed into place. */
async function writePieces(source: string, out: string, pieces: readonly Piece[]): Promise<void> {
  const target = await AtomicFile.open(out, { option: "out" });
  const fd = openSync(source, "r");
  const chunk = Buffer.alloc(8 * 1024 * 1024);
  try {
    let position = 0;
    for (const piece of pieces) {
      if (piece instanceof Uint8Array) {
        await target.write(piece, position);
        position += piece.length;
        continue;
      }
      for (let at = piece.start; at < piece.end; ) {
        const read = readSync(fd, chunk, 0, Math.min(chunk.length, piece.end - at), at);
        if (read === 0) throw new RiffError(`${source} changed while it was being converted`, "input");
        await target.write(chunk.subarray(0, read), position);
        position += read;
        at += read;
      }
    }
    await target.commit();
  } catch (error) {
    await target.abort();
    throw error;
  } finally {
    closeSync(fd);
  }
}
