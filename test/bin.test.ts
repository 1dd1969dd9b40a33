// `npx riff` right after `npm ci` on a clean clone: the bin npm links must exist before the build.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

test("the riff bin is a committed, executable file, so npm links it before `prepare` builds dist/", () => {
  const pkg = JSON.parse(readFileSync(join(root, "packages/cli/package.json"), "utf8")) as { bin: Record<string, string> };
  const target = join(root, "packages/cli", pkg.bin.riff!);
  assert.ok(!pkg.bin.riff!.includes("dist/"), `bin ${pkg.bin.riff} is a build output: npm ci would not link it on a clean clone`);
  const tracked = spawnSync("git", ["ls-files", "--error-unmatch", target], { cwd: root, encoding: "utf8" });
  assert.equal(tracked.status, 0, `${target} is not committed: ${tracked.stderr}`);
  assert.ok((statSync(target).mode & 0o111) !== 0, `${target} is not executable`);
});

test("node_modules/.bin/riff (what npx runs) exists and answers --help", () => {
  const bin = join(root, "node_modules/.bin/riff");
  assert.ok(existsSync(bin), `${bin} is missing: npm did not link the riff bin`);
  const result = spawnSync(bin, ["--help"], { cwd: root, encoding: "utf8", timeout: 60_000 });
  assert.equal(result.status, 0, result.stderr);
  for (const command of ["text", "image", "speak", "models"]) assert.match(result.stdout, new RegExp(`^\\s+${command}\\b`, "m"));
});
