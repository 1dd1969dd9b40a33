import { z } from "zod";
import { RiffError, optionError } from "../errors.js";
import { OptionSchema, type OptionOutput } from "../schema/option-schema.js";
import type { LogitBias } from "./logit-bias.js";

/**
 * Text generation's options, declared once: how tokens are chosen (sampling), how long and how
 * wide to search, and what to report. Library calls, the CLI's flags, generation_config.json and
 * server requests are all validated by this table (see OptionSchema); messages name options in the
 * caller's vocabulary. Leaving an option out means "off" (the identity), not a library default.
 */

/** The most tokens prompt lookup may draft per step. */
export const MAX_PROMPT_LOOKUP_TOKENS = 64;
/** The widest beam search: each beam is a row of the KV cache, so memory grows with it. */
export const MAX_NUM_BEAMS = 32;
/** The most sequences one call returns (each sampled sequence is a row of the batch). */
export const MAX_RETURN_SEQUENCES = 64;
/** The most alternatives reported per token (OpenAI's limit). */
export const MAX_TOP_LOGPROBS = 20;
/** The most stop strings, and the longest one, per call. */
export const MAX_STOP_STRINGS = 16;
export const MAX_STOP_LENGTH = 1000;
/** The most token ids one logit_bias may name. */
export const MAX_LOGIT_BIAS_ENTRIES = 1024;
/** The most new tokens any call may ask for; the model's context usually bounds it far sooner. */
export const MAX_NEW_TOKENS = 1 << 20;

const int = (min: number, max = Number.MAX_SAFE_INTEGER) => z.number().int().min(min).max(max);
const tokenId = int(0, 0x7fffffff);

/** Token id → bias in [−100, 100]: a plain object with decimal-id keys, or a Map. */
function isLogitBias(value: unknown): value is LogitBias {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const entries: Array<[unknown, unknown]> = value instanceof Map ? [...value.entries()] : Object.entries(value);
  if (entries.length > MAX_LOGIT_BIAS_ENTRIES) return false;
  return entries.every(([id, bias]) => {
    const n = typeof id === "number" ? id : typeof id === "string" && /^\d+$/.test(id) ? Number(id) : Number.NaN;
    return Number.isSafeInteger(n) && n >= 0 && n <= 0x7fffffff && typeof bias === "number" && bias >= -100 && bias <= 100;
  });
}

