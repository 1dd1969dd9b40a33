import { z } from "zod";
import {
  GENERATION_OPTIONS,
  HF_GENERATION_DEFAULTS,
  OptionSchema,
  checkGenerationOptions,
  isGreedy,
  optionError,
  type GenerationOptions,
  type OptionInput,
  type SamplingOptions,
} from "@riff/core";
import { grammarSource, responseFormatType, type GrammarSource } from "./structured/response-format.js";

/** Text generation's option table: core's generation options, the response format and an abort signal. */
export const TEXT_OPTIONS = {
  ...GENERATION_OPTIONS,
  responseFormat: {
    type: responseFormatType,
    hf: "response_format",
    allowed: '{type: "json_schema", schema}, {type: "json_object"}, {type: "regex", pattern}, {type: "grammar", grammar} (GBNF) or {type: "text"}',
    doc: "constrain the output to a JSON Schema, any JSON object, a regular expression or a GBNF grammar (CLI: --json-schema, --regex, --grammar); logprobs are then those after the constraint",
  },
  signal: {
    type: z.instanceof(AbortSignal),
    allowed: "an AbortSignal",
    doc: "stops generation within one step; the result then has stopReason \"aborted\"",
  },
} as const;

/** The one schema behind generate()/stream(), the CLI's `riff text` flags and the server's requests. */
export const textOptionsSchema = new OptionSchema("text generation", TEXT_OPTIONS);

/** Options of one generate()/stream() call. */
export type TextGenerationOptions = OptionInput<typeof TEXT_OPTIONS>;

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
  /** What the output must match (responseFormat), undefined for free text. */
  readonly grammar: GrammarSource | undefined;
  readonly seed: number;
  readonly signal: AbortSignal | undefined;
}

/**
 * Options that only make sense when sampling (HF's "warpers"), and when a value asks for sampling:
 * any temperature > 0 (even 1), the others only when they filter.
 */
const WARPERS: ReadonlyArray<[keyof SamplingOptions, (v: number) => boolean]> = [
  ["temperature", (v) => v > 0],
  ["topK", (v) => v > 0],
  ["topP", (v) => v < 1],
  ["minP", (v) => v > 0],
  ["typicalP", (v) => v < 1],
];

