/**
 * One system of the realsize bench in its own process (so that each one's peak RSS is its own):
 * bench/realsize.ts forks it with `<system> <precision> <threads>`, it loads the model, answers
 * "ready", then runs one greedy generation per "run" message and answers with its figures.
 *
 * Every system gets the same prompt token ids (riff's tokenization of the prompt, BOS first),
 * generates NEW_TOKENS tokens greedily with end-of-sequence banned (min_new_tokens = NEW_TOKENS),
 * and is timed the same way: prefill = start of generation to the first new token, decode
 * tokens/s = (NEW_TOKENS - 1) / (last token - first token). riff reports both itself (its
 * GenerationResult's prefillMs and tokensPerSecond, the same definitions).
 */
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as ort from "onnxruntime-node";
import { loadTextModel, type TextModel } from "@riff/text";
import { AutoModelForCausalLM, BaseStreamer, env, type PreTrainedModel, type Tensor, type TextStreamer } from "@huggingface/transformers";

export type SystemName = "riff" | "transformers" | "bare" | "llama" | "riff-builder" | "bare-builder" | "riff-convert";
export const SYSTEMS: readonly SystemName[] = ["riff", "transformers", "bare", "llama", "riff-builder", "bare-builder", "riff-convert"];

/** riff-convert: optimum's q4 file after `riff convert --accuracy-level 4` (build.sh writes it); q4 only. */
export const CONVERTED_Q4_FILE = "onnx/model_q4_acc4.onnx";
export type Precision = "fp32" | "q8" | "q4";

export interface RunFigures {
  readonly prefillMs: number;
  readonly decodeTokensPerSecond: number;
  readonly tokens: readonly number[];
  /** Peak resident set size of this process so far, MB. */
  readonly maxRssMB: number;
}

export type WorkerRequest = { readonly kind: "run" } | { readonly kind: "exit" };
export type WorkerReply =
  | { readonly kind: "ready"; readonly loadMs: number; readonly promptTokens?: readonly number[] }
  | { readonly kind: "result"; readonly figures: RunFigures }
  | { readonly kind: "error"; readonly message: string };

export const NEW_TOKENS = 128;
export const EOS = 2;

/** The bare loops' greedy pick: the last row's argmax with end-of-sequence banned (as riff's runs are asked to). */
function greedyLastRow(logits: Float32Array, vocab: number): number {
  const offset = logits.length - vocab;
  let best = -1;
  let bestValue = -Infinity;
  for (let v = 0; v < vocab; v++) {
    const x = logits[offset + v]!;
    if (x > bestValue && v !== EOS) {
      bestValue = x;
      best = v;
    }
  }
  return best;
}
/** The realsize model's vocabulary (SmolLM2's). */
export const VOCAB = 49152;

const here = dirname(fileURLToPath(import.meta.url));
export const modelsDir = resolve(here, "models");
export const onnxFolder = resolve(modelsDir, "onnx-folder");
export const ONNX_FILE: Readonly<Record<Precision, string>> = { fp32: "model.onnx", q8: "model_quantized.onnx", q4: "model_q4.onnx" };
/** onnxruntime-genai's model builder folders (build.sh step 5): int8 and int4 with accuracy_level 4. */
export const BUILDER_FOLDER: Readonly<Record<Precision, string>> = { fp32: "builder-fp32", q8: "builder-int8", q4: "builder-int4" };
export const GGUF_FILE: Readonly<Record<Precision, string>> = { fp32: "model-f16.gguf", q8: "model-q8_0.gguf", q4: "model-q4_0.gguf" };

type Runner = () => Promise<Omit<RunFigures, "maxRssMB">>;

function maxRssMB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/** prefill and decode figures from the time generation started and each new token's time. */
function timing(start: number, times: readonly number[]): { prefillMs: number; decodeTokensPerSecond: number } {
  const first = times[0];
  const last = times.at(-1);
  if (first === undefined || last === undefined || times.length !== NEW_TOKENS) throw new Error(`saw ${times.length} new tokens, expected ${NEW_TOKENS}`);
  return { prefillMs: first - start, decodeTokensPerSecond: ((NEW_TOKENS - 1) * 1000) / (last - first) };
}

