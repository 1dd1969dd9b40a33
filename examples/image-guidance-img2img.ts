// Draw an image with classifier-free guidance, then redraw it (img2img) from a second prompt.
// Run: node --conditions=riff-source --import tsx examples/image-guidance-img2img.ts [out-folder]
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { resolveModelDir } from "@riff/core";
import { DiffusionPipeline, encodePng, formatParameters, writeFilesAtomically } from "@riff/diffusion";

const out = process.argv[2] ?? "out/examples";
mkdirSync(out, { recursive: true });
const pipeline = await DiffusionPipeline.load(resolveModelDir("image", undefined));
try {
  // guidanceScale > 1 steers towards the prompt and away from negativePrompt.
  const first = await pipeline.run({ prompt: "a red circle at the center on a blue background", guidanceScale: 4, steps: 20, scheduler: "dpm++", seed: 1 });
  const image = first.images[0]!;
  // img2img: start from the first image; strength 0.6 re-runs the last 60% of the schedule.
  const second = await pipeline.run({ prompt: "a green square at the center on a blue background", initImage: image, strength: 0.6, steps: 20, seed: 2 });
  // The PNGs carry their settings in a "parameters" text chunk; writes are atomic.
  writeFilesAtomically([
    { path: join(out, "guided.png"), data: await encodePng(image, formatParameters(first.parameters)) },
    { path: join(out, "img2img.png"), data: await encodePng(second.images[0]!, formatParameters(second.parameters)) },
  ]);
  console.log(`wrote ${join(out, "guided.png")} and ${join(out, "img2img.png")} (${image.width}x${image.height})`);
} finally {
  await pipeline.dispose();
}
