/** 8-bit images in memory and their conversion to and from model tensors. */

/** An 8-bit image, rows top to bottom, channels interleaved (HWC): 1 = grey, 3 = RGB. */
export interface RasterImage {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3;
  readonly data: Uint8Array;
}

/** The pixel value range a model works in, e.g. [-1, 1] (most) or [-0.5, 0.5] (mnist-ddpm). */
export type SampleRange = readonly [number, number];

/**
 * Splits a [batch, channels, height, width] float tensor into images: x ∈ range → 0..255, clamped
 * and rounded.
 */
export function samplesToImages(
  data: Float32Array,
  dims: readonly [number, number, number, number],
  range: SampleRange,
): RasterImage[] {
  const [batch, channels, height, width] = dims;
  if (channels !== 1 && channels !== 3) throw new Error(`cannot make an image of ${channels} channels (1 or 3)`);
  if (data.length !== batch * channels * height * width) throw new Error(`sample has ${data.length} values, dims say otherwise`);
  const [lo, hi] = range;
  const scale = 255 / (hi - lo);
  const plane = height * width;
  const images: RasterImage[] = [];
  for (let b = 0; b < batch; b++) {
    const out = new Uint8Array(plane * channels);
    const base = b * channels * plane;
    for (let c = 0; c < channels; c++) {
      for (let p = 0; p < plane; p++) {
        const v = Math.round((data[base + c * plane + p]! - lo) * scale);
        out[p * channels + c] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
    }
    images.push({ width, height, channels, data: out });
  }
  return images;
}

/** An image as a [channels, height, width] float tensor in `range`. */
export function imageToSample(image: RasterImage, range: SampleRange): Float32Array {
  const { width, height, channels, data } = image;
  const [lo, hi] = range;
  const plane = width * height;
  const out = new Float32Array(plane * channels);
  for (let c = 0; c < channels; c++) {
    for (let p = 0; p < plane; p++) out[c * plane + p] = lo + (data[p * channels + c]! / 255) * (hi - lo);
  }
  return out;
}

/** Tiles same-sized images into a grid, row-major, `columns` wide (default: ⌈√n⌉); empty cells black. */
export function makeGrid(images: readonly RasterImage[], columns?: number): RasterImage {
  const first = images[0];
  if (!first) throw new Error("makeGrid needs at least one image");
  const { width, height, channels } = first;
  for (const image of images) {
    if (image.width !== width || image.height !== height || image.channels !== channels) {
      throw new Error("makeGrid needs images of one size and channel count");
    }
  }
  const cols = Math.max(1, Math.min(images.length, columns ?? Math.ceil(Math.sqrt(images.length))));
  const rows = Math.ceil(images.length / cols);
  const gridWidth = cols * width;
  const data = new Uint8Array(gridWidth * rows * height * channels);
  images.forEach((image, i) => {
    const x0 = (i % cols) * width;
    const y0 = Math.floor(i / cols) * height;
    const rowBytes = width * channels;
    for (let y = 0; y < height; y++) {
      const src = image.data.subarray(y * rowBytes, (y + 1) * rowBytes);
      data.set(src, ((y0 + y) * gridWidth + x0) * channels);
    }
  });
  return { width: gridWidth, height: rows * height, channels, data };
}
