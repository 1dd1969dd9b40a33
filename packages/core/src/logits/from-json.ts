import { RiffError } from "../errors.js";
import { checkGenerationOptions, generationOptionsSchema, type GenerationOptions } from "./options.js";

/** How to treat keys the mapping does not know. */
export interface MappingOptions {
  /** Throw a RiffError naming every unknown or unsupported key instead of leaving them out. */
  strict?: boolean;
  /** Told the unknown or unsupported keys (non-strict mode), e.g. to print a warning. */
  onUnknown?: (keys: readonly string[]) => void;
}

type Json = Readonly<Record<string, unknown>>;

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