export const SAMPLING_OPTIONS = {
  temperature: { type: z.number().min(0), hf: "temperature", flag: "temperature", metavar: "t", doc: "divide the logits by it; 0 = greedy decoding", default: "the model's generation_config, else 1" },
  topK: { type: int(0), hf: "top_k", flag: "top-k", metavar: "k", doc: "sample among the k most likely tokens (0 = off)", default: "the model's, else 50 when sampling (as transformers)" },
  topP: { type: z.number().gt(0).max(1), hf: "top_p", flag: "top-p", metavar: "p", doc: "nucleus sampling: the smallest set of tokens with this much probability (1 = off)" },
  minP: { type: z.number().min(0).max(1), hf: "min_p", flag: "min-p", metavar: "p", doc: "drop tokens below p × the top token's probability (0 = off)" },
  typicalP: { type: z.number().gt(0).max(1), hf: "typical_p", flag: "typical-p", metavar: "p", doc: "locally typical sampling mass (1 = off)" },
  repetitionPenalty: { type: z.number().gt(0), hf: "repetition_penalty", flag: "repetition-penalty", metavar: "r", doc: "penalise tokens already in the text, prompt included (1 = off)" },
  presencePenalty: { type: z.number().min(-2).max(2), hf: "presence_penalty", flag: "presence-penalty", metavar: "x", doc: "OpenAI presence penalty over generated tokens (0 = off)" },
  frequencyPenalty: { type: z.number().min(-2).max(2), hf: "frequency_penalty", flag: "frequency-penalty", metavar: "x", doc: "OpenAI frequency penalty over generated tokens (0 = off)" },
  noRepeatNgramSize: { type: int(0, 1024), hf: "no_repeat_ngram_size", flag: "no-repeat-ngram-size", metavar: "n", doc: "never repeat an n-gram of this size (0 = off)" },
  logitBias: {
    type: z.custom<LogitBias>(isLogitBias),
    hf: "logit_bias",
    flag: "logit-bias",
    metavar: "id=bias",
    allowed: `an object mapping at most ${MAX_LOGIT_BIAS_ENTRIES} token ids (integers ≥ 0) to biases in [-100, 100]`,
    doc: "add a bias to chosen tokens' logits (±100 bans or forces a token)",
    parseFlag: (value: string, previous: unknown): Record<string, number> => {
      const match = /^\s*(\d+)\s*=\s*(-?\d+(?:\.\d+)?)\s*$/.exec(value);
      if (match === null) throw new RiffError(`--logit-bias takes ID=BIAS, e.g. 50256=-100, got ${JSON.stringify(value)}`, "--logit-bias");
      return { ...(previous as Record<string, number> | undefined), [match[1]!]: Number(match[2]) };
    },
  },
  minNewTokens: { type: int(0, MAX_NEW_TOKENS), hf: "min_new_tokens", flag: "min-new-tokens", metavar: "n", doc: "ban end-of-sequence until this many tokens were generated" },
  eosTokenIds: {
    type: z.union([tokenId, z.array(tokenId).max(64).readonly()]).transform((v): readonly number[] => (typeof v === "number" ? [v] : v)),
    hf: "eos_token_id",
    allowed: "a token id or a list of at most 64 token ids (integers ≥ 0)",
    doc: "the token ids that end a sequence",
    default: "the model's generation_config / config.json",
  },
  seed: { type: z.number().int(), hf: "seed", flag: "seed", metavar: "n", doc: "seed of the random generator: the same seed gives the same output", default: "the model's generation_config, else 0" },
  doSample: { type: z.boolean(), hf: "do_sample", doc: "sample (true) or decode greedily / by beam search (false)", default: "true when a sampling option is given, else the model's" },
} as const;

export const GENERATION_OPTIONS = {
  ...SAMPLING_OPTIONS,
  maxNewTokens: { type: int(0, MAX_NEW_TOKENS), hf: "max_new_tokens", flag: "max-tokens", metavar: "n", doc: "most new tokens to generate", default: "generation_config, else 256 (within the context)" },
  maxLength: { type: int(1, MAX_NEW_TOKENS), hf: "max_length", doc: "most tokens in prompt + generation (max_new_tokens wins)" },
  numBeams: { type: int(1, MAX_NUM_BEAMS), hf: "num_beams", flag: "num-beams", metavar: "n", doc: "beam search width (1 = no beam search)", default: "1" },
  lengthPenalty: { type: z.number(), hf: "length_penalty", flag: "length-penalty", metavar: "x", doc: "beam scores are divided by length ** this", default: "1" },
  earlyStopping: { type: z.union([z.boolean(), z.literal("never")]), hf: "early_stopping", doc: "beam stopping rule: true, false (heuristic) or \"never\" (exact)", default: "false" },
  numReturnSequences: { type: int(1, MAX_RETURN_SEQUENCES), hf: "num_return_sequences", flag: "num-return-sequences", metavar: "n", doc: "sequences to return (sampling, or ≤ num_beams under beam search)", default: "1" },
  stop: {
    type: z.union([z.string().min(1).max(MAX_STOP_LENGTH), z.array(z.string().min(1).max(MAX_STOP_LENGTH)).max(MAX_STOP_STRINGS).readonly()]).transform((v): readonly string[] => (typeof v === "string" ? [v] : v)),
    hf: "stop_strings",
    flag: "stop",
    metavar: "text",
    allowed: `a non-empty string or a list of at most ${MAX_STOP_STRINGS} (each at most ${MAX_STOP_LENGTH} characters)`,
    doc: "stop when the text ends with one of these strings",
  },
  logprobs: { type: z.boolean(), hf: "logprobs", flag: "logprobs", doc: "report each chosen token's log-probability" },
  topLogprobs: { type: int(0, MAX_TOP_LOGPROBS), hf: "top_logprobs", flag: "top-logprobs", metavar: "n", doc: "also report the n most likely alternatives per token" },
  promptLookupNumTokens: {
    type: int(0, MAX_PROMPT_LOOKUP_TOKENS),
    hf: "prompt_lookup_num_tokens",
    flag: "prompt-lookup",
    metavar: "n",
    doc: "greedy only: draft up to n tokens per step from earlier text, checked in one pass (same output, fewer passes)",
    default: "4, but 0 on dynamically quantized decoders (q8/int8: drafting would change their output); 0 = off",
  },
} as const;