async function riffRunner(precision: Precision, threads: number, prompt: readonly number[], system: "riff" | "riff-builder" | "riff-convert"): Promise<{ run: Runner; dispose: () => Promise<void> }> {
  const model: TextModel =
    system === "riff-builder"
      ? await loadTextModel(resolve(modelsDir, BUILDER_FOLDER[precision]), { threads })
      : system === "riff-convert"
        ? await loadTextModel(onnxFolder, { onnxFile: CONVERTED_Q4_FILE, threads })
        : await loadTextModel(onnxFolder, { dtype: precision, threads });
  return {
    run: async () => {
      const result = await model.generate({ ids: prompt }, {
        maxNewTokens: NEW_TOKENS,
        minNewTokens: NEW_TOKENS,
        doSample: false,
        // One forward pass per token, as every other system here runs (random weights make
        // prompt lookup's drafts useless anyway).
        promptLookupNumTokens: 0,
      });
      return { prefillMs: result.prefillMs, decodeTokensPerSecond: result.tokensPerSecond, tokens: result.tokens };
    },
    dispose: () => model.dispose(),
  };
}

class Timestamps extends BaseStreamer {
  readonly times: number[] = [];
  override put(): void {
    this.times.push(performance.now());
  }
  override end(): void {}
}

async function transformersRunner(precision: Precision, threads: number, prompt: readonly number[]): Promise<{ run: Runner; dispose: () => Promise<void> }> {
  env.allowRemoteModels = false;
  env.localModelPath = modelsDir;
  const model: PreTrainedModel = await AutoModelForCausalLM.from_pretrained("onnx-folder", {
    dtype: precision,
    session_options: { graphOptimizationLevel: "all", intraOpNumThreads: threads, interOpNumThreads: 1 },
  });
  const { Tensor: HfTensor } = await import("@huggingface/transformers");
  return {
    run: async () => {
      const streamer = new Timestamps();
      const ids = new HfTensor("int64", BigInt64Array.from(prompt, BigInt), [1, prompt.length]);
      const mask = new HfTensor("int64", new BigInt64Array(prompt.length).fill(1n), [1, prompt.length]);
      const start = performance.now();
      const output = (await model.generate({
        input_ids: ids,
        attention_mask: mask,
        max_new_tokens: NEW_TOKENS,
        min_new_tokens: NEW_TOKENS,
        do_sample: false,
        streamer: streamer as unknown as TextStreamer,
      })) as Tensor;
      const tokens = Array.from(output.data as BigInt64Array, Number).slice(prompt.length);
      // put() is called once with the prompt, then once per new token.
      return { ...timing(start, streamer.times.slice(1)), tokens };
    },
    dispose: async () => void (await model.dispose()),
  };
}

/** A bare loop's session (all graph optimizations, one inter-op thread) and its layer count. */
async function bareSession(file: string, threads: number): Promise<{ session: ort.InferenceSession; layers: number }> {
  const session = await ort.InferenceSession.create(file, {
    executionProviders: ["cpu"],
    graphOptimizationLevel: "all",
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
  });
  return { session, layers: session.inputNames.filter((n) => /^past_key_values\.\d+\.key$/.test(n)).length };
}

/**
 * The least any loop over this file can do: input ids, mask and positions in, argmax of the
 * logits, the present.* outputs fed back as past_key_values.*. No logits processing, no
 * tokenizer, no checks.
 */
