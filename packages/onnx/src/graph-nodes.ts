/**
 * The operators of an ONNX file, read straight from its protobuf without loading it: the main
 * graph's nodes, the nodes of subgraphs (If/Loop branches, as in merged decoders) and of local
 * functions. onnxruntime's session does not expose them, and a loader needs to know some (is
 * this decoder dynamically quantized?) before it decides how to run it. The file is read by
 * position, skipping initializers, so a multi-gigabyte model costs only its node bytes.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { RiffError } from "@riff/core";

/** One node: its operator, domain ("" = ai.onnx) and its integer attributes (accuracy_level …). */
export interface GraphNode {
  readonly opType: string;
  readonly domain: string;
  readonly intAttributes: Readonly<Record<string, number>>;
}

// Field numbers of onnx.proto3 (ModelProto, GraphProto, NodeProto, AttributeProto, FunctionProto).
export const MODEL_GRAPH = 7;
const MODEL_FUNCTIONS = 25;
export const GRAPH_NODE = 1;
const FUNCTION_NODE = 7;
const NODE_INPUT = 1;
const NODE_OUTPUT = 2;
export const NODE_OP_TYPE = 4;
const NODE_ATTRIBUTE = 5;
const NODE_DOMAIN = 7;
const ATTR_NAME = 1;
const ATTR_INT = 3;
const ATTR_GRAPH = 6;
const ATTR_GRAPHS = 11;

/** Every node of the ONNX file at `path`, subgraphs and functions included. A malformed file is a RiffError. */
export function graphNodes(path: string): GraphNode[] {
  const file = new PositionedFile(path);
  try {
    const nodes: GraphNode[] = [];
    for (const f of fields(file, 0, file.size)) {
      if (f.wire !== 2) continue;
      if (f.field === MODEL_GRAPH) readGraph(file, f.start, f.end, GRAPH_NODE, nodes);
      else if (f.field === MODEL_FUNCTIONS) readGraph(file, f.start, f.end, FUNCTION_NODE, nodes);
    }
    return nodes;
  } catch (error) {
    if (error instanceof RiffError) throw error;
    throw new RiffError(`${path} is not an ONNX model riff can read (${error instanceof Error ? error.message : String(error)})`);
  } finally {
    file.close();
  }
}

function readGraph(file: PositionedFile, start: number, end: number, nodeField: number, out: GraphNode[]): void {
  for (const f of fields(file, start, end)) if (f.field === nodeField && f.wire === 2) readNode(file, f.start, f.end, out);
}

function readNode(file: PositionedFile, start: number, end: number, out: GraphNode[]): void {
  const node = nodeFields(file, start, end);
  const intAttributes: Record<string, number> = {};
  for (const a of node.attributes) if (a.int !== undefined && a.name !== "") intAttributes[a.name] = a.int;
  out.push({ opType: node.opType, domain: node.domain, intAttributes });
  for (const a of node.attributes) for (const g of a.subgraphs) readGraph(file, g.start, g.end, GRAPH_NODE, out);
}

