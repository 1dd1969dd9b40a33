import { test } from "node:test";
import assert from "node:assert/strict";
import {
  HF_GENERATION_DEFAULTS,
  LogitBiasProcessor,
  MinNewTokensProcessor,
  MinPProcessor,
  NoRepeatNgramProcessor,
  PresenceFrequencyPenaltyProcessor,
  RepetitionPenaltyProcessor,
  RiffError,
  TemperatureProcessor,
  TopKProcessor,
  TopPProcessor,
  TypicalPProcessor,
  checkGenerationOptions,
  createLogitsProcessors,
  isGreedy,
  samplingOptionsFromGenerationConfig,
} from "@riff/core";

/** Asserts a RiffError whose option is `option` and whose message names it and shows `range`. */
function refuses(make: () => unknown, option: string, range: string): void {
  assert.throws(make, (e: unknown) => {
    assert.ok(e instanceof RiffError, `expected a RiffError, got ${String(e)}`);
    assert.equal(e.option, option);
    assert.ok(e.message.includes(option), `"${e.message}" does not name ${option}`);
    assert.ok(e.message.includes(range), `"${e.message}" does not show the range ${range}`);
    return true;
  });
}

test("processors refuse bad parameters by name, with the allowed range", () => {
  refuses(() => new TemperatureProcessor(-1), "temperature", "> 0");
  refuses(() => new TemperatureProcessor(0), "temperature", "> 0");
  refuses(() => new TemperatureProcessor(Number.NaN), "temperature", "> 0");
  refuses(() => new TemperatureProcessor(Infinity), "temperature", "> 0");
  refuses(() => new TopPProcessor(0), "top_p", "(0, 1]");
  refuses(() => new TopPProcessor(1.5), "top_p", "(0, 1]");
  refuses(() => new TopKProcessor(0), "top_k", "integer ≥ 1");
  refuses(() => new TopKProcessor(2.5), "top_k", "integer ≥ 1");
  refuses(() => new MinPProcessor(-0.1), "min_p", "[0, 1]");
  refuses(() => new MinPProcessor(1.01), "min_p", "[0, 1]");
  refuses(() => new TypicalPProcessor(0), "typical_p", "(0, 1]");
  refuses(() => new RepetitionPenaltyProcessor(0), "repetition_penalty", "> 0");
  refuses(() => new RepetitionPenaltyProcessor(-1), "repetition_penalty", "> 0");
  refuses(() => new PresenceFrequencyPenaltyProcessor({ presencePenalty: 2.5 }), "presence_penalty", "[-2, 2]");
  refuses(() => new PresenceFrequencyPenaltyProcessor({ frequencyPenalty: -3 }), "frequency_penalty", "[-2, 2]");
  refuses(() => new NoRepeatNgramProcessor(0), "no_repeat_ngram_size", "integer ≥ 1");
  refuses(() => new NoRepeatNgramProcessor(1.5), "no_repeat_ngram_size", "integer ≥ 1");
  refuses(() => new LogitBiasProcessor({ 3: 101 }), "logit_bias[3]", "[-100, 100]");
  refuses(() => new LogitBiasProcessor(new Map([[3, Number.NaN]])), "logit_bias[3]", "[-100, 100]");
  refuses(() => new LogitBiasProcessor({ ["x" as unknown as number]: 1 }), "logit_bias", "integers ≥ 0");
  refuses(() => new LogitBiasProcessor(new Map([[-1, 1]])), "logit_bias", "integers ≥ 0");
  refuses(() => new MinNewTokensProcessor(-1, [0]), "min_new_tokens", "integer ≥ 0");
  refuses(() => new MinNewTokensProcessor(3, []), "min_new_tokens", "eos_token_id");
});