/**
 * Merges the call's options over the model's generation_config.json (and transformers' defaults
 * for keys neither gives, except max_length), then checks every combination riff does not run:
 * each refusal is a RiffError naming the option.
 *
 * - Sampling is on when the call says doSample, or sets a warper (temperature > 0, top_k, top_p,
 *   min_p, typical_p) without saying doSample; else the model's do_sample decides (default false).
 * - Under beam search the model's sampling defaults are dropped (beam search does not sample);
 *   warpers or doSample in the call are refused, as are stop strings and logprobs.
 *
 * Errors name options by library key ({@link optionError}); entry points re-word them.
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
    /** Tokens to draft when neither the call nor the model says (default {@link DEFAULT_PROMPT_LOOKUP_TOKENS}; 0 for dynamically quantized decoders). */
    defaultPromptLookup?: number;
  },
): ResolvedOptions {
  const { signal, responseFormat, ...own } = textOptionsSchema.parse(user, "library");
  const grammar = responseFormat === undefined ? undefined : grammarSource(responseFormat);
  // min_new_tokens needs EOS ids; the model supplies them when the call does not.
  checkGenerationOptions({ ...own, eosTokenIds: own.eosTokenIds ?? model.eosTokenIds ?? context.eosTokenIds });

  const userWarper = WARPERS.find(([key, on]) => typeof own[key] === "number" && on(own[key] as number));
  // The warpers that would change the output (temperature 1 divides by one).
  const effective = WARPERS.find(
    ([key, on]) => typeof own[key] === "number" && on(own[key] as number) && !(key === "temperature" && own[key] === 1),
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
    throw optionError(effective[0], `{${effective[0]}} only applies when sampling, but {doSample} is false`);
  }
  if (own.doSample === undefined) {
    if (own.temperature === 0) merged.doSample = false;
    else if (userWarper !== undefined) merged.doSample = true;
  }
  merged.eosTokenIds = own.eosTokenIds ?? model.eosTokenIds ?? context.eosTokenIds;
  checkGenerationOptions(merged);
  const greedy = isGreedy(merged);

  if (beam) {
    if (own.doSample === true) throw optionError("doSample", "beam search with sampling ({doSample}) is not supported; use {numBeams} 1 to sample");
    if (effective !== undefined) {
      throw optionError(effective[0], `{${effective[0]}} only applies when sampling; riff's beam search does not sample ({numBeams} ${numBeams})`);
    }
    if ((own.stop?.length ?? 0) > 0) throw optionError("stop", "{stop} strings are not supported with beam search ({numBeams} > 1)");
    if (own.logprobs === true || (own.topLogprobs ?? 0) > 0) {
      const key = own.logprobs === true ? "logprobs" : "topLogprobs";
      throw optionError(key, `{${key}} are not supported with beam search ({numBeams} > 1)`);
    }
    if (context.streaming) throw optionError("numBeams", "streaming is not supported with beam search ({numBeams} > 1)");
  }
  const numReturnSequences = merged.numReturnSequences ?? 1;
  if (!beam && greedy && numReturnSequences > 1) {
    throw optionError("numReturnSequences", "{numReturnSequences} > 1 needs sampling or beam search (greedy decoding gives one sequence)");
  }
  if (context.streaming && numReturnSequences > 1) {
    throw optionError("numReturnSequences", "streaming gives one sequence; {numReturnSequences} must be 1");
  }

  const room = context.contextLength === undefined ? Number.POSITIVE_INFINITY : context.contextLength - context.promptLength;
  if (room <= 0) {
    throw optionError("prompt", `the {prompt} (${context.promptLength} tokens) fills the model's context of ${context.contextLength} tokens`);
  }
  let maxNewTokens: number;
  let option: "maxNewTokens" | "maxLength" = "maxNewTokens";
  if (own.maxNewTokens !== undefined) maxNewTokens = own.maxNewTokens;
  else if (own.maxLength !== undefined) {
    maxNewTokens = Math.max(0, own.maxLength - context.promptLength);
    option = "maxLength";
  } else if (model.maxNewTokens !== undefined) maxNewTokens = Math.min(model.maxNewTokens, room);
  else if (model.maxLength !== undefined) maxNewTokens = Math.min(Math.max(0, model.maxLength - context.promptLength), room);
  else maxNewTokens = Math.min(DEFAULT_MAX_NEW_TOKENS, room);
  if (maxNewTokens > room) {
    throw optionError(
      option,
      `{${option}} ${option === "maxLength" ? own.maxLength : maxNewTokens} goes beyond the model's context: ` +
        `the prompt has ${context.promptLength} tokens and max_position_embeddings is ${context.contextLength}, ` +
        `so at most ${room} new tokens fit`,
    );
  }
  if ((merged.minNewTokens ?? 0) > 0 && merged.eosTokenIds.length === 0) {
    throw optionError("minNewTokens", "{minNewTokens} needs an EOS token id and the model declares none");
  }
  // The format alone decides where the output may end: a grammar that allows only EOS before
  // minNewTokens would leave the sampler no token to choose.
  if ((merged.minNewTokens ?? 0) > 0 && grammar !== undefined) {
    throw optionError("minNewTokens", "{minNewTokens} cannot be combined with {responseFormat}: the format decides where the output ends (EOS only where it is complete); leave {minNewTokens} out");
  }
  const topLogprobs = merged.topLogprobs ?? 0;
  const lookup = own.promptLookupNumTokens ?? 0;
  if (lookup > 0) {
    const key = "promptLookupNumTokens";
    if (beam) throw optionError(key, `{${key}} applies to greedy decoding, not to beam search ({numBeams} ${numBeams})`);
    if (!greedy) throw optionError(key, `{${key}} applies to greedy decoding only; set {doSample} false or {temperature} 0, or leave it out`);
    if (context.batch > 1) throw optionError(key, `{${key}} decodes one prompt at a time; run batched prompts without it`);
  }
  const promptLookupNumTokens =
    greedy && !beam && context.batch === 1 ? (own.promptLookupNumTokens ?? model.promptLookupNumTokens ?? context.defaultPromptLookup ?? DEFAULT_PROMPT_LOOKUP_TOKENS) : 0;
  // No hidden entropy: without a seed every run is repeatable (seed 0); pass one to vary the output.
  const seed = own.seed ?? model.seed ?? DEFAULT_SEED;
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
    grammar,
    seed,
    signal,
  };
}
