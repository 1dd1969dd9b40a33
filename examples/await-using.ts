// `await using` (TypeScript 5.2+, Node 20+): models are disposed when the block ends, even on a throw.
// Run: node --conditions=riff-source --import tsx examples/await-using.ts
import { resolveModelDir } from "@riff/core";
import { DiffusionPipeline } from "@riff/diffusion";
import { loadTextModel } from "@riff/text";

{
  await using model = await loadTextModel(resolveModelDir("text", undefined));
  await using pipeline = await DiffusionPipeline.load(resolveModelDir("image", undefined));
  const caption = await model.generate("And God said", { maxNewTokens: 12, temperature: 0 });
  const drawn = await pipeline.run({ prompt: "a blue circle on a white background", steps: 8, seed: 4 });
  console.log(`text: ${JSON.stringify(caption.text)}; image: ${drawn.images[0]!.width}x${drawn.images[0]!.height}`);
} // both are disposed here, the pipeline first
console.log("disposed");
