// Atomic file writes for every riff writer (PNG, WAV, text): the bytes go to a temp file beside the
// target, created exclusively (O_CREAT|O_EXCL, so a planted file or symlink is never followed)
// under an unpredictable name, and the temp file is renamed over the target only when complete.
// Temp files in flight are kept in one registry, so cleanupTempFiles() (the CLI calls it from its
// signal and exit handlers) leaves nothing half-written behind. Importing this installs no handlers.
import { randomBytes } from "node:crypto";
import { chmodSync, closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { open, rename, unlink, type FileHandle } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { RiffError } from "./errors.js";

/** Temp files created and neither renamed into place nor removed yet. */
const inFlight = new Set<string>();

/** The permissions a plain new file gets (0o666 less the umask), applied once the file is complete. */
function normalFileMode(): number {
  const mask = process.umask();
  return 0o666 & ~mask;
}

/** A fresh, unpredictable temp name beside `target`: `.NAME.<16 hex>.tmp`. */
export function tempPathFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${randomBytes(8).toString("hex")}.tmp`);
}

/** The temp files in flight now (for tests and diagnostics). */
export function pendingTempFiles(): readonly string[] {
  return [...inFlight];
}

/**
 * Removes every temp file still in flight, synchronously (safe in a signal or 'exit' handler).
 * Returns the paths removed. Writers that later try to finish one fail, and leave the target as it was.
 */
export function cleanupTempFiles(): string[] {
  const removed: string[] = [];
  for (const temp of inFlight) {
    try {
      unlinkSync(temp);
      removed.push(temp);
    } catch {
      // already gone
    }
  }
  inFlight.clear();
  return removed;
}

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "ENOENT") return "no such folder";
  if (code === "EROFS") return "read-only file system";
  if (code === "ENOSPC") return "no space left on the device";
  if (code === "EISDIR") return "it is a folder";
  return error instanceof Error ? error.message : String(error);
}

function writeError(path: string, error: unknown, option: string): RiffError {
  if (error instanceof RiffError) return error;
  return new RiffError(`cannot write ${path}: ${describe(error)}`, option);
}

/** Creates a temp file for `target` exclusively, retrying on the (unlikely) name clash. */
function createTempSync(target: string): { temp: string; fd: number } {
  for (let attempt = 0; ; attempt++) {
    const temp = tempPathFor(target);
    try {
      const fd = openSync(temp, "wx", 0o600);
      inFlight.add(temp);
      return { temp, fd };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST" || attempt >= 8) throw error;
    }
  }
}

function removeTemp(temp: string): void {
  inFlight.delete(temp);
  try {
    unlinkSync(temp);
  } catch {
    // never created, or already removed by cleanupTempFiles
  }
}

/** Renames a finished temp file onto its target, unless cleanupTempFiles() took it meanwhile. */
function commitSync(temp: string, target: string): void {
  if (!inFlight.has(temp)) throw new Error("the temp file was removed (interrupted)");
  renameSync(temp, target);
  inFlight.delete(temp);
}

export interface AtomicWriteOptions {
  /** fsync the file before the rename, so it survives a power cut (default false). */
  readonly fsync?: boolean;
  /** The option named in errors (default "out"; the CLI names it --out). */
  readonly option?: string;
}

/**
 * Writes each file to its own temp file, then renames them all into place: a failure before the
 * renames leaves every target as it was, and no temp file behind. Errors are RiffErrors naming the file.
 */
export function writeFilesAtomically(files: readonly { path: string; data: Uint8Array | string }[], options: AtomicWriteOptions = {}): void {
  const option = options.option ?? "out";
  const temps: string[] = [];
  let current = "";
  try {
    for (const file of files) {
      current = file.path;
      const { temp, fd } = createTempSync(resolve(file.path));
      temps.push(temp);
      try {
        const bytes = typeof file.data === "string" ? Buffer.from(file.data, "utf8") : file.data;
        let written = 0;
        while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
        if (options.fsync) fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      chmodSync(temp, normalFileMode());
    }
    files.forEach((file, i) => {
      current = file.path;
      commitSync(temps[i]!, resolve(file.path));
    });
  } catch (error) {
    for (const temp of temps) removeTemp(temp);
    throw writeError(current, error, option);
  }
}

/** Writes one file atomically; see {@link writeFilesAtomically}. */
export function writeFileAtomically(path: string, data: Uint8Array | string, options: AtomicWriteOptions = {}): void {
  writeFilesAtomically([{ path, data }], options);
}

/**
 * Checks that a file can be created in `target`'s folder, by creating and removing a temp file
 * there (permission bits alone mislead, e.g. for root or read-only mounts). Throws the raw error.
 */
export function probeWritable(target: string): void {
  const { temp, fd } = createTempSync(resolve(target));
  closeSync(fd);
  removeTemp(temp);
}

/**
 * A file written in pieces (a streamed WAV): bytes go to an exclusive temp file beside the target;
 * commit() renames it into place, abort() removes it. Errors are RiffErrors naming the file.
 */
export class AtomicFile {
  private handle: FileHandle | undefined;

  private constructor(
    /** The absolute target path. */
    readonly path: string,
    readonly tempPath: string,
    handle: FileHandle,
    private readonly option: string,
  ) {
    this.handle = handle;
  }

  static async open(path: string, options: { option?: string } = {}): Promise<AtomicFile> {
    const option = options.option ?? "out";
    const target = resolve(path);
    for (let attempt = 0; ; attempt++) {
      const temp = tempPathFor(target);
      try {
        const handle = await open(temp, "wx", 0o600);
        inFlight.add(temp);
        return new AtomicFile(target, temp, handle, option);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST" || attempt >= 8) throw writeError(path, error, option);
      }
    }
  }

  /** Writes `bytes` at `position` of the temp file. */
  async write(bytes: Uint8Array, position: number): Promise<void> {
    const handle = this.handle;
    if (handle === undefined || !inFlight.has(this.tempPath)) throw new RiffError(`cannot write ${this.path}: the file was closed`, this.option);
    try {
      let written = 0;
      while (written < bytes.length) {
        const { bytesWritten } = await handle.write(bytes, written, bytes.length - written, position + written);
        written += bytesWritten;
      }
    } catch (error) {
      await this.abort();
      throw writeError(this.path, error, this.option);
    }
  }

  /** Closes the temp file (fsync first when asked), gives it normal permissions and renames it onto the target. */
  async commit(options: { fsync?: boolean } = {}): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    try {
      if (handle === undefined) throw new Error("the file was closed");
      if (options.fsync) await handle.sync();
      await handle.chmod(normalFileMode());
      await handle.close();
      if (!inFlight.has(this.tempPath)) throw new Error("the temp file was removed (interrupted)");
      await rename(this.tempPath, this.path);
      inFlight.delete(this.tempPath);
    } catch (error) {
      await handle?.close().catch(() => undefined);
      await this.removeTemp();
      throw writeError(this.path, error, this.option);
    }
  }

  /** Closes and removes the temp file; the target is left as it was. Safe to call twice. */
  async abort(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close().catch(() => undefined);
    await this.removeTemp();
  }

  private async removeTemp(): Promise<void> {
    const owned = inFlight.delete(this.tempPath);
    if (!owned) return; // renamed, or removed by cleanupTempFiles
    await unlink(this.tempPath).catch(() => undefined);
  }
}
