import { existsSync, statSync } from "node:fs";
import { dirname, extname, resolve } from "node:path";
import { RiffError, probeWritable, writeFilesAtomically as writeAtomically } from "@riff/core";

/**
 * Checks, before any work, that `path` can be written as a PNG: a .png name, in an existing folder
 * we can create files in (probed by creating and removing a temp file: permission bits alone
 * mislead, e.g. for root or read-only mounts), and not an existing folder.
 */
export function checkOutputPath(path: string, option = "out"): string {
  const full = resolve(path);
  if (extname(full).toLowerCase() !== ".png") throw new RiffError(`${option} must name a .png file, got ${path}`, option);
  const dir = dirname(full);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new RiffError(`${option}: folder ${dirname(path)} does not exist`, option);
  if (existsSync(full) && statSync(full).isDirectory()) throw new RiffError(`${option}: ${path} is a folder`, option);
  try {
    probeWritable(full);
  } catch (error) {
    throw new RiffError(`${option}: cannot write in ${dirname(path)}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, option);
  }
  return full;
}

/** Where n images go: n = 1 → `out`; n > 1 → out-1.png … out-n.png, and the grid at `out`. */
export function outputPaths(out: string, n: number): { images: string[]; grid: string | undefined } {
  if (n === 1) return { images: [out], grid: undefined };
  const ext = extname(out);
  const stem = out.slice(0, out.length - ext.length);
  return { images: Array.from({ length: n }, (_, i) => `${stem}-${i + 1}${ext}`), grid: out };
}

/**
 * Writes every PNG to its own temp file, then renames them all into place (core's atomic writer),
 * so a failure leaves no partial PNG behind.
 */
export function writeFilesAtomically(files: readonly { path: string; data: Uint8Array }[]): void {
  try {
    writeAtomically(files, { option: "out" });
  } catch (error) {
    throw new RiffError(`cannot write the image: ${error instanceof Error ? error.message : String(error)}`, "out");
  }
}
