import sharp from "sharp";
import { RiffError } from "@riff/core";
import { insertTextChunk, readTextChunks } from "./png-chunks.js";
import type { RasterImage } from "./raster.js";

/** The PNG text keyword A1111-compatible tools read the generation parameters from. */
export const PARAMETERS_KEYWORD = "parameters";

/** Encodes an image as PNG (sharp), with `parameters` in a "parameters" text chunk when given. */
export async function encodePng(image: RasterImage, parameters?: string): Promise<Buffer> {
  const png = await sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), {
    raw: { width: image.width, height: image.height, channels: image.channels },
  })
    .png({ compressionLevel: 9, adaptiveFiltering: false })
    .toBuffer();
  return parameters === undefined ? png : insertTextChunk(png, PARAMETERS_KEYWORD, parameters);
}

/** The "parameters" text of a PNG written by riff (or A1111), if any. */
export function readParameters(png: Buffer): string | undefined {
  return readTextChunks(png).get(PARAMETERS_KEYWORD);
}

/**
 * Reads any image sharp can decode, resized (stretched, like diffusers' default) to width × height,
 * alpha flattened onto white, as grey (1 channel) or RGB (3).
 */
export async function loadImage(
  input: string | Buffer | RasterImage,
  size: { width: number; height: number; channels: 1 | 3 },
  option = "initImage",
): Promise<RasterImage> {
  try {
    const source =
      typeof input === "string" || Buffer.isBuffer(input)
        ? sharp(input)
        : sharp(Buffer.from(input.data.buffer, input.data.byteOffset, input.data.byteLength), {
            raw: { width: input.width, height: input.height, channels: input.channels },
          });
    let pipeline = source.flatten({ background: "#ffffff" }).resize(size.width, size.height, { fit: "fill" });
    pipeline = size.channels === 1 ? pipeline.toColourspace("b-w") : pipeline.toColourspace("srgb");
    const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== size.channels) throw new Error(`decoded ${info.channels} channels, expected ${size.channels}`);
    return { width: info.width, height: info.height, channels: size.channels, data: new Uint8Array(data) };
  } catch (error) {
    const where = typeof input === "string" ? input : "the given image";
    throw new RiffError(`${option}: cannot read ${where} as an image: ${error instanceof Error ? error.message : String(error)}`, option);
  }
}
