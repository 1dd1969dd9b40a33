import { RiffError, checkNumber } from "../errors.js";
import type { LogitBias } from "./logit-bias.js";
import { normalizeLogitBias } from "./logit-bias.js";

/**
 * Everything that shapes how tokens are chosen, in riff's camelCase. Messages about bad values use
 * the Hugging Face / OpenAI names (top_p, repetition_penalty…), which are what users type.
 * Every field is optional; leaving one out means "off" (the identity), not a library default.
 */
export interface SamplingOptions {
  /** Logits are divided by it. 0 means greedy decoding (argmax); must be ≥ 0. Default 1. */
  temperature?: number;
  /** Keep the k most likely tokens (ties with the k-th kept); integer ≥ 0, 0 = off. */
  topK?: number;
  /** Nucleus: smallest most-likely set with cumulative probability ≥ topP; in (0, 1], 1 = off. */
  topP?: number;
  /** Keep tokens with p ≥ minP · p_max; in [0, 1], 0 = off. */
  minP?: number;
  /** Locally typical sampling mass; in (0, 1], 1 = off. */
  typicalP?: number;
  /** CTRL/HF repetition penalty over the whole sequence (prompt included); > 0, 1 = off. */
  repetitionPenalty?: number;
  /** OpenAI presence penalty over generated tokens; in [−2, 2], 0 = off. */
  presencePenalty?: number;
  /** OpenAI frequency penalty over generated tokens; in [−2, 2], 0 = off. */
  frequencyPenalty?: number;
  /** Ban tokens completing an n-gram already in the sequence; integer ≥ 0, 0 = off. */
  noRepeatNgramSize?: number;
  /** Token id → bias in [−100, 100], added to the logits. */
  logitBias?: LogitBias;
  /** EOS ids are banned until this many tokens were generated; integer ≥ 0. Needs eosTokenIds. */
  minNewTokens?: number;
  /** The ids that end a sequence. */
  eosTokenIds?: readonly number[];
  /** Seed for the {@link Rng} the caller samples with; a safe integer. */
  seed?: number;
  /**
   * false = greedy (or plain beam search): the warpers (temperature, top-k, top-p, min-p,
   * typical-p) are not applied, as in HF. Undefined = sample unless temperature is 0.
   * Note: HF's own default is false, so a generation_config.json without `do_sample` decodes
   * greedily in transformers; see {@link HF_GENERATION_DEFAULTS}.
   */
  doSample?: boolean;
}

/** Sampling plus everything else a text generation run takes. The text package consumes this. */
export interface GenerationOptions extends SamplingOptions {
  /** Most tokens to generate after the prompt; integer ≥ 0. Wins over maxLength. */
  maxNewTokens?: number;
  /** HF `max_length`: most tokens in prompt + generation; integer ≥ 1. */
  maxLength?: number;
  /** Beam search width; integer ≥ 1, 1 = no beam search. */
  numBeams?: number;
  /** Beam scores are divided by length^lengthPenalty (HF); finite. Default 1. */
  lengthPenalty?: number;
  /** HF beam stopping rule: true, false (heuristic) or "never" (exact). */
  earlyStopping?: boolean | "never";
  /** Sequences to return; integer ≥ 1 and ≤ numBeams under beam search. */
  numReturnSequences?: number;
  /** Generation stops when the text ends with one of these (non-empty) strings. */
  stop?: readonly string[];
  /** Report the chosen tokens' log-probabilities. */
  logprobs?: boolean;
  /** How many most-likely alternatives to report per token; integer ≥ 0. */
  topLogprobs?: number;
  /**
   * Greedy decoding only: how many tokens to draft per step by prompt lookup (copied from where
   * the last few tokens appeared before), all checked in one forward pass; integer in [0, 64],
   * 0 = off. The output is the same; only the number of forward passes changes.
   */
  promptLookupNumTokens?: number;
}

/** The most tokens prompt lookup may draft per step. */
export const MAX_PROMPT_LOOKUP_TOKENS = 64;

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

