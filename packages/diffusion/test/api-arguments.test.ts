// The pipeline's public API refuses wrong arguments with a RiffError naming them, and dispose()
// during a run rejects it with a RiffError saying so (never an onnxruntime error or an unhandled rejection).
import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { RiffError } from "@riff/core";
import { DiffusionPipeline, type GenerateOptions } from "@riff/diffusion";
import { failOnUnhandledRejections } from "../../../test/support/unhandled.js";

const dir = fileURLToPath(new URL("../../../models/shapes-diffusion", import.meta.url));
failOnUnhandledRejections();

const disposedError = (error: unknown): boolean => error instanceof RiffError && /was disposed/.test(error.message);

test("run(null), run('a prompt') and generate(null) are RiffErrors naming the options", async () => {
  const pipeline = await DiffusionPipeline.load(dir);
  try {
    const namesOptions = (pattern: RegExp) => (error: unknown) => error instanceof RiffError && error.option === "options" && pattern.test(error.message);
    await assert.rejects(pipeline.run(null as unknown as GenerateOptions), namesOptions(/got null/));
    await assert.rejects(pipeline.run("a red circle" as unknown as GenerateOptions), namesOptions(/got string/));
    await assert.rejects(pipeline.generate(null as unknown as GenerateOptions).next(), namesOptions(/got null/));
    await assert.rejects(pipeline.run({ steps: 2 }, 5 as unknown as () => void), (e: unknown) => e instanceof RiffError && e.option === "onProgress");
  } finally {
    await pipeline.dispose();
  }
});

test("dispose() during run() stops it within a step with a RiffError, then completes; later runs are refused", async () => {
  const pipeline = await DiffusionPipeline.load(dir);
  let steps = 0;
  let disposed: Promise<void> | undefined;
  const run = pipeline.run({ prompt: "a red circle", steps: 200, scheduler: "euler" }, () => {
    if (++steps === 5) disposed = pipeline.dispose();
  });
  await assert.rejects(run, disposedError);
  await disposed;
  assert.ok(steps >= 5 && steps <= 7, `stopped within a step or two of the dispose: ${steps} steps`);
  await assert.rejects(pipeline.run({ steps: 2 }), disposedError);
});
