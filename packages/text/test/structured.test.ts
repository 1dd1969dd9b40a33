/**
 * Structured output (responseFormat): the vocabulary reaches xgrammar intact for each tokenizer
 * kind, every finished output of a sampled run parses and validates, regex and GBNF outputs match
 * a reference matcher under greedy decoding and beam search, and bad formats are refused by name.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import { RiffError } from "@riff/core";
import { loadTextModel, readModelFolder, TextTokenizer, type ResponseFormat, type TextModel } from "../src/index.js";
import { GrammarCache } from "../src/structured/grammar-cache.js";
import { RowConstraints } from "../src/structured/constraint.js";
import { applyBitmask } from "../src/structured/bitmask.js";
import { boundExponents } from "../src/structured/finite-numbers.js";
import { SKIP_SHARED, fixturesDir, hasStories, repoRoot, storiesDir } from "./helpers.js";

const kjvDir = join(repoRoot, "models", "kjv-llama");
/** Seeds per schema and model: 100 would take minutes on a shared 2-core machine. */
const SEEDS = 12;
const PROMPT = "Once upon a time";

/** Nested objects, arrays with min/max items, enums, numbers with ranges, required and optional fields, string patterns. */
const SCHEMAS = JSON.parse(readFileSync(join(fixturesDir, "json-schemas.json"), "utf8")) as Record<string, Record<string, unknown>>;

const ajv = new Ajv({ strict: true });

function parses(text: string): unknown {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}

async function withModel<T>(dir: string, use: (model: TextModel) => Promise<T>): Promise<T> {
  const model = await loadTextModel(dir);
  try {
    return await use(model);
  } finally {
    await model.dispose();
  }
}

test("the vocabulary reaches xgrammar intact: byte-level BPE (GPT-2, Llama-style fixture, kjv-llama) and byte fallback (stories260K)", async (t) => {
  const folders = [join(fixturesDir, "gpt2-tiny"), join(fixturesDir, "llama-tiny-gqa"), kjvDir, ...(hasStories ? [storiesDir] : [])];
  if (!hasStories) t.diagnostic(`stories260K: ${SKIP_SHARED}`);
  const text = "Hello wörld, naïve café — 3 € and {\"json\": [1, 2]} 🙂";
  for (const dir of folders) {
    const folder = readModelFolder(dir);
    const tokenizer = new TextTokenizer(folder.tokenizerJson, folder.tokenizerConfig);
    const expected = dir === storiesDir ? "byte_fallback" : "byte_level";
    assert.equal(tokenizer.vocabularyType, expected, dir);
    // A SentencePiece-style normalizer prepends ▁ (a space): the tokens spell " " + text.
    const spelled = tokenizer.vocabularyType === "byte_fallback" ? ` ${text}` : text;
    const cache = new GrammarCache(tokenizer, folder.config.vocabSize ?? tokenizer.vocabularySize);
    try {
      const literal = JSON.stringify(spelled);
      const grammar = await cache.compile({ kind: "grammar", text: `root ::= ${literal}` });
      const eos = [tokenizer.eosTokenId ?? 0];
      const rows = await RowConstraints.create(await cache.xgrammar(), grammar, 1, eos);
      const ids = tokenizer.encode(text, { addSpecialTokens: false });
      ids.forEach((id, i) => assert.ok(rows.accept(0, id), `${dir}: token ${i} (${JSON.stringify(tokenizer.idToToken(id))}) refused`));
      assert.ok(await rows.complete(0, eos), `${dir}: the literal is not complete after its own tokens`);
      rows.dispose();
      // Compiled once per grammar text.
      assert.equal(await cache.compile({ kind: "grammar", text: `root ::= ${literal}` }), grammar);
      assert.equal(cache.size, 1);
    } finally {
      await cache.dispose();
    }
  }
});

