/**
 * onnxruntime-genai's model builder writes genai_config.json instead of config.json and
 * generation_config.json: the architecture under model.decoder, the decoder's file and I/O names,
 * and generation defaults under search. Read here into the Hugging Face spellings the rest of the
 * loader uses, so a builder folder loads like an optimum one.
 */
import { RiffError } from "@riff/core";

type JsonObject = Record<string, unknown>;

/** What a genai_config.json amounts to in Hugging Face terms. */
export interface GenaiFolderConfig {
  /** config.json's keys (model_type, num_hidden_layers, head_dim…). */
  readonly config: JsonObject;
  /** generation_config.json's keys, from the search section. */
  readonly generationConfig: JsonObject;
  /** model.decoder.filename, relative to the folder. */
  readonly decoderFile: string;
}

/** The I/O names riff feeds and fetches, as genai_config.json spells them. */
const STANDARD_NAMES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  inputs: {
    input_ids: "input_ids",
    attention_mask: "attention_mask",
    position_ids: "position_ids",
    past_key_names: "past_key_values.%d.key",
    past_value_names: "past_key_values.%d.value",
  },
  outputs: {
    logits: "logits",
    present_key_names: "present.%d.key",
    present_value_names: "present.%d.value",
  },
};

/** search keys that only tune onnxruntime-genai's own buffers, with no effect on the tokens. */
const RUNTIME_ONLY = new Set(["past_present_share_buffer"]);

export function readGenaiConfig(json: JsonObject, path: string): GenaiFolderConfig {
  const object = (value: unknown, key: string): JsonObject => {
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw new RiffError(`${path}: ${key} must be an object`, "model");
    return value as JsonObject;
  };
  const model = object(json.model, "model");
  const decoder = object(model.decoder, "model.decoder");
  for (const [section, names] of Object.entries(STANDARD_NAMES)) {
    const given = decoder[section] === undefined ? {} : object(decoder[section], `model.decoder.${section}`);
    for (const [key, value] of Object.entries(given)) {
      const want = names[key];
      if (want === undefined || value !== want) {
        throw new RiffError(
          `${path}: model.decoder.${section}.${key} is ${JSON.stringify(value)}; riff text feeds the names optimum and ` +
            `the model builder use by default (${Object.values(names).join(", ")})`,
          "model",
        );
      }
    }
  }
  const decoderFile = decoder.filename ?? "model.onnx";
  if (typeof decoderFile !== "string") throw new RiffError(`${path}: model.decoder.filename must be a file name`, "model");
  const config: JsonObject = {
    model_type: model.type,
    num_hidden_layers: decoder.num_hidden_layers,
    num_attention_heads: decoder.num_attention_heads,
    num_key_value_heads: decoder.num_key_value_heads,
    head_dim: decoder.head_size,
    hidden_size: decoder.hidden_size,
    vocab_size: model.vocab_size,
    max_position_embeddings: model.context_length,
    bos_token_id: model.bos_token_id,
    eos_token_id: model.eos_token_id,
    pad_token_id: model.pad_token_id,
  };
  const search = json.search === undefined ? {} : object(json.search, "search");
  const generationConfig: JsonObject = {};
  for (const [key, value] of Object.entries(search)) if (!RUNTIME_ONLY.has(key)) generationConfig[key] = value;
  for (const key of ["bos_token_id", "eos_token_id", "pad_token_id"] as const) {
    if (model[key] !== undefined) generationConfig[key] = model[key];
  }
  return { config, generationConfig, decoderFile };
}
