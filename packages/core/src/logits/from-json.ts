import { RiffError, checkNumber } from "../errors.js";
import { normalizeLogitBias } from "./logit-bias.js";
import { checkGenerationOptions, generationOptionsSchema, type GenerationOptions } from "./options.js";

/** How to treat keys the mapping does not know. */
export interface MappingOptions {
  /** Throw a RiffError naming every unknown or unsupported key instead of leaving them out. */
  strict?: boolean;
  /** Told the unknown or unsupported keys (non-strict mode), e.g. to print a warning. */
  onUnknown?: (keys: readonly string[]) => void;
}

type Json = Readonly<Record<string, unknown>>;
type Range = Parameters<typeof checkNumber>[2];

/** Typed, range-checked reads of one JSON object; every error names the key as the user wrote it. */
class Reader {
  readonly used = new Set<string>();
  constructor(private readonly json: Json) {}

  /** The value, or undefined when absent or null (HF and OpenAI both serialize "unset" as null). */
  raw(key: string): unknown {
    this.used.add(key);
    const value = this.json[key];
    return value === null ? undefined : value;
  }

  number(key: string, range: Range): number | undefined {
    const value = this.raw(key);
    if (value === undefined) return undefined;
    if (typeof value !== "number") throw new RiffError(`${key} must be a number, got ${JSON.stringify(value)}`, key);
    return checkNumber(key, value, range);
  }

  boolean(key: string): boolean | undefined {
    const value = this.raw(key);
    if (value === undefined || typeof value === "boolean") return value;
    throw new RiffError(`${key} must be true or false, got ${JSON.stringify(value)}`, key);
  }

  /** A token id or a list of them, as HF's eos_token_id. */
  ids(key: string): number[] | undefined {
    const value = this.raw(key);
    if (value === undefined) return undefined;
    const list = Array.isArray(value) ? (value as unknown[]) : [value];
    return list.map((id) => {
      if (typeof id !== "number") throw new RiffError(`${key} must be a token id or a list of token ids`, key);
      return checkNumber(key, id, { min: 0, integer: true });
    });
  }

  /** A string or a list of strings. */
  strings(key: string): string[] | undefined {
    const value = this.raw(key);
    if (value === undefined) return undefined;
    const list = Array.isArray(value) ? (value as unknown[]) : [value];
    return list.map((s) => {
      if (typeof s !== "string" || s === "") {
        throw new RiffError(`${key} must be a non-empty string or a list of non-empty strings`, key);
      }
      return s;
    });
  }

  /** Keys not read, minus those `ignore` accepts. */
  leftover(ignore: (key: string, value: unknown) => boolean): string[] {
    return Object.keys(this.json).filter((key) => {
      if (this.used.has(key)) return false;
      const value = this.json[key];
      return value !== null && !ignore(key, value);
    });
  }
}

/** Drops undefined fields so spreading the result over defaults leaves the defaults in place. */
function defined<T extends object>(options: T): T {
  for (const key of Object.keys(options) as Array<keyof T>) if (options[key] === undefined) delete options[key];
  return options;
}

function reportUnknown(source: string, unknown: readonly string[], mapping: MappingOptions | undefined): void {
  if (unknown.length === 0) return;
  if (mapping?.strict) {
    const names = unknown.map((k) => JSON.stringify(k)).join(", ");
    throw new RiffError(
      `${source}: unknown or unsupported option${unknown.length > 1 ? "s" : ""} ${names}`,
      unknown[0],
    );
  }
  mapping?.onUnknown?.(unknown);
}

/** generation_config.json keys that never change which tokens come out (ids, bookkeeping, caching). */
const HF_NO_EFFECT = new Set([
  "bos_token_id",
  "pad_token_id",
  "decoder_start_token_id",
  "transformers_version",
  "_from_model_config",
  "_commit_hash",
  "use_cache",
  "cache_implementation",
  "cache_config",
  "return_legacy_cache",
  "compile_config",
  "disable_compile",
  "low_memory",
  "output_attentions",
  "output_hidden_states",
  "output_scores",
  "output_logits",
  "return_dict_in_generate",
  "num_assistant_tokens",
  "num_assistant_tokens_schedule",
  "assistant_confidence_threshold",
  "assistant_lookbehind",
  "target_lookbehind",
  "is_assistant",
]);

/**
 * generation_config.json features riff does not implement, with the value that makes them a no-op
 * (transformers' default). At that value they are accepted; any other value is "unsupported".
 */
const HF_UNSUPPORTED_DEFAULTS: Readonly<Record<string, unknown>> = {
  min_length: 0,
  epsilon_cutoff: 0,
  eta_cutoff: 0,
  diversity_penalty: 0,
  num_beam_groups: 1,
  encoder_repetition_penalty: 1,
  encoder_no_repeat_ngram_size: 0,
  renormalize_logits: false,
  remove_invalid_values: false,
  guidance_scale: 1,
  token_healing: false,
};

