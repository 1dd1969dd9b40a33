import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join, resolve } from "node:path";

/** The repository root (packages/text/test → ../../..). */
export const repoRoot = resolve(fileURLToPath(new URL("../../..", import.meta.url)));
/** ../shared relative to the repository root: developer material, absent on users' machines. */
export const sharedDir = resolve(repoRoot, "../shared");
export const storiesDir = join(sharedDir, "models", "stories260K");
export const hasStories = existsSync(join(storiesDir, "onnx", "model.onnx"));
export const fixturesDir = fileURLToPath(new URL("./fixtures", import.meta.url));
export const SKIP_SHARED = "../shared absent";

/** The reference ids from stories260K/SOURCE.md: prompt [1,403,407,261,378] + 252 greedy tokens. */
export function storiesReference(): { all: number[]; prompt: number[]; continuation: number[]; text: string } {
  const source = readFileSync(join(storiesDir, "SOURCE.md"), "utf8");
  const json = /```json\n(\[[\d,]+\])\n```/.exec(source);
  const text = /Decoded text[^\n]*\n\n```\n([\s\S]*?)\n```/.exec(source);
  if (json === null || text === null) throw new Error("SOURCE.md lost its reference blocks");
  const all = JSON.parse(json[1]!) as number[];
  return { all, prompt: all.slice(0, 5), continuation: all.slice(5), text: text[1]! };
}
