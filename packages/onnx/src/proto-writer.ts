/**
 * Protobuf messages written by hand, for the few ONNX graphs riff derives from a model file at
 * load time (graph-nodes.ts reads them the same way): varint and length-delimited fields only,
 * which is all ModelProto, GraphProto, NodeProto and ValueInfoProto need (a field copied from
 * another message is its payload's bytes written again). Payloads are kept by reference, so a
 * model's megabytes of weights are copied once, by the outermost finish().
 */
export class ProtoWriter {
  private readonly parts: Uint8Array[] = [];
  private size = 0;

  /** A varint field (wire type 0); `value` is a non-negative safe integer. */
  varint(field: number, value: number): this {
    this.push(varintBytes(field * 8));
    this.push(varintBytes(value));
    return this;
  }

  /** A length-delimited field (wire type 2): bytes, a UTF-8 string, or a nested message. */
  bytes(field: number, payload: Uint8Array | string | ProtoWriter): this {
    this.push(varintBytes(field * 8 + 2));
    if (payload instanceof ProtoWriter) {
      this.push(varintBytes(payload.size));
      for (const part of payload.parts) this.push(part);
      return this;
    }
    const data = typeof payload === "string" ? new TextEncoder().encode(payload) : payload;
    this.push(varintBytes(data.length));
    this.push(data);
    return this;
  }

  /** The message's bytes. */
  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const part of this.parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }

  private push(part: Uint8Array): void {
    this.parts.push(part);
    this.size += part.length;
  }
}

/** A varint's bytes (protobuf's base-128 encoding); `value` is a non-negative safe integer. */
export function varintBytes(value: number): Uint8Array {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`a varint must be a non-negative safe integer, got ${value}`);
  const out: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest % 0x80) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  out.push(rest);
  return Uint8Array.from(out);
}
