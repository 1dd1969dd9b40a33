// The streamed WAV (POST /v1/audio/speech, riff speak --out -) and the file `riff speak` writes
// (tts's WavStreamWriter) share one header, LIST/INFO chunk included: with the length known first
// (riff's mel voices) the stream is the file byte for byte; without it (Piper) only the RIFF and
// data sizes differ, 0xFFFFFFFF in the stream.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WavStreamWriter, speechWavInfo, wavHeader } from "@riff/tts";
import { pcmBytes } from "../src/wav-stream.js";

for (const sampleRate of [16000, 22050, 24000]) {
  test(`streamed WAV at ${sampleRate} Hz: the file riff speak writes; with the length unknown, both sizes 0xFFFFFFFF`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "riff-wav-"));
    try {
      const pcm = Int16Array.from({ length: 1001 }, (_, i) => ((i * 7919) % 65536) - 32768);
      const info = speechWavInfo("Hello there.\tIt is a fine day, with an odd number of letters!");
      const writer = await WavStreamWriter.create(join(dir, "a.wav"), { sampleRate, info });
      await writer.write(pcm.subarray(0, 500));
      await writer.write(pcm.subarray(500));
      const { path, bytes } = await writer.finish();
      const file = Buffer.from(readFileSync(path));
      assert.equal(file.length, bytes);
      const body = [pcmBytes(pcm.subarray(0, 500)), pcmBytes(pcm.subarray(500))];
      const known = Buffer.concat([wavHeader(sampleRate, { samples: pcm.length, info }), ...body]);
      assert.ok(known.equals(file), "the stream that knew its length is the file");
      const dataAt = file.indexOf("data") + 8;
      assert.ok(file.indexOf("LIST") < dataAt, "LIST/INFO before the data");
      assert.equal(file.readUInt32LE(4), file.length - 8, "the file's RIFF size");
      assert.equal(file.readUInt32LE(dataAt - 4), pcm.length * 2, "the file's data size");
      const unknown = Buffer.concat([wavHeader(sampleRate, { info }), ...body]);
      assert.equal(unknown.readUInt32LE(4), 0xffffffff);
      assert.equal(unknown.readUInt32LE(dataAt - 4), 0xffffffff);
      for (const offset of [4, dataAt - 4]) unknown.writeUInt32LE(file.readUInt32LE(offset), offset);
      assert.ok(unknown.equals(file), "only the sizes differ");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
