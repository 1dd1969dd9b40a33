/** Binary output on stdout (`--out -`): each write waits until the data has been handed on, so a pipe's reader sets the pace. */
import { RiffError } from "@riff/core";

/** The `--out` value that means stdout. */
export const STDOUT = "-";

/** Writes `data` to stdout; resolves once it is flushed, rejects (a RiffError) when the reader has gone (EPIPE). */
export function writeStdout(data: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(data, (error) => {
      if (error === null || error === undefined) resolve();
      else reject(new RiffError(`cannot write to stdout: ${(error as NodeJS.ErrnoException).code ?? error.message}`, "--out"));
    });
  });
}
