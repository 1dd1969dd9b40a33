import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, chmodSync, existsSync, symlinkSync, writeFileSync, lstatSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import wavefile from "wavefile";
import { RiffError } from "@riff/core";
import { WavStreamWriter } from "@riff/tts";

const { WaveFile } = wavefile;

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "riff-wav-"));
}

test("a streamed WAV is 16-bit mono PCM with the text in LIST/INFO", async () => {
  const dir = tempDir();
  try {
    const path = join(dir, "out.wav");
    const writer = await WavStreamWriter.create(path, {
      sampleRate: 16000,
      info: { title: "Hello", comment: "Hello there, café ☃ (odd)", software: "riff" },
    });
    assert.ok(!existsSync(path), "nothing at the target until finish()");
    await writer.write(new Int16Array([0, 1000, -1000, 32767]));
    await writer.write(new Int16Array([-32768, 5]));
    const result = await writer.finish();
    assert.equal(result.samples, 6);
    const bytes = readFileSync(path);
    assert.equal(result.bytes, bytes.length);
    const wav = new WaveFile(bytes);
    const fmt = wav.fmt as { sampleRate: number; numChannels: number; bitsPerSample: number; audioFormat: number };
    assert.equal(fmt.sampleRate, 16000);
    assert.equal(fmt.numChannels, 1);
    assert.equal(fmt.bitsPerSample, 16);
    assert.equal(fmt.audioFormat, 1);
    assert.deepEqual(Array.from(wav.getSamples() as unknown as Float64Array), [0, 1000, -1000, 32767, -32768, 5]);
    assert.equal(wav.getTag("INAM"), "Hello");
    assert.equal(wav.getTag("ICMT"), "Hello there, café ☃ (odd)");
    assert.equal(wav.getTag("ISFT"), "riff");
    assert.equal(bytes.readUInt32LE(4), bytes.length - 8, "RIFF size");
    // LIST/INFO goes before the data (so a stream can send it before the samples): the data runs to the end.
    assert.ok(bytes.indexOf("LIST") < bytes.indexOf("data"));
    assert.equal(bytes.indexOf("data") + 8 + 12, bytes.length);
    assert.deepEqual(readdirSync(dir), ["out.wav"], "no temp file left");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("symlinks planted at the old temp names (.NAME.PID.N.tmp) or at the target are never written through", async () => {
  const dir = tempDir();
  const victimDir = tempDir();
  try {
    const victim = join(victimDir, "victim.wav");
    writeFileSync(victim, "precious");
    for (let n = 0; n < 5; n++) symlinkSync(victim, join(dir, `.out.wav.${process.pid}.${n}.tmp`));
    const path = join(dir, "out.wav");
    symlinkSync(victim, path);
    const writer = await WavStreamWriter.create(path, { sampleRate: 8000 });
    assert.match(writer.tempPath, /\/\.out\.wav\.[0-9a-f]{16}\.tmp$/);
    await writer.write(new Int16Array([1, 2, 3]));
    await writer.finish();
    assert.equal(readFileSync(victim, "utf8"), "precious", "the symlinks' target is untouched");
    assert.equal(lstatSync(path).isSymbolicLink(), false);
    assert.deepEqual(Array.from(new WaveFile(readFileSync(path)).getSamples() as unknown as Float64Array), [1, 2, 3]);
    assert.deepEqual(readdirSync(victimDir), ["victim.wav"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(victimDir, { recursive: true, force: true });
  }
});

test("abort leaves neither the target nor a temp file", async () => {
  const dir = tempDir();
  try {
    const writer = await WavStreamWriter.create(join(dir, "x.wav"), { sampleRate: 8000 });
    await writer.write(new Int16Array(100));
    assert.equal(readdirSync(dir).length, 1);
    await writer.abort();
    await writer.abort();
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("unwritable targets are RiffErrors naming the path", async () => {
  const dir = tempDir();
  try {
    await assert.rejects(WavStreamWriter.create(join(dir, "missing", "x.wav"), { sampleRate: 8000 }), (e: unknown) => {
      return e instanceof RiffError && /missing.*does not exist/.test(e.message);
    });
    await assert.rejects(WavStreamWriter.create(dir, { sampleRate: 8000 }), RiffError);
    if (process.getuid?.() !== 0) {
      chmodSync(dir, 0o500);
      await assert.rejects(WavStreamWriter.create(join(dir, "x.wav"), { sampleRate: 8000 }), /permission denied/);
      chmodSync(dir, 0o700);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
