import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { RiffError } from "@riff/core";
import { MAX_THREADS, OnnxSession, SMALL_MODEL_BYTES, defaultThreads, isSmallModel, physicalCoresInCpuinfo, float16, float32, int64, floatData, dimsOf } from "@riff/onnx";

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

test("threads default to 1 for a small model, else the available physical cores; absurd counts are refused by name", async () => {
  assert.equal(MAX_THREADS, 256);
  const physical = process.platform === "linux" ? physicalCoresInCpuinfo(readFileSync("/proc/cpuinfo", "utf8")) : undefined;
  assert.equal(defaultThreads(), Math.min(MAX_THREADS, availableParallelism(), physical ?? Infinity));
  const small = await OnnxSession.load(fixture("affine.onnx"));
  assert.equal(small.threads, 1);
  await small.dispose();
  const asked = await OnnxSession.load(fixture("affine.onnx"), { threads: 2 });
  assert.equal(asked.threads, 2);
  await asked.dispose();
  // A graph of 18 KB whose weights are in model.onnx.data is not a small model, whatever its file's size.
  const external = fileURLToPath(new URL("../../text/test/fixtures/exporters/genai-llama-int4-cpu/model.onnx", import.meta.url));
  const bytes = readFileSync(external);
  assert.ok(bytes.length < SMALL_MODEL_BYTES);
  assert.equal(isSmallModel(bytes), false);
  const big = await OnnxSession.load(external);
  assert.equal(big.threads, defaultThreads());
  await big.dispose();
  assert.equal(isSmallModel(readFileSync(fixture("affine.onnx"))), true);
  assert.equal(isSmallModel(new Uint8Array(SMALL_MODEL_BYTES - 1)), true);
  assert.equal(isSmallModel(new Uint8Array(SMALL_MODEL_BYTES)), false);
  for (const threads of [0, -1, 1.5, MAX_THREADS + 1, 100_000, Number.NaN]) {
    await assert.rejects(OnnxSession.load(fixture("affine.onnx"), { threads }), (e: unknown) => {
      assert.ok(e instanceof RiffError, String(e));
      assert.equal(e.option, "threads");
      assert.match(e.message, /threads must be an integer in \[1, 256\]/);
      return true;
    });
  }
  const session = await OnnxSession.load(fixture("affine.onnx"), { threads: MAX_THREADS });
  await session.dispose();
});

test("physical cores are the distinct (physical id, core id) pairs of /proc/cpuinfo", () => {
  const cpu = (processor: number, socket: number, core: number): string => `processor\t: ${processor}\nmodel name\t: X\nphysical id\t: ${socket}\ncore id\t\t: ${core}\n`;
  // Two sockets of two cores with two hardware threads each: 8 processors, 4 cores.
  const smt = [0, 1, 2, 3, 4, 5, 6, 7].map((p) => cpu(p, p >> 2, (p >> 1) & 1)).join("\n");
  assert.equal(physicalCoresInCpuinfo(smt), 4);
  assert.equal(physicalCoresInCpuinfo([cpu(0, 0, 0), cpu(1, 0, 1)].join("\n")), 2);
  // A virtual machine or architecture that does not say: unknown, not 0.
  assert.equal(physicalCoresInCpuinfo("processor\t: 0\nmodel name\t: X\n\nprocessor\t: 1\nmodel name\t: X\n"), undefined);
  assert.equal(physicalCoresInCpuinfo(""), undefined);
});

test("a program with a 100 KB command-line argument can load a session", () => {
  // onnxruntime's telemetry once ran a recursive regex over /proc/self/cmdline while creating
  // its environment, and a long argument overflowed the main thread's 8 MiB stack (SIGSEGV).
  const program = `import { OnnxSession } from "@riff/onnx";
const session = await OnnxSession.load(process.argv[1]);
await session.dispose();
console.log("loaded");`;
  const node = [process.execPath, "--conditions=riff-source", "--import", "tsx", "--input-type=module", "-e", program];
  const result = spawnSync("/bin/sh", ["-c", 'ulimit -s 8192 && exec "$0" "$@"', ...node, fixture("affine.onnx"), "a".repeat(100_000)], {
    cwd: fileURLToPath(new URL("../../..", import.meta.url)),
    encoding: "utf8",
    timeout: 60_000,
  });
  assert.equal(result.signal, null, `killed by ${String(result.signal)}`);
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout.trim(), "loaded");
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

test("sessions run with idle pool threads that block, not spin (allow_spinning 0), and the threads asked for", async () => {
  const { onnxSessionOptions } = await import("../src/session-options.js");
  const options = onnxSessionOptions(2, "cpu");
  assert.equal(options.intraOpNumThreads, 2);
  assert.equal(options.interOpNumThreads, 1);
  assert.deepEqual(options.extra, { "session.intra_op.allow_spinning": "0" });
  // onnxruntime-node takes them (it refuses a non-string value in extra).
  const session = await OnnxSession.load(fixture("affine.onnx"), { threads: 2 });
  await session.dispose();
});