function checkOptional(option: string, value: number | undefined, range: Parameters<typeof checkNumber>[2]): void {
  if (value !== undefined) checkNumber(option, value, range);
}

function checkBooleanOption(option: string, value: unknown): void {
  if (value !== undefined && typeof value !== "boolean") {
    throw new RiffError(`${option} must be true or false, got ${JSON.stringify(value)}`, option);
  }
}

/** Throws RiffError, naming the option and its allowed range, for the first invalid sampling option. */
export function checkSamplingOptions(options: Readonly<SamplingOptions>): void {
  checkOptional("temperature", options.temperature, { min: 0 });
  checkOptional("top_k", options.topK, { min: 0, integer: true });
  checkOptional("top_p", options.topP, { min: 0, minExclusive: true, max: 1 });
  checkOptional("min_p", options.minP, { min: 0, max: 1 });
  checkOptional("typical_p", options.typicalP, { min: 0, minExclusive: true, max: 1 });
  checkOptional("repetition_penalty", options.repetitionPenalty, { min: 0, minExclusive: true });
  checkOptional("presence_penalty", options.presencePenalty, { min: -2, max: 2 });
  checkOptional("frequency_penalty", options.frequencyPenalty, { min: -2, max: 2 });
  checkOptional("no_repeat_ngram_size", options.noRepeatNgramSize, { min: 0, integer: true });
  checkOptional("min_new_tokens", options.minNewTokens, { min: 0, integer: true });
  checkOptional("seed", options.seed, { min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER, integer: true });
  checkBooleanOption("do_sample", options.doSample);
  if (options.logitBias !== undefined) normalizeLogitBias(options.logitBias);
  if (options.eosTokenIds !== undefined) {
    if (!Array.isArray(options.eosTokenIds)) {
      throw new RiffError("eos_token_id must be a token id or a list of token ids", "eos_token_id");
    }
    for (const id of options.eosTokenIds) checkNumber("eos_token_id", id, { min: 0, integer: true });
  }
  if ((options.minNewTokens ?? 0) > 0 && (options.eosTokenIds?.length ?? 0) === 0) {
    throw new RiffError("min_new_tokens needs the EOS token ids (eos_token_id) to ban", "min_new_tokens");
  }
}

/** {@link checkSamplingOptions} plus the length, beam and output options. */
export function checkGenerationOptions(options: Readonly<GenerationOptions>): void {
  checkSamplingOptions(options);
  checkOptional("max_new_tokens", options.maxNewTokens, { min: 0, integer: true });
  checkOptional("max_length", options.maxLength, { min: 1, integer: true });
  checkOptional("num_beams", options.numBeams, { min: 1, integer: true });
  checkOptional("length_penalty", options.lengthPenalty, {});
  checkOptional("num_return_sequences", options.numReturnSequences, { min: 1, integer: true });
  checkOptional("top_logprobs", options.topLogprobs, { min: 0, integer: true });
  checkOptional("prompt_lookup_num_tokens", options.promptLookupNumTokens, { min: 0, max: MAX_PROMPT_LOOKUP_TOKENS, integer: true });
  checkBooleanOption("logprobs", options.logprobs);
  const early = options.earlyStopping;
  if (early !== undefined && typeof early !== "boolean" && early !== "never") {
    throw new RiffError(`early_stopping must be true, false or "never", got ${JSON.stringify(early)}`, "early_stopping");
  }
  const beams = options.numBeams ?? 1;
  if (beams > 1 && (options.numReturnSequences ?? 1) > beams) {
    throw new RiffError(
      `num_return_sequences must be ≤ num_beams (${beams}) under beam search, got ${options.numReturnSequences}`,
      "num_return_sequences",
    );
  }
  if (options.stop !== undefined) {
    if (!Array.isArray(options.stop) || options.stop.some((s) => typeof s !== "string" || s === "")) {
      throw new RiffError("stop must be a list of non-empty strings", "stop");
    }
  }
}
