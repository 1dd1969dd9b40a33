import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { RiffError, checkRegularFile, folderFile, optionError, readJsonObject, resolveInside } from "@riff/core";
import { readGenaiConfig } from "./genai-config.js";

/**
 * Which weights file to load, with transformers.js's names: fp32 → onnx/model.onnx,
 * fp16 → model_fp16.onnx, q8 → model_quantized.onnx, and so on.
 */
export type TextDtype = "fp32" | "fp16" | "q8" | "int8" | "uint8" | "q4" | "q4f16" | "bnb4";

const DTYPE_SUFFIX: Readonly<Record<TextDtype, string>> = {
  fp32: "",
  fp16: "_fp16",
  q8: "_quantized",
  int8: "_int8",
  uint8: "_uint8",
  q4: "_q4",
  q4f16: "_q4f16",
  bnb4: "_bnb4",
};

export const TEXT_DTYPES: readonly TextDtype[] = Object.keys(DTYPE_SUFFIX) as TextDtype[];

/** Decoder-only families whose ONNX exports share the optimum I/O riff drives. */
export const SUPPORTED_MODEL_TYPES: readonly string[] = ["llama", "mistral", "qwen2", "qwen3", "phi3", "gpt2"];

/** The architecture facts riff needs, normalised across families' config.json spellings. */
export interface ModelConfig {
  readonly modelType: string;
  readonly numLayers: number;
  readonly numAttentionHeads: number;
  /** KV heads (GQA); equals numAttentionHeads for plain multi-head attention. */
  readonly numKeyValueHeads: number;
  readonly headDim: number;
  readonly vocabSize: number | undefined;
  /** The context length (max_position_embeddings / n_positions), when the config gives one. */
  readonly maxPositions: number | undefined;
  readonly bosTokenId: number | undefined;
  readonly eosTokenIds: readonly number[];
  readonly padTokenId: number | undefined;
}

export type JsonObject = Record<string, unknown>;

/** Everything read from a model folder, before any session is created. */
export interface ModelFolder {
  readonly dir: string;
  readonly config: ModelConfig;
  readonly rawConfig: JsonObject;
  /** Where rawConfig came from: "config.json", or "genai_config.json" (onnxruntime-genai's builder). */
  readonly configFile: string;
  /** generation_config.json, or {} when the folder has none. */
  readonly generationConfig: JsonObject;
  /** Where generationConfig came from, for messages. */
  readonly generationConfigSource: string;
  readonly tokenizerJson: JsonObject;
  /** tokenizer_config.json, or {} when the folder has none. */
  readonly tokenizerConfig: JsonObject;
  /** The ONNX decoder chosen for the dtype. */
  readonly onnxPath: string;
  readonly dtype: TextDtype;
}

/** Finds and reads the files of a Hugging Face ONNX model folder; every problem is a RiffError. */
export function readModelFolder(dir: string, options: { dtype?: TextDtype; onnxFile?: string } = {}): ModelFolder {
  const dtype = options.dtype ?? "fp32";
  if (!(TEXT_DTYPES as readonly string[]).includes(dtype)) {
    throw new RiffError(`dtype must be one of ${TEXT_DTYPES.join(", ")}, got ${JSON.stringify(dtype)}`, "dtype");
  }
  if (options.onnxFile !== undefined && options.dtype !== undefined) {
    throw optionError("onnxFile", `{onnxFile} names the decoder file itself: give it or {dtype}, not both`);
  }
  const root = resolve(dir);
  if (!existsSync(root)) throw new RiffError(`model folder not found: ${root}`, "model");
  if (!statSync(root).isDirectory()) throw new RiffError(`model path is not a folder: ${root}`, "model");

  const tokenizerJson = readJson(root, "tokenizer.json", true);
  const tokenizerConfig = withChatTemplateFile(root, readJson(root, "tokenizer_config.json", false));
  if (!existsSync(folderFile(root, "config.json")) && existsSync(folderFile(root, "genai_config.json"))) {
    return readGenaiFolder(root, dtype, options.dtype !== undefined, tokenizerJson, tokenizerConfig, options.onnxFile);
  }
  const rawConfig = readJson(root, "config.json", true);
  const generationConfig = readJson(root, "generation_config.json", false);
  const config = normaliseConfig(rawConfig, generationConfig, root, "config.json");
  const onnxPath = options.onnxFile !== undefined ? chosenDecoder(root, options.onnxFile) : findDecoder(root, dtype);
  const generationConfigSource = join(root, "generation_config.json");
  return { dir: root, config, rawConfig, configFile: "config.json", generationConfig, generationConfigSource, tokenizerJson, tokenizerConfig, onnxPath, dtype };
}

