// The protobuf node reader against files whose nodes onnx (Python) counted.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { RiffError } from "@riff/core";
import { dynamicQuantizationOps, dynamicQuantizationOpsOf, graphNodes } from "@riff/onnx";

const textFixture = (path: string): string => fileURLToPath(new URL(`../../text/test/fixtures/${path}`, import.meta.url));

test("graphNodes reads every node, If branches included (onnx.load counted 462 in the merged decoder, 1 at the top)", () => {
  const nodes = graphNodes(textFixture("gpt2-tiny-merged/onnx/decoder_model_merged.onnx"));
  assert.equal(nodes.length, 462);
  assert.equal(nodes[0]!.opType, "If");
  assert.equal(nodes.filter((n) => n.opType === "MatMul").length, 26);
  assert.deepEqual(dynamicQuantizationOps(nodes), []);
});

test("dynamicQuantizationOpsOf finds quantize_dynamic's operators, and MatMulNBits only at accuracy_level 4", () => {
  const nodes = graphNodes(textFixture("gpt2-tiny-q8/onnx/model_quantized.onnx"));
  assert.equal(nodes.length, 273);
  assert.equal(nodes.filter((n) => n.opType === "MatMulInteger").length, 9);
  assert.deepEqual(dynamicQuantizationOpsOf(textFixture("gpt2-tiny-q8/onnx/model_quantized.onnx")), ["DynamicQuantizeLinear", "MatMulInteger"]);
  assert.deepEqual(dynamicQuantizationOpsOf(textFixture("gpt2-tiny/onnx/model.onnx")), []);
  const nbits = (level: number) => ({ opType: "MatMulNBits", domain: "com.microsoft", intAttributes: { accuracy_level: level, bits: 4 } });
  assert.deepEqual(dynamicQuantizationOps([nbits(0), nbits(1)]), []);
  assert.deepEqual(dynamicQuantizationOps([nbits(4)]), ["MatMulNBits accuracy_level 4"]);
});

test("a file that is not protobuf is a RiffError naming it", () => {
  const dir = mkdtempSync(join(tmpdir(), "riff-nodes-"));
  try {
    const path = join(dir, "bad.onnx");
    writeFileSync(path, Buffer.from([0x3a, 0xff, 0xff, 0xff, 0x0f, 1, 2]));
    assert.throws(() => graphNodes(path), (e: unknown) => e instanceof RiffError && e.message.includes(path));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
