import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { RiffError } from "@riff/core";
import { OnnxSession, float32, int64, floatData } from "@riff/onnx";

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

test("runs a recipe-made model and reports its inputs and outputs", async () => {
  const session = await OnnxSession.load(fixture("affine.onnx"), { requiredInputs: ["x", "ids"] });
  try {
    assert.deepEqual(session.inputs, [
      { name: "x", type: "float32", shape: ["batch", 3] },
      { name: "ids", type: "int64", shape: ["batch"] },
    ]);
    assert.deepEqual(
      session.outputs.map((o) => o.name),
      ["y", "ids_out"],
    );
    const out = await session.run({
      x: float32(Float32Array.from([0, 1, 2, -1, -2, -3]), [2, 3]),
      ids: int64([7, 9], [2]),
    });
    assert.deepEqual(Array.from(floatData(out.y!)), [1, 4, 7, -1, -2, -3]);
    assert.deepEqual(Array.from(out.ids_out!.data as BigInt64Array), [7n, 9n]);
    assert.match(session.describe(), /x: float32\[batch, 3\]/);
  } finally {
    await session.dispose();
  }
});

test("a disposed session refuses to run", async () => {
  const session = await OnnxSession.load(fixture("affine.onnx"));
  await session.dispose();
  await assert.rejects(session.run({}), /disposed/);
});

test("bad files give errors that say what is wrong", async () => {
  await assert.rejects(OnnxSession.load(fixture("missing.onnx"), { role: "unet" }), (e: unknown) => {
    assert.ok(e instanceof RiffError);
    assert.match(e.message, /unet file not found: .*missing\.onnx/);
    return true;
  });
  await assert.rejects(OnnxSession.load(fixture("not-onnx.onnx")), /is not an ONNX model file/);
  await assert.rejects(OnnxSession.load(fixture("")), /not a file|not found/);
  await assert.rejects(
    OnnxSession.load(fixture("affine.onnx"), { requiredInputs: ["input_ids", "x"] }),
    /lacks the input "input_ids"; it has "x", "ids"/,
  );
  await assert.rejects(OnnxSession.load(fixture("affine.onnx"), { requiredOutputs: ["logits"] }), /lacks the output "logits"/);
  await assert.rejects(OnnxSession.load(fixture("contrib-op.onnx"), { role: "unet" }), (e: unknown) => {
    assert.ok(e instanceof RiffError);
    assert.match(e.message, /operators the CPU execution provider lacks/);
    return true;
  });
});

test("an execution provider that is not built in is refused by name", async () => {
  await assert.rejects(OnnxSession.load(fixture("affine.onnx"), { executionProvider: "cuda" }), (e: unknown) => {
    assert.ok(e instanceof RiffError);
    assert.equal(e.option, "executionProvider");
    assert.match(e.message, /"cuda" is not available/);
    return true;
  });
});

test("thread count is passed through", async () => {
  const session = await OnnxSession.load(fixture("affine.onnx"), { threads: 1 });
  const out = await session.run({ x: float32(new Float32Array(3), [1, 3]), ids: int64([1], [1]) });
  assert.deepEqual(Array.from(floatData(out.y!)), [1, 2, 3]);
  await session.dispose();
});