/** The text generation options' schema (the text package adds the abort signal). */
export const generationOptionsSchema = new OptionSchema("text generation", GENERATION_OPTIONS);
export const samplingOptionsSchema = new OptionSchema("sampling", SAMPLING_OPTIONS);

/** How tokens are chosen, validated: every field optional (absent = off). */
export type SamplingOptions = OptionOutput<typeof SAMPLING_OPTIONS>;
/** Sampling plus length, beam and output options, validated. */
export type GenerationOptions = OptionOutput<typeof GENERATION_OPTIONS>;

/**
 * The values transformers' GenerationConfig uses when a key is absent. riff does not apply them
 * implicitly (an absent option is "off"); a caller that wants transformers' behaviour for a model
 * folder spreads these under the mapped options: `{ ...HF_GENERATION_DEFAULTS, ...mapped }`.
 * Note top_k = 50 and do_sample = false.
 */
export const HF_GENERATION_DEFAULTS: Readonly<GenerationOptions> = Object.freeze({
  doSample: false,
  temperature: 1,
  topK: 50,
  topP: 1,
  minP: 0,
  typicalP: 1,
  repetitionPenalty: 1,
  noRepeatNgramSize: 0,
  maxLength: 20,
  numBeams: 1,
  lengthPenalty: 1,
  earlyStopping: false,
  numReturnSequences: 1,
});

/** True when the options ask for greedy decoding: doSample false or temperature 0. */
export function isGreedy(options: Readonly<SamplingOptions>): boolean {
  return options.doSample === false || options.temperature === 0;
}

/** Throws RiffError, naming the option and its allowed range, for the first invalid sampling option. */
export function checkSamplingOptions(options: Readonly<SamplingOptions>): void {
  samplingOptionsSchema.parse(options, "library", { extra: Object.keys(GENERATION_OPTIONS).filter((k) => !(k in SAMPLING_OPTIONS)) });
  if ((options.minNewTokens ?? 0) > 0 && (options.eosTokenIds?.length ?? 0) === 0) {
    throw optionError("minNewTokens", "{minNewTokens} needs the EOS token ids ({eosTokenIds}) to ban");
  }
}

/** {@link checkSamplingOptions} plus the length, beam and output options, and how they combine. */
export function checkGenerationOptions(options: Readonly<GenerationOptions>): void {
  generationOptionsSchema.parse(options, "library", { extra: ["signal"] });
  if ((options.minNewTokens ?? 0) > 0 && (options.eosTokenIds?.length ?? 0) === 0) {
    throw optionError("minNewTokens", "{minNewTokens} needs the EOS token ids ({eosTokenIds}) to ban");
  }
  const beams = options.numBeams ?? 1;
  if (beams > 1 && (options.numReturnSequences ?? 1) > beams) {
    throw optionError("numReturnSequences", `{numReturnSequences} must be ≤ {numBeams} (${beams}) under beam search, got ${options.numReturnSequences}`);
  }
}
