import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { RiffError } from "@riff/core";
import { registerText } from "./commands/text.js";
import { registerImage } from "./commands/image.js";
import { registerSpeak } from "./commands/speak.js";
import { registerModels } from "./commands/models.js";
import { registerDemo } from "./commands/demo.js";

const packageJson = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };

export function buildProgram(): Command {
  const program = new Command("riff")
    .description("Generate text, images and speech on your own machine.")
    .version(packageJson.version)
    .showHelpAfterError()
    .exitOverride();
  registerText(program);
  registerImage(program);
  registerSpeak(program);
  registerModels(program);
  registerDemo(program);
  return program;
}

/** Runs the CLI and returns the exit code. User errors print one line, never a stack trace. */
export async function runCli(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv as string[]);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has already printed help/version or its own message.
      return error.exitCode;
    }
    if (error instanceof RiffError) {
      process.stderr.write(`riff: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`riff: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}
