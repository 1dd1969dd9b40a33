// The atomic writer: exclusive unpredictable temp files, no write through planted symlinks, the
// in-flight registry that cleanupTempFiles() empties.
import { test } from "node:test";
import assert from "node:assert/strict";
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { AtomicFile, RiffError, cleanupTempFiles, pendingTempFiles, tempPathFor, writeFileAtomically, writeFilesAtomically } from "@riff/core";

function withDir(body: (dir: string, victimDir: string) => Promise<void> | void): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), "riff-atomic-"));
    const victimDir = mkdtempSync(join(tmpdir(), "riff-victim-"));
    try {
      await body(dir, victimDir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(victimDir, { recursive: true, force: true });
    }
  };
}

test("temp names sit beside the target, are hidden and unpredictable", () => {
  const names = new Set(Array.from({ length: 50 }, () => tempPathFor("/some/dir/out.png")));
  assert.equal(names.size, 50);
  for (const name of names) assert.match(name, /^\/some\/dir\/\.out\.png\.[0-9a-f]{16}\.tmp$/);
});

test(
  "writes a file with normal permissions and leaves no temp file",
  withDir((dir) => {
    const out = join(dir, "a.txt");
    writeFileAtomically(out, "hello\n");
    assert.equal(readFileSync(out, "utf8"), "hello\n");
    assert.deepEqual(readdirSync(dir), ["a.txt"]);
    const umask = process.umask();
    assert.equal(statSync(out).mode & 0o777, 0o666 & ~umask);
    assert.deepEqual(pendingTempFiles(), []);
  }),
);

test(
  "symlinks planted at the old predictable temp names and at the target never redirect the write",
  withDir((dir, victimDir) => {
    const victim = join(victimDir, "victim.txt");
    writeFileSync(victim, "precious");
    // The old writers used .NAME.PID.N.tmp; plant a symlink at every such name riff used to pick.
    for (const name of ["a.png", "b.wav", "paragraph.txt"]) {
      for (let n = 0; n < 5; n++) symlinkSync(victim, join(dir, `.${name}.${process.pid}.${n}.tmp`));
    }
    // …and make the target itself a symlink to the victim.
    const target = join(dir, "a.png");
    symlinkSync(victim, target);
    writeFilesAtomically([
      { path: target, data: new Uint8Array([1, 2, 3]) },
      { path: join(dir, "paragraph.txt"), data: "text" },
    ]);
    assert.equal(readFileSync(victim, "utf8"), "precious", "the symlink's target is untouched");
    assert.equal(lstatSync(target).isSymbolicLink(), false, "the link was replaced, not followed");
    assert.deepEqual([...readFileSync(target)], [1, 2, 3]);
    assert.equal(readFileSync(join(dir, "paragraph.txt"), "utf8"), "text");
    assert.deepEqual(readdirSync(victimDir), ["victim.txt"]);
  }),
);

test(
  "a failure before the renames leaves every target as it was and no temp file",
  withDir((dir) => {
    writeFileSync(join(dir, "a.png"), "old");
    assert.throws(
      () =>
        writeFilesAtomically([
          { path: join(dir, "a.png"), data: "new" },
          { path: join(dir, "missing", "b.png"), data: "B" },
        ]),
      (error: unknown) => error instanceof RiffError && error.option === "out" && /missing\/b\.png: no such folder/.test(error.message),
    );
    assert.equal(readFileSync(join(dir, "a.png"), "utf8"), "old");
    assert.deepEqual(readdirSync(dir), ["a.png"]);
    assert.deepEqual(pendingTempFiles(), []);
  }),
);

test(
  "AtomicFile streams into an exclusive 0600 temp file, then renames it over a planted symlink",
  withDir(async (dir, victimDir) => {
    const victim = join(victimDir, "victim.wav");
    writeFileSync(victim, "precious");
    const target = join(dir, "out.wav");
    symlinkSync(victim, target);
    const file = await AtomicFile.open(target);
    assert.equal(basename(file.tempPath).startsWith(".out.wav."), true);
    assert.equal(statSync(file.tempPath).mode & 0o777, 0o600, "private while in flight");
    assert.deepEqual(pendingTempFiles(), [file.tempPath]);
    await file.write(new Uint8Array([1, 2]), 0);
    await file.write(new Uint8Array([3]), 2);
    await file.commit({ fsync: true });
    assert.deepEqual([...readFileSync(target)], [1, 2, 3]);
    assert.equal(readFileSync(victim, "utf8"), "precious");
    assert.deepEqual(readdirSync(dir), ["out.wav"]);
    assert.deepEqual(pendingTempFiles(), []);
  }),
);

test(
  "cleanupTempFiles removes temp files in flight, and their writers can no longer finish",
  withDir(async (dir) => {
    const a = await AtomicFile.open(join(dir, "a.wav"));
    const b = await AtomicFile.open(join(dir, "b.wav"));
    await a.write(new Uint8Array(1000), 0);
    assert.equal(readdirSync(dir).length, 2);
    const removed = cleanupTempFiles();
    assert.deepEqual(removed.sort(), [a.tempPath, b.tempPath].sort());
    assert.deepEqual(readdirSync(dir), []);
    await assert.rejects(a.write(new Uint8Array(1), 1000), RiffError);
    await assert.rejects(b.commit(), (error: unknown) => error instanceof RiffError && /interrupted/.test(error.message));
    assert.deepEqual(readdirSync(dir), [], "nothing renamed into place after the cleanup");
    await a.abort(); // safe after cleanup
  }),
);

test(
  "abort removes the temp file and leaves the old target",
  withDir(async (dir) => {
    writeFileSync(join(dir, "a.wav"), "old");
    const file = await AtomicFile.open(join(dir, "a.wav"));
    await file.write(new Uint8Array(10), 0);
    await file.abort();
    await file.abort();
    assert.deepEqual(readdirSync(dir), ["a.wav"]);
    assert.equal(readFileSync(join(dir, "a.wav"), "utf8"), "old");
  }),
);

test(
  "an unwritable folder is a RiffError naming the file",
  withDir(async (dir) => {
    await assert.rejects(AtomicFile.open(join(dir, "nope", "a.wav")), (error: unknown) => error instanceof RiffError && /nope\/a\.wav: no such folder/.test(error.message));
  }),
);
