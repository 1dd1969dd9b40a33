// `riff speak` must end by itself: nothing it starts (onnxruntime, espeak-ng) may keep the process
// alive once the WAV is written. Many short runs, each with a generous limit; a hang fails here
// (killed at the limit) instead of blocking a user's shell. Also: only the speak command's module
// is loaded, so `riff speak` never parses the text, image or server packages.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(fileURLToPath(new URL("../../..", import.meta.url)));
const main = join(root, "packages/cli/bundle/main.js");
const RUNS = 6;

test(`riff speak exits by itself after writing the WAV (${RUNS} runs, 60 s limit each)`, () => {
  const dir = mkdtempSync(join(tmpdir(), "riff-speak-exit-"));
  try {
    for (let i = 0; i < RUNS; i++) {
      const out = join(dir, `hello-${i}.wav`);
      const text = i % 2 === 0 ? "Hello." : "Yes, at 3:30 pm.";
      const result = spawnSync(process.execPath, [main, "speak", text, "-o", out], { cwd: root, encoding: "utf8", timeout: 60_000, killSignal: "SIGKILL" });
      assert.equal(result.signal, null, `run ${i} did not exit within 60 s (killed); stderr: ${result.stderr}`);
      assert.equal(result.status, 0, `run ${i}: ${result.stderr}`);
      assert.ok(statSync(out).size > 44, `run ${i}: the WAV has samples`);
    }
    // A usage error exits promptly too, with its code.
    const bad = spawnSync(process.execPath, [main, "speak", "Hello.", "-o", join(dir, "x.txt")], { cwd: root, encoding: "utf8", timeout: 60_000, killSignal: "SIGKILL" });
    assert.equal(bad.signal, null);
    assert.equal(bad.status, 2, bad.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("riff speak loads only its own command: no text, image or server package", () => {
  const hook = `data:text/javascript,${encodeURIComponent(
    'import { register } from "node:module"; register("data:text/javascript," + encodeURIComponent(' +
      JSON.stringify('export async function load(url, context, next) { if (/packages\\/(text|diffusion|server)\\/|node_modules\\/(fastify|sharp)\\//.test(url)) process.stderr.write("LOADED " + url + "\\n"); return next(url, context); }') +
      "));",
  )}`;
  const result = spawnSync(process.execPath, ["--import", hook, main, "speak", "--help"], { cwd: root, encoding: "utf8", timeout: 60_000 });
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /--speed/);
  assert.doesNotMatch(result.stderr, /LOADED/, result.stderr);
});
