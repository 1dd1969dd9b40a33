/**
 * Inpainting's extra unet channels, as diffusers' StableDiffusionInpaintPipeline makes them for a
 * 9-channel unet: the mask (1 = repaint) at latent size ⊕ the VAE latents of the image with the
 * repainted area blanked (0 in [-1, 1]).
 */
import type { Rng } from "@riff/core";
import type { RasterImage } from "./raster.js";
import type { VaeEncoder } from "./vae.js";

/** A grey mask image → 1 where it is white (≥ 0.5 after /255, diffusers' binarize), else 0. */
export function binarizeMask(mask: RasterImage): Float32Array {
  const { width, height, channels, data } = mask;
  const out = new Float32Array(width * height);
  for (let p = 0; p < out.length; p++) out[p] = data[p * channels]! / 255 >= 0.5 ? 1 : 0;
  return out;
}

/** The image [c, H, W] with the repainted pixels (mask ≥ 0.5) set to 0: diffusers' `image * (mask < 0.5)`. */
export function maskedImage(pixels: Float32Array, mask: Float32Array): Float32Array {
  const plane = mask.length;
  const out = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) out[i] = mask[i % plane]! < 0.5 ? pixels[i]! : 0;
  return out;
}

/** A [H, W] plane resized to [h, w] by torch's `interpolate(mode="nearest")`: source index ⌊dst · in/out⌋. */
export function nearestResize(plane: Float32Array, H: number, W: number, h: number, w: number): Float32Array {
  const out = new Float32Array(h * w);
  for (let y = 0; y < h; y++) {
    const sy = Math.min(Math.floor((y * H) / h), H - 1);
    for (let x = 0; x < w; x++) out[y * w + x] = plane[sy * W + Math.min(Math.floor((x * W) / w), W - 1)]!;
  }
  return out;
}

export interface InpaintInput {
  readonly encoder: VaeEncoder;
  /** The init image [3, H, W] in [-1, 1]. */
  readonly pixels: Float32Array;
  readonly mask: RasterImage;
  /** The latents' dims [n, c, h, w]. */
  readonly dims: readonly [number, number, number, number];
  /** Samples the masked image's latent distribution (when the VAE encoder gives one). */
  readonly rng: Rng;
}

/** The extra unet channels [n, 1 + c, h, w]: mask ⊕ masked-image latents, the same for every item. */
export async function inpaintChannels(input: InpaintInput): Promise<{ data: Float32Array; channels: number }> {
  const [n, c, h, w] = input.dims;
  const { width: W, height: H } = input.mask;
  const mask = binarizeMask(input.mask);
  const latents = await input.encoder.encode(maskedImage(input.pixels, mask), [1, 3, H, W], c, input.rng);
  const plane = h * w;
  const item = new Float32Array((1 + c) * plane);
  item.set(nearestResize(mask, H, W, h, w), 0);
  item.set(latents.data, plane);
  const data = new Float32Array(n * item.length);
  for (let i = 0; i < n; i++) data.set(item, i * item.length);
  return { data, channels: 1 + c };
}
