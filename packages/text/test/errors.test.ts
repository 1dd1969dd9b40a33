import { after, before, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, copyFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RiffError } from "@riff/core";
import { loadTextModel, type TextGenerationOptions, type TextModel } from "@riff/text";
import { fixturesDir, repoRoot } from "./helpers.js";

const gpt2 = join(fixturesDir, "gpt2-tiny");
let model: TextModel | undefined;
const scratch = mkdtempSync(join(tmpdir(), "riff-text-errors-"));
before(async () => {
  if (existsSync(gpt2)) model = await loadTextModel(gpt2, { threads: 1 });
});
after(async () => {
  await model?.dispose();
  rmSync(scratch, { recursive: true, force: true });
});

/** Asserts a RiffError whose option is `option` and whose message names it. */
function namesOption(option: string, pattern?: RegExp) {
  return (e: unknown): boolean => {
    assert.ok(e instanceof RiffError, `expected a RiffError, got ${String(e)}`);
    assert.equal(e.option, option, e.message);
    assert.match(e.message, pattern ?? new RegExp(option.replace(/_/g, "[_ ]")));
    return true;
  };
}

/** A model folder of `files` (written) and `links` (copied in: a link out of the folder is refused). */
function folder(name: string, files: Record<string, string>, links: Record<string, string> = {}): string {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  for (const [file, target] of Object.entries(links)) {
    mkdirSync(join(dir, file, ".."), { recursive: true });
    copyFileSync(target, join(dir, file));
  }
  return dir;
}

test("a missing model folder is a RiffError naming the path", async () => {
  await assert.rejects(loadTextModel(join(scratch, "nowhere")), namesOption("model", /model folder not found/));
});

test("a folder without tokenizer.json says so", async () => {
  const dir = folder("no-tokenizer", { "config.json": JSON.stringify({ model_type: "llama" }) });
  await assert.rejects(loadTextModel(dir), namesOption("model", /tokenizer\.json/));
});

test("an unsupported model_type is refused, listing the supported ones", async (t) => {
  if (!existsSync(gpt2)) return t.skip("fixture gpt2-tiny absent");
  const dir = folder("bert", { "config.json": JSON.stringify({ model_type: "bert" }) }, { "tokenizer.json": join(gpt2, "tokenizer.json") });
  await assert.rejects(loadTextModel(dir), namesOption("model", /unsupported model_type "bert".*llama/));
});

test("a folder without any ONNX decoder, and an ONNX file that is not a decoder, are refused clearly", async (t) => {
  if (!existsSync(gpt2)) return t.skip("fixture gpt2-tiny absent");
  const links = { "config.json": join(gpt2, "config.json"), "tokenizer.json": join(gpt2, "tokenizer.json") };
  await assert.rejects(loadTextModel(folder("no-onnx", {}, links)), namesOption("model", /no fp32 decoder.*no \.onnx files/));
  const affine = join(repoRoot, "packages/onnx/test/fixtures/affine.onnx");
  if (!existsSync(affine)) return;
  const dir = folder("not-a-decoder", {}, { ...links, "onnx/model.onnx": affine });
  await assert.rejects(loadTextModel(dir), /lacks the input "input_ids"/);
});

function need(t: TestContext): TextModel | undefined {
  if (model === undefined) t.skip("fixture gpt2-tiny absent");
  return model;
}

