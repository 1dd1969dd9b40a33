import { mkdirSync } from "node:fs";
import { join, relative } from "node:path";
import type { Command } from "commander";
import { writeFileAtomically } from "@riff/core";
import { loadTextModel } from "@riff/text";
import { DiffusionPipeline, encodePng, formatParameters, writeFilesAtomically } from "@riff/diffusion";
import { loadVoice, speakToFile } from "@riff/tts";
import { defaultModelPath } from "../defaults.js";
import { interruptSignal } from "../signals.js";

/** What the demo makes: fixed prompts and seeds, so every run writes the same three files. */
export const DEMO = {
  text: { prompt: "And God said", maxNewTokens: 120, seed: 1 },
  image: { prompt: "a large red circle at the center on a blue background", steps: 25, seed: 1 },
  speech: { text: "Hello from riff. This voice was trained on this machine, and it is 3:30 pm." },
} as const;

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description("Write a paragraph, a PNG and a WAV with the embedded default models")
    .option("--out <dir>", "output folder", "out")
    .action(async (options: { out: string }) => {
      mkdirSync(options.out, { recursive: true });
      const show = (path: string, what: string): void => {
        process.stdout.write(`${what.padEnd(9)} ${relative(process.cwd(), path) || path}\n`);
      };
      show(await writeParagraph(options.out), "paragraph");
      show(await writeImage(options.out), "image");
      show(await writeSpeech(options.out), "speech");
    });
}

async function writeParagraph(dir: string): Promise<string> {
  const model = await loadTextModel(defaultModelPath("text"));
  try {
    const { prompt, maxNewTokens, seed } = DEMO.text;
    const result = await model.generate(prompt, { maxNewTokens, seed, signal: interruptSignal() });
    interruptSignal().throwIfAborted(); // an interrupted paragraph is not written
    const path = join(dir, "paragraph.txt");
    writeFileAtomically(path, `${prompt}${result.text}\n`);
    return path;
  } finally {
    await model.dispose();
  }
}

async function writeImage(dir: string): Promise<string> {
  const pipeline = await DiffusionPipeline.load(defaultModelPath("image"));
  try {
    const { prompt, steps, seed } = DEMO.image;
    const result = await pipeline.run({ prompt, steps, seed, scheduler: "dpm++", signal: interruptSignal() });
    const image = result.images[0];
    if (!image) throw new Error("the image pipeline returned no image");
    const path = join(dir, "image.png");
    interruptSignal().throwIfAborted();
    writeFilesAtomically([{ path, data: await encodePng(image, formatParameters(result.parameters)) }]);
    return path;
  } finally {
    await pipeline.dispose();
  }
}

async function writeSpeech(dir: string): Promise<string> {
  const voice = await loadVoice(defaultModelPath("speech"));
  try {
    const path = join(dir, "speech.wav");
    await speakToFile(DEMO.speech.text, path, { voice, seed: 1, signal: interruptSignal() });
    return path;
  } finally {
    await voice.dispose();
  }
}
