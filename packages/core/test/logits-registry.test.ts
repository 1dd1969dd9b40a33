/** The logits processor table: its rows agree with the processors and with the JSON option mappers. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  LOGITS_PROCESSORS,
  applyProcessors,
  createLogitsProcessors,
  samplingOptionsFromGenerationConfig,
  type SamplingOptions,
} from "@riff/core";

/** A value for each key that switches its processor on. */
const ON: Readonly<Record<string, unknown>> = {
  logit_bias: { "3": 5 },
  repetition_penalty: 1.3,
  presence_penalty: 0.5,
  frequency_penalty: 0.5,
  no_repeat_ngram_size: 2,
  min_new_tokens: 2,
  eos_token_id: [0],
  temperature: 0.7,
  top_k: 3,
  top_p: 0.8,
  min_p: 0.2,
  typical_p: 0.8,
};

/** The options a row's keys map to, through the schema's HF vocabulary (also the server's). */
function optionsFor(keys: readonly string[]): SamplingOptions {
  const json = Object.fromEntries(keys.map((k) => [k, ON[k]]));
  return samplingOptionsFromGenerationConfig({ ...json, do_sample: true }, { strict: true });
}

describe("logits processor registry", () => {
  it("names are distinct, and the penalties all come before the warpers", () => {
    const names = LOGITS_PROCESSORS.map((p) => p.name);
    assert.equal(new Set(names).size, names.length);
    const stages = LOGITS_PROCESSORS.map((p) => p.stage).join(" ");
    assert.match(stages, /^(penalty )*(warper ?)*$/);
  });

  it("each row's keys switch on exactly that processor, which reports the row's name", () => {
    for (const row of LOGITS_PROCESSORS) {
      assert.ok(row.keys.length > 0, row.name);
      for (const key of row.keys) assert.ok(key in ON, `no test value for ${key}`);
      const options = optionsFor(row.keys);
      assert.ok(row.active(options), row.name);
      assert.deepEqual(
        createLogitsProcessors(options).map((p) => p.name),
        [row.name],
      );
      assert.equal(row.create(options).name, row.name);
      for (const other of LOGITS_PROCESSORS) if (other !== row) assert.ok(!other.active(options), `${row.name}'s keys switch on ${other.name}`);
    }
  });

  it("with every processor on, the chain is the table in order; greedy decoding drops the warpers", () => {
    const options: SamplingOptions = Object.assign({}, ...LOGITS_PROCESSORS.map((p) => optionsFor(p.keys)), { doSample: true });
    assert.deepEqual(
      createLogitsProcessors(options).map((p) => p.name),
      LOGITS_PROCESSORS.map((p) => p.name),
    );
    assert.deepEqual(
      createLogitsProcessors({ ...options, doSample: false }).map((p) => p.name),
      LOGITS_PROCESSORS.filter((p) => p.stage === "penalty").map((p) => p.name),
    );
    // The chain really runs: the bias lifts token 3, the EOS ban removes token 0.
    const logits = applyProcessors(createLogitsProcessors({ ...options, doSample: false }), new Float32Array([1, 1, 1, 1]), {
      tokens: [1, 2],
      promptLength: 1,
    });
    assert.equal(logits[0], -Infinity);
    assert.ok(logits[3]! > logits[1]!);
  });

  it("options at their identity values build an empty chain", () => {
    const off: SamplingOptions = {
      logitBias: {},
      repetitionPenalty: 1,
      presencePenalty: 0,
      frequencyPenalty: 0,
      noRepeatNgramSize: 0,
      minNewTokens: 0,
      temperature: 1,
      topK: 0,
      topP: 1,
      minP: 0,
      typicalP: 1,
      doSample: true,
    };
    assert.deepEqual(createLogitsProcessors(off), []);
    for (const row of LOGITS_PROCESSORS) assert.ok(!row.active(off), row.name);
  });
});
