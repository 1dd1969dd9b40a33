import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { RiffError } from "@riff/core";
import { inCliWords } from "./arguments.js";
import { installSignalHandlers, interruptedExitCode } from "./signals.js";

const packageJson = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string };

type Register = (program: Command) => void;

/**
 * Each command's module, imported only when it is needed: each one imports its modality's package
 * (and `serve` the server), so loading them all would make `riff speak` parse the text, image and
 * server packages it never uses. In the order `riff --help` lists them.
 */
const COMMANDS: ReadonlyArray<readonly [string, () => Promise<Register>]> = [
  ["text", async () => (await import("./commands/text.js")).registerText],
  ["image", async () => (await import("./commands/image.js")).registerImage],
  ["speak", async () => (await import("./commands/speak.js")).registerSpeak],
  ["convert", async () => (await import("./commands/convert.js")).registerConvert],
  ["models", async () => (await import("./commands/models.js")).registerModels],
  ["demo", async () => (await import("./commands/demo.js")).registerDemo],
  ["serve", async () => (await import("./commands/serve.js")).registerServe],
];

/** The command `argv` runs when its first argument names one (`riff speak …`); otherwise undefined (help, --version, a typo). */
export function commandIn(argv: readonly string[]): string | undefined {
  const first = argv[2];
  return COMMANDS.some(([name]) => name === first) ? first : undefined;
}

/**
 * The CLI with every command, or with `only` that one: a command line that names its command
 * needs no other (its help, flags and errors are its own); everything else (top-level help,
 * `riff help speak`, an unknown command) gets them all, so help and suggestions stay complete.
 */
export async function buildProgram(only?: string): Promise<Command> {
  const program = new Command("riff")
    .description("Generate text, images and speech on your own machine.")
    .version(packageJson.version)
    .showHelpAfterError()
    .exitOverride();
  const wanted = COMMANDS.filter(([name]) => only === undefined || name === only);
  for (const register of await Promise.all(wanted.map(([, load]) => load()))) register(program);
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
    await (await buildProgram(commandIn(argv))).parseAsync(argv as string[]);
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
