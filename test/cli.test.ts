import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const riff = (...args: string[]) =>
  spawnSync(process.execPath, ["packages/cli/bundle/main.js", ...args], { cwd: root, encoding: "utf8" });

test("riff --help lists every subcommand", () => {
  const result = riff("--help");
  assert.equal(result.status, 0);
  for (const command of ["text", "image", "speak", "convert", "models", "demo"]) {
    assert.match(result.stdout, new RegExp(`^\\s+${command}\\b`, "m"));
  }
});

test("riff --version prints the CLI package's version", () => {
  const { version } = JSON.parse(readFileSync(`${root}/packages/cli/package.json`, "utf8")) as { version: string };
  const result = riff("--version");
  assert.equal(result.status, 0);
  assert.equal(result.stdout.trim(), version);
});

test("riff models names one default model per modality, and each is in the repository", () => {
  const result = riff("models", "--json");
  assert.equal(result.status, 0, result.stderr);
  const models = JSON.parse(result.stdout) as { modality: string; present: boolean; path: string }[];
  assert.deepEqual(models.map((m) => m.modality).sort(), ["image", "speech", "text"]);
  for (const m of models) assert.ok(m.present, `${m.modality} default model missing at ${m.path}`);
});

test("an unknown subcommand fails with a message, not a stack trace", () => {
  const result = riff("paint");
  assert.notEqual(result.status, 0);
  assert.match(result.stderr, /unknown command 'paint'/);
  assert.doesNotMatch(result.stderr, /\n\s+at /);
});
