import type { Command } from "commander";

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description("Write a paragraph, a PNG and a WAV with the embedded default models")
    .option("--out <dir>", "output folder", "out")
    .action(async () => {
      throw new Error("demo: no modality is available yet");
    });
}
