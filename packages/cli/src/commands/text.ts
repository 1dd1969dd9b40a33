import { existsSync } from "node:fs";
import { Option, type Command } from "commander";
import { RiffError, checkGenerationOptions } from "@riff/core";
import { TEXT_DTYPES, loadTextModel, type GenerationResult, type Prompt, type TextDtype, type TextGenerationOptions } from "@riff/text";
import { defaultModelPath } from "../defaults.js";
import { interruptSignal } from "../signals.js";
import { collect, parseInteger, parseNumber, readStdin } from "../options.js";

interface TextCliOptions {
  readonly model?: string;
  readonly dtype?: TextDtype;
  readonly threads?: number;
  readonly maxTokens?: number;
  readonly temperature?: number;
  readonly topK?: number;
  readonly topP?: number;
  readonly minP?: number;
  readonly repetitionPenalty?: number;
  readonly numBeams?: number;
  readonly promptLookup?: number;
  readonly stop?: string[];
  readonly seed?: number;
  readonly chat?: boolean;
  readonly stream?: boolean;
  readonly json?: boolean;
}

/** The library names options as HF does (top_p); the CLI user typed flags (--top-p). */
const FLAGS: Readonly<Record<string, string>> = {
  max_new_tokens: "--max-tokens",
  max_length: "--max-tokens",
  temperature: "--temperature",
  top_k: "--top-k",
  top_p: "--top-p",
  min_p: "--min-p",
  repetition_penalty: "--repetition-penalty",
  num_beams: "--num-beams",
  prompt_lookup_num_tokens: "--prompt-lookup",
  stop: "--stop",
  seed: "--seed",
  chat: "--chat",
  dtype: "--dtype",
  model: "--model",
};

export function registerText(program: Command): void {
  program
    .command("text")
    .description("Generate text from a prompt with a local language model (Hugging Face ONNX folder)")
    .argument("[prompt...]", "the prompt (default: read from stdin)")
    .option("--model <dir>", "model folder: config.json, tokenizer.json, onnx/model.onnx (default: the embedded model)")
    .addOption(new Option("--dtype <dtype>", "weights variant: fp32 = onnx/model.onnx, q8 = model_quantized.onnx, fp16, …").choices(TEXT_DTYPES))
    .option("--threads <n>", "onnxruntime threads (default: all cores)", parseInteger)
    .option("--max-tokens <n>", "most new tokens to generate (default: generation_config.json, else 256)", parseInteger)
    .option("--temperature <t>", "sampling temperature; 0 = greedy (default: the model's generation_config, else greedy)", parseNumber)
    .option("--top-k <k>", "sample among the k most likely tokens (0 = off; default 50 when sampling, as in transformers)", parseInteger)
    .option("--top-p <p>", "nucleus sampling mass in (0, 1]", parseNumber)
    .option("--min-p <p>", "drop tokens below p × the top probability, in [0, 1]", parseNumber)
    .option("--repetition-penalty <r>", "penalise tokens already in the text (> 0, 1 = off)", parseNumber)
    .option("--num-beams <n>", "beam search width (1 = no beam search)", parseInteger)
    .option(
      "--prompt-lookup <n>",
      "greedy only: draft up to n tokens per step from earlier text, checked in one pass; same output, faster (default 4, 0 = off)",
      parseInteger,
    )
    .option("--stop <text>", "stop when the text contains this string (repeatable)", collect)
    .option("--seed <n>", "seed for sampling (default: random; --json reports it)", parseInteger)
    .option("--chat", "wrap the prompt as a user message in the model's chat template")
    .option("--stream", "print the text as it is generated (default when stdout is a terminal)")
    .option("--no-stream", "print the text only when it is complete")
    .option("--json", "print one JSON object: text, tokenCount, prefillMs, tokensPerSecond, …")
    .action(async (words: string[], options: TextCliOptions) => {
      await runText(words, options);
    });
}

async function runText(words: string[], options: TextCliOptions): Promise<void> {
  const generation = generationOptions(options);
  try {
    checkGenerationOptions(generation);
  } catch (error) {
    throw withFlag(error);
  }
  const streaming = options.stream ?? (process.stdout.isTTY === true && !options.json && (options.numBeams ?? 1) <= 1);
  if (streaming && options.json) throw new RiffError("--stream and --json cannot be combined: JSON is printed once, at the end", "--stream");

  // A piped prompt's final newline (echo, heredocs) is not part of it.
  const text = words.length > 0 ? words.join(" ") : (await readStdin()).replace(/\r?\n$/, "");
  if (text.trim() === "") throw new RiffError("no prompt: give it as an argument or on stdin", "prompt");
  const modelPath = options.model ?? defaultModelPath("text");
  if (options.model === undefined && !existsSync(modelPath)) {
    throw new RiffError(`the default text model is missing (${modelPath}); pass --model DIR`, "--model");
  }

  const model = await loadTextModel(modelPath, { dtype: options.dtype, threads: options.threads }).catch((error: unknown) => {
    if (options.model === undefined && error instanceof RiffError && error.option === "model") {
      throw new RiffError(`the default text model is not usable (${error.message}); pass --model DIR`, "--model");
    }
    throw withFlag(error);
  });
  try {
    const prompt: Prompt = options.chat ? [{ role: "user", content: text }] : text;
    // Ctrl-C stops generation within a step; runCli then exits 130 (the text so far stays printed).
    const run = { ...generation, signal: interruptSignal() };
    let result: GenerationResult;
    if (streaming) {
      const stream = model.stream(prompt, run);
      for await (const delta of stream) if (delta.text !== "") process.stdout.write(delta.text);
      result = await stream.result;
      process.stdout.write("\n");
    } else {
      result = await model.generate(prompt, run);
    }
    if (options.json) {
      const round = (x: number): number => Number(x.toFixed(2));
      const report = {
        text: result.text,
        tokenCount: result.tokenCount,
        promptTokens: result.promptTokens,
        stopReason: result.stopReason,
        prefillMs: round(result.prefillMs),
        tokensPerSecond: round(result.tokensPerSecond),
        totalMs: round(result.totalMs),
        seed: result.seed,
        model: model.dir,
      };
      process.stdout.write(JSON.stringify(report, null, 2) + "\n");
    } else if (!streaming) {
      process.stdout.write(result.text + "\n");
    }
  } catch (error) {
    throw withFlag(error);
  } finally {
    await model.dispose();
  }
}

function generationOptions(options: TextCliOptions): TextGenerationOptions {
  const out: Record<string, unknown> = {
    maxNewTokens: options.maxTokens,
    temperature: options.temperature,
    topK: options.topK,
    topP: options.topP,
    minP: options.minP,
    repetitionPenalty: options.repetitionPenalty,
    numBeams: options.numBeams,
    promptLookupNumTokens: options.promptLookup,
    stop: options.stop,
    seed: options.seed,
  };
  for (const key of Object.keys(out)) if (out[key] === undefined) delete out[key];
  return out as TextGenerationOptions;
}

/** Puts the CLI flag in front of a library error about an option (e.g. "--top-p: top_p must be …"). */
function withFlag(error: unknown): unknown {
  if (!(error instanceof RiffError) || error.option === undefined) return error;
  const flag = FLAGS[error.option];
  if (flag === undefined || error.message.includes(flag)) return error;
  return new RiffError(`${flag}: ${error.message}`, flag);
}
