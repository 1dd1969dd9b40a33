import type { Command } from "commander";

export function registerSpeak(program: Command): void {
  program
    .command("speak")
    .description("(not yet available)")
    .action(() => {
      throw new Error("riff speak is not implemented yet");
    });
}
