// The streamed WAV (POST /v1/audio/speech, riff speak --out -) is byte for byte the file
// `riff speak` writes (tts's WavStreamWriter), except the RIFF and data sizes, unknown while
// streaming and 0xFFFFFFFF there. (riff speak's file also ends with a LIST/INFO chunk, written once
// the sizes are known; a stream has none: its data chunk runs to the end. The writer here has no tags.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WavStreamWriter } from "@riff/tts";
import { pcmBytes, streamingWavHeader } from "../src/wav-stream.js";

for (const sampleRate of [16000, 22050, 24000]) {
  test(`streamed WAV at ${sampleRate} Hz: the file riff speak writes, with both sizes 0xFFFFFFFF`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "riff-wav-"));
    try {
      const pcm = Int16Array.from({ length: 1001 }, (_, i) => ((i * 7919) % 65536) - 32768);
      const writer = await WavStreamWriter.create(join(dir, "a.wav"), { sampleRate });
      await writer.write(pcm.subarray(0, 500));
      await writer.write(pcm.subarray(500));
      const { path } = await writer.finish();
      const file = Buffer.from(readFileSync(path));
      const streamed = Buffer.concat([streamingWavHeader(sampleRate), pcmBytes(pcm.subarray(0, 500)), pcmBytes(pcm.subarray(500))]);
      assert.equal(streamed.length, file.length);
      assert.equal(file.readUInt32LE(4), file.length - 8, "the file's RIFF size");
      assert.equal(file.readUInt32LE(40), pcm.length * 2, "the file's data size");
      assert.equal(streamed.readUInt32LE(4), 0xffffffff);
      assert.equal(streamed.readUInt32LE(40), 0xffffffff);
      for (const offset of [4, 40]) file.writeUInt32LE(0xffffffff, offset);
      assert.deepEqual(streamed, file);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
