import {
  HF_GENERATION_DEFAULTS,
  RiffError,
  checkGenerationOptions,
  isGreedy,
  type GenerationOptions,
  type SamplingOptions,
} from "@riff/core";

/** Options of one generate()/stream() call: core's GenerationOptions plus an abort signal. */
export interface TextGenerationOptions extends GenerationOptions {
  /** Stops generation within one step; the result then has stopReason "aborted". */
  readonly signal?: AbortSignal | undefined;
}

/** How many tokens to generate when neither the call nor generation_config.json says. */
export const DEFAULT_MAX_NEW_TOKENS = 256;

/**
 * Tokens drafted per step by prompt lookup when greedy decoding one prompt and neither the call
 * nor generation_config.json says (0 turns it off). On stories260K a 5-token forward pass costs
 * about 1.2 times a 1-token one, and drafts past the fourth are seldom accepted (200 tokens from
 * "Once upon a time": 54 drafts accepted with 4 per step, 57 with 8).
 */
export const DEFAULT_PROMPT_LOOKUP_TOKENS = 4;

/** The seed used when neither the call nor generation_config.json gives one. */
export const DEFAULT_SEED = 0;

/** Options after merging the model's defaults under the caller's, validated, ready to run. */
export interface ResolvedOptions {
  readonly sampling: SamplingOptions;
  readonly greedy: boolean;
  readonly maxNewTokens: number;
  readonly numBeams: number;
  readonly lengthPenalty: number;
  readonly earlyStopping: boolean | "never";
  readonly numReturnSequences: number;
  readonly stop: readonly string[];
  readonly logprobs: boolean;
  readonly topLogprobs: number;
  /** Tokens drafted per step by prompt lookup; 0 = plain decoding. Only ever > 0 for greedy decoding of one sequence. */
  readonly promptLookupNumTokens: number;
  readonly eosTokenIds: readonly number[];
  readonly seed: number;
  readonly signal: AbortSignal | undefined;
}

/**
 * Options that only make sense when sampling (HF's "warpers"), and when a value asks for sampling:
 * any temperature > 0 (even 1), the others only when they filter.
 */
const WARPERS: ReadonlyArray<[keyof SamplingOptions, string, (v: number) => boolean]> = [
  ["temperature", "temperature", (v) => v > 0],
  ["topK", "top_k", (v) => v > 0],
  ["topP", "top_p", (v) => v < 1],
  ["minP", "min_p", (v) => v > 0],
  ["typicalP", "typical_p", (v) => v < 1],
];

const KNOWN_KEYS = new Set<string>([
  "temperature",
  "topK",
  "topP",
  "minP",
  "typicalP",
  "repetitionPenalty",
  "presencePenalty",
  "frequencyPenalty",
  "noRepeatNgramSize",
  "logitBias",
  "minNewTokens",
  "eosTokenIds",
  "seed",
  "doSample",
  "maxNewTokens",
  "maxLength",
  "numBeams",
  "lengthPenalty",
  "earlyStopping",
  "numReturnSequences",
  "stop",
  "logprobs",
  "topLogprobs",
  "promptLookupNumTokens",
  "signal",
]);

/**
 * Merges the call's options over the model's generation_config.json (and transformers' defaults
 * for keys neither gives, except max_length), then checks every combination riff does not run:
 * each refusal is a RiffError naming the option.
 *
 * - Sampling is on when the call says doSample, or sets a warper (temperature > 0, top_k, top_p,
 *   min_p, typical_p) without saying doSample; else the model's do_sample decides (default false).
 * - Under beam search the model's sampling defaults are dropped (beam search does not sample);
 *   warpers or doSample in the call are refused, as are stop strings and logprobs.
 */
