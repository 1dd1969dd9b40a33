// Ctrl-C and its kin for the riff command: SIGINT, SIGTERM and SIGHUP abort the running command
// through one AbortSignal (generation loops stop within a step), remove every temp file in flight
// (core's atomic writer registry), print "riff: interrupted" and leave the exit code 128 + the
// signal's number (130, 143, 129). A command that runs until a signal (riff serve) claims it as its
// normal stop with stopOnSignal: a longer grace period, and exit 0 when it winds down within it.
// Only the CLI installs these handlers; the libraries never do.
import { constants } from "node:os";
import { cleanupTempFiles } from "@riff/core";

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
type HandledSignal = (typeof SIGNALS)[number];

/** How long the command may take to unwind after the signal before riff exits anyway. */
const GRACE_MS = 3000;

let controller = new AbortController();
let received: HandledSignal | undefined;
/** Set by a command that a signal ends by design (riff serve): see {@link stopOnSignal}. */
let service: { graceMs: number; notice: string } | undefined;
/** Set while the handlers are installed: installing again is a no-op (main.ts installs first, then runCli). */
let installed = false;

/** Aborted when the CLI is interrupted; commands pass it to every generation loop. */
export function interruptSignal(): AbortSignal {
  return controller.signal;
}

/**
 * 128 + the signal's number once one was received (130 after SIGINT), else undefined; undefined
 * too for a command that stops on a signal by design ({@link stopOnSignal}) and finished within
 * its grace period: it exits 0.
 */
export function interruptedExitCode(): number | undefined {
  return received === undefined || service !== undefined ? undefined : signalExitCode(received);
}

function signalExitCode(signal: HandledSignal): number {
  return 128 + constants.signals[signal];
}

/**
 * For a command that runs until a signal (riff serve): the first signal is its normal stop. It
 * prints `notice` instead of "riff: interrupted", gives the command `graceMs` (not 3 s) to wind
 * down, and the CLI exits 0 when it does; past the grace period, or at a second signal, riff
 * exits 128 + the signal's number at once.
 */
export function stopOnSignal(options: { graceMs: number; notice: string }): void {
  service = options;
}

/**
 * Installs the handlers; returns their remover. On the first signal: abort, remove temp files,
 * notice on stderr, set the exit code, and exit after {@link GRACE_MS} if the command has not
 * ended by then. A second signal exits at once. On 'exit', temp files are removed too. When they
 * are already installed this does nothing (and its remover neither), so a signal that came while
 * the CLI was starting still counts.
 */
export function installSignalHandlers(): () => void {
  if (installed) return () => undefined;
  installed = true;
  controller = new AbortController();
  received = undefined;
  service = undefined;
  const onSignal = (signal: HandledSignal): void => {
    const first = received === undefined;
    received ??= signal;
    const code = signalExitCode(received);
    if (service === undefined || !first) process.exitCode = code;
    cleanupTempFiles();
    if (!first) process.exit(code);
    process.stderr.write(service === undefined ? "riff: interrupted\n" : `riff: ${service.notice}\n`);
    controller.abort(new Error(`interrupted by ${signal}`));
    setTimeout(() => {
      cleanupTempFiles();
      process.exit(code);
    }, service?.graceMs ?? GRACE_MS).unref();
  };
  const onExit = (): void => {
    cleanupTempFiles();
  };
  const listeners = SIGNALS.map((signal) => [signal, () => onSignal(signal)] as const);
  for (const [signal, listener] of listeners) process.on(signal, listener);
  process.on("exit", onExit);
  return () => {
    for (const [signal, listener] of listeners) process.removeListener(signal, listener);
    process.removeListener("exit", onExit);
    installed = false;
  };
}
