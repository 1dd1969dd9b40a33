// examples/openai-client.ts runs against a real `riff serve` process and writes a PNG and a WAV.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(fileURLToPath(new URL("../../..", import.meta.url)));

test("the example client talks to riff serve, which drains and exits 0 on SIGTERM", async () => {
  const out = mkdtempSync(join(tmpdir(), "riff-example-"));
  const serve = spawn(process.execPath, ["--conditions=riff-source", "--import", "tsx", join(root, "packages/cli/src/main.ts"), "serve", "--port", "0"], { cwd: root, stdio: ["ignore", "ignore", "pipe"] });
  try {
    let stderr = "";
    const url = await new Promise<string>((resolveUrl, reject) => {
      serve.stderr.on("data", (data: Buffer) => {
        stderr += data.toString();
        const match = /serving on (http:\/\/\S+)/.exec(stderr);
        if (match) resolveUrl(match[1]!);
      });
      serve.on("exit", () => reject(new Error(`riff serve exited: ${stderr}`)));
    });
    const run = spawnSync(process.execPath, ["--import", "tsx", join(root, "examples/openai-client.ts"), url, out], { cwd: root, encoding: "utf8", timeout: 120_000 });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /wrote/);
    assert.equal(readFileSync(join(out, "image.png")).subarray(1, 4).toString(), "PNG");
    assert.equal(readFileSync(join(out, "speech.wav")).subarray(0, 4).toString(), "RIFF");
    const exited = new Promise<number | null>((r) => serve.on("exit", (code) => r(code)));
    serve.kill("SIGTERM");
    assert.equal(await exited, 0);
  } finally {
    serve.kill("SIGKILL");
    rmSync(out, { recursive: true, force: true });
  }
});
