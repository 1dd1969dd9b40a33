import { test, after } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { RiffError, Rng, runToEnd } from "@riff/core";
import { OnnxSession, float32, floatData, int64 } from "@riff/onnx";
import { ArMelVoice, MelStepModel, durationsFromLog, type DecoderStep } from "@riff/tts";

/** The embedded default voice (or another riff-ar-mel folder named by RIFF_AR_MEL_VOICE). */
const folder = process.env.RIFF_AR_MEL_VOICE ?? fileURLToPath(new URL("../../../models/slt-voice", import.meta.url));
const present = existsSync(join(folder, "voice.json")) && existsSync(join(folder, "reference.json"));
const skip = !present && `no riff-ar-mel voice at ${folder}`;
const reference = present ? (JSON.parse(readFileSync(join(folder, "reference.json"), "utf8")) as { sentences: { phoneme_ids: number[] }[] }) : { sentences: [] };

// The voice with its own noise (the fed-back frames' noise is what the Loop form must reproduce) and
// without; the one-frame decoder and the encoder, as voice.json's runtime_algorithm runs them.
const noisy = present ? await ArMelVoice.load(folder) : undefined;
const quiet = present ? await ArMelVoice.load(folder, { noiseScale: 0 }) : undefined;
const decoder = present ? await OnnxSession.load(noisy!.config.decoderFile, { threads: 1 }) : undefined;
const encoder = present ? await OnnxSession.load(noisy!.config.encoderFile, { threads: 1 }) : undefined;
after(async () => {
  await Promise.all([noisy?.dispose(), quiet?.dispose(), decoder?.dispose(), encoder?.dispose()]);
});

/** The sentence's frames one decoder.onnx run per step, on MelStepModel (the per-frame loop). */
async function framePerStep(voice: ArMelVoice, ids: readonly number[], speed: number, rng: Rng): Promise<Float32Array> {
  const { encodingDim, nMels, stateShape, lengthScale, noiseScale, initialPrevFrame } = voice.config;
  const encoded = await encoder!.run({ phoneme_ids: int64(ids, [1, ids.length]) });
  const durations = durationsFromLog(floatData(encoded.log_durations!), lengthScale / speed);
  const step: DecoderStep = async (prevFrame, condition, state) => {
    const out = await decoder!.run({ prev_frame: float32(prevFrame, [1, nMels]), condition: float32(condition, [1, encodingDim + 2]), state: float32(state, stateShape) });
    return { frame: floatData(out.frame!), nextState: floatData(out.next_state!) };
  };
  const model = new MelStepModel({ decoder: step, encodings: floatData(encoded.encodings!), encodingDim, durations, nMels, noiseScale });
  const result = await runToEnd(model, model.initialState(initialPrevFrame, stateShape.reduce((a, b) => a * b, 1)), { rng });
  return result.state.mel;
}

test("the voice's decoder, a block of frames per call, gives the per-frame loop's frames bit for bit", { skip }, async () => {
  for (const s of reference.sentences) {
    for (const [voice, speed, seed] of [
      [noisy!, 1, 3],
      [noisy!, 0.5, 4],
      [quiet!, 1, 0],
    ] as const) {
      const want = await framePerStep(voice, s.phoneme_ids, speed, new Rng(seed));
      const got = await voice.melSpectrogram(s.phoneme_ids, { rng: new Rng(seed), speed });
      // Several blocks and a last partial one.
      assert.ok(got.frames > 128 && got.frames % 64 !== 0, `${got.frames} frames`);
      assert.equal(got.mel.length, want.length);
      assert.ok(
        Buffer.from(got.mel.buffer, got.mel.byteOffset, got.mel.byteLength).equals(Buffer.from(want.buffer, want.byteOffset, want.byteLength)),
        `frames differ (speed ${speed}, noise ${voice.config.noiseScale})`,
      );
    }
  }
});

test("a decoder file without the decoder's inputs is refused at load, naming them", { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "riff-bad-decoder-"));
  try {
    for (const file of ["voice.json", "encoder.onnx", "mel_filters.json"]) copyFileSync(join(folder, file), join(dir, file));
    copyFileSync(join(folder, "encoder.onnx"), join(dir, "decoder.onnx"));
    await assert.rejects(ArMelVoice.load(dir), (error: Error) => {
      assert.ok(error instanceof RiffError);
      assert.match(error.message, /decoder\.onnx lacks the inputs "prev_frame", "condition", "state"; it has "phoneme_ids"/);
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("an aborted signal stops the decoder between blocks: a RiffError, no frames", { skip }, async () => {
  const ids = reference.sentences[0]!.phoneme_ids;
  await assert.rejects(noisy!.melSpectrogram(ids, { rng: new Rng(1), signal: AbortSignal.abort() }), /speech synthesis was aborted/);
});