for (const [name, dir] of [["kjv-llama (default model)", kjvDir], ["stories260K", storiesDir]] as const) {
  test(`JSON Schema, ${name}: every finished sampled output parses and validates; unconstrained runs do not`, { skip: dir === storiesDir && !hasStories ? SKIP_SHARED : false }, async (t) => {
    await withModel(dir, async (model) => {
      let finished = 0;
      let runs = 0;
      let freeParsed = 0;
      for (const [label, schema] of Object.entries(SCHEMAS)) {
        const validate = ajv.compile(schema);
        for (let seed = 0; seed < SEEDS; seed++) {
          const options = { temperature: 1, seed, maxNewTokens: 64 };
          const result = await model.generate(PROMPT, { ...options, responseFormat: { type: "json_schema", schema } });
          runs++;
          const free = await model.generate(PROMPT, options);
          if (parses(free.text) !== undefined) freeParsed++;
          if (result.incomplete) {
            assert.notEqual(result.stopReason, "eos", "an output that ended on EOS is complete");
            continue;
          }
          finished++;
          // Complete: ended on EOS, or the format completed on the last token allowed.
          assert.ok(result.stopReason === "eos" || result.stopReason === "length", result.stopReason);
          const parsed = parses(result.text) as { value: unknown } | undefined;
          assert.ok(parsed !== undefined, `${label} seed ${seed}: ${JSON.stringify(result.text)} does not parse`);
          assert.ok(validate(parsed.value), `${label} seed ${seed}: ${result.text} fails the schema: ${ajv.errorsText(validate.errors)}`);
        }
      }
      t.diagnostic(`${name}: constrained ${finished}/${runs} finished, all valid; unconstrained parsed ${freeParsed}/${runs}`);
      assert.ok(finished >= runs * 0.8, `only ${finished}/${runs} finished within 64 tokens`);
      assert.ok(freeParsed <= runs * 0.05, `unconstrained runs parsed ${freeParsed}/${runs}`);
    });
  });
}

test("JSON object mode, batches, streaming and logprobs (kjv-llama)", async () => {
  await withModel(kjvDir, async (model) => {
    const format: ResponseFormat = { type: "json_object" };
    const batch = await model.generateBatch(["In the beginning", "And God said"], { responseFormat: format, temperature: 1, seed: 3, maxNewTokens: 48 });
    for (const result of batch) {
      if (result.incomplete) continue;
      const parsed = JSON.parse(result.text) as unknown;
      assert.ok(parsed !== null && typeof parsed === "object" && !Array.isArray(parsed), result.text);
    }
    const options = { responseFormat: { type: "json_schema", schema: SCHEMAS.numbers! } as const, temperature: 1, seed: 7, maxNewTokens: 48 };
    const whole = await model.generate(PROMPT, options);
    const stream = model.stream(PROMPT, options);
    let text = "";
    for await (const delta of stream) text += delta.text;
    const streamed = await stream.result;
    assert.equal(text, whole.text);
    assert.deepEqual(streamed.tokens, whole.tokens);
    // Logprobs are those after the mask: a token the grammar forces has probability 1.
    const forced = await model.generate(PROMPT, { responseFormat: { type: "regex", pattern: "abc" }, logprobs: true, topLogprobs: 3 });
    assert.equal(forced.text, "abc");
    for (const entry of forced.logprobs!) {
      for (const alternative of entry.top) assert.ok(forced.tokens.includes(alternative.token) || alternative.logprob < entry.logprob);
    }
    const last = forced.logprobs![forced.logprobs!.length - 1]!;
    assert.equal(last.logprob, 0, "after 'abc' only EOS is allowed");
  });
});

const REGEX = "[0-9]{3}-[a-z]{2,5}";
const GBNF = 'root ::= item ("," item)*\nitem ::= [0-9]+ | "(" [a-z]+ ")"';
/** The reference matcher of GBNF: the same language as a JavaScript regular expression. */
const GBNF_REFERENCE = /^(?:[0-9]+|\([a-z]+\))(?:,(?:[0-9]+|\([a-z]+\)))*$/;

