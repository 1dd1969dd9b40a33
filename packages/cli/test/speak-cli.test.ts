import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, copyFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import wavefile from "wavefile";

const { WaveFile } = wavefile;
const root = resolve(fileURLToPath(new URL("../../..", import.meta.url)));
const main = join(root, "packages/cli/bundle/main.js");
const fixtures = join(root, "packages/tts/test/fixtures");
const tiny = join(fixtures, "piper-tiny");
const multi = join(fixtures, "piper-tiny-multi");
const haveFixtures = existsSync(tiny) && existsSync(multi);

const defaultVoice = join(root, "models/slt-voice/voice.json");

function riff(args: string[], input?: string): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [main, ...args], { cwd: root, encoding: "utf8", input: input ?? "", timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "riff-speak-cli-"));
}

test("riff speak writes a 16-bit mono WAV and a JSON report", { skip: !haveFixtures && "Piper fixtures not built" }, () => {
  const dir = tempDir();
  try {
    const out = join(dir, "tmp.wav");
    const { code, stdout, stderr } = riff(["speak", "Hello there.", "--voice", tiny, "--out", out, "--json"]);
    assert.equal(code, 0, stderr);
    const report = JSON.parse(stdout) as Record<string, unknown>;
    const config = JSON.parse(readFileSync(join(tiny, "voice.onnx.json"), "utf8")) as { audio: { sample_rate: number } };
    assert.equal(report.sampleRate, config.audio.sample_rate);
    assert.equal(report.sentences, 1);
    for (const key of ["durationSeconds", "realTimeFactor", "firstChunkMs"]) {
      assert.equal(typeof report[key], "number", key);
      assert.ok((report[key] as number) > 0, key);
    }
    const wav = new WaveFile(readFileSync(out));
    const fmt = wav.fmt as { sampleRate: number; numChannels: number; bitsPerSample: number };
    assert.equal(fmt.sampleRate, config.audio.sample_rate);
    assert.equal(fmt.numChannels, 1);
    assert.equal(fmt.bitsPerSample, 16);
    const samples = wav.getSamples() as unknown as Float64Array;
    assert.ok(samples.length > 0);
    assert.ok(samples.some((s) => s !== 0), "not silent");
    assert.equal(wav.getTag("ICMT"), "Hello there.");
    assert.deepEqual(readdirSync(dir), ["tmp.wav"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("text from stdin; --speaker by name for a multi-speaker voice", { skip: !haveFixtures && "Piper fixtures not built" }, () => {
  const dir = tempDir();
  try {
    const out = join(dir, "multi.wav");
    const config = JSON.parse(readFileSync(join(multi, "voice.onnx.json"), "utf8")) as { speaker_id_map: Record<string, number> };
    const name = Object.keys(config.speaker_id_map)[1]!;
    const { code, stderr } = riff(["speak", "--voice", multi, "--speaker", name, "--out", out], "Good morning. How are you?");
    assert.equal(code, 0, stderr);
    assert.ok(existsSync(out));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("bad input: a clear message, a non-zero exit, no WAV left behind", { skip: !haveFixtures && "Piper fixtures not built" }, () => {
  const dir = tempDir();
  try {
    const out = join(dir, "bad.wav");
    const cases: [string[], RegExp, string?][] = [
      [["speak", "", "--voice", tiny, "--out", out], /nothing to speak/],
      [["speak", "--voice", tiny, "--out", out], /nothing to speak/, ""],
      [["speak", "...?!", "--voice", tiny, "--out", out], /nothing to speak/],
      [["speak", "😀 🎉", "--voice", tiny, "--out", out], /nothing to speak.*dropped 2/],
      [["speak", "Hi.", "--voice", multi, "--speaker", "nobody", "--out", out], /unknown --speaker "nobody"; this voice has/],
      [["speak", "Hi.", "--voice", tiny, "--speaker", "x", "--out", out], /single speaker/],
      [["speak", "Hi.", "--voice", tiny, "--speed", "0", "--out", out], /--speed must be/],
      [["speak", "Hi.", "--voice", tiny, "--speed", "fast", "--out", out], /--speed must be a number in \[0\.1, 10\], got "fast"/],
      [["speak", "Hi.", "--voice", tiny, "--out", join(dir, "no", "such", "x.wav")], /does not exist/],
      [["speak", "Hi.", "--voice", tiny, "--out", dir + "/"], /\.wav/],
      [["speak", "Hi.", "--voice", join(dir, "nowhere"), "--out", out], /voice not found/],
    ];
    for (const [args, message, input] of cases) {
      const { code, stderr } = riff(args, input);
      assert.notEqual(code, 0, args.join(" "));
      assert.match(stderr, message, args.join(" "));
      assert.ok(!stderr.includes("    at "), `no stack trace: ${stderr}`);
    }
    // A voice without its .onnx.json: the message names the missing file.
    const lonely = join(dir, "lonely");
    mkdirSync(lonely);
    copyFileSync(join(tiny, "voice.onnx"), join(lonely, "voice.onnx"));
    const missing = riff(["speak", "Hi.", "--voice", join(lonely, "voice.onnx"), "--out", out]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /voice config not found: .*voice\.onnx\.json/);
    assert.deepEqual(readdirSync(dir).sort(), ["lonely"], "no WAV and no temp file");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the embedded default voice speaks without --voice", { skip: !existsSync(defaultVoice) && "models/slt-voice not exported" }, () => {
  const dir = tempDir();
  try {
    const out = join(dir, "default.wav");
    const { code, stdout, stderr } = riff(["speak", "Hello there.", "--out", out, "--json", "--seed", "3"]);
    assert.equal(code, 0, stderr);
    const report = JSON.parse(stdout) as { voiceKind: string; sampleRate: number };
    assert.equal(report.voiceKind, "riff-ar-mel");
    const wav = new WaveFile(readFileSync(out));
    assert.equal((wav.fmt as { sampleRate: number }).sampleRate, report.sampleRate);
    const samples = wav.getSamples() as unknown as Float64Array;
    assert.ok(samples.some((s) => Math.abs(s) > 1000), "not silent");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
