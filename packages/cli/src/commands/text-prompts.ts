/** `riff text --prompts FILE`: one prompt per line in, one JSON line per prompt out, run in batches through generateBatch. */
import { readFileSync } from "node:fs";
import { RiffError } from "@riff/core";
import type { GenerationResult, Prompt, TextGenerationOptions, TextModel } from "@riff/text";
import { readStdin } from "../options.js";

/** One prompt of the file: its 1-based line number and text. */
export interface PromptLine {
  readonly line: number;
  readonly text: string;
}

/** The file's prompts ("-": stdin); blank lines are skipped, CR LF endings accepted. */
export async function readPromptLines(path: string): Promise<PromptLine[]> {
  let content: string;
  try {
    content = path === "-" ? await readStdin() : readFileSync(path, "utf8");
  } catch (error) {
    throw new RiffError(`--prompts: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, "--prompts");
  }
  const lines = content
    .split(/\r?\n/)
    .map((text, i) => ({ line: i + 1, text }))
    .filter((p) => p.text.trim() !== "");
  if (lines.length === 0) throw new RiffError(`--prompts: ${path === "-" ? "stdin" : path} has no prompts (one per line)`, "--prompts");
  return lines;
}

/**
 * Runs the prompts `batchSize` at a time and writes one JSON object per prompt, in file order, as
 * each batch completes: the line number and prompt, then what `riff text --json` reports for one.
 */
export async function runPromptLines(
  model: TextModel,
  prompts: readonly PromptLine[],
  how: { batchSize: number; chat: boolean; options: TextGenerationOptions; report: (result: GenerationResult) => Record<string, unknown> },
): Promise<void> {
  for (let start = 0; start < prompts.length; start += how.batchSize) {
    const batch = prompts.slice(start, start + how.batchSize);
    const inputs: Prompt[] = batch.map((p) => (how.chat ? [{ role: "user", content: p.text }] : p.text));
    const results = await model.generateBatch(inputs, how.options);
    const lines = results.map((result, i) => JSON.stringify({ line: batch[i]!.line, prompt: batch[i]!.text, ...how.report(result) }));
    process.stdout.write(lines.map((l) => `${l}\n`).join(""));
    // Interrupted: the batch in flight is printed as far as it got (stopReason "aborted"); no more start.
    if (how.options.signal?.aborted === true) return;
  }
}
