/** `riff text`: its flags come from the text option schemas; this file reads them and prints results. */
import { Command } from "commander";
import { RiffError, resolveModelDir, type OptionOutput } from "@riff/core";
import {
  TEXT_OPTIONS,
  loadTextModel,
  textLoadOptionsSchema,
  textOptionsSchema,
  type GenerationResult,
  type Prompt,
  type TextModel,
} from "@riff/text";
import { addFlags, readFlags } from "../flags.js";
import { addResponseFormatFlags, readResponseFormat } from "../response-format-flags.js";
import { interruptSignal } from "../signals.js";
import { parseInteger, readStdin } from "../options.js";
import { readPromptLines, runPromptLines } from "./text-prompts.js";

/** The flags that are the CLI's own (the rest come from the schemas). */
interface TextCliOptions {
  readonly model?: string;
  readonly chat?: boolean;
  readonly stream?: boolean;
  readonly json?: boolean;
  readonly prompts?: string;
  readonly batchSize: number;
}

/** Text options without a CLI flag of their own here: the signal is the CLI's Ctrl-C. */
const GENERATION_KEYS = textOptionsSchema.keys().filter((key) => key !== "signal");

export function registerText(program: Command): void {
  const command = program
    .command("text")
    .description("Generate text from a prompt with a local language model (Hugging Face ONNX folder)")
    .argument("[prompt...]", "the prompt (default: read from stdin)")
    .option("--model <dir>", "model folder: config.json, tokenizer.json, onnx/model.onnx (default: the embedded model)");
  addFlags(command, textLoadOptionsSchema);
  addFlags(command, textOptionsSchema, GENERATION_KEYS);
  addResponseFormatFlags(command);
  command
    .option("--chat", "wrap the prompt as a user message in the model's chat template")
    .option("--stream", "print the text as it is generated (default when stdout is a terminal)")
    .option("--no-stream", "print the text only when it is complete")
    .option("--json", "print one JSON object: text, tokens, seed, timings, and sequences and logprobs when asked for")
    .option("--prompts <file>", "generate for each line of FILE (- for stdin) in batches; print one JSON line per prompt (JSONL): line, prompt, and what --json prints. A batch shares one seeded random stream")
    .option("--batch-size <n>", "with --prompts: prompts generated together in one batch", parseInteger, 8)
    .action(async (words: string[], options: TextCliOptions, self: Command) => {
      await runText(words, options, self.opts());
    });
}

type Generation = OptionOutput<typeof TEXT_OPTIONS>;

/** Every check that needs no model, in the CLI's words. */
function checkFlags(words: readonly string[], options: TextCliOptions, generation: Generation): boolean {
  if (options.prompts !== undefined) {
    if (words.length > 0) throw new RiffError("--prompts reads the prompts from its file: give no prompt argument with it", "--prompts");
    if (options.stream === true) throw new RiffError("--stream and --prompts cannot be combined: each prompt's JSON line is printed when its batch is done", "--stream");
    if (!(options.batchSize >= 1 && options.batchSize <= 256)) throw new RiffError(`--batch-size must be an integer from 1 to 256, got ${options.batchSize}`, "--batch-size");
    return false;
  }
  const wide = (generation.numBeams ?? 1) > 1 || (generation.numReturnSequences ?? 1) > 1;
  const streaming = options.stream ?? (process.stdout.isTTY === true && !options.json && !wide);
  if (streaming && options.json) throw new RiffError("--stream and --json cannot be combined: JSON is printed once, at the end", "--stream");
  if ((generation.logprobs === true || (generation.topLogprobs ?? 0) > 0) && options.json !== true) {
    throw new RiffError(`${generation.logprobs === true ? "--logprobs" : "--top-logprobs"} needs --json, where the log-probabilities are printed`, "--logprobs");
  }
  return streaming;
}

