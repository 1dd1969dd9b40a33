import { closeSync, existsSync, openSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { basename, dirname, extname, join, resolve } from "node:path";
import { RiffError } from "@riff/core";

let counter = 0;

function tempPath(path: string): string {
  counter++;
  return join(dirname(path), `.${basename(path)}.${process.pid}.${counter}.tmp`);
}

/**
 * Checks, before any work, that `path` can be written as a PNG: a .png name, in an existing folder
 * we can create files in (probed by creating and removing a temp file: permission bits alone
 * mislead, e.g. for root or read-only mounts), and not an existing folder.
 */
export function checkOutputPath(path: string, option = "--out"): string {
  const full = resolve(path);
  if (extname(full).toLowerCase() !== ".png") throw new RiffError(`${option} must name a .png file, got ${path}`, option);
  const dir = dirname(full);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new RiffError(`${option}: folder ${dirname(path)} does not exist`, option);
  if (existsSync(full) && statSync(full).isDirectory()) throw new RiffError(`${option}: ${path} is a folder`, option);
  const probe = tempPath(full);
  try {
    closeSync(openSync(probe, "wx"));
    unlinkSync(probe);
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
 * Writes every file to a temp file in its own folder, then renames them all into place, so a
 * failure leaves no partial PNG behind (rename within a folder is atomic on POSIX).
 */
export function writeFilesAtomically(files: readonly { path: string; data: Uint8Array }[]): void {
  const temps: string[] = [];
  try {
    for (const f of files) {
      const temp = tempPath(resolve(f.path));
      temps.push(temp);
      writeFileSync(temp, f.data, { flag: "wx" });
    }
    files.forEach((f, i) => renameSync(temps[i]!, resolve(f.path)));
  } catch (error) {
    for (const t of temps) {
      try {
        unlinkSync(t);
      } catch {
        // already renamed or never written
      }
    }
    throw new RiffError(`cannot write the image: ${error instanceof Error ? error.message : String(error)}`, "--out");
  }
}