async function bareRunner(precision: Precision, threads: number, prompt: readonly number[]): Promise<{ run: Runner; dispose: () => Promise<void> }> {
  const { session, layers } = await bareSession(resolve(onnxFolder, "onnx", ONNX_FILE[precision]), threads);
  const kvHeads = 3;
  const headDim = 64;
  return {
    run: async () => {
      const times: number[] = [];
      const tokens: number[] = [];
      let past: Record<string, ort.Tensor> = {};
      for (let l = 0; l < layers; l++) {
        past[`past_key_values.${l}.key`] = new ort.Tensor("float32", new Float32Array(0), [1, kvHeads, 0, headDim]);
        past[`past_key_values.${l}.value`] = new ort.Tensor("float32", new Float32Array(0), [1, kvHeads, 0, headDim]);
      }
      let ids: readonly number[] = prompt;
      let length = 0;
      const start = performance.now();
      while (tokens.length < NEW_TOKENS) {
        const total = length + ids.length;
        const feeds: Record<string, ort.Tensor> = {
          input_ids: new ort.Tensor("int64", BigInt64Array.from(ids, BigInt), [1, ids.length]),
          attention_mask: new ort.Tensor("int64", new BigInt64Array(total).fill(1n), [1, total]),
          position_ids: new ort.Tensor("int64", BigInt64Array.from(ids, (_, i) => BigInt(length + i)), [1, ids.length]),
          ...past,
        };
        const out = await session.run(feeds);
        const best = greedyLastRow(out.logits!.data as Float32Array, Number(out.logits!.dims.at(-1)));
        times.push(performance.now());
        tokens.push(best);
        const next: Record<string, ort.Tensor> = {};
        for (let l = 0; l < layers; l++) {
          next[`past_key_values.${l}.key`] = out[`present.${l}.key`]!;
          next[`past_key_values.${l}.value`] = out[`present.${l}.value`]!;
        }
        past = next;
        length = total;
        ids = [best];
      }
      return { ...timing(start, times), tokens };
    },
    dispose: () => session.release(),
  };
}

/**
 * The bare loop over a model builder file, run the way onnxruntime-genai runs it: one key and one
 * value buffer per layer, fed as past_key_values.* and bound as the present.* outputs too (the
 * same memory, so GroupQueryAttention writes each new position in place); the attention mask's
 * length tells it how many positions are real. The buffers grow 32 positions at a time, since
 * onnxruntime-node copies every output back after a run (as riff's in-place cache does).
 */
async function bareBuilderRunner(precision: Precision, threads: number, prompt: readonly number[]): Promise<{ run: Runner; dispose: () => Promise<void> }> {
  const { session, layers } = await bareSession(resolve(modelsDir, BUILDER_FOLDER[precision], "model.onnx"), threads);
  const kvHeads = 3;
  const headDim = 64;
  const room = 32;
  const hasPositions = session.inputNames.includes("position_ids");
  const ones = new BigInt64Array(4096).fill(1n);
  return {
    run: async () => {
      const times: number[] = [];
      const tokens: number[] = [];
      let capacity = 0;
      let buffers: Float32Array[] = [];
      let ids: readonly number[] = prompt;
      let length = 0;
      const start = performance.now();
      while (tokens.length < NEW_TOKENS) {
        const total = length + ids.length;
        if (total > capacity) {
          const next = Math.ceil(total / room) * room;
          buffers = Array.from({ length: 2 * layers }, (_, i) => {
            const grown = new Float32Array(kvHeads * next * headDim);
            for (let h = 0; h < kvHeads && length > 0; h++) grown.set(buffers[i]!.subarray(h * capacity * headDim, (h * capacity + length) * headDim), h * next * headDim);
            return grown;
          });
          capacity = next;
        }
        const feeds: Record<string, ort.Tensor> = {
          input_ids: new ort.Tensor("int64", BigInt64Array.from(ids, BigInt), [1, ids.length]),
          attention_mask: new ort.Tensor("int64", ones.subarray(0, total), [1, total]),
        };
        if (hasPositions) feeds.position_ids = new ort.Tensor("int64", BigInt64Array.from(ids, (_, i) => BigInt(length + i)), [1, ids.length]);
        const fetches: Record<string, ort.Tensor | null> = { logits: null };
        for (let l = 0; l < layers; l++) {
          for (const [k, which] of [[0, "key"], [1, "value"]] as const) {
            const t = new ort.Tensor("float32", buffers[2 * l + k]!, [1, kvHeads, capacity, headDim]);
            feeds[`past_key_values.${l}.${which}`] = t;
            fetches[`present.${l}.${which}`] = t;
          }
        }
        const out = await session.run(feeds, fetches);
        const best = greedyLastRow(out.logits!.data as Float32Array, VOCAB);
        times.push(performance.now());
        tokens.push(best);
        length = total;
        ids = [best];
      }
      return { ...timing(start, times), tokens };
    },
    dispose: () => session.release(),
  };
}

