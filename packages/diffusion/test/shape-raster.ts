/**
 * A tiny rasterizer for the shapes-diffusion dataset (models/shapes-diffusion/dataset.json), the
 * TypeScript twin of recipe/shapes_common.py: anti-aliased coverage from 4×4 sub-samples per
 * pixel; pixel = round(cov·fg + (1 − cov)·bg). Used to test the analyzer and to build its templates.
 */
import { readFileSync } from "node:fs";
import type { RasterImage } from "@riff/diffusion";

export interface ShapesDataset {
  readonly image_size: number;
  readonly palette: Readonly<Record<string, readonly [number, number, number]>>;
  readonly shapes: readonly string[];
  readonly positions: Readonly<Record<string, readonly [number, number]>>;
  readonly sizes: Readonly<Record<string, number>>;
  readonly caption_template: string;
  readonly heldout: readonly { readonly shape: string; readonly color: string; readonly background: string }[];
  readonly analyzer: { readonly shape_threshold: number };
}

export interface ShapeSpec {
  readonly shape: string;
  readonly color: string;
  readonly position: string;
  readonly size: string;
  readonly background: string;
}

export function loadDataset(path: string): ShapesDataset {
  return JSON.parse(readFileSync(path, "utf8")) as ShapesDataset;
}

/** Whether offset (dx, dy) from the centre lies inside `shape` of radius r (dataset.json shape_definitions). */
export function inside(shape: string, dx: number, dy: number, r: number): boolean {
  const ax = Math.abs(dx);
  const ay = Math.abs(dy);
  switch (shape) {
    case "circle":
      return dx * dx + dy * dy <= r * r;
    case "square":
      return Math.max(ax, ay) <= 0.85 * r;
    case "diamond":
      return ax + ay <= r;
    case "cross": {
      const a = 0.3 * r;
      return (ax <= a && ay <= r) || (ay <= a && ax <= r);
    }
    case "ring": {
      const d2 = dx * dx + dy * dy;
      return d2 <= r * r && d2 >= (0.55 * r) ** 2;
    }
    case "triangle": {
      // Upward equilateral triangle inscribed in the circle of radius r (y grows downward).
      const s = Math.sqrt(3);
      return dy <= 0.5 * r && s * dx - dy <= r && -s * dx - dy <= r;
    }
    default:
      throw new Error(`unknown shape "${shape}"`);
  }
}

/** Coverage of each pixel by the shape, row-major [n·n]. */
export function coverage(ds: ShapesDataset, shape: string, position: string, size: string, supersample = 4): Float64Array {
  const n = ds.image_size;
  const centre = ds.positions[position];
  const r = ds.sizes[size];
  if (!centre || r === undefined) throw new Error(`unknown position "${position}" or size "${size}"`);
  const out = new Float64Array(n * n);
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      let hits = 0;
      for (let sy = 0; sy < supersample; sy++) {
        for (let sx = 0; sx < supersample; sx++) {
          const px = x + (sx + 0.5) / supersample;
          const py = y + (sy + 0.5) / supersample;
          if (inside(shape, px - centre[0], py - centre[1], r)) hits++;
        }
      }
      out[y * n + x] = hits / (supersample * supersample);
    }
  }
  return out;
}

/** The dataset's image for a spec, 8-bit RGB. */
export function render(ds: ShapesDataset, spec: ShapeSpec): RasterImage {
  const cov = coverage(ds, spec.shape, spec.position, spec.size);
  const fg = ds.palette[spec.color];
  const bg = ds.palette[spec.background];
  if (!fg || !bg) throw new Error(`unknown colour "${spec.color}" or "${spec.background}"`);
  const n = ds.image_size;
  const data = new Uint8Array(n * n * 3);
  for (let p = 0; p < n * n; p++) {
    const c = cov[p]!;
    for (let k = 0; k < 3; k++) data[p * 3 + k] = Math.min(255, Math.max(0, Math.round(c * fg[k]! + (1 - c) * bg[k]!)));
  }
  return { width: n, height: n, channels: 3, data };
}

/** The caption for a spec, from the dataset's template. */
export function caption(ds: ShapesDataset, spec: ShapeSpec): string {
  return ds.caption_template
    .replace("{size}", spec.size)
    .replace("{color}", spec.color)
    .replace("{shape}", spec.shape)
    .replace("{position}", spec.position)
    .replace("{background}", spec.background);
}