export function resolveOptions(
  user: Readonly<TextGenerationOptions>,
  model: Readonly<GenerationOptions>,
  context: {
    promptLength: number;
    contextLength: number | undefined;
    eosTokenIds: readonly number[];
    streaming: boolean;
    /** How many prompts run together. */
    batch: number;
  },
): ResolvedOptions {
  if (user === null || typeof user !== "object") throw new RiffError("options must be an object", "options");
  for (const key of Object.keys(user)) {
    if (!KNOWN_KEYS.has(key) && (user as Record<string, unknown>)[key] !== undefined) {
      throw new RiffError(`unknown generation option "${key}"`, key);
    }
  }
  const own = withoutUndefined(user);
  // min_new_tokens needs EOS ids; the model supplies them when the call does not.
  checkGenerationOptions({ ...own, eosTokenIds: own.eosTokenIds ?? model.eosTokenIds ?? context.eosTokenIds });
  if (own.stop !== undefined && typeof own.stop === "string") throw new RiffError("stop must be a list of strings", "stop");

  const userWarper = WARPERS.find(([key, , on]) => typeof own[key] === "number" && on(own[key] as number));
  // The warpers that would change the output (temperature 1 divides by one).
  const effective = WARPERS.find(
    ([key, , on]) => typeof own[key] === "number" && on(own[key] as number) && !(key === "temperature" && own[key] === 1),
  );
  const numBeams = own.numBeams ?? model.numBeams ?? 1;
  const beam = numBeams > 1;

  const { maxLength: _hfMaxLength, ...hfDefaults } = HF_GENERATION_DEFAULTS;
  void _hfMaxLength;
  const base: GenerationOptions = { ...hfDefaults, ...model };
  if (beam) {
    // Beam search never samples: the model's sampling defaults do not apply.
    for (const [key] of WARPERS) delete (base as Record<string, unknown>)[key];
    base.doSample = false;
  }
  const merged: GenerationOptions = { ...base, ...own };
  if (own.doSample === false && effective !== undefined) {
    throw new RiffError(`${effective[1]} only applies when sampling, but do_sample is false`, effective[1]);
  }
  if (own.doSample === undefined) {
    if (own.temperature === 0) merged.doSample = false;
    else if (userWarper !== undefined) merged.doSample = true;
  }
  merged.eosTokenIds = own.eosTokenIds ?? model.eosTokenIds ?? context.eosTokenIds;
  checkGenerationOptions(merged);
  const greedy = isGreedy(merged);

  if (beam) {
    if (own.doSample === true) throw new RiffError("beam search with sampling (do_sample) is not supported; use num_beams 1 to sample", "do_sample");
    if (effective !== undefined) {
      throw new RiffError(`${effective[1]} only applies when sampling; riff's beam search does not sample (num_beams ${numBeams})`, effective[1]);
    }
    if ((own.stop?.length ?? 0) > 0) throw new RiffError("stop strings are not supported with beam search (num_beams > 1)", "stop");
    if (own.logprobs === true || (own.topLogprobs ?? 0) > 0) {
      throw new RiffError("logprobs are not supported with beam search (num_beams > 1)", own.logprobs === true ? "logprobs" : "top_logprobs");
    }
    if (context.streaming) throw new RiffError("streaming is not supported with beam search (num_beams > 1)", "num_beams");
  }
  const numReturnSequences = merged.numReturnSequences ?? 1;
  if (!beam && greedy && numReturnSequences > 1) {
    throw new RiffError("num_return_sequences > 1 needs sampling or beam search (greedy decoding gives one sequence)", "num_return_sequences");
  }
  if (context.streaming && numReturnSequences > 1) {
    throw new RiffError("streaming gives one sequence; num_return_sequences must be 1", "num_return_sequences");
  }

  const room = context.contextLength === undefined ? Number.POSITIVE_INFINITY : context.contextLength - context.promptLength;
  if (room <= 0) {
    throw new RiffError(`the prompt (${context.promptLength} tokens) fills the model's context of ${context.contextLength} tokens`, "prompt");
  }
  let maxNewTokens: number;
  let option = "max_new_tokens";
  if (own.maxNewTokens !== undefined) maxNewTokens = own.maxNewTokens;
  else if (own.maxLength !== undefined) {
    maxNewTokens = Math.max(0, own.maxLength - context.promptLength);
    option = "max_length";
  } else if (model.maxNewTokens !== undefined) maxNewTokens = Math.min(model.maxNewTokens, room);
  else if (model.maxLength !== undefined) maxNewTokens = Math.min(Math.max(0, model.maxLength - context.promptLength), room);
  else maxNewTokens = Math.min(DEFAULT_MAX_NEW_TOKENS, room);
  if (maxNewTokens > room) {
    throw new RiffError(
      `${option} ${option === "max_length" ? own.maxLength : maxNewTokens} goes beyond the model's context: ` +
        `the prompt has ${context.promptLength} tokens and max_position_embeddings is ${context.contextLength}, ` +
        `so at most ${room} new tokens fit`,
      option,
    );
  }
  if ((merged.minNewTokens ?? 0) > 0 && merged.eosTokenIds.length === 0) {
    throw new RiffError("min_new_tokens needs an EOS token id and the model declares none", "min_new_tokens");
  }
  const topLogprobs = merged.topLogprobs ?? 0;
  const lookup = own.promptLookupNumTokens ?? 0;
  if (lookup > 0) {
    if (beam) throw new RiffError(`prompt_lookup_num_tokens applies to greedy decoding, not to beam search (num_beams ${numBeams})`, "prompt_lookup_num_tokens");
    if (!greedy) {
      throw new RiffError("prompt_lookup_num_tokens applies to greedy decoding only; set do_sample false or temperature 0, or leave it out", "prompt_lookup_num_tokens");
    }
    if (context.batch > 1) throw new RiffError("prompt_lookup_num_tokens decodes one prompt at a time; run batched prompts without it", "prompt_lookup_num_tokens");
  }
  const promptLookupNumTokens =
    greedy && !beam && context.batch === 1 ? (own.promptLookupNumTokens ?? model.promptLookupNumTokens ?? DEFAULT_PROMPT_LOOKUP_TOKENS) : 0;
  // No hidden entropy: without a seed every run is repeatable (seed 0); pass one to vary the output.
  const seed = own.seed ?? DEFAULT_SEED;
  const { maxNewTokens: _a, maxLength: _b, numBeams: _c, lengthPenalty: _d, earlyStopping: _e, numReturnSequences: _f, stop: _g, logprobs: _h, topLogprobs: _i, promptLookupNumTokens: _j, ...sampling } = merged;
  void [_a, _b, _c, _d, _e, _f, _g, _h, _i, _j];
  return {
    sampling: { ...sampling, seed },
    greedy,
    maxNewTokens,
    numBeams,
    lengthPenalty: merged.lengthPenalty ?? 1,
    earlyStopping: merged.earlyStopping ?? false,
    numReturnSequences,
    stop: own.stop ?? (beam ? [] : (model.stop ?? [])),
    logprobs: merged.logprobs === true || topLogprobs > 0,
    topLogprobs,
    promptLookupNumTokens,
    eosTokenIds: merged.eosTokenIds,
    seed,
    signal: user.signal,
  };
}

function withoutUndefined(options: Readonly<TextGenerationOptions>): GenerationOptions {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) if (value !== undefined && key !== "signal") out[key] = value;
  return out as GenerationOptions;
}
