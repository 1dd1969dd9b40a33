import type { Command } from "commander";

export function registerImage(program: Command): void {
  program
    .command("image")
    .description("(not yet available)")
    .action(() => {
      throw new Error("riff image is not implemented yet");
    });
}
