/**
 * A tokenizer.json carries regular expressions (pre-tokenizer splits, normalizer and decoder
 * replacements) that run on every prompt. A hostile one with nested quantifiers, e.g. `(a+)+$`,
 * backtracks exponentially and hangs the process on a short input. They are checked before use,
 * with safe-regex2's star-height test (the shapes real tokenizers use all pass it).
 */
import safeRegex from "safe-regex2";
import { RiffError } from "./errors.js";

/** The parts of a tokenizer.json that hold patterns (the vocabulary and merges hold none). */
const PATTERN_SECTIONS = ["normalizer", "pre_tokenizer", "post_processor", "decoder"] as const;

/** Throws a RiffError naming `file` and the JSON path of the first pattern that could backtrack catastrophically. */
export function checkTokenizerRegexes(tokenizerJson: Record<string, unknown>, file: string): void {
  for (const section of PATTERN_SECTIONS) visit(tokenizerJson[section], section, file, 0);
}

function visit(node: unknown, path: string, file: string, depth: number): void {
  if (node === null || typeof node !== "object") return;
  if (depth > 64) throw new RiffError(`${file}: ${path} is nested too deeply`, "model");
  if (Array.isArray(node)) {
    node.forEach((child, i) => visit(child, `${path}[${i}]`, file, depth + 1));
    return;
  }
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    const at = `${path}.${key}`;
    if (key === "Regex" && typeof value === "string") checkPattern(value, at, file);
    else visit(value, at, file, depth + 1);
  }
}

function checkPattern(pattern: string, at: string, file: string): void {
  if (pattern.length > 10_000) throw new RiffError(`${file}: ${at} is a regular expression of ${pattern.length} characters; riff refuses ones over 10000`, "model");
  // Oniguruma's scoped flags "(?i:…)" and script names ("\p{Han}") are not all JavaScript; for
  // the shape test a plain group and any one property class are the same.
  const source = pattern.replace(/\(\?[imsx-]+:/g, "(?:").replace(/\\([pP])\{[^}]*\}/g, "\\$1{L}");
  let regex: RegExp;
  try {
    regex = new RegExp(source, "u");
  } catch {
    return; // not a JavaScript pattern: the tokenizer library reports it when it compiles it
  }
  if (!safeRegex(regex)) {
    throw new RiffError(
      `${file}: ${at} is a regular expression that can take exponential time (nested repetition); riff refuses to run it`,
      "model",
    );
  }
}
