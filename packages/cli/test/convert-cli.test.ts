import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(fileURLToPath(new URL("../../..", import.meta.url)));
const main = join(root, "packages/cli/bundle/main.js");
const exporters = join(root, "packages/text/test/fixtures/exporters");

function riff(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [main, ...args], { cwd: root, encoding: "utf8", timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function withFolder(body: (dir: string) => void): () => void {
  return () => {
    const dir = mkdtempSync(join(tmpdir(), "riff-convert-cli-"));
    try {
      cpSync(join(exporters, "optimum-llama"), join(dir, "llama"), { recursive: true });
      body(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test(
  "riff convert refuses what it cannot do: exit 2, one line naming the option, nothing written",
  withFolder((dir) => {
    const q4 = join(dir, "llama/onnx/model_q4.onnx");
    const gpt2 = join(exporters, "optimum-gpt2/onnx/model_q4.onnx");
    cpSync(q4, join(dir, "taken.onnx"));
    const before = readdirSync(join(dir, "llama/onnx")).sort();
    for (const [args, flag, pattern] of [
      [[gpt2, "--accuracy-level", "4", "--out", join(dir, "x.onnx")], "--accuracy-level", /has none/],
      [[q4, "--accuracy-level", "5"], "--accuracy-level", /must be an integer in \[0, 4\], got 5/],
      [[q4, "--accuracy-level", "four"], "--accuracy-level", /must be an integer in \[0, 4\]/],
      [[q4], "--accuracy-level", /is required/],
      [[q4, "--accuracy-level", "4", "--out", join(dir, "taken.onnx")], "--out", /already exists/],
      [[q4, "--accuracy-level", "4", "--out", q4], "--out", /input file itself/],
    ] as const) {
      const { code, stdout, stderr } = riff(["convert", ...args]);
      assert.equal(code, 2, `${args.join(" ")}: ${stderr}`);
      assert.equal(stdout, "");
      assert.equal(stderr.trimEnd().split("\n").length, 1, stderr);
      assert.ok(stderr.startsWith(`riff: ${flag}`), stderr);
      assert.match(stderr, pattern);
    }
    assert.deepEqual(readdirSync(join(dir, "llama/onnx")).sort(), before);
    assert.ok(!existsSync(join(dir, "x.onnx")));

    // riff text's --onnx-file: a file of the folder, and not with --dtype.
    for (const [select, pattern] of [
      [["--onnx-file", "onnx/nope.onnx"], /^riff: --onnx-file names onnx\/nope\.onnx, which is not a file of .*model_q4\.onnx/],
      [["--onnx-file", "../taken.onnx"], /^riff: --onnx-file: .* points outside the model folder/],
      [["--onnx-file", "onnx/model_q4.onnx", "--dtype", "q4"], /^riff: --onnx-file names the decoder file itself: give it or --dtype, not both/],
    ] as const) {
      const { code, stderr } = riff(["text", "hi", "--model", join(dir, "llama"), ...select]);
      assert.equal(code, 2, stderr);
      assert.match(stderr, pattern);
    }
  }),
);

test(
  "riff convert writes NAME_acc4.onnx beside the input; riff text runs it with --onnx-file, prompt lookup off",
  withFolder((dir) => {
    const folder = join(dir, "llama");
    const converted = riff(["convert", join(folder, "onnx/model_q4.onnx"), "--accuracy-level", "4"]);
    assert.equal(converted.code, 0, converted.stderr);
    const out = join(folder, "onnx/model_q4_acc4.onnx");
    assert.match(converted.stdout, /wrote .*model_q4_acc4\.onnx: 15 of 15 MatMulNBits nodes set to accuracy_level 4/);
    assert.match(converted.stdout, /--onnx-file onnx\/model_q4_acc4\.onnx/);
    // Written atomically: the file in place with normal permissions, no temp file beside it.
    assert.ok(statSync(out).isFile());
    assert.equal(statSync(out).mode & 0o777, 0o666 & ~process.umask());
    assert.deepEqual(
      readdirSync(join(folder, "onnx")).filter((name) => name.startsWith(".")),
      [],
    );

    type Report = { tokenCount: number; promptLookupOff?: string; logprobs: Array<{ token: number }> };
    const generate = (select: string[]): Report => {
      const run = riff(["text", "Hello world", "--model", folder, ...select, "--json", "--logprobs", "--temperature", "0", "--max-tokens", "32", "--min-new-tokens", "32"]);
      assert.equal(run.code, 0, run.stderr);
      return JSON.parse(run.stdout) as Report;
    };
    const q4 = generate(["--dtype", "q4"]);
    const acc4 = generate(["--onnx-file", "onnx/model_q4_acc4.onnx"]);
    assert.equal(acc4.tokenCount, 32);
    assert.equal(q4.promptLookupOff, undefined);
    assert.match(acc4.promptLookupOff ?? "", /model_q4_acc4\.onnx quantizes activations dynamically \(MatMulNBits accuracy_level 4\)/);
    // int8 activations change the numerics: on this tiny random model the greedy tokens agree for
    // the first 13 (seen on x86-64 AVX2), then part; the first 8 are asserted.
    const tokens = (r: Report): number[] => r.logprobs.map((l) => l.token);
    assert.deepEqual(tokens(acc4).slice(0, 8), tokens(q4).slice(0, 8));

    const again = riff(["convert", join(folder, "onnx/model_q4.onnx"), "--accuracy-level", "4"]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /^riff: --out already exists/);
  }),
);
