// The riff command under SIGINT / SIGTERM / SIGHUP: it stops within a step, exits 128 + the signal's
// number with one notice on stderr, and leaves neither the output nor a temp file behind.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(fileURLToPath(new URL("../../..", import.meta.url)));
const main = join(root, "packages/cli/bundle/main.js");
for (const model of ["kjv-llama", "shapes-diffusion", "slt-voice"]) {
  if (!existsSync(join(root, "models", model))) throw new Error(`embedded model models/${model} is missing`);
}

/** Exits must come this soon after the signal (the CLI's own grace period is 3 s). */
const EXIT_WITHIN_MS = 5000;
const EXIT_CODES = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;
type Sig = keyof typeof EXIT_CODES;

interface Interrupted {
  code: number | null;
  stdout: string;
  stderr: string;
  /** From the signal to the exit. */
  exitMs: number;
}

/**
 * Spawns riff, waits until `ready` says the work has started (checked on output and every 25 ms),
 * sends `signal` and waits for the exit.
 */
function interrupt(args: string[], signal: Sig, ready: (stdout: string) => boolean, stdin = ""): Promise<Interrupted> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [main, ...args], { cwd: root, stdio: ["pipe", "pipe", "pipe"] });
    child.stdin.end(stdin);
    let stdout = "";
    let stderr = "";
    let sentAt: number | undefined;
    const giveUp = setTimeout(() => {
      child.kill("SIGKILL");
      fail(new Error(`riff ${args.join(" ")} never became ready (stdout ${stdout.length} chars; stderr ${stderr})`));
    }, 60_000);
    const check = (): void => {
      if (sentAt === undefined && ready(stdout)) {
        sentAt = performance.now();
        child.kill(signal);
      }
    };
    const poll = setInterval(check, 25);
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
      check();
    });
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.on("exit", (code) => {
      clearInterval(poll);
      clearTimeout(giveUp);
      if (sentAt === undefined) fail(new Error(`riff ended before the signal: ${code} ${stderr}`));
      else done({ code, stdout, stderr, exitMs: performance.now() - sentAt });
    });
  });
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "riff-signals-"));
}

function assertInterrupted(r: Interrupted, signal: Sig): void {
  assert.equal(r.code, EXIT_CODES[signal], `exit code after ${signal}; stderr: ${r.stderr}`);
  assert.equal(r.stderr, "riff: interrupted\n", "one notice line on stderr, no stack trace");
  assert.ok(r.exitMs < EXIT_WITHIN_MS, `exited ${r.exitMs.toFixed(0)} ms after ${signal}`);
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  test(`text --stream: ${signal} after the first tokens stops generation, notices on stderr, exits ${EXIT_CODES[signal]}`, async () => {
    const r = await interrupt(
      ["text", "And God said", "--stream", "--max-tokens", "252", "--temperature", "0.8", "--seed", "1", "--prompt-lookup", "0"],
      signal,
      (stdout) => stdout.length > 0,
    );
    assertInterrupted(r, signal);
    assert.ok(r.stdout.length > 0, "the text so far stays printed");
    const full = spawnSync(process.execPath, [main, "text", "And God said", "--stream", "--max-tokens", "252", "--temperature", "0.8", "--seed", "1", "--prompt-lookup", "0"], {
      cwd: root,
      encoding: "utf8",
    });
    assert.equal(full.status, 0, full.stderr);
    assert.ok(r.stdout.length < full.stdout.length, `stopped early: ${r.stdout.length} of ${full.stdout.length} characters`);
  });

  test(`image: ${signal} during denoising writes no PNG and no temp file, exits ${EXIT_CODES[signal]}`, async () => {
    const dir = tempDir();
    try {
      const out = join(dir, "a.png");
      const started = performance.now();
      // 1000 DDPM steps take many seconds; the model loads in well under 2.5 s (a signal during the start-up
      // is handled the same way: main.ts installs the handlers before anything heavy loads).
      const r = await interrupt(["image", "a red circle", "--out", out, "--steps", "1000", "--scheduler", "ddpm"], signal, () => performance.now() - started > 2500);
      assertInterrupted(r, signal);
      assert.deepEqual(readdirSync(dir), [], "no PNG, no temp file");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test(`speak: ${signal} while the WAV streams to its temp file removes it, exits ${EXIT_CODES[signal]}`, async () => {
    const dir = tempDir();
    try {
      const out = join(dir, "a.wav");
      const text = "Hello there, this is a long sentence that goes on and on. ".repeat(200);
      const temps = (): string[] => readdirSync(dir).filter((f) => f.startsWith(".a.wav.") && f.endsWith(".tmp"));
      // Ready once the temp file holds some audio: the signal lands mid-file.
      const r = await interrupt(["speak", "--out", out], signal, () => temps().some((f) => statSync(join(dir, f)).size > 100_000), text);
      assertInterrupted(r, signal);
      assert.deepEqual(readdirSync(dir), [], "no WAV, no temp file");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test("speak: SIGHUP exits 129 and removes the temp file", async () => {
  const dir = tempDir();
  try {
    const text = "Hello there, this is a long sentence that goes on and on. ".repeat(200);
    const r = await interrupt(["speak", "--out", join(dir, "a.wav")], "SIGHUP", () => readdirSync(dir).length > 0, text);
    assertInterrupted(r, "SIGHUP");
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("demo: SIGINT after the paragraph leaves only complete files, no temp file, exits 130", async () => {
  const dir = tempDir();
  try {
    const r = await interrupt(["demo", "--out", dir], "SIGINT", () => existsSync(join(dir, "paragraph.txt")));
    assertInterrupted(r, "SIGINT");
    const left = readdirSync(dir);
    assert.deepEqual(left.filter((f) => f.endsWith(".tmp")), [], "no temp file");
    assert.ok(left.includes("paragraph.txt"));
    assert.ok(!left.includes("speech.wav"), "the speech was not finished");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("exit codes: 2 for a usage error (bad value, unknown flag), with one line on stderr", () => {
  const bad = spawnSync(process.execPath, [main, "text", "hi", "--top-p", "5"], { cwd: root, encoding: "utf8" });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^riff: --top-p/);
  assert.equal(bad.stderr.trim().split("\n").length, 1);
  const unknown = spawnSync(process.execPath, [main, "text", "hi", "--no-such-flag"], { cwd: root, encoding: "utf8" });
  assert.equal(unknown.status, 2, unknown.stderr);
  const dir = tempDir();
  try {
    // A file where the model folder should be: the model cannot load (a user error, named).
    writeFileSync(join(dir, "model"), "");
    const missing = spawnSync(process.execPath, [main, "text", "hi", "--model", join(dir, "model")], { cwd: root, encoding: "utf8" });
    assert.equal(missing.status, 2, missing.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("importing the packages installs no process-wide handlers; runCli removes its own when done", async () => {
  const events = ["SIGINT", "SIGTERM", "SIGHUP", "exit"] as const;
  const counts = (): number[] => events.map((e) => process.listenerCount(e));
  const before = counts();
  await import("@riff/core");
  await import("@riff/text");
  await import("@riff/diffusion");
  await import("@riff/tts");
  const { runCli } = await import("../src/program.js");
  assert.deepEqual(counts(), before, "imports add no listeners");
  const code = await runCli(["node", "riff", "text", "hi", "--top-p", "5"]);
  assert.equal(code, 2);
  assert.deepEqual(counts(), before, "runCli leaves no listeners behind");
});