const BAD: [string, TextGenerationOptions, string, RegExp?][] = [
  ["negative temperature", { temperature: -0.5 }, "temperature"],
  ["NaN temperature", { temperature: Number.NaN }, "temperature"],
  ["top_p 0", { topP: 0 }, "topP"],
  ["top_p above 1", { topP: 1.5 }, "topP"],
  ["num_beams 0", { numBeams: 0 }, "numBeams"],
  ["max_new_tokens beyond the context (n_positions 64)", { maxNewTokens: 60 }, "maxNewTokens", /context/],
  ["max_length beyond the context", { maxLength: 100 }, "maxLength", /context/],
  ["negative max_new_tokens", { maxNewTokens: -1 }, "maxNewTokens"],
  ["top_k not an integer", { topK: 2.5 }, "topK"],
  ["min_p above 1", { minP: 2 }, "minP"],
  ["repetition_penalty 0", { repetitionPenalty: 0 }, "repetitionPenalty"],
  ["beam search + temperature", { numBeams: 2, temperature: 0.7 }, "temperature", /beam/],
  ["beam search + top_p", { numBeams: 2, topP: 0.9 }, "topP", /beam/],
  ["beam search + do_sample", { numBeams: 2, doSample: true }, "doSample", /beam/],
  ["beam search + stop strings", { numBeams: 2, stop: ["x"] }, "stop", /beam/],
  ["beam search + logprobs", { numBeams: 2, logprobs: true }, "logprobs", /beam/],
  ["num_return_sequences > num_beams", { numBeams: 2, numReturnSequences: 3 }, "numReturnSequences"],
  ["greedy + num_return_sequences 2", { numReturnSequences: 2 }, "numReturnSequences", /greedy/],
  ["do_sample false + top_p", { doSample: false, topP: 0.5 }, "topP", /doSample/],
  ["an empty stop string", { stop: [""] }, "stop"],
  ["early_stopping maybe", { numBeams: 2, earlyStopping: "maybe" as never }, "earlyStopping"],
  ["an unknown option", { topQ: 1 } as never, "topQ", /unknown text generation option "topQ"/],
  ["a logit bias beyond the vocabulary", { logitBias: { 5000: 1 } }, "logit_bias", /vocabulary/],
  ["prompt lookup + sampling", { temperature: 0.8, promptLookupNumTokens: 4 }, "promptLookupNumTokens", /greedy/],
  ["prompt lookup + beam search", { numBeams: 2, promptLookupNumTokens: 4 }, "promptLookupNumTokens", /beam/],
  ["prompt_lookup_num_tokens above 64", { promptLookupNumTokens: 65 }, "promptLookupNumTokens", /64/],
  ["negative prompt_lookup_num_tokens", { promptLookupNumTokens: -1 }, "promptLookupNumTokens"],
];

for (const [label, options, option, pattern] of BAD) {
  test(`bad option: ${label} → RiffError naming ${option}`, async (t) => {
    const m = need(t);
    if (!m) return;
    await assert.rejects(m.generate("In the beginning", options), namesOption(option, pattern));
  });
}

test("streaming refuses what it cannot stream, by name", async (t) => {
  const m = need(t);
  if (!m) return;
  const drain = async (options: TextGenerationOptions) => {
    for await (const d of m.stream("In the beginning", options)) void d;
  };
  await assert.rejects(drain({ numBeams: 2 }), namesOption("numBeams", /stream/));
  await assert.rejects(drain({ temperature: 1, numReturnSequences: 2 }), namesOption("numReturnSequences"));
  await assert.rejects(m.stream("x", { topP: 7 }).result, namesOption("topP"));
});

test("prompt lookup decodes one prompt at a time: a batch asking for it is refused by name", async (t) => {
  const m = need(t);
  if (!m) return;
  await assert.rejects(m.generateBatch(["In the", "And God"], { promptLookupNumTokens: 4 }), namesOption("promptLookupNumTokens", /one prompt/));
  // Left to the default, batches simply decode without it.
  assert.equal((await m.generateBatch(["In the", "And God"], { maxNewTokens: 3 })).length, 2);
});

test("a prompt that fills the context is refused naming the prompt", async (t) => {
  const m = need(t);
  if (!m) return;
  await assert.rejects(m.generate({ ids: new Array<number>(64).fill(73) }), namesOption("prompt", /context/));
  await assert.rejects(m.generate({ ids: [-1] }), namesOption("prompt"));
});