/** A NodeProto's operator, domain, inputs, outputs and attributes, with where each lies in the file (for rewrites). */
export interface NodeFields {
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** Where the op_type field ends (the node's end when it has none). */
  readonly opTypeEnd: number;
  readonly domain: string;
  readonly attributes: ReadonlyArray<{
    readonly field: Field;
    readonly name: string;
    /** An INT attribute's value (signed: axis -2 is common). */
    readonly int: number | undefined;
    /** A GRAPH or GRAPHS attribute's graphs (If/Loop/Scan bodies). */
    readonly subgraphs: readonly Field[];
  }>;
}

/** The NodeProto in bytes [start, end) of `file`. */
export function nodeFields(file: PositionedFile, start: number, end: number): NodeFields {
  let opType = "";
  let opTypeEnd = end;
  let domain = "";
  const inputs: string[] = [];
  const outputs: string[] = [];
  const attributes: Array<NodeFields["attributes"][number]> = [];
  for (const f of fields(file, start, end)) {
    if (f.wire !== 2) continue;
    if (f.field === NODE_INPUT) inputs.push(file.text(f.start, f.end));
    else if (f.field === NODE_OUTPUT) outputs.push(file.text(f.start, f.end));
    else if (f.field === NODE_OP_TYPE) {
      opType = file.text(f.start, f.end);
      opTypeEnd = f.end;
    } else if (f.field === NODE_DOMAIN) domain = file.text(f.start, f.end);
    else if (f.field === NODE_ATTRIBUTE) {
      let name = "";
      let int: number | undefined;
      const subgraphs: Field[] = [];
      for (const a of fields(file, f.start, f.end)) {
        if (a.field === ATTR_NAME && a.wire === 2) name = file.text(a.start, a.end);
        else if (a.field === ATTR_INT && a.wire === 0) int = int64(file, a.start, a.end);
        else if ((a.field === ATTR_GRAPH || a.field === ATTR_GRAPHS) && a.wire === 2) subgraphs.push(a);
      }
      attributes.push({ field: f, name, int, subgraphs });
    }
  }
  return { opType, inputs, outputs, opTypeEnd, domain, attributes };
}

/** The signed int64 varint in bytes [start, end) (a negative one takes ten bytes). */
function int64(source: ByteSource, start: number, end: number): number {
  let value = 0n;
  for (let i = start; i < end; i++) value |= BigInt(source.byte(i) & 0x7f) << BigInt(7 * (i - start));
  return Number(BigInt.asIntN(64, value));
}

export interface Field {
  readonly field: number;
  readonly wire: number;
  /** Where the field's key begins (a rewrite copies the bytes around the fields it replaces). */
  readonly keyStart: number;
  /** Varint fields: the value (int64s above 2^53 lose precision; negatives read as large numbers). */
  readonly value: number;
  /** Length-delimited fields: the payload's byte range. */
  readonly start: number;
  readonly end: number;
}

/** Anything whose bytes can be read one at a time by position: a {@link PositionedFile}, or {@link bytesSource} over bytes in memory. */
export interface ByteSource {
  byte(at: number): number;
}

/** Bytes in memory as a {@link ByteSource}. */
export function bytesSource(bytes: Uint8Array): ByteSource {
  return {
    byte(at: number): number {
      const byte = bytes[at];
      if (byte === undefined) throw new Error("unexpected end of the message");
      return byte;
    },
  };
}

/** The fields of the message in bytes [start, end), in file order. */
export function* fields(file: ByteSource, start: number, end: number): Generator<Field> {
  let pos = start;
  while (pos < end) {
    const keyStart = pos;
    const [key, afterKey] = varint(file, pos);
    const field = Math.floor(key / 8);
    const wire = key % 8;
    pos = afterKey;
    if (wire === 0) {
      const [value, next] = varint(file, pos);
      yield { field, wire, keyStart, value, start: pos, end: next };
      pos = next;
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      const [length, next] = varint(file, pos);
      if (next + length > end) throw new Error(`field ${field} runs past its message`);
      yield { field, wire, keyStart, value: length, start: next, end: next + length };
      pos = next + length;
    } else throw new Error(`unsupported protobuf wire type ${wire} at byte ${pos}`);
  }
  if (pos !== end) throw new Error("a message's last field runs past its end");
}

function varint(file: ByteSource, at: number): [number, number] {
  let value = 0;
  for (let i = 0; i < 10; i++) {
    const byte = file.byte(at + i);
    value += (byte & 0x7f) * 2 ** (7 * i);
    if (byte < 0x80) return [value, at + i + 1];
  }
  throw new Error(`bad varint at byte ${at}`);
}

/** Reads a file by position through one cached window, so skipped fields are never read. */
export class PositionedFile implements ByteSource {
  readonly size: number;
  private readonly fd: number;
  private window = Buffer.alloc(0);
  private windowStart = 0;

  constructor(path: string) {
    this.fd = openSync(path, "r");
    this.size = fstatSync(this.fd).size;
  }

  byte(at: number): number {
    if (at < this.windowStart || at >= this.windowStart + this.window.length) this.load(at, 64 * 1024);
    const byte = this.window[at - this.windowStart];
    if (byte === undefined) throw new Error("unexpected end of file");
    return byte;
  }

  text(start: number, end: number): string {
    if (end - start > 4096) throw new Error("a name longer than 4096 bytes");
    if (start < this.windowStart || end > this.windowStart + this.window.length) this.load(start, Math.max(64 * 1024, end - start));
    return this.window.toString("utf8", start - this.windowStart, end - this.windowStart);
  }

  /** Bytes [start, end) of the file, read directly (not through the window). */
  bytes(start: number, end: number): Uint8Array {
    const out = Buffer.alloc(end - start);
    if (readSync(this.fd, out, 0, out.length, start) !== out.length) throw new Error("unexpected end of file");
    return out;
  }

  close(): void {
    closeSync(this.fd);
  }

  private load(at: number, length: number): void {
    const buffer = Buffer.alloc(Math.max(0, Math.min(length, this.size - at)));
    const read = readSync(this.fd, buffer, 0, buffer.length, at);
    this.window = buffer.subarray(0, read);
    this.windowStart = at;
  }
}