for (const [name, dir] of [["kjv-llama", kjvDir], ["stories260K", storiesDir]] as const) {
  test(`regex and GBNF, ${name}: greedy (with prompt lookup) and beam search outputs match the reference`, { skip: dir === storiesDir && !hasStories ? SKIP_SHARED : false }, async () => {
    await withModel(dir, async (model) => {
      const regex = new RegExp(`^(?:${REGEX})$`);
      const grammar: ResponseFormat = { type: "grammar", grammar: GBNF };
      for (const options of [{}, { promptLookupNumTokens: 0 }, { numBeams: 3, numReturnSequences: 3 }]) {
        const byRegex = await model.generate(PROMPT, { ...options, responseFormat: { type: "regex", pattern: REGEX }, maxNewTokens: 30 });
        for (const s of byRegex.sequences) if (!s.incomplete) assert.match(s.text, regex, JSON.stringify(options));
        assert.equal(byRegex.incomplete, false, JSON.stringify(options));
        const byGrammar = await model.generate(PROMPT, { ...options, responseFormat: grammar, maxNewTokens: 30 });
        for (const s of byGrammar.sequences) {
          if (s.incomplete) assert.equal(s.stopReason, "length");
          else assert.match(s.text, GBNF_REFERENCE, JSON.stringify(options));
        }
      }
      for (let seed = 0; seed < SEEDS; seed++) {
        const sampled = await model.generate(PROMPT, { responseFormat: grammar, temperature: 1, seed, maxNewTokens: 40 });
        if (!sampled.incomplete) assert.match(sampled.text, GBNF_REFERENCE);
      }
    });
  });
}

test("bad formats are refused by name with the engine's message; running out of tokens is 'length', marked incomplete", async () => {
  await withModel(kjvDir, async (model) => {
    const refused = async (format: unknown, message: RegExp): Promise<void> => {
      await assert.rejects(model.generate(PROMPT, { responseFormat: format as ResponseFormat }), (error: unknown) => {
        assert.ok(error instanceof RiffError);
        assert.equal(error.option, "responseFormat");
        assert.match(error.message, message);
        return true;
      });
    };
    await refused({ type: "json_schema", schema: { type: 3 } }, /JSON Schema does not compile: .*Type should be a string/);
    await refused({ type: "json_schema", schema: { type: "integer", multipleOf: 5 } }, /"multipleOf" .*not supported/);
    await refused({ type: "json_schema", schema: { type: "number", minimum: -1 } }, /"minimum" .*only supported on integers/);
    await refused({ type: "regex", pattern: "[0-9" }, /regular expression does not compile: .*Unclosed '\['/);
    await refused({ type: "regex", pattern: "(?=a)b" }, /Lookahead is not supported/);
    await refused({ type: "regex", pattern: "[^\\s\\S]" }, /can match nothing: "\[\^\\s\\S\]" at position 0/);
    await refused({ type: "regex", pattern: "(x[^\\d\\D]|y[])+" }, /can match nothing: "\[\^\\d\\D\]" at position 2/);
    await refused({ type: "grammar", grammar: 'start ::= "a"' }, /grammar does not compile: .*root rule with name "root" is not found/);
    await refused({ type: "yaml" }, /responseFormat/);
    const short = await model.generate(PROMPT, { responseFormat: { type: "json_schema", schema: SCHEMAS.nested! }, maxNewTokens: 3 });
    assert.equal(short.stopReason, "length");
    assert.equal(short.incomplete, true);
    // The engine still serves after refusing.
    const ok = await model.generate(PROMPT, { responseFormat: { type: "regex", pattern: "ok" } });
    assert.equal(ok.text, "ok");
  });
});

