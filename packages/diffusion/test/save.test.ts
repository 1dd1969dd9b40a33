import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RiffError } from "@riff/core";
import { checkOutputPath, outputPaths, writeFilesAtomically } from "@riff/diffusion";

test("checkOutputPath refuses bad output paths before any work", () => {
  const dir = mkdtempSync(join(tmpdir(), "riff-out-"));
  try {
    assert.equal(checkOutputPath(join(dir, "a.png")), join(dir, "a.png"));
    const refuses = (path: string, pattern: RegExp): void =>
      assert.throws(() => checkOutputPath(path), (e: unknown) => e instanceof RiffError && e.option === "out" && pattern.test(e.message));
    refuses(join(dir, "a.jpg"), /^out must name a \.png file/);
    refuses(join(dir, "missing", "a.png"), /^out: folder .* does not exist/);
    writeFileSync(join(dir, "file"), "x");
    refuses(join(dir, "file", "a.png"), /does not exist/);
    mkdirSync(join(dir, "sub.png"));
    refuses(join(dir, "sub.png"), /is a folder/);
    refuses("/proc/riff-cannot-write.png", /^out: cannot write/);
    assert.deepEqual(readdirSync(dir).sort(), ["file", "sub.png"]); // the probe left nothing behind
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("several images get numbered names and the grid takes --out", () => {
  assert.deepEqual(outputPaths("/x/cat.png", 1), { images: ["/x/cat.png"], grid: undefined });
  assert.deepEqual(outputPaths("/x/cat.png", 2), { images: ["/x/cat-1.png", "/x/cat-2.png"], grid: "/x/cat.png" });
});

test("writeFilesAtomically writes all or nothing", () => {
  const dir = mkdtempSync(join(tmpdir(), "riff-out-"));
  try {
    writeFilesAtomically([
      { path: join(dir, "a.png"), data: Buffer.from("A") },
      { path: join(dir, "b.png"), data: Buffer.from("B") },
    ]);
    assert.equal(readFileSync(join(dir, "b.png"), "utf8"), "B");
    assert.throws(
      () =>
        writeFilesAtomically([
          { path: join(dir, "c.png"), data: Buffer.from("C") },
          { path: join(dir, "nope", "d.png"), data: Buffer.from("D") },
        ]),
      /cannot write the image/,
    );
    assert.equal(existsSync(join(dir, "c.png")), false);
    assert.deepEqual(readdirSync(dir).sort(), ["a.png", "b.png"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
