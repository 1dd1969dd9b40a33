import { test } from "node:test";
import assert from "node:assert/strict";
import { ProtoWriter, bytesSource, fields } from "@riff/onnx";

test("ProtoWriter's messages read back field by field: varints past 2^35, strings, nested messages, raw bytes", () => {
  const inner = new ProtoWriter().varint(1, 300).bytes(2, "é");
  const bytes = new ProtoWriter().varint(3, 2 ** 40 + 5).bytes(7, inner).bytes(9, Uint8Array.from([0, 255])).finish();
  // Key 3·8 = 0x18; 2^40 + 5 as a varint; key 7·8+2 = 0x3a, length 5: (0x08, 300 = ac 02), (0x12, 2, c3 a9); key 0x4a, length 2.
  assert.deepEqual(Array.from(bytes), [0x18, 0x85, 0x80, 0x80, 0x80, 0x80, 0x20, 0x3a, 7, 0x08, 0xac, 0x02, 0x12, 2, 0xc3, 0xa9, 0x4a, 2, 0, 255]);
  const read = bytesSource(bytes);
  const top = [...fields(read, 0, bytes.length)];
  assert.deepEqual(top.map((f) => [f.field, f.wire]), [[3, 0], [7, 2], [9, 2]]);
  assert.equal(top[0]!.value, 2 ** 40 + 5);
  const nested = [...fields(read, top[1]!.start, top[1]!.end)];
  assert.equal(nested[0]!.value, 300);
  assert.equal(new TextDecoder().decode(bytes.subarray(nested[1]!.start, nested[1]!.end)), "é");
  assert.throws(() => new ProtoWriter().varint(1, -1), /non-negative safe integer/);
});
