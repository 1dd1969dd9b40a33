import { test, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, mkdtempSync, rmSync, copyFileSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import wavefile from "wavefile";
import { Rng, RiffError } from "@riff/core";
import { PiperVoice, phonemesToIds, loadVoice, speakToFile, resolvePiperFiles, parsePiperConfig } from "@riff/tts";

const { WaveFile } = wavefile;
const fixtures = fileURLToPath(new URL("./fixtures/", import.meta.url));
const tiny = join(fixtures, "piper-tiny");
const multi = join(fixtures, "piper-tiny-multi");

interface ReferenceCase {
  model: string;
  scales: [number, number, number];
  sid: number | null;
  samples: number;
  sum_abs: number;
  first5: number[];
}
const reference = JSON.parse(readFileSync(join(fixtures, "reference.json"), "utf8")) as {
  phoneme_ids: number[];
  hop: number;
  cases: ReferenceCase[];
};

// Noise 0 makes the fixture's graph deterministic (its random ops are multiplied by 0).
const quiet = { inference: { noiseScale: 0, noiseW: 0 } };
const voices = {
  "piper-tiny": await PiperVoice.load(tiny, quiet),
  "piper-tiny-multi": await PiperVoice.load(multi, quiet),
} as Record<string, PiperVoice>;
after(async () => {
  for (const voice of Object.values(voices)) await voice.dispose();
});

test("Piper ids for həlˈoʊ match the reference interleaving", () => {
  const { ids, missing } = phonemesToIds("həlˈoʊ", voices["piper-tiny"]!.config.phonemeIdMap);
  assert.deepEqual(ids, reference.phoneme_ids);
  assert.deepEqual(missing, []);
});

test("the fixtures' outputs match the reference for every length scale and speaker", async () => {
  for (const c of reference.cases) {
    const voice = voices[c.model]!;
    const speed = 1 / c.scales[1]; // length_scale = config length_scale (1) / speed
    const audio = await voice.synthesize(reference.phoneme_ids, {
      speed,
      rng: new Rng(0),
      ...(c.sid !== null ? { speaker: c.sid } : {}),
    });
    const label = `${c.model} ls=${c.scales[1]} sid=${c.sid}`;
    assert.equal(audio.length, c.samples, label);
    let sum = 0;
    for (const v of audio) sum += Math.abs(v);
    assert.ok(Math.abs(sum - c.sum_abs) / c.sum_abs < 1e-4, `${label}: sum |x| ${sum} vs ${c.sum_abs}`);
    c.first5.forEach((v, i) => assert.ok(Math.abs(audio[i]! - v) < 1e-5, `${label}: sample ${i}`));
  }
});

test("--speed scales the length; the speaker id changes the audio", async () => {
  const voice = voices["piper-tiny-multi"]!;
  const ids = reference.phoneme_ids;
  const normal = await voice.synthesize(ids, { rng: new Rng(0), speaker: 0 });
  const slow = await voice.synthesize(ids, { rng: new Rng(0), speaker: 0, speed: 0.5 });
  const other = await voice.synthesize(ids, { rng: new Rng(0), speaker: 1 });
  assert.ok(slow.length > 1.8 * normal.length);
  assert.notDeepEqual(other.subarray(0, 100), normal.subarray(0, 100));
  assert.equal(voice.numSpeakers, 2);
  assert.deepEqual([...voice.speakers.keys()], ["alice", "bob"]);
});

test("text → WAV through the tiny voice", async () => {
  const dir = mkdtempSync(join(tmpdir(), "riff-piper-"));
  try {
    const voice = await loadVoice(join(tiny, "voice.onnx"));
    const out = join(dir, "hello.wav");
    const result = await speakToFile("Hello there. Dr. Smith paid $3.50.", out, { voice, seed: 1 });
    await voice.dispose();
    assert.equal(result.sentences, 2);
    assert.equal(result.missingPhonemes.count, 0);
    const wav = new WaveFile(readFileSync(out));
    assert.equal((wav.fmt as { sampleRate: number }).sampleRate, 22050);
    const samples = wav.getSamples() as unknown as Float64Array;
    assert.equal(samples.length, result.samples);
    assert.ok(samples.some((s) => Math.abs(s) > 1000), "not silent");
    assert.equal(wav.getTag("ICMT"), "Hello there. Dr. Smith paid $3.50.");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("voice files: FILE.onnx needs FILE.onnx.json; folders need one .onnx; configs are checked", () => {
  const dir = mkdtempSync(join(tmpdir(), "riff-piper-files-"));
  try {
    assert.deepEqual(resolvePiperFiles(tiny), { model: join(tiny, "voice.onnx"), config: join(tiny, "voice.onnx.json") });
    copyFileSync(join(tiny, "voice.onnx"), join(dir, "a.onnx"));
    assert.throws(() => resolvePiperFiles(join(dir, "a.onnx")), /voice config not found: .*a\.onnx\.json/);
    assert.throws(() => resolvePiperFiles(dir), /voice config not found/);
    copyFileSync(join(tiny, "voice.onnx"), join(dir, "b.onnx"));
    assert.throws(() => resolvePiperFiles(dir), /several \.onnx files/);
    mkdirSync(join(dir, "empty"));
    assert.throws(() => resolvePiperFiles(join(dir, "empty")), /no \.onnx voice/);
    assert.throws(() => resolvePiperFiles(join(dir, "none")), /voice not found/);
    writeFileSync(join(dir, "c.txt"), "x");
    assert.throws(() => resolvePiperFiles(join(dir, "c.txt")), /folder or a \.onnx file/);
    const good = JSON.parse(readFileSync(join(tiny, "voice.onnx.json"), "utf8")) as Record<string, unknown>;
    assert.throws(() => parsePiperConfig({ ...good, audio: {} }, "v.json"), (e: unknown) => e instanceof RiffError && /v\.json: audio\.sample_rate/.test(e.message));
    assert.throws(() => parsePiperConfig({ ...good, phoneme_id_map: { a: [1] } }), /lacks "\^"/);
    assert.throws(() => parsePiperConfig({ ...good, num_speakers: 2, speaker_id_map: { x: 5 } }), /speaker_id_map\["x"\]/);
    assert.throws(() => parsePiperConfig([]), /JSON object/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
