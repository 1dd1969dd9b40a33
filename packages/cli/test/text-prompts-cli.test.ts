/** `riff text --prompts FILE`: one JSON line per prompt, each the text `riff text PROMPT --json` gives alone. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(fileURLToPath(new URL("../../..", import.meta.url)));
const main = join(root, "packages/cli/bundle/main.js");

function riff(args: string[], input = ""): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [main, ...args], { cwd: root, encoding: "utf8", input, timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

interface Line {
  line: number;
  prompt: string;
  text: string;
  tokenCount: number;
  stopReason: string;
  seed: number;
}

test("riff text --prompts: JSONL in file order, each greedy text as when generated alone; sampled batches repeat by seed", () => {
  const dir = mkdtempSync(join(tmpdir(), "riff-prompts-"));
  try {
    const prompts = ["In the beginning", "And God said", "", "Let there be light"];
    const file = join(dir, "prompts.txt");
    writeFileSync(file, prompts.join("\r\n") + "\n");
    // Batches of 2: the last prompt is a batch of its own.
    const { code, stdout, stderr } = riff(["text", "--prompts", file, "--batch-size", "2", "--max-tokens", "12", "--temperature", "0"]);
    assert.equal(code, 0, stderr);
    const lines = stdout.trimEnd().split("\n").map((l) => JSON.parse(l) as Line);
    assert.deepEqual(
      lines.map((l) => [l.line, l.prompt]),
      [
        [1, "In the beginning"],
        [2, "And God said"],
        [4, "Let there be light"],
      ],
    );
    for (const l of lines) {
      const alone = riff(["text", l.prompt, "--json", "--max-tokens", "12", "--temperature", "0"]);
      assert.equal(alone.code, 0, alone.stderr);
      const reference = JSON.parse(alone.stdout) as Line;
      assert.equal(l.text, reference.text, l.prompt);
      assert.equal(l.tokenCount, reference.tokenCount);
      assert.equal(l.stopReason, reference.stopReason);
    }
    // stdin works too. The embedded model samples by default: a batch shares one seeded stream, so
    // the same seed gives the same lines, and different prompts in one batch get different draws.
    const sampled = (seed: string): Line[] => {
      const r = riff(["text", "--prompts", "-", "--max-tokens", "12", "--seed", seed], prompts.join("\n"));
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.trimEnd().split("\n").map((l) => JSON.parse(l) as Line);
    };
    const first = sampled("5");
    const texts = (ls: Line[]): string[] => ls.map((l) => l.text);
    assert.deepEqual(texts(sampled("5")), texts(first));
    assert.deepEqual(first.map((l) => l.seed), [5, 5, 5]);
    assert.notDeepEqual(texts(first), texts(lines));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("riff text --prompts: usage errors exit 2 before any model loads", () => {
  const dir = mkdtempSync(join(tmpdir(), "riff-prompts-"));
  try {
    const empty = join(dir, "empty.txt");
    writeFileSync(empty, "\n\n");
    for (const [args, message] of [
      [["--prompts", empty], /has no prompts/],
      [["--prompts", join(dir, "missing.txt")], /--prompts: cannot read .*ENOENT/],
      [["a prompt", "--prompts", empty], /give no prompt argument/],
      [["--prompts", empty, "--stream"], /--stream and --prompts/],
      [["--prompts", empty, "--batch-size", "0"], /--batch-size must be/],
    ] as const) {
      const r = riff(["text", ...args]);
      assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stdout, "");
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
