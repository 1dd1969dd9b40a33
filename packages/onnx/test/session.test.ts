import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { RiffError } from "@riff/core";
import { OnnxSession, float16, float32, int64, floatData, dimsOf } from "@riff/onnx";

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

test("stats count the runs and the time spent inside them", async () => {
  const session = await OnnxSession.load(fixture("affine.onnx"));
  try {
    assert.deepEqual(session.stats, { runs: 0, runMs: 0 });
    const feeds = { x: float32(new Float32Array(3), [1, 3]), ids: int64([1], [1]) };
    const before = performance.now();
    await session.run(feeds);
    await session.run(feeds, ["y"]);
    const elapsed = performance.now() - before;
    const { runs, runMs } = session.stats;
    assert.equal(runs, 2);
    assert.ok(runMs > 0 && runMs <= elapsed, `runMs ${runMs} should be in (0, ${elapsed}]`);
    // A snapshot, not a live view.
    const snapshot = session.stats;
    await session.run(feeds);
    assert.equal(snapshot.runs, 2);
    assert.equal(session.stats.runs, 3);
    // A failed run is not counted.
    await assert.rejects(session.run({}));
    assert.equal(session.stats.runs, 3);
  } finally {
    await session.dispose();
  }
});

test("float16 builds a half-precision tensor from raw bits", () => {
  // 1, -2, 0.5, 65504 (largest half), 2^-24 (smallest subnormal), -0
  const bits = Uint16Array.from([0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x8000]);
  const t = float16(bits, [2, 3]);
  assert.equal(t.type, "float16");
  assert.deepEqual(dimsOf(t), [2, 3]);
  assert.deepEqual(Array.from(floatData(t)), [1, -2, 0.5, 65504, 2 ** -24, -0]);
  assert.throws(() => float16(bits, [4]), /size|length|match/i);
});
