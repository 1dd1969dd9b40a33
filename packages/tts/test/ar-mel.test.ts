import { test } from "node:test";
import assert from "node:assert/strict";
import { Rng, runSteps } from "@riff/core";
import { mkdtempSync, readFileSync, writeFileSync, copyFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { clausesToSymbols, symbolsToIds, durationsFromLog, loadArMelConfig, MelStepModel, type DecoderStep } from "@riff/tts";

test("riff-ar-mel token rule: ^ clause , ␠ clause . $ with no pads", () => {
  assert.deepEqual(clausesToSymbols(["həlˈoʊ", " wˈɜːld "]), ["^", "h", "ə", "l", "ˈ", "o", "ʊ", ",", " ", "w", "ˈ", "ɜ", "ː", "l", "d", ".", "$"]);
  const map = { "^": [1], $: [2], ",": [8], " ": [3], ".": [10], a: [14] };
  assert.deepEqual(symbolsToIds(clausesToSymbols(["ax"]), map), { ids: [1, 14, 10, 2], missing: ["x"] });
});

test("durations: floor((exp(ld) − 1)·scale + 0.5), at least one frame in all", () => {
  const ld = [Math.log(1 + 4), Math.log(1 + 2.5), 0, -1];
  assert.deepEqual(Array.from(durationsFromLog(ld, 1)), [4, 3, 0, 0]);
  assert.deepEqual(Array.from(durationsFromLog(ld, 2)), [8, 5, 0, 0]);
  assert.deepEqual(Array.from(durationsFromLog([0, 0], 1)), [1, 0]);
});

/** A decoder in plain JS: frame = prev + condition summary; state counts steps. */
function fakeDecoder(log: { prev: number[]; condition: number[][] }): DecoderStep {
  return async (prev, condition, state) => {
    log.prev.push(prev[0]!);
    log.condition.push(Array.from(condition));
    const frame = Float32Array.from(prev, (v, i) => v * 0.5 + condition[i % condition.length]!);
    return { frame, nextState: Float32Array.from(state, (s) => s + 1) };
  };
}

test("the mel loop runs on runSteps: conditions per frame, stop after the last phone's frames", async () => {
  const log = { prev: [] as number[], condition: [] as number[][] };
  const encodings = Float32Array.from([1, 2, 10, 20, 100, 200]); // 3 phones × 2 dims
  const model = new MelStepModel({ decoder: fakeDecoder(log), encodings, encodingDim: 2, durations: Int32Array.from([2, 0, 1]), nMels: 3, noiseScale: 0 });
  assert.equal(model.totalSteps, 3);
  const events = [];
  for await (const e of runSteps(model, model.initialState(-11.5, 4), { rng: new Rng(0) })) events.push(e);
  assert.equal(events.length, 3);
  assert.deepEqual(events.map((e) => e.stopReason), [undefined, undefined, "end"]);
  const ln = (n: number): number => Math.fround(Math.log1p(n));
  assert.deepEqual(log.condition, [
    [1, 2, 0.25, ln(2)],
    [1, 2, 0.75, ln(2)],
    [100, 200, 0.5, ln(1)],
  ]);
  assert.equal(log.prev[0], -11.5);
  const last = events[2]!.state;
  assert.equal(last.frames, 3);
  assert.equal(last.mel.length, 9);
  assert.deepEqual(Array.from(last.state), [3, 3, 3, 3]);
  // With no noise the fed-back frame is the emitted one.
  assert.equal(log.prev[1], last.mel[0]);
});

test("noise goes on the fed-back copy only, drawn from the rng", async () => {
  const run = async (seed: number) => {
    const log = { prev: [] as number[], condition: [] as number[][] };
    const model = new MelStepModel({
      decoder: fakeDecoder(log),
      encodings: Float32Array.from([1, 2]),
      encodingDim: 2,
      durations: Int32Array.from([4]),
      nMels: 3,
      noiseScale: 0.5,
    });
    let state = model.initialState(0, 1);
    for await (const e of runSteps(model, state, { rng: new Rng(seed) })) state = e.state;
    return { mel: Array.from(state.mel), prev: log.prev };
  };
  const a = await run(1);
  const b = await run(1);
  const c = await run(2);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.mel, c.mel);
  // The first frame does not depend on noise; the second frame's input differs from the first frame.
  assert.equal(a.mel[0], c.mel[0]);
  assert.notEqual(a.prev[1], a.mel[0]);
});

test("voice.json vocoder: the streaming format, the first (plain Griffin–Lim) format, and a bad type", () => {
  const source = fileURLToPath(new URL("../../../models/slt-voice", import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), "riff-voice-"));
  try {
    copyFileSync(join(source, "mel_filters.json"), join(dir, "mel_filters.json"));
    const json = JSON.parse(readFileSync(join(source, "voice.json"), "utf8")) as { audio: { vocoder: Record<string, unknown> } };
    const withVocoder = (vocoder: Record<string, unknown>) => {
      writeFileSync(join(dir, "voice.json"), JSON.stringify({ ...json, audio: { ...json.audio, vocoder } }));
      return loadArMelConfig(dir);
    };
    const streaming = withVocoder(json.audio.vocoder).vocoder;
    assert.equal(streaming.type, "streaming-pghi-fgla");
    if (streaming.type === "streaming-pghi-fgla") assert.ok(streaming.blockFrames > 0 && streaming.iterations >= 1);
    // The first format had no type and meant Griffin–Lim over the whole sentence.
    const first = withVocoder({ magnitude: "clamp(pinv(mel_filters) @ exp(mel), 0)", iterations: 60, momentum: 0.99 });
    assert.deepEqual(first.vocoder, { type: "griffin-lim", iterations: 60, momentum: 0.99 });
    assert.deepEqual(first.griffinLim, { iterations: 60, momentum: 0.99 });
    assert.throws(() => withVocoder({ type: "wavenet", iterations: 1 }), /audio\.vocoder\.type must be "griffin-lim" or "streaming-pghi-fgla"/);
    assert.throws(() => withVocoder({ ...json.audio.vocoder, block_frames: 0 }), /audio\.vocoder\.block_frames must be a positive integer/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