async function runText(words: string[], options: TextCliOptions, flags: Readonly<Record<string, unknown>>): Promise<void> {
  const load = readFlags(textLoadOptionsSchema, flags);
  const format = readResponseFormat(flags);
  const generation = { ...readFlags(textOptionsSchema, flags, GENERATION_KEYS), ...(format !== undefined ? { responseFormat: format.format } : {}) };
  const streaming = checkFlags(words, options, generation);

  const lines = options.prompts !== undefined ? await readPromptLines(options.prompts) : undefined;
  // A piped prompt's final newline (echo, heredocs) is not part of it.
  const text = lines !== undefined ? "" : words.length > 0 ? words.join(" ") : (await readStdin()).replace(/\r?\n$/, "");
  if (lines === undefined && text.trim() === "") throw new RiffError("no prompt: give it as an argument or on stdin", "prompt");
  const modelPath = resolveModelDir("text", options.model, "--model");

  const model = await loadTextModel(modelPath, load).catch((error: unknown) => {
    if (options.model === undefined && error instanceof RiffError && error.option === "model") {
      throw new RiffError(`the default text model is not usable (${error.message}); pass --model DIR`, "--model");
    }
    throw textLoadOptionsSchema.inVocabulary(error, "cli");
  });
  try {
    // Ctrl-C stops generation within a step; runCli then exits 130 (the text so far stays printed).
    const run = { ...generation, signal: interruptSignal() };
    if (lines !== undefined) {
      await runPromptLines(model, lines, { batchSize: options.batchSize, chat: options.chat === true, options: run, report: (r) => reportOf(r, model) });
      return;
    }
    const prompt: Prompt = options.chat ? [{ role: "user", content: text }] : text;
    let result: GenerationResult;
    if (streaming) {
      const stream = model.stream(prompt, run);
      for await (const delta of stream) if (delta.text !== "") process.stdout.write(delta.text);
      result = await stream.result;
      process.stdout.write("\n");
    } else {
      result = await model.generate(prompt, run);
    }
    print(result, model, { json: options.json === true, streaming });
  } catch (error) {
    // responseFormat has no flag of its own: its errors name the flag that gave the format.
    throw format !== undefined && error instanceof RiffError && error.option === "responseFormat"
      ? new RiffError(`${format.flag}: ${error.message.replace(/^responseFormat: /, "")}`, format.flag)
      : textOptionsSchema.inVocabulary(error, "cli");
  } finally {
    await model.dispose();
  }
}

/** What --json prints for one result (and each --prompts line after its line number and prompt). */
function reportOf(result: GenerationResult, model: TextModel): Record<string, unknown> {
  const round = (x: number): number => Number(x.toFixed(2));
  return {
    text: result.text,
    tokenCount: result.tokenCount,
    promptTokens: result.promptTokens,
    stopReason: result.stopReason,
    prefillMs: round(result.prefillMs),
    tokensPerSecond: round(result.tokensPerSecond),
    totalMs: round(result.totalMs),
    seed: result.seed,
    model: model.dir,
    promptLookupNumTokens: result.promptLookupNumTokens,
    ...(model.promptLookupOff !== undefined ? { promptLookupOff: model.promptLookupOff } : {}),
    ...(result.logprobs !== undefined ? { logprobs: result.logprobs } : {}),
    ...(result.sequences.length > 1 ? { sequences: result.sequences } : {}),
  };
}

function print(result: GenerationResult, model: TextModel, how: { json: boolean; streaming: boolean }): void {
  if (how.json) {
    process.stdout.write(JSON.stringify(reportOf(result, model), null, 2) + "\n");
  } else if (!how.streaming) {
    // Several sequences (sampling or beam search): one block each, best first.
    const texts = result.sequences.map((s) => s.text);
    process.stdout.write(texts.length === 1 ? `${texts[0]}\n` : texts.map((t, i) => `--- ${i + 1} ---\n${t}\n`).join(""));
  }
}

