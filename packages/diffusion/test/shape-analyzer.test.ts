import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ShapeAnalyzer, nearestColor } from "./shape-analyzer.js";
import { caption, coverage, inside, loadDataset, render, type ShapeSpec } from "./shape-raster.js";
import { heldoutPrompts } from "./adherence.js";

const datasetPath = fileURLToPath(new URL("../../../models/shapes-diffusion/dataset.json", import.meta.url));
const skip = existsSync(datasetPath) ? false : `no ${datasetPath}`;

test("the rasterizer follows dataset.json's shape definitions", { skip }, () => {
  const ds = loadDataset(datasetPath);
  assert.equal(inside("triangle", 0, -7.9, 8), true); // apex at the top
  assert.equal(inside("triangle", 0, 7.9, 8), false);
  assert.equal(inside("ring", 0, 0, 8), false);
  assert.equal(inside("ring", 6, 0, 8), true);
  assert.throws(() => inside("star", 0, 0, 1), /unknown shape/);
  // A large circle covers about π·8² pixels.
  const area = coverage(ds, "circle", "center", "large").reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(area - Math.PI * 64) < 2, `area ${area}`);
  const img = render(ds, { shape: "square", color: "red", position: "center", size: "large", background: "blue" });
  assert.deepEqual(Array.from(img.data.subarray((16 * 32 + 16) * 3, (16 * 32 + 16) * 3 + 3)), [235, 20, 20]);
  assert.deepEqual(Array.from(img.data.subarray(0, 3)), [20, 20, 235]);
  assert.equal(caption(ds, { shape: "circle", color: "red", position: "top left", size: "small", background: "blue" }), "a small red circle at the top left on a blue background");
});

test("the analyzer reads every rendered dataset image back", { skip }, () => {
  const ds = loadDataset(datasetPath);
  const analyzer = new ShapeAnalyzer(ds);
  const colors = Object.keys(ds.palette);
  let total = 0;
  const wrong: string[] = [];
  for (const shape of ds.shapes) {
    for (const color of colors) {
      for (const background of colors) {
        if (background === color) continue;
        for (const position of Object.keys(ds.positions)) {
          for (const size of Object.keys(ds.sizes)) {
            const spec: ShapeSpec = { shape, color, position, size, background };
            const check = analyzer.check(render(ds, spec), spec);
            total++;
            if (!(check.all && check.size)) wrong.push(caption(ds, spec));
          }
        }
      }
    }
  }
  assert.equal(total, 3360);
  assert.deepEqual(wrong, []);
});

test("the analyzer reports what it sees, and nothing on a blank image", { skip }, () => {
  const ds = loadDataset(datasetPath);
  const analyzer = new ShapeAnalyzer(ds);
  const a = analyzer.analyze(render(ds, { shape: "cross", color: "yellow", position: "bottom right", size: "small", background: "black" }));
  assert.deepEqual([a.shape, a.color, a.position, a.size, a.background], ["cross", "yellow", "bottom right", "small", "black"]);
  assert.ok(a.shapeIou > 0.8);
  const blank = { width: 32, height: 32, channels: 3 as const, data: new Uint8Array(32 * 32 * 3).fill(128) };
  const b = analyzer.analyze(blank);
  assert.equal(b.shape, undefined);
  assert.equal(b.shapePixels, 0);
  assert.equal(nearestColor(ds, [200, 30, 40]), "red");
  assert.throws(() => analyzer.analyze({ width: 28, height: 28, channels: 1, data: new Uint8Array(784) }), /32x32 RGB/);
});

test("held-out prompts cover every held-out triple, position and size", { skip }, () => {
  const ds = loadDataset(datasetPath);
  const prompts = heldoutPrompts(ds, 10);
  assert.equal(prompts.length, 10);
  assert.equal(new Set(prompts.map((p) => p.position)).size, 5);
  assert.equal(new Set(prompts.map((p) => p.size)).size, 2);
  assert.ok(prompts.every((p) => ds.heldout.some((h) => h.shape === p.shape && h.color === p.color && h.background === p.background)));
});
