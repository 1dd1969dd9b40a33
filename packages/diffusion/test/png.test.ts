import { test } from "node:test";
import assert from "node:assert/strict";
import sharp from "sharp";
import {
  crc32,
  encodeChunk,
  encodePng,
  insertTextChunk,
  loadImage,
  readChunks,
  readParameters,
  readTextChunks,
  textChunk,
} from "@riff/diffusion";

const gradient = { width: 4, height: 2, channels: 3 as const, data: Uint8Array.from({ length: 24 }, (_, i) => i * 10) };

test("crc32 matches the standard check values", () => {
  assert.equal(crc32(Buffer.from("123456789")), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
  // The IEND chunk every PNG ends with: CRC of "IEND" is AE 42 60 82.
  assert.equal(crc32(Buffer.from("IEND")), 0xae426082);
});

test("encodeChunk writes length, type, data and CRC", () => {
  const chunk = encodeChunk("tEXt", Buffer.from("a\0b"));
  assert.equal(chunk.readUInt32BE(0), 3);
  assert.equal(chunk.toString("latin1", 4, 8), "tEXt");
  assert.equal(chunk.toString("latin1", 8, 11), "a\0b");
  assert.equal(chunk.readUInt32BE(11), crc32(Buffer.from("tEXta\0b")));
  assert.throws(() => encodeChunk("tEX", Buffer.alloc(0)), /chunk type/);
});

test("the parameters chunk goes before IDAT, is valid for sharp, and reads back", async () => {
  const text = "a red circle\nNegative prompt: blur\nSteps: 20, Sampler: DPM++ 2M, CFG scale: 4, Seed: 1, Size: 4x2, Model: m";
  const png = await encodePng(gradient, text);
  const types = readChunks(png).map((c) => c.type);
  assert.equal(types[0], "IHDR");
  assert.ok(types.indexOf("tEXt") < types.indexOf("IDAT"));
  assert.equal(types.at(-1), "IEND");
  assert.equal(readParameters(png), text);
  const meta = await sharp(png).metadata();
  assert.deepEqual(meta.comments, [{ keyword: "parameters", text }]);
  const { data } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual(new Uint8Array(data), gradient.data);
});

test("non-Latin-1 text goes in an iTXt chunk as UTF-8", async () => {
  const png = insertTextChunk(await encodePng(gradient), "parameters", "ein Kätzchen 🐱");
  assert.ok(readChunks(png).some((c) => c.type === "iTXt"));
  assert.equal(readTextChunks(png).get("parameters"), "ein Kätzchen 🐱");
  await sharp(png).metadata(); // still a valid PNG
  assert.throws(() => textChunk("", "x"), /keyword/);
});

test("damaged PNGs are refused", async () => {
  const png = await encodePng(gradient, "x");
  const bad = Buffer.from(png);
  bad[40] = bad[40]! ^ 0xff;
  assert.throws(() => readChunks(bad), /bad CRC|truncated|past the end/);
  assert.throws(() => readChunks(Buffer.from("not a png")), /signature/);
});

test("the same image encodes to the same bytes", async () => {
  assert.deepEqual(await encodePng(gradient, "p"), await encodePng(gradient, "p"));
});

test("loadImage resizes, flattens and converts channels", async () => {
  const png = await encodePng(gradient);
  const grey = await loadImage(png, { width: 8, height: 4, channels: 1 });
  assert.equal(grey.data.length, 32);
  const rgb = await loadImage(gradient, { width: 4, height: 2, channels: 3 });
  assert.deepEqual(rgb.data, gradient.data);
  const fromGrey = await loadImage(await encodePng({ width: 2, height: 2, channels: 1, data: Uint8Array.from([0, 50, 100, 200]) }), {
    width: 2,
    height: 2,
    channels: 3,
  });
  assert.deepEqual(Array.from(fromGrey.data.subarray(0, 6)), [0, 0, 0, 50, 50, 50]);
  await assert.rejects(loadImage(Buffer.from("nope"), { width: 2, height: 2, channels: 3 }), /^RiffError: initImage: cannot read/);
});
