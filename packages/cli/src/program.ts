import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { RiffError } from "@riff/core";
import { inCliWords } from "./arguments.js";
import { registerText } from "./commands/text.js";
import { registerImage } from "./commands/image.js";
import { registerSpeak } from "./commands/speak.js";
import { registerModels } from "./commands/models.js";
import { registerDemo } from "./commands/demo.js";
import { registerServe } from "./commands/serve.js";
import { installSignalHandlers, interruptedExitCode } from "./signals.js";

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
  registerServe(program);
  return program;
}

/**
 * Runs the CLI and returns the exit code: 0 done, 1 a runtime failure, 2 a usage error (a RiffError
 * about the input, or a bad flag), 128 + n after signal n (130 for Ctrl-C; see signals.ts). User
 * errors print one line, never a stack trace.
 */
export async function runCli(argv: readonly string[]): Promise<number> {
  const removeHandlers = installSignalHandlers();
  try {
    await buildProgram().parseAsync(argv as string[]);
    return interruptedExitCode() ?? 0;
  } catch (error) {
    // After a signal, whatever the command threw while unwinding is the interruption itself.
    const interrupted = interruptedExitCode();
    if (interrupted !== undefined) return interrupted;
    if (error instanceof CommanderError) {
      // commander has already printed help/version or its own message.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof RiffError) {
      process.stderr.write(`riff: ${inCliWords(error).message}\n`);
      return 2;
    }
    process.stderr.write(`riff: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  } finally {
    removeHandlers();
  }
}
