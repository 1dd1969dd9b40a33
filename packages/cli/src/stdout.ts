/** Binary output on stdout (`--out -`): each write waits until the data has been handed on, so a pipe's reader sets the pace. */
import { RiffError } from "@riff/core";

/** The `--out` value that means stdout. */
export const STDOUT = "-";

let listening = false;

/**
 * Writes `data` to stdout; resolves once it is flushed. When the reader has gone (EPIPE: `| head`)
 * it rejects with a RiffError saying so, instead of the stream's unhandled 'error' event.
 */
export function writeStdout(data: Uint8Array): Promise<void> {
  if (!listening) {
    // The write callback below reports the error; this keeps it from also being an uncaught one.
    process.stdout.on("error", () => undefined);
    listening = true;
  }
  return new Promise((resolve, reject) => {
    process.stdout.write(data, (error) => {
      if (error === null || error === undefined) resolve();
      else {
        const code = (error as NodeJS.ErrnoException).code;
        const why = code === "EPIPE" ? "the reader closed it before the output was complete (EPIPE)" : (code ?? error.message);
        reject(new RiffError(`--out -: cannot write to stdout: ${why}`, "--out"));
      }
    });
  });
}
