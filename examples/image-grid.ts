// Four images of one prompt denoised as one batch, saved as a 2 x 2 grid.
// Run: node --conditions=riff-source --import tsx examples/image-grid.ts [out-folder]
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { resolveModelDir } from "@riff/core";
import { DiffusionPipeline, encodePng, formatParameters, makeGrid, writeFilesAtomically } from "@riff/diffusion";

const out = process.argv[2] ?? "out/examples";
mkdirSync(out, { recursive: true });
const pipeline = await DiffusionPipeline.load(resolveModelDir("image", undefined));
try {
  // The images share the prompt and differ by their noise, all drawn from the one seed.
  const result = await pipeline.run({ prompt: "a yellow triangle on a black background", numImages: 4, steps: 15, seed: 3 });
  const grid = makeGrid(result.images);
  const path = join(out, "grid.png");
  writeFilesAtomically([{ path, data: await encodePng(grid, formatParameters(result.parameters)) }]);
  console.log(`wrote ${path}: ${grid.width}x${grid.height}, ${result.images.length} images`);
} finally {
  await pipeline.dispose();
}