test("minNewTokens with a responseFormat is refused by name (a grammar that allows only EOS would leave no token); each alone still runs", async () => {
  await withModel(kjvDir, async (model) => {
    const onlyEos = { type: "grammar", grammar: 'root ::= "a"' } as const;
    for (const options of [{ temperature: 1, seed: 1 }, { doSample: false }]) {
      await assert.rejects(model.generate(PROMPT, { ...options, maxNewTokens: 8, minNewTokens: 3, responseFormat: onlyEos }), (error: unknown) => {
        assert.ok(error instanceof RiffError);
        assert.equal(error.option, "minNewTokens");
        assert.match(error.message, /minNewTokens cannot be combined with responseFormat/);
        return true;
      });
    }
    const constrained = await model.generate(PROMPT, { maxNewTokens: 8, responseFormat: onlyEos });
    assert.equal(constrained.text, "a");
    assert.equal(constrained.stopReason, "eos");
    assert.equal((await model.generate(PROMPT, { maxNewTokens: 4, minNewTokens: 4 })).tokenCount, 4);
  });
});

test("the word-at-a-time bitmask forbids exactly the tokens whose bit is 0 (whole, empty, mixed and partial words)", () => {
  const reference = (mask: Int32Array, scores: Float32Array): void => {
    for (let t = 0; t < Math.min(scores.length, mask.length * 32); t++) if (((mask[t >> 5]! >>> (t & 31)) & 1) === 0) scores[t] = -Infinity;
  };
  let state = 7;
  const random = (): number => (state = (Math.imul(state, 1103515245) + 12345) | 0);
  for (const vocab of [32, 64, 100, 512, 2048, 32001]) {
    const words = Math.ceil(vocab / 32);
    const masks = [new Int32Array(words).fill(-1), new Int32Array(words), new Int32Array(words).map(() => random()), new Int32Array(words).map((_, i) => (i % 2 === 0 ? 1 << 31 : 1))];
    for (const mask of masks) {
      const scores = new Float32Array(vocab).map((_, i) => i / 7);
      const expected = scores.slice();
      reference(mask, expected);
      applyBitmask(mask, scores);
      assert.deepEqual(scores, expected, `vocab ${vocab}`);
    }
  }
});

test("examples/structured-output.ts runs and prints one valid output per mode", () => {
  const out = execFileSync(process.execPath, ["--conditions=riff-source", "--import", "tsx", join(repoRoot, "examples", "structured-output.ts")], { cwd: repoRoot, encoding: "utf8" });
  const json = /^json_schema: (.*?) \{/m.exec(out);
  assert.ok(json !== null, out);
  assert.ok(ajv.validate({ type: "object", properties: { name: { type: "string" }, age: { type: "integer" } }, required: ["name", "age"] }, JSON.parse(json[1]!)), out);
  assert.match(out, /^regex: \d{4}-\d{2}-\d{2}$/m);
  assert.match(out, /^grammar: (yes|no), because [a-z ]{1,20}\.$/m);
  assert.match(out, /^json_object: \{/m);
});

test("JSON numbers stay finite: exponents are bounded to two digits (xgrammar allows any, which JSON.parse reads as Infinity)", async () => {
  const rule = 'basic_number_6 ::= ("" | ([eE] basic_number_4 basic_number_5))\nbasic_number_5 ::= (([0-9] basic_number_5) | ([0-9]))';
  assert.equal(boundExponents(rule), 'basic_number_6 ::= ("" | ([eE] basic_number_4 basic_number_5))\nbasic_number_5 ::= (([0-9] [0-9]) | ([0-9]))');
  // Seed 30 on the default model wrote 4.48989043991529477343E95317901346641477440273604 before.
  const model = await loadTextModel(kjvDir, { threads: 1 });
  try {
    const schema = { type: "object", properties: { age: { type: "integer", minimum: 0, maximum: 120 }, score: { type: "number" } }, required: ["age", "score"] };
    const result = await model.generate("And God said", { temperature: 1, seed: 30, maxNewTokens: 96, responseFormat: { type: "json_schema", schema } });
    assert.notEqual(result.incomplete, true, result.text);
    const value = JSON.parse(result.text) as { score: number };
    assert.ok(Number.isFinite(value.score), result.text);
    assert.match(result.text, /[eE][+-]?\d{1,2}\b|"score": -?\d+(\.\d+)?\}/);
  } finally {
    await model.dispose();
  }
});