/**
 * A folder written by onnxruntime-genai's model builder: genai_config.json in place of config.json
 * and generation_config.json, one decoder named by model.decoder.filename (its precision is the
 * builder's choice, so a dtype other than fp32, the default, is refused rather than ignored);
 * onnxFile names another decoder of the folder (a copy riff convert wrote beside it).
 */
function readGenaiFolder(
  root: string,
  dtype: TextDtype,
  dtypeGiven: boolean,
  tokenizerJson: JsonObject,
  tokenizerConfig: JsonObject,
  onnxFile: string | undefined,
): ModelFolder {
  const path = folderFile(root, "genai_config.json");
  const genai = readGenaiConfig(readJsonObject(path, "genai_config.json", "model"), path);
  const onnxPath = onnxFile !== undefined ? chosenDecoder(root, onnxFile) : resolveInside(root, genai.decoderFile, { file: path, key: "model.decoder.filename" });
  if (dtypeGiven && dtype !== "fp32") {
    throw new RiffError(
      `${root} is an onnxruntime-genai folder: genai_config.json names one decoder (${genai.decoderFile}), so dtype ${dtype} cannot pick another`,
      "dtype",
    );
  }
  if (!existsSync(onnxPath)) throw new RiffError(`${path}: model.decoder.filename names ${genai.decoderFile}, which is not in the folder`, "model");
  const config = normaliseConfig(genai.config, genai.generationConfig, root, "genai_config.json");
  return {
    dir: root,
    config,
    rawConfig: genai.config,
    configFile: "genai_config.json",
    generationConfig: genai.generationConfig,
    generationConfigSource: `${path} search`,
    tokenizerJson,
    tokenizerConfig,
    onnxPath,
    dtype,
  };
}

function readJson(dir: string, name: string, required: true): JsonObject;
function readJson(dir: string, name: string, required: false): JsonObject;
function readJson(dir: string, name: string, required: boolean): JsonObject {
  const path = folderFile(dir, name);
  if (!existsSync(path)) {
    if (!required) return {};
    throw new RiffError(`${dir} has no ${name}; a text model folder needs config.json, tokenizer.json and onnx/model.onnx`, "model");
  }
  return readJsonObject(path, name, "model");
}

/** Largest chat_template.jinja riff reads (real ones are a few KB). */
const MAX_TEMPLATE_BYTES = 1024 * 1024;

/**
 * tokenizer_config.json with chat_template taken from chat_template.jinja when the folder has one:
 * transformers ≥ 4.43 saves the template there, and its file wins over the config's key, as in
 * transformers' from_pretrained.
 */
function withChatTemplateFile(dir: string, tokenizerConfig: JsonObject): JsonObject {
  const path = folderFile(dir, "chat_template.jinja");
  if (!existsSync(path)) return tokenizerConfig;
  const size = checkRegularFile(path, "chat_template.jinja", "model");
  if (size > MAX_TEMPLATE_BYTES) throw new RiffError(`${path} is too large for a chat template (${size} bytes)`, "model");
  return { ...tokenizerConfig, chat_template: readFileSync(path, "utf8") };
}

/** The decoder named by the onnxFile option: a file inside the folder. */
function chosenDecoder(root: string, onnxFile: string): string {
  const path = resolveInside(root, onnxFile, { file: root, key: "onnxFile" });
  if (!existsSync(path) || !statSync(path).isFile()) {
    const present = [...listOnnx(root, ""), ...listOnnx(root, "onnx")];
    throw optionError("onnxFile", `{onnxFile} names ${onnxFile}, which is not a file of ${root}${present.length > 0 ? ` (ONNX files present: ${present.join(", ")})` : ""}`);
  }
  return path;
}