/** The slice of node-llama-cpp's API used here (it is imported at run time from bench/realsize/node_modules). */
interface NodeLlamaCpp {
  getLlama(options: { gpu: false; build: "never"; logLevel: string; maxThreads?: number }): Promise<{
    loadModel(options: { modelPath: string; gpuLayers: number }): Promise<LlamaModel>;
    dispose(): Promise<void>;
  }>;
  TokenBias: new (tokenizer: unknown) => { set(token: number, bias: "never"): unknown };
}
interface LlamaModel {
  readonly tokenizer: unknown;
  tokenize(text: string, specialTokens?: boolean): number[];
  createContext(options: { contextSize: number; batchSize: number; threads: { ideal: number; min: number }; sequences: number }): Promise<{
    getSequence(): {
      evaluate(tokens: number[], options: { temperature: number; tokenBias: unknown }): AsyncGenerator<number, void, void>;
      clearHistory(): Promise<void>;
    };
    dispose(): Promise<void>;
  }>;
  dispose(): Promise<void>;
}

async function llamaRunner(precision: Precision, threads: number, prompt: readonly number[]): Promise<{ run: Runner; dispose: () => Promise<void>; promptTokens: number[] }> {
  const entry = pathToFileURL(resolve(here, "node_modules/node-llama-cpp/dist/index.js")).href;
  const nlc = (await import(entry)) as NodeLlamaCpp;
  const llama = await nlc.getLlama({ gpu: false, build: "never", logLevel: "error", maxThreads: threads });
  const model = await llama.loadModel({ modelPath: resolve(modelsDir, "gguf", GGUF_FILE[precision]), gpuLayers: 0 });
  const context = await model.createContext({ contextSize: 256, batchSize: 256, threads: { ideal: threads, min: threads }, sequences: 1 });
  const sequence = context.getSequence();
  const tokenBias = new nlc.TokenBias(model.tokenizer);
  tokenBias.set(EOS, "never");
  // llama.cpp's own tokenization of the prompt text, reported against riff's (the runs use riff's ids).
  const promptTokens = model.tokenize(PROMPT, false);
  return {
    promptTokens,
    run: async () => {
      await sequence.clearHistory();
      const times: number[] = [];
      const tokens: number[] = [];
      const start = performance.now();
      for await (const token of sequence.evaluate(prompt.slice(), { temperature: 0, tokenBias })) {
        times.push(performance.now());
        tokens.push(token);
        if (tokens.length >= NEW_TOKENS) break;
      }
      return { ...timing(start, times), tokens };
    },
    dispose: async () => {
      await context.dispose();
      await model.dispose();
      await llama.dispose();
    },
  };
}

/** The prompt every system gets (20 tokens with BOS in the realsize tokenizer). */
export const PROMPT = "Once upon a time, the quick brown fox jumps over the lazy dog and runs back home.";

async function main(): Promise<void> {
  const [system, precision, threadsText, promptText] = process.argv.slice(2) as [SystemName, Precision, string, string];
  const threads = Number(threadsText);
  const prompt = JSON.parse(promptText) as number[];
  const send = (reply: WorkerReply): void => void process.send!(reply);
  const start = performance.now();
  let runner: { run: Runner; dispose: () => Promise<void>; promptTokens?: number[] };
  try {
    runner =
      system === "riff" || system === "riff-builder" || system === "riff-convert"
        ? await riffRunner(precision, threads, prompt, system)
        : system === "transformers"
          ? await transformersRunner(precision, threads, prompt)
          : system === "bare"
            ? await bareRunner(precision, threads, prompt)
            : system === "bare-builder"
              ? await bareBuilderRunner(precision, threads, prompt)
              : await llamaRunner(precision, threads, prompt);
  } catch (error) {
    send({ kind: "error", message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    process.exit(1);
  }
  send({ kind: "ready", loadMs: performance.now() - start, ...(runner.promptTokens !== undefined ? { promptTokens: runner.promptTokens } : {}) });
  process.on("message", (request: WorkerRequest) => {
    void (async () => {
      if (request.kind === "exit") {
        await runner.dispose();
        process.disconnect();
        return;
      }
      try {
        const figures = await runner.run();
        send({ kind: "result", figures: { ...figures, maxRssMB: maxRssMB() } });
      } catch (error) {
        send({ kind: "error", message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      }
    })();
  });
}

if (process.send !== undefined) await main();
