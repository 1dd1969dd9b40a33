/**
 * Model folders are untrusted: a config may name "../../etc/passwd", a symlink may point out of the
 * folder, a file may be garbage. These helpers are the one place that turns a name found in a
 * model folder into a path, and a file into JSON, so every loader refuses the same things with
 * messages that name the file and key and never echo the file's contents.
 */
import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve, sep, win32 } from "node:path";
import { RiffError } from "./errors.js";

/** Where a path came from, for messages: the config file and the key in it ("io.encoder.file"). */
export interface PathSource {
  readonly file: string;
  readonly key: string;
}

/**
 * `relPath` (a name read from `source`) resolved inside `folder`. Refuses absolute paths, `..` that
 * leaves the folder, and a path whose real location (symlinks followed) is outside the folder.
 * A Hugging Face cache snapshot (…/snapshots/REV/) may link into its repository's blobs/, as the
 * hub client lays it out. The path need not exist; when it does not, it is returned as resolved.
 */
export function resolveInside(folder: string, relPath: unknown, source: PathSource): string {
  const where = `${source.file}: ${source.key}`;
  if (typeof relPath !== "string" || relPath.length === 0) {
    throw new RiffError(`${where} must be a file name relative to the model folder`, source.key);
  }
  if (relPath.includes("\0") || isAbsolute(relPath) || win32.isAbsolute(relPath)) {
    throw new RiffError(`${where} must be relative to the model folder, not an absolute path`, source.key);
  }
  const root = resolve(folder);
  const full = resolve(root, relPath);
  if (!isWithin(root, full)) throw new RiffError(`${where} points outside the model folder`, source.key);
  checkRealLocation(root, full, where, source.key);
  return full;
}

/** A fixed file of the folder ("config.json"), with the same symlink check as {@link resolveInside}. */
export function folderFile(folder: string, name: string): string {
  return resolveInside(folder, name, { file: resolve(folder), key: name });
}

function isWithin(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !isAbsolute(rel));
}

function checkRealLocation(root: string, full: string, where: string, key: string): void {
  // Follow links on the longest existing prefix: a dangling name is not yet a file, but a linked
  // folder above it already decides where it would be.
  let existing = full;
  while (!existsSync(existing)) {
    const parent = dirname(existing);
    if (parent === existing) return;
    existing = parent;
  }
  const realRoot = realpathSync(root);
  const real = realpathSync(existing);
  if (isWithin(realRoot, real)) return;
  const blobs = hubBlobsFolder(realRoot);
  if (blobs !== undefined && isWithin(blobs, real)) return;
  throw new RiffError(`${where} is a link to a file outside the model folder`, key);
}

/** models--org--name/snapshots/REV → models--org--name/blobs, else undefined. */
function hubBlobsFolder(realRoot: string): string | undefined {
  const snapshots = dirname(realRoot);
  if (basename(snapshots) !== "snapshots") return undefined;
  return join(dirname(snapshots), "blobs");
}

/** Largest JSON file riff reads from a model folder (big tokenizers are ~20 MB). */
const MAX_JSON_BYTES = 512 * 1024 * 1024;

/**
 * Throws unless `path` is a non-empty regular file (after links); `what` names it in messages
 * ("tokenizer.json", "voice config"). Returns its size in bytes.
 */
export function checkRegularFile(path: string, what: string, option?: string): number {
  if (!existsSync(path)) throw new RiffError(`${what} not found: ${path}`, option);
  const stat = statSync(path);
  if (!stat.isFile()) throw new RiffError(`${what} ${path} is not a file${stat.isDirectory() ? " (it is a folder)" : ""}`, option);
  if (stat.size === 0) throw new RiffError(`${what} ${path} is empty`, option);
  return stat.size;
}

/**
 * The parsed contents of a JSON file from a model folder. A parse error says where, never what
 * (Node's own message quotes the file, which may be a secret read through a hostile path).
 */
export function readJsonFile(path: string, what: string, option?: string): unknown {
  const size = checkRegularFile(path, what, option);
  if (size > MAX_JSON_BYTES) throw new RiffError(`${what} ${path} is too large for a JSON config (${size} bytes)`, option);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new RiffError(`${what} ${path} could not be read (${(error as NodeJS.ErrnoException).code ?? "I/O error"})`, option);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    const at = /position (\d+)/.exec(error instanceof Error ? error.message : "");
    throw new RiffError(`${what} ${path} is not valid JSON${at ? ` (at position ${at[1]})` : ""}`, option);
  }
}

/** {@link readJsonFile} that also requires a JSON object (not an array, null or a number). */
export function readJsonObject(path: string, what: string, option?: string): Record<string, unknown> {
  const value = readJsonFile(path, what, option);
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    const kind = value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`;
    throw new RiffError(`${what} ${path} must hold a JSON object, not ${kind}`, option);
  }
  return value as Record<string, unknown>;
}