/**
 * Maps a Hugging Face generation_config.json object to {@link GenerationOptions}. Values are type-
 * and range-checked (RiffError naming the HF key). Keys with no effect on the output (bos/pad ids,
 * cache settings, transformers_version…) and features left at their no-op value are ignored; any
 * other key is unknown: strict mode throws naming it, otherwise `onUnknown` hears of it.
 *
 * Only keys present are mapped; transformers' defaults for absent keys (notably do_sample = false
 * and top_k = 50) are in {@link HF_GENERATION_DEFAULTS} for callers that want them.
 */
export function samplingOptionsFromGenerationConfig(json: Json, mapping?: MappingOptions & { source?: string }): GenerationOptions {
  const source = mapping?.source ?? "generation_config.json";
  let unknown: readonly string[] = [];
  const options = generationOptionsSchema.parse(json, "config", { source, onUnknown: (names) => (unknown = names) });
  reportUnknown(
    source,
    unknown.filter((key) => {
      const value = json[key];
      return !(HF_NO_EFFECT.has(key) || (key in HF_UNSUPPORTED_DEFAULTS && HF_UNSUPPORTED_DEFAULTS[key] === value));
    }),
    mapping,
  );
  try {
    checkGenerationOptions(options);
  } catch (error) {
    throw generationOptionsSchema.inVocabulary(error, "config", source);
  }
  return options;
}

/** OpenAI request fields that are not about sampling; the caller handles them. */
const OPENAI_ENVELOPE = new Set([
  "model",
  "messages",
  "prompt",
  "stream",
  "stream_options",
  "user",
  "metadata",
  "store",
  "service_tier",
  "safety_identifier",
  "prompt_cache_key",
]);

/**
 * Maps an OpenAI (chat) completions request body to {@link GenerationOptions}: temperature [0, 2],
 * top_p, presence_penalty, frequency_penalty, logit_bias (string token-id keys), max_tokens or
 * max_completion_tokens (the latter wins), stop (string or list), seed, n, logprobs (boolean, or
 * the legacy completions integer meaning "that many alternatives"), top_logprobs. Also accepts
 * top_k, min_p, typical_p and repetition_penalty, the extensions local OpenAI-compatible servers
 * (vLLM, llama.cpp) take. Request envelope fields (model, messages, prompt, stream…) are ignored;
 * anything else (tools, response_format, best_of, echo…) is unknown: strict mode throws naming it.
 * top_p 0, which OpenAI accepts, is refused like everywhere in riff (range (0, 1]); temperature 0
 * is the way to ask for greedy decoding.
 */
export function samplingOptionsFromOpenAI(json: Json, mapping?: MappingOptions): GenerationOptions {
  const r = new Reader(json);
  const maxTokens = r.number("max_tokens", { min: 0, integer: true });
  const maxCompletionTokens = r.number("max_completion_tokens", { min: 0, integer: true });
  const logprobsValue = r.raw("logprobs");
  let logprobs: boolean | undefined;
  let legacyTop: number | undefined;
  if (typeof logprobsValue === "number") {
    legacyTop = checkNumber("logprobs", logprobsValue, { min: 0, max: 5, integer: true });
    logprobs = true;
  } else if (logprobsValue === undefined || typeof logprobsValue === "boolean") {
    logprobs = logprobsValue;
  } else {
    throw new RiffError(`logprobs must be true, false or an integer, got ${JSON.stringify(logprobsValue)}`, "logprobs");
  }
  const bias = r.raw("logit_bias");
  if (bias !== undefined && (typeof bias !== "object" || Array.isArray(bias))) {
    throw new RiffError("logit_bias must be an object mapping token ids to biases", "logit_bias");
  }
  const options = defined<GenerationOptions>({
    temperature: r.number("temperature", { min: 0, max: 2 }),
    topP: r.number("top_p", { min: 0, minExclusive: true, max: 1 }),
    topK: r.number("top_k", { min: 0, integer: true }),
    minP: r.number("min_p", { min: 0, max: 1 }),
    typicalP: r.number("typical_p", { min: 0, minExclusive: true, max: 1 }),
    repetitionPenalty: r.number("repetition_penalty", { min: 0, minExclusive: true }),
    presencePenalty: r.number("presence_penalty", { min: -2, max: 2 }),
    frequencyPenalty: r.number("frequency_penalty", { min: -2, max: 2 }),
    logitBias:
      bias === undefined ? undefined : new Map(normalizeLogitBias(bias as Readonly<Record<number, number>>)),
    maxNewTokens: maxCompletionTokens ?? maxTokens,
    stop: r.strings("stop"),
    seed: r.number("seed", { min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER, integer: true }),
    numReturnSequences: r.number("n", { min: 1, integer: true }),
    logprobs,
    topLogprobs: r.number("top_logprobs", { min: 0, max: 20, integer: true }) ?? legacyTop,
  });
  reportUnknown("OpenAI request", r.leftover((key) => OPENAI_ENVELOPE.has(key)), mapping);
  checkGenerationOptions(options);
  return options;
}
