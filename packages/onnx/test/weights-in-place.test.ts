import { test } from "node:test";
import assert from "node:assert/strict";
import { statSync } from "node:fs";
import { dirname } from "node:path";
import { resolveModelDir } from "@riff/core";
import { OnnxSession, floatData, graphWithoutWeights, int64, float32, mainGraphNodeIO, withGraphOutputs } from "@riff/onnx";

const modelPath = `${resolveModelDir("text", undefined)}/onnx/model.onnx`;

function feeds(session: OnnxSession): Record<string, ReturnType<typeof int64>> {
  const out: Record<string, ReturnType<typeof int64>> = {
    input_ids: int64([1, 300, 301], [1, 3]),
    attention_mask: int64([1, 1, 1], [1, 3]),
    position_ids: int64([0, 1, 2], [1, 3]),
  };
  for (const v of session.inputs) if (v.name.startsWith("past_key_values")) out[v.name] = float32(new Float32Array(0), [1, Number(v.shape[1]), 0, Number(v.shape[3])]);
  return out;
}

test("graphWithoutWeights: the graph points into its own file for the weights; loaded from memory it computes what the file does", async () => {
  const graph = graphWithoutWeights(modelPath);
  assert.ok(graph.length < statSync(modelPath).size / 10, `${graph.length} bytes`);
  assert.deepEqual(mainGraphNodeIO(modelPath).length > 0, true);
  const byPath = await OnnxSession.load(modelPath, { threads: 1 });
  const fromMemory = await OnnxSession.fromBytes(graph, modelPath, { threads: 1, externalDataDir: dirname(modelPath) });
  try {
    const want = floatData((await byPath.run(feeds(byPath), ["logits"])).logits!);
    const got = floatData((await fromMemory.run(feeds(fromMemory), ["logits"])).logits!);
    assert.deepEqual(Array.from(got), Array.from(want));
  } finally {
    await byPath.dispose();
    await fromMemory.dispose();
  }
  // Without the folder onnxruntime cannot find the weights: the references are really used.
  await assert.rejects(OnnxSession.fromBytes(graph, modelPath, { threads: 1 }));
});

test("withGraphOutputs: an intermediate value becomes an output and a dropped one is gone", async () => {
  const nodes = mainGraphNodeIO(modelPath);
  const concat = nodes.find((n) => n.opType === "Concat" && n.outputs[0] === "present.0.key");
  assert.ok(concat !== undefined && concat.intAttributes.axis === 2);
  const step = concat.inputs[1]!;
  const graph = withGraphOutputs(graphWithoutWeights(modelPath), [step], new Set(["present.0.key"]));
  const session = await OnnxSession.fromBytes(graph, modelPath, { threads: 1, externalDataDir: dirname(modelPath) });
  try {
    assert.ok(session.hasOutput(step));
    assert.ok(!session.hasOutput("present.0.key"));
    assert.ok(session.hasOutput("present.0.value"));
    const out = await session.run(feeds(session), ["logits", step]);
    assert.deepEqual(out[step]!.dims, [1, 2, 3, 24]);
  } finally {
    await session.dispose();
  }
});
