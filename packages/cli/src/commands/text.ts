import type { Command } from "commander";

export function registerText(program: Command): void {
  program
    .command("text")
    .description("(not yet available)")
    .action(() => {
      throw new Error("riff text is not implemented yet");
    });
}