/** onnx/model{suffix}.onnx first, then the merged decoder; the folder root as a fallback. */
function findDecoder(dir: string, dtype: TextDtype): string {
  const suffix = DTYPE_SUFFIX[dtype];
  const candidates = [
    `onnx/model${suffix}.onnx`,
    `onnx/decoder_model_merged${suffix}.onnx`,
    `model${suffix}.onnx`,
    `decoder_model_merged${suffix}.onnx`,
  ].map((name) => folderFile(dir, name));
  const found = candidates.find((p) => existsSync(p));
  if (found !== undefined) return found;
  const present = [...listOnnx(dir, ""), ...listOnnx(dir, "onnx")];
  throw new RiffError(
    `${dir} has no ${dtype} decoder (looked for onnx/model${suffix}.onnx and onnx/decoder_model_merged${suffix}.onnx); ` +
      (present.length > 0 ? `ONNX files present: ${present.join(", ")}` : "it holds no .onnx files"),
    present.length > 0 ? "dtype" : "model",
  );
}

function listOnnx(dir: string, sub: string): string[] {
  const path = join(dir, sub);
  if (!existsSync(path) || !statSync(path).isDirectory()) return [];
  return readdirSync(path)
    .filter((f) => f.endsWith(".onnx"))
    .map((f) => (sub === "" ? f : `${sub}/${f}`));
}

function normaliseConfig(raw: JsonObject, generation: JsonObject, dir: string, file: string): ModelConfig {
  const modelType = raw.model_type;
  if (typeof modelType !== "string") throw new RiffError(`${dir}/${file} has no ${file === "config.json" ? "model_type" : "model.type"}`, "model");
  if (!SUPPORTED_MODEL_TYPES.includes(modelType)) {
    throw new RiffError(
      `unsupported model_type "${modelType}" in ${dir}/${file}; riff text supports ${SUPPORTED_MODEL_TYPES.join(", ")}`,
      "model",
    );
  }
  const int = (...keys: string[]): number | undefined => {
    for (const key of keys) {
      const v = raw[key];
      if (typeof v === "number" && Number.isInteger(v) && v > 0) return v;
    }
    return undefined;
  };
  const need = (value: number | undefined, keys: string): number => {
    if (value === undefined) throw new RiffError(`${dir}/${file} lacks ${keys}`, "model");
    return value;
  };
  const gpt2 = modelType === "gpt2";
  const numLayers = need(gpt2 ? int("n_layer") : int("num_hidden_layers"), gpt2 ? "n_layer" : "num_hidden_layers");
  const numAttentionHeads = need(gpt2 ? int("n_head") : int("num_attention_heads"), gpt2 ? "n_head" : "num_attention_heads");
  const hidden = gpt2 ? int("n_embd") : int("hidden_size");
  const numKeyValueHeads = gpt2 ? numAttentionHeads : (int("num_key_value_heads") ?? numAttentionHeads);
  const headDim = need(
    (gpt2 ? undefined : int("head_dim")) ?? (hidden !== undefined ? hidden / numAttentionHeads : undefined),
    gpt2 ? "n_embd" : "hidden_size or head_dim",
  );
  const ids = (value: unknown): number[] =>
    typeof value === "number" ? [value] : Array.isArray(value) ? value.filter((v): v is number => typeof v === "number") : [];
  const first = (key: string): number | undefined => {
    const g = generation[key];
    const r = raw[key];
    return typeof g === "number" ? g : typeof r === "number" ? r : undefined;
  };
  const eosTokenIds = ids(generation.eos_token_id !== undefined ? generation.eos_token_id : raw.eos_token_id);
  return {
    modelType,
    numLayers,
    numAttentionHeads,
    numKeyValueHeads,
    headDim,
    vocabSize: int("vocab_size"),
    maxPositions: gpt2 ? int("n_positions", "n_ctx") : int("max_position_embeddings"),
    bosTokenId: first("bos_token_id"),
    eosTokenIds,
    padTokenId: first("pad_token_id"),
  };
}
