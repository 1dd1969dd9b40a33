import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import sharp from "sharp";
import { readParameters } from "@riff/diffusion";

const root = resolve(fileURLToPath(new URL("../../..", import.meta.url)));
const main = join(root, "packages/cli/bundle/main.js");
const mnist = resolve(root, "../shared/models/mnist-ddpm");
const sdTiny = join(root, "packages/diffusion/test/fixtures/sd-tiny");
const noMnist = existsSync(join(mnist, "unet/model.onnx")) ? false : `no ${mnist} (../shared is not mounted)`;

function riff(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [main, "image", ...args], { cwd: root, encoding: "utf8", timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function withDir(run: (dir: string) => void | Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), "riff-image-cli-"));
    try {
      await run(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test(
  "riff image samples mnist-ddpm into a PNG with its parameters and a JSON report",
  { skip: noMnist },
  withDir(async (dir) => {
    const out = join(dir, "digit.png");
    const { code, stdout, stderr } = riff(["--model", mnist, "--steps", "20", "--scheduler", "ddim", "--seed", "3", "--out", out, "--json"]);
    assert.equal(code, 0, stderr);
    const report = JSON.parse(stdout) as Record<string, unknown> & { timings: { stepsPerSecond: number; totalMs: number } };
    assert.deepEqual(report.files, [out]);
    assert.equal(report.seed, 3);
    assert.equal(report.steps, 20);
    assert.equal(report.sampler, "DDIM");
    assert.equal(report.width, 28);
    assert.ok(report.timings.stepsPerSecond > 0 && report.timings.totalMs > 0);
    const png = readFileSync(out);
    const meta = await sharp(png).metadata();
    assert.equal(meta.format, "png");
    assert.equal(meta.width, 28);
    assert.equal(meta.height, 28);
    const { data } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    assert.equal(data.length, 28 * 28 * (meta.channels ?? 1));
    assert.equal(readParameters(png), "\nSteps: 20, Sampler: DDIM, Seed: 3, Size: 28x28, Model: mnist-ddpm");
    assert.deepEqual(readdirSync(dir), ["digit.png"]);
  }),
);

test(
  "the same seed writes the same bytes; --num-images writes numbered files and a grid",
  withDir(async (dir) => {
    const args = ["a red circle", "--model", sdTiny, "--steps", "3", "--seed", "5", "--guidance", "3", "--negative", "blue"];
    assert.equal(riff([...args, "--out", join(dir, "a.png")]).code, 0);
    assert.equal(riff([...args, "--out", join(dir, "b.png")]).code, 0);
    assert.ok(readFileSync(join(dir, "a.png")).equals(readFileSync(join(dir, "b.png"))));
    assert.equal(
      readParameters(readFileSync(join(dir, "a.png"))),
      "a red circle\nNegative prompt: blue\nSteps: 3, Sampler: PLMS, CFG scale: 3, Seed: 5, Size: 64x64, Model: sd-tiny",
    );
    const r = riff([...args, "--num-images", "3", "--out", join(dir, "many.png"), "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { files: string[]; grid: string };
    assert.deepEqual(report.files, [1, 2, 3].map((i) => join(dir, `many-${i}.png`)));
    assert.equal(report.grid, join(dir, "many.png"));
    const grid = await sharp(join(dir, "many.png")).metadata();
    assert.deepEqual([grid.width, grid.height], [128, 128]);
    assert.equal(r.stderr, ""); // no progress bar when stderr is not a terminal
  }),
);

test(
  "img2img from the CLI",
  withDir((dir) => {
    const r0 = riff(["red", "--model", sdTiny, "--steps", "2", "--out", join(dir, "x.png")]);
    assert.equal(r0.code, 0, r0.stderr);
    const r = riff(["red", "--model", sdTiny, "--steps", "10", "--init-image", join(dir, "x.png"), "--strength", "0.3", "--out", join(dir, "y.png"), "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { denoisingSteps: number; strength: number; sampler: string };
    assert.equal(report.denoisingSteps, 3);
    assert.equal(report.strength, 0.3);
    assert.equal(report.sampler, "DPM++ 2M"); // the model's PNDM cannot start part-way, so img2img swaps it
    const pndm = riff(["red", "--model", sdTiny, "--scheduler", "pndm", "--init-image", join(dir, "x.png"), "--out", join(dir, "z.png")]);
    assert.notEqual(pndm.code, 0);
    assert.match(pndm.stderr, /--scheduler pndm cannot start part-way/);
  }),
);

test(
  "bad options fail before generating, name the option, and leave no file",
  withDir((dir) => {
    const out = join(dir, "x.png");
    const model = ["--model", sdTiny];
    const cases: [string[], RegExp][] = [
      [["--scheduler", "heun"], /--scheduler must be one of ddpm, ddim, euler, euler-a, dpm\+\+, pndm/],
      [["--steps", "0"], /--steps must be an integer in \[1, 1000\], got 0/],
      [["--num-images", "64", "--width", "4096", "--height", "4096"], /--num-images × --width × --height is 1073741824 pixels; at most 16777216 per call/],
      [["--num-images", "65"], /--num-images must be an integer in \[1, 64\]/],
      [["--guidance", "NaN"], /--guidance must be a number in \[0, 100\], got "NaN"/],
      [["--guidance", "-1"], /--guidance must be a number in \[0, 100\], got -1/],
      [["--width", "60"], /--width must be a multiple of 8/],
      [["--height", "128"], /--height must be 64/],
      [["--strength", "0.5"], /--strength needs an init image \(--init-image\)/],
      [["--init-image", join(dir, "missing.png")], /--init-image: no such file/],
      [["--scheduler", "ddim", "--karras"], /--karras/],
      [["--out", join(dir, "missing", "x.png")], /--out: folder .* does not exist/],
      [["--out", join(dir, "x.jpg")], /--out must name a \.png file/],
      [["--out", "/proc/x.png"], /--out: cannot write/],
    ];
    for (const [args, pattern] of cases) {
      const r = riff(["red", ...model, "--out", out, ...args]);
      assert.notEqual(r.code, 0, args.join(" "));
      assert.match(r.stderr, pattern, args.join(" "));
      assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
    }
    const noUnet = riff(["red", "--model", dir, "--out", out]);
    assert.notEqual(noUnet.code, 0);
    assert.match(noUnet.stderr, /--model: .* has no unet\/model\.onnx/);
    // Fails during generation (unreadable init image): nothing is left behind.
    writeFileSync(join(dir, "bad.png"), "not an image");
    const bad = riff(["red", ...model, "--init-image", join(dir, "bad.png"), "--out", out]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /--init-image: cannot read/);
    assert.deepEqual(readdirSync(dir), ["bad.png"]);
  }),
);

test(
  "the legacy ONNX layout (no config.json, dynamic dims) from the CLI: --json reports the size drawn",
  withDir(async (dir) => {
    const legacy = join(root, "packages/diffusion/test/fixtures/sd-tiny-legacy");
    const out = join(dir, "legacy.png");
    const r = riff(["red", "--model", legacy, "--width", "64", "--height", "64", "--steps", "2", "--out", out, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { width: number; height: number };
    const meta = await sharp(out).metadata();
    assert.deepEqual([report.width, report.height], [64, 64]);
    assert.deepEqual([meta.width, meta.height], [64, 64]);
  }),
);

test("riff image --timestep-spacing / --prediction-type: checked by name, and they change the image", () => {
  const dir = mkdtempSync(join(tmpdir(), "riff-image-cli-"));
  try {
    const base = ["image", "a small red circle at the top left on a blue background", "--steps", "4", "--scheduler", "ddim"];
    const png = (name: string, extra: string[]): Buffer => {
      const out = join(dir, `${name}.png`);
      const r = riff([...base, "--out", out, ...extra]);
      assert.equal(r.code, 0, r.stderr);
      return readFileSync(out);
    };
    const own = png("own", []);
    // The embedded model's config: leading spacing, v_prediction. Naming its own values changes nothing.
    assert.ok(own.equals(png("same", ["--timestep-spacing", "leading", "--prediction-type", "v_prediction"])));
    assert.ok(!own.equals(png("trailing", ["--timestep-spacing", "trailing"])));
    assert.ok(!own.equals(png("epsilon", ["--prediction-type", "epsilon"])));
    for (const [flag, value] of [
      ["--timestep-spacing", "middle"],
      ["--prediction-type", "noise"],
    ] as const) {
      const r = riff([...base, "--out", join(dir, "bad.png"), flag, value]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, new RegExp(`${flag} must be one of`));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
