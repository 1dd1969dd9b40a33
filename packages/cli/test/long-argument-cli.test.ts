// A 100 KB command-line argument (a long prompt) once killed every command with SIGSEGV inside
// onnxruntime's first session (its telemetry ran a recursive regex over /proc/self/cmdline on the
// main thread's stack). Each command must now finish, or refuse the input with a clean message.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(fileURLToPath(new URL("../../..", import.meta.url)));
const main = join(root, "packages/cli/bundle/main.js");
const KB100 = 100_000;

/** Runs riff under the usual 8 MiB stack limit, whatever the limit of the shell running the tests. */
function riff(args: string[]): { code: number | null; signal: NodeJS.Signals | null; stderr: string } {
  const result = spawnSync("/bin/sh", ["-c", 'ulimit -s 8192 && exec "$0" "$@"', process.execPath, main, ...args], {
    cwd: root,
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: result.status, signal: result.signal, stderr: result.stderr };
}

function assertNoCrash(result: { code: number | null; signal: NodeJS.Signals | null; stderr: string }): void {
  assert.equal(result.signal, null, `killed by ${String(result.signal)}: ${result.stderr.slice(-500)}`);
  assert.notEqual(result.code, null, "the command ran to its end");
  assert.doesNotMatch(result.stderr, /\n\s+at /, "no stack trace");
  if (result.code !== 0) assert.match(result.stderr, /^riff: /m, "a clean message");
}

test("riff text with a 100 KB prompt refuses it cleanly instead of crashing", () => {
  const result = riff(["text", "a".repeat(KB100), "--max-tokens", "1"]);
  assertNoCrash(result);
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /fills the model's context/);
});

test("riff image with a 100 KB prompt draws the image", () => {
  const dir = mkdtempSync(join(tmpdir(), "riff-long-arg-"));
  try {
    const result = riff(["image", "a red circle ".repeat(KB100 / 13), "--steps", "2", "--out", join(dir, "x.png")]);
    assertNoCrash(result);
    assert.equal(result.code, 0, result.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("riff speak with a 100 KB argument writes the WAV", () => {
  const dir = mkdtempSync(join(tmpdir(), "riff-long-arg-"));
  try {
    // One short sentence padded with spaces: the argument is 100 KB, the speech stays short.
    const result = riff(["speak", `Hello there.${" ".repeat(KB100)}`, "--out", join(dir, "x.wav")]);
    assertNoCrash(result);
    assert.equal(result.code, 0, result.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