test("createLogitsProcessors validates every option, even ones it would leave out", () => {
  refuses(() => createLogitsProcessors({ temperature: -0.5 }), "temperature", "≥ 0");
  refuses(() => createLogitsProcessors({ topK: -1 }), "topK", "integer ≥ 0");
  refuses(() => createLogitsProcessors({ topK: 2.5 }), "topK", "integer ≥ 0");
  refuses(() => createLogitsProcessors({ topP: 0 }), "topP", "(0, 1]");
  refuses(() => createLogitsProcessors({ topP: 1.5, doSample: false }), "topP", "(0, 1]");
  refuses(() => createLogitsProcessors({ repetitionPenalty: 0 }), "repetitionPenalty", "> 0");
  refuses(() => createLogitsProcessors({ eosTokenIds: [1.5] }), "eosTokenIds", "integers ≥ 0");
  refuses(() => createLogitsProcessors({ minNewTokens: 2 }), "minNewTokens", "eosTokenIds");
  refuses(() => createLogitsProcessors({ seed: 0.5 }), "seed", "integer");
  refuses(() => checkGenerationOptions({ numBeams: 0 }), "numBeams", "integer in [1, 32]");
  refuses(() => checkGenerationOptions({ numBeams: 100000 }), "numBeams", "integer in [1, 32]");
  refuses(() => checkGenerationOptions({ numReturnSequences: 1e6 }), "numReturnSequences", "integer in [1, 64]");
  refuses(() => checkGenerationOptions({ topLogprobs: 1e9 }), "topLogprobs", "integer in [0, 20]");
  refuses(() => checkGenerationOptions({ numBeams: 2, numReturnSequences: 3 }), "numReturnSequences", "≤ numBeams");
  refuses(() => checkGenerationOptions({ stop: [""] }), "stop", "non-empty");
  assert.ok(isGreedy({ temperature: 0 }) && isGreedy({ doSample: false }) && !isGreedy({}));
});

test("generation_config.json maps to camelCase options; ignorable keys pass, unknown ones are reported", () => {
  const config = {
    bos_token_id: 1,
    eos_token_id: [2, 32000],
    pad_token_id: null,
    do_sample: true,
    temperature: 0.6,
    top_p: 0.9,
    top_k: 40,
    min_p: 0.05,
    typical_p: 0.95,
    repetition_penalty: 1.1,
    no_repeat_ngram_size: 3,
    min_new_tokens: 1,
    max_new_tokens: 256,
    max_length: 4096,
    num_beams: 4,
    length_penalty: 0.8,
    early_stopping: "never",
    num_return_sequences: 2,
    stop_strings: "\n\n",
    prompt_lookup_num_tokens: 10,
    epsilon_cutoff: 0.0,
    transformers_version: "4.44.0",
    use_cache: true,
  };
  assert.deepEqual(samplingOptionsFromGenerationConfig(config, { strict: true }), {
    eosTokenIds: [2, 32000],
    doSample: true,
    temperature: 0.6,
    topP: 0.9,
    topK: 40,
    minP: 0.05,
    typicalP: 0.95,
    repetitionPenalty: 1.1,
    noRepeatNgramSize: 3,
    minNewTokens: 1,
    maxNewTokens: 256,
    maxLength: 4096,
    numBeams: 4,
    lengthPenalty: 0.8,
    earlyStopping: "never",
    numReturnSequences: 2,
    stop: ["\n\n"],
    promptLookupNumTokens: 10,
  });
  refuses(() => samplingOptionsFromGenerationConfig({ prompt_lookup_num_tokens: 100 }), "prompt_lookup_num_tokens", "[0, 64]");
  assert.deepEqual(samplingOptionsFromGenerationConfig({ eos_token_id: 50256 }), { eosTokenIds: [50256] });
  // Unknown keys, and supported-elsewhere features set to something other than their no-op value.
  const odd = { temperature: 0.7, epsilon_cutoff: 3e-4, frobnicate: 1 };
  refuses(() => samplingOptionsFromGenerationConfig(odd, { strict: true }), "epsilon_cutoff", "frobnicate");
  let reported: readonly string[] = [];
  const lenient = samplingOptionsFromGenerationConfig(odd, { onUnknown: (keys) => (reported = keys) });
  assert.deepEqual(lenient, { temperature: 0.7 });
  assert.deepEqual(reported, ["epsilon_cutoff", "frobnicate"]);
  // Wrong types and ranges name the HF key.
  refuses(() => samplingOptionsFromGenerationConfig({ temperature: "hot" }), "temperature", "number");
  refuses(() => samplingOptionsFromGenerationConfig({ top_p: 0 }), "top_p", "(0, 1]");
  refuses(() => samplingOptionsFromGenerationConfig({ top_k: 2.5 }), "top_k", "integer ≥ 0");
  refuses(() => samplingOptionsFromGenerationConfig({ do_sample: "yes" }), "do_sample", "true or false");
  refuses(() => samplingOptionsFromGenerationConfig({ eos_token_id: "</s>" }), "eos_token_id", "token id");
  refuses(() => samplingOptionsFromGenerationConfig({ early_stopping: "soon" }), "early_stopping", '"never"');
  // transformers' implicit defaults are available, not applied.
  assert.equal(HF_GENERATION_DEFAULTS.topK, 50);
  assert.equal(HF_GENERATION_DEFAULTS.doSample, false);
  assert.deepEqual({ ...HF_GENERATION_DEFAULTS, ...samplingOptionsFromGenerationConfig({ top_k: 10 }) }.topK, 10);
});
