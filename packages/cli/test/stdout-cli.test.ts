/** `--out -`: riff speak streams its WAV and riff image writes its PNG to stdout, the same audio and bytes a file gets; reports go to stderr. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import wavefile from "wavefile";

const { WaveFile } = wavefile;
const root = resolve(fileURLToPath(new URL("../../..", import.meta.url)));
const main = join(root, "packages/cli/bundle/main.js");

function riff(args: string[]): { code: number | null; stdout: Buffer; stderr: string } {
  const result = spawnSync(process.execPath, [main, ...args], { cwd: root, input: "", timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr.toString("utf8") };
}

function withDir(run: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), "riff-stdout-"));
  try {
    run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("riff speak --out -: the very bytes --out FILE.wav holds (the default voice plans its length first); the JSON report on stderr", () =>
  withDir((dir) => {
    const text = "Hello there. How are you today?";
    const file = join(dir, "speech.wav");
    const written = riff(["speak", text, "--out", file]);
    assert.equal(written.code, 0, written.stderr);
    const piped = riff(["speak", text, "--out", "-", "--json"]);
    assert.equal(piped.code, 0, piped.stderr);
    const report = JSON.parse(piped.stderr) as { out: string; samples: number; sampleRate: number };
    assert.equal(report.out, "-");

    const bytes = readFileSync(file);
    assert.equal(piped.stdout.length, bytes.length);
    assert.ok(piped.stdout.equals(bytes), "the same bytes, sizes and LIST/INFO included");
    const wav = new WaveFile(piped.stdout);
    assert.equal(report.samples, (wav.getSamples() as unknown as Float64Array).length);
    assert.equal(wav.getTag("ICMT"), text);
  }));


test("riff image --out -: the PNG bytes --out FILE.png gets; --num-images > 1 with - is refused", () =>
  withDir((dir) => {
    const args = ["image", "a small red circle at the top left on a blue background", "--steps", "4", "--seed", "2"];
    const file = join(dir, "image.png");
    const written = riff([...args, "--out", file]);
    assert.equal(written.code, 0, written.stderr);
    const piped = riff([...args, "--out", "-"]);
    assert.equal(piped.code, 0, piped.stderr);
    assert.ok(piped.stdout.equals(readFileSync(file)), "same PNG bytes, parameters chunk included");
    assert.match(piped.stderr, /^wrote stdout: 32x32, 4 steps/);
    assert.deepEqual(readdirSync(dir), ["image.png"], "nothing else written");

    const many = riff([...args, "--out", "-", "--num-images", "2"]);
    assert.equal(many.code, 2);
    assert.match(many.stderr, /--out - writes one PNG to stdout; --num-images 2 needs a file name/);
    assert.equal(many.stdout.length, 0);
  }));

test("riff speak --out - | head: a reader that goes away ends it with one line, no stack trace", async () => {
  const child = spawn(process.execPath, [main, "speak", "One sentence. Another sentence. And a third one, a little longer.", "--out", "-"], { cwd: root });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  // Take the header's first bytes, then close the pipe as `head -c 10` would.
  await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
  child.stdout.destroy();
  const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
  assert.equal(code, 2, stderr);
  assert.equal(stderr, "riff: --out -: cannot write to stdout: the reader closed it before the output was complete (EPIPE)\n");
});
