// convertOnnx against real exporter files: optimum's q4 (MatMulNBits without accuracy_level), a
// model builder's int4 with external data, and a MatMulNBits inside an If branch.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { RiffError } from "@riff/core";
import { OnnxSession, bool, bytesSource, convertOnnx, convertedPath, dynamicQuantizationOpsOf, fields, float32, floatData, graphNodes, type GraphNode } from "@riff/onnx";

const exporters = (path: string): string => fileURLToPath(new URL(`../../text/test/fixtures/exporters/${path}`, import.meta.url));
const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

function withTemp(body: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), "riff-convert-"));
    try {
      await body(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

/** A node without its accuracy_level: what a conversion must leave as it was. */
function withoutLevel(node: GraphNode): GraphNode {
  const { accuracy_level: _, ...rest } = node.intAttributes;
  return { opType: node.opType, domain: node.domain, intAttributes: rest };
}

/** The ModelProto's fields other than the graph, and the GraphProto's other than its nodes, as bytes: everything a conversion must copy. */
function allButNodes(path: string): string[] {
  const bytes = readFileSync(path);
  const source = bytesSource(bytes);
  const out: string[] = [];
  const hex = (start: number, end: number): string => Buffer.from(bytes.subarray(start, end)).toString("hex");
  for (const f of fields(source, 0, bytes.length)) {
    if (f.field !== 7 || f.wire !== 2) {
      out.push(`model ${f.field} ${hex(f.keyStart, f.end)}`);
      continue;
    }
    for (const g of fields(source, f.start, f.end)) if (g.field !== 1) out.push(`graph ${g.field} ${hex(g.keyStart, g.end)}`);
  }
  return out;
}

test(
  "convertOnnx sets accuracy_level 4 on every MatMulNBits of optimum's q4 export and copies everything else",
  withTemp(async (dir) => {
    const input = exporters("optimum-llama/onnx/model_q4.onnx");
    const out = join(dir, "model_q4_acc4.onnx");
    const result = await convertOnnx(input, { accuracyLevel: 4, out });
    assert.deepEqual(result, { out, matMulNBits: 15, changed: 15, externalData: [] });

    const before = graphNodes(input);
    const after = graphNodes(out);
    assert.equal(after.length, before.length);
    assert.deepEqual(after.map(withoutLevel), before.map(withoutLevel));
    const nbits = after.filter((n) => n.opType === "MatMulNBits");
    assert.equal(nbits.length, 15);
    assert.ok(before.every((n) => n.intAttributes.accuracy_level === undefined), "optimum writes no accuracy_level");
    assert.ok(nbits.every((n) => n.intAttributes.accuracy_level === 4));
    // Initializers, inputs, outputs, opsets: the same bytes.
    assert.deepEqual(allButNodes(out), allButNodes(input));
    // Each new attribute is 23 bytes (name, i, type and its own header); the graph's length prefix keeps its size here.
    assert.equal(readFileSync(out).length, readFileSync(input).length + 15 * 23);
    assert.deepEqual(dynamicQuantizationOpsOf(out), ["MatMulNBits accuracy_level 4"]);
    assert.deepEqual(dynamicQuantizationOpsOf(input), []);

    // onnxruntime loads it and runs a step.
    const session = await OnnxSession.load(out, { threads: 1 });
    try {
      assert.ok(session.hasInput("input_ids"));
    } finally {
      await session.dispose();
    }
    assert.deepEqual(readdirSync(dir), ["model_q4_acc4.onnx"], "no temp file left behind");
  }),
);

test(
  "convertOnnx reaches a MatMulNBits inside an If branch, replacing an accuracy_level already there, and the model still runs",
  withTemp(async (dir) => {
    const input = fixture("nbits-if.onnx");
    const out = join(dir, "converted.onnx");
    const result = await convertOnnx(input, { accuracyLevel: 4, out });
    assert.equal(result.matMulNBits, 2);
    assert.equal(result.changed, 2);
    // onnx writes the If's attributes by name: else_branch (Identity) before then_branch.
    assert.deepEqual(
      graphNodes(input).map((n) => [n.opType, n.intAttributes.accuracy_level]),
      [["MatMulNBits", undefined], ["If", undefined], ["Identity", undefined], ["MatMulNBits", 0]],
    );
    assert.deepEqual(
      graphNodes(out).map((n) => [n.opType, n.intAttributes.accuracy_level]),
      [["MatMulNBits", 4], ["If", undefined], ["Identity", undefined], ["MatMulNBits", 4]],
    );
    // Back to level 0 in the other direction: every node gets it again.
    const back = await convertOnnx(out, { accuracyLevel: 0, out: join(dir, "back.onnx") });
    assert.equal(back.changed, 2);
    assert.ok(graphNodes(back.out).every((n) => n.opType !== "MatMulNBits" || n.intAttributes.accuracy_level === 0));

    const x = Float32Array.from({ length: 64 }, (_, i) => Math.sin(i * 0.7));
    const run = async (path: string): Promise<Float32Array> => {
      const session = await OnnxSession.load(path, { threads: 1 });
      try {
        const fetched = await session.run({ x: float32(x, [2, 32]), cond: bool([true], []) });
        return floatData(fetched.y!);
      } finally {
        await session.dispose();
      }
    };
    const [exact, int8] = [await run(input), await run(out)];
    assert.equal(int8.length, exact.length);
    // int8 activations: close to the float result, not equal to it.
    let err = 0;
    let norm = 0;
    for (let i = 0; i < exact.length; i++) {
      err += (int8[i]! - exact[i]!) ** 2;
      norm += exact[i]! ** 2;
    }
    assert.ok(Math.sqrt(err / norm) < 0.05, `relative error ${Math.sqrt(err / norm)}`);
  }),
);

test(
  "a model with external data converts beside it, sharing the data file; elsewhere it is refused naming out and the file",
  withTemp(async (dir) => {
    const folder = join(dir, "int4");
    cpSync(exporters("genai-llama-int4-cuda"), folder, { recursive: true });
    const input = join(folder, "model.onnx");
    const result = await convertOnnx(input, { accuracyLevel: 4 });
    assert.equal(result.out, join(folder, "model_acc4.onnx"));
    assert.equal(result.out, convertedPath(input, 4));
    assert.deepEqual(result.externalData, ["model.onnx.data"]);
    assert.equal(result.changed, 11);
    const session = await OnnxSession.load(result.out, { threads: 1 });
    await session.dispose();

    mkdirSync(join(dir, "elsewhere"));
    const elsewhere = join(dir, "elsewhere", "model.onnx");
    await assert.rejects(convertOnnx(input, { accuracyLevel: 4, out: elsewhere }), (e: unknown) => {
      assert.ok(e instanceof RiffError);
      assert.equal(e.option, "out");
      assert.match(e.message, /external data \(model\.onnx\.data\)/);
      return true;
    });
    assert.ok(!existsSync(elsewhere));
  }),
);

test(
  "what convertOnnx cannot do is refused by name: no MatMulNBits, a bad level, an existing output, the input itself",
  withTemp(async (dir) => {
    const q4 = exporters("optimum-llama/onnx/model_q4.onnx");
    const refused = async (promise: Promise<unknown>, option: string, pattern: RegExp): Promise<void> => {
      await assert.rejects(promise, (e: unknown) => {
        assert.ok(e instanceof RiffError, String(e));
        assert.equal(e.option, option);
        assert.match(e.message, pattern);
        return true;
      });
    };
    await refused(convertOnnx(exporters("optimum-gpt2/onnx/model_q4.onnx"), { accuracyLevel: 4, out: join(dir, "a.onnx") }), "accuracyLevel", /^accuracyLevel sets MatMulNBits .* has none/);
    for (const level of [5, -1, 1.5]) {
      await refused(convertOnnx(q4, { accuracyLevel: level, out: join(dir, "b.onnx") }), "accuracyLevel", /^accuracyLevel must be an integer in \[0, 4\]/);
    }
    await refused(convertOnnx(q4, { out: join(dir, "c.onnx") }), "accuracyLevel", /required/);
    await refused(convertOnnx(q4, { accuracyLevel: 4, out: q4 }), "out", /input file itself/);
    cpSync(q4, join(dir, "taken.onnx"));
    await refused(convertOnnx(q4, { accuracyLevel: 4, out: join(dir, "taken.onnx") }), "out", /already exists/);
    await refused(convertOnnx(join(dir, "missing.onnx"), { accuracyLevel: 4 }), "input", /not found/);
    await refused(convertOnnx(fixture("not-onnx.onnx"), { accuracyLevel: 4, out: join(dir, "d.onnx") }), "input", /not an ONNX model/);
    // Already at the level: nothing to write.
    const done = await convertOnnx(q4, { accuracyLevel: 4, out: join(dir, "e.onnx") });
    await refused(convertOnnx(done.out, { accuracyLevel: 4, out: join(dir, "f.onnx") }), "accuracyLevel", /already has accuracy_level 4/);
    assert.deepEqual(readdirSync(dir).sort(), ["e.onnx", "taken.onnx"]);
  }),
);
