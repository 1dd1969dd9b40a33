/**
 * Reads shape, colour, position, size and background back from a generated 32×32 image, by the
 * rules in dataset.json "analyzer" (the same as recipe/shapes_common.py analyze()):
 * - background: per-channel median of the border pixels → nearest palette colour;
 * - shape pixels: Euclidean RGB distance from that median > shape_threshold;
 * - colour: per-channel median of the shape pixels → nearest palette colour;
 * - position: centroid of the shape pixels → nearest named position;
 * - shape and size: best IoU of the mask against each shape's template (coverage ≥ 0.5) at that
 *   position, in each size.
 */
import type { RasterImage } from "@riff/diffusion";
import { coverage, type ShapeSpec, type ShapesDataset } from "./shape-raster.js";

export interface Analysis {
  readonly background: string;
  readonly color: string | undefined;
  readonly position: string | undefined;
  readonly shape: string | undefined;
  readonly size: string | undefined;
  readonly shapeIou: number;
  readonly shapePixels: number;
}

function median(values: number[]): number {
  const s = values.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function medianRgb(pixels: readonly (readonly number[])[]): [number, number, number] {
  return [0, 1, 2].map((k) => median(pixels.map((p) => p[k]!))) as [number, number, number];
}

export function nearestColor(ds: ShapesDataset, rgb: readonly number[]): string {
  let best = "";
  let bestD = Infinity;
  for (const [name, c] of Object.entries(ds.palette)) {
    const d = (c[0] - rgb[0]!) ** 2 + (c[1] - rgb[1]!) ** 2 + (c[2] - rgb[2]!) ** 2;
    if (d < bestD) {
      bestD = d;
      best = name;
    }
  }
  return best;
}

export class ShapeAnalyzer {
  private readonly templates = new Map<string, Uint8Array>();

  constructor(readonly dataset: ShapesDataset) {}

  private template(shape: string, position: string, size: string): Uint8Array {
    const key = `${shape}|${position}|${size}`;
    let t = this.templates.get(key);
    if (!t) {
      t = Uint8Array.from(coverage(this.dataset, shape, position, size), (c) => (c >= 0.5 ? 1 : 0));
      this.templates.set(key, t);
    }
    return t;
  }

  analyze(image: RasterImage): Analysis {
    const n = this.dataset.image_size;
    if (image.width !== n || image.height !== n || image.channels !== 3) {
      throw new Error(`the analyzer reads ${n}x${n} RGB images, got ${image.width}x${image.height}x${image.channels}`);
    }
    const px = (x: number, y: number): number[] => {
      const o = (y * n + x) * 3;
      return [image.data[o]!, image.data[o + 1]!, image.data[o + 2]!];
    };
    // Border in the recipe's order: top row, bottom row, then left and right columns without corners.
    const border: number[][] = [];
    for (let x = 0; x < n; x++) border.push(px(x, 0));
    for (let x = 0; x < n; x++) border.push(px(x, n - 1));
    for (let y = 1; y < n - 1; y++) border.push(px(0, y));
    for (let y = 1; y < n - 1; y++) border.push(px(n - 1, y));
    const bg = medianRgb(border);
    const background = nearestColor(this.dataset, bg);
    const mask = new Uint8Array(n * n);
    const shapePixels: number[][] = [];
    let sx = 0;
    let sy = 0;
    const threshold = this.dataset.analyzer.shape_threshold;
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) {
        const p = px(x, y);
        if (Math.hypot(p[0]! - bg[0], p[1]! - bg[1], p[2]! - bg[2]) > threshold) {
          mask[y * n + x] = 1;
          shapePixels.push(p);
          sx += x;
          sy += y;
        }
      }
    }
    if (shapePixels.length === 0) {
      return { background, color: undefined, position: undefined, shape: undefined, size: undefined, shapeIou: 0, shapePixels: 0 };
    }
    const color = nearestColor(this.dataset, medianRgb(shapePixels));
    const cx = sx / shapePixels.length + 0.5;
    const cy = sy / shapePixels.length + 0.5;
    let position = "";
    let bestD = Infinity;
    for (const [name, [x, y]] of Object.entries(this.dataset.positions)) {
      const d = (x - cx) ** 2 + (y - cy) ** 2;
      if (d < bestD) {
        bestD = d;
        position = name;
      }
    }
    let best = { iou: -1, shape: "", size: "" };
    for (const shape of this.dataset.shapes) {
      for (const size of Object.keys(this.dataset.sizes)) {
        const t = this.template(shape, position, size);
        let inter = 0;
        let union = 0;
        for (let i = 0; i < t.length; i++) {
          inter += t[i]! & mask[i]!;
          union += t[i]! | mask[i]!;
        }
        const iou = union > 0 ? inter / union : 0;
        if (iou > best.iou) best = { iou, shape, size };
      }
    }
    return { background, color, position, shape: best.shape, size: best.size, shapeIou: best.iou, shapePixels: shapePixels.length };
  }

  /** Which attributes of `spec` the image shows. */
  check(image: RasterImage, spec: ShapeSpec): Record<keyof ShapeSpec, boolean> & { all: boolean } {
    const a = this.analyze(image);
    const r = {
      shape: a.shape === spec.shape,
      color: a.color === spec.color,
      position: a.position === spec.position,
      size: a.size === spec.size,
      background: a.background === spec.background,
    };
    return { ...r, all: r.shape && r.color && r.position && r.background };
  }
}
