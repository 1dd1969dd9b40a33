// Folders written by the exporters users run (optimum-onnx, onnxruntime's quantizers, the
// onnxruntime-genai model builder), made by fixtures/exporters/make.sh: each file's greedy tokens
// must be exactly those of an onnxruntime Python loop over the same file, plain and with riff's
// default (prompt lookup drafting where riff keeps it on), and chat templates render as
// transformers renders them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { loadTextModel, renderChat, type ChatMessage, type TextDtype } from "@riff/text";
import { fixturesDir } from "./helpers.js";

const dir = join(fixturesDir, "exporters");

interface FileReference {
  readonly prompt_ids: number[][];
  /** onnxruntime (Python) greedy tokens per prompt, EOS included when reached. */
  readonly ort: number[][];
  /** PyTorch generate() for the fp32 export's model. */
  readonly torch?: number[][];
}
interface References {
  readonly prompts: string[];
  readonly new_tokens: number;
  readonly messages: ChatMessage[];
  readonly fixtures: Record<string, FileReference>;
  readonly chat: Record<string, { text: string; ids: number[] }>;
}

const FAMILIES = ["gpt2", "llama", "mistral", "qwen2", "phi3"] as const;
/** transformers.js / Hub file names under onnx/, and riff's dtype for each. */
const OPTIMUM_FILES: Readonly<Record<string, TextDtype>> = {
  "model.onnx": "fp32",
  "model_fp16.onnx": "fp16",
  "model_quantized.onnx": "q8",
  "model_int8.onnx": "int8",
  "model_q4.onnx": "q4",
  "model_q4f16.onnx": "q4f16",
};
/** Every file the recipe makes: one absent is a failure, not a skip. */
const EXPECTED: Readonly<Record<string, TextDtype | undefined>> = {
  ...Object.fromEntries(FAMILIES.flatMap((f) => Object.entries(OPTIMUM_FILES).map(([file, dtype]) => [`optimum-${f}/onnx/${file}`, dtype]))),
  "optimum-gpt2-nopos/onnx/model.onnx": "fp32",
  "optimum-llama-nopos/onnx/model.onnx": "fp32",
  ...Object.fromEntries(
    ["llama", "mistral", "qwen2", "phi3"].flatMap((f) => [
      [`genai-${f}-int4-cpu/model.onnx`, undefined],
      [`genai-${f}-int4-cuda/model.onnx`, undefined],
    ]),
  ),
  "genai-llama-fp16-cuda/model.onnx": undefined,
};

function references(): References {
  const path = join(dir, "reference.json");
  assert.ok(existsSync(path), `${path} is missing: run fixtures/exporters/make.sh`);
  return JSON.parse(readFileSync(path, "utf8")) as References;
}

test("exporters: reference.json covers every exported file, and PyTorch agrees with onnxruntime on the fp32 exports", () => {
  const refs = references();
  assert.deepEqual(Object.keys(refs.fixtures).sort(), Object.keys(EXPECTED).sort());
  for (const key of Object.keys(EXPECTED)) assert.ok(existsSync(join(dir, key)), `${key} is missing`);
  for (const family of FAMILIES) {
    const ref = refs.fixtures[`optimum-${family}/onnx/model.onnx`]!;
    assert.deepEqual(ref.torch, ref.ort, `${family}: transformers' generate() and the onnxruntime loop`);
  }
});

for (const [key, dtype] of Object.entries(EXPECTED)) {
  test(`exporters: ${key} gives onnxruntime's greedy tokens, plainly and with riff's default drafting`, async () => {
    const refs = references();
    const ref = refs.fixtures[key];
    assert.ok(ref !== undefined, `reference.json has no ${key}`);
    const folder = join(dir, key.split("/")[0]!);
    await using model = await loadTextModel(folder, { threads: 1, ...(dtype !== undefined ? { dtype } : {}) });
    for (const [i, prompt] of refs.prompts.entries()) {
      const want: readonly number[] = ref.ort[i]!;
      assert.deepEqual(model.encode(prompt), ref.prompt_ids[i], `${key}: prompt ${i} ids`);
      const plain = await model.generate({ ids: ref.prompt_ids[i]! }, { maxNewTokens: refs.new_tokens, doSample: false, promptLookupNumTokens: 0 });
      assert.deepEqual(plain.tokens, want, `${key}: plain greedy, prompt ${i}`);
      // The folder's own defaults (generation_config.json / genai_config.json search: greedy) and
      // riff's default prompt lookup, which must not change the tokens.
      const byDefault = await model.generate(prompt, { maxNewTokens: refs.new_tokens });
      assert.deepEqual(byDefault.tokens, want, `${key}: default (prompt lookup ${byDefault.promptLookupNumTokens}), prompt ${i}`);
      // Drafting asked for explicitly on float graphs: the same tokens.
      if (model.promptLookupOff === undefined) {
        const drafted = await model.generate(prompt, { maxNewTokens: refs.new_tokens, promptLookupNumTokens: 8 });
        assert.deepEqual(drafted.tokens, want, `${key}: 8 drafts, prompt ${i}`);
      }
    }
  });
}

for (const family of FAMILIES.filter((f) => f !== "gpt2")) {
  test(`exporters: ${family}'s chat_template.jinja renders as transformers renders it, in optimum and builder folders`, async () => {
    const refs = references();
    const want = refs.chat[family];
    assert.ok(want !== undefined, `reference.json has no chat rendering for ${family}`);
    const folders = [`optimum-${family}`, `genai-${family}-int4-cpu`];
    for (const name of folders) {
      const folder = join(dir, name);
      // transformers >= 4.43 saves the template beside tokenizer_config.json, not in it.
      assert.ok(existsSync(join(folder, "chat_template.jinja")), `${name} has chat_template.jinja`);
      const tokenizerConfig = JSON.parse(readFileSync(join(folder, "tokenizer_config.json"), "utf8")) as Record<string, unknown>;
      assert.equal(tokenizerConfig.chat_template, undefined, `${name}: the template is only in chat_template.jinja`);
      await using model = await loadTextModel(folder, { threads: 1 });
      assert.equal(renderChat(model.tokenizer, refs.messages), want.text, name);
      assert.deepEqual(model.encode(refs.messages), want.ids, name);
      const result = await model.generate(refs.messages, { maxNewTokens: 4 });
      assert.equal(result.promptTokens, want.ids.length);
    }
  });
}

test("exporters: gpt2 has no chat template, and a chat prompt is refused naming both places", async () => {
  await using model = await loadTextModel(join(dir, "optimum-gpt2"), { threads: 1 });
  assert.throws(() => model.encode(references().messages), /no chat template \(chat_template\.jinja or tokenizer_config\.json chat_template\)/);
});

test("exporters: a builder folder refuses a dtype it cannot honour, naming dtype", async () => {
  await assert.rejects(loadTextModel(join(dir, "genai-llama-int4-cpu"), { dtype: "q4" }), (e: Error & { option?: string }) => {
    assert.equal(e.option, "dtype");
    assert.match(e.message, /onnxruntime-genai folder: genai_config\.json names one decoder \(model\.onnx\)/);
    return true;
  });
});

/** Batching prompts of different lengths: exact where the graph takes left padding, one at a time where not. */
const PADDING: Readonly<Record<string, RegExp | undefined>> = {
  "optimum-llama": undefined,
  "optimum-qwen2": undefined,
  "optimum-llama-nopos": /onnx\/model\.onnx cannot batch prompts of different lengths: it has no position_ids input/,
  "optimum-gpt2-nopos": /it has no position_ids input, so a left-padded row's positions would be shifted/,
  "genai-llama-int4-cpu": /model\.onnx cannot batch prompts of different lengths: its GroupQueryAttention reads each row's length/,
  "genai-qwen2-int4-cuda": /GroupQueryAttention/,
  "genai-llama-fp16-cuda": /GroupQueryAttention/,
};
for (const [name, why] of Object.entries(PADDING)) {
  test(`exporters: ${name}: a batch and a continuous batch of prompts of different lengths give each its own greedy tokens`, async () => {
    const refs = references();
    const key = Object.keys(refs.fixtures).find((k) => k.startsWith(`${name}/`) && k.endsWith("/model.onnx"))!;
    const want = refs.fixtures[key]!.ort;
    await using model = await loadTextModel(join(dir, name), { threads: 1 });
    if (why === undefined) assert.equal(model.leftPaddingOff, undefined);
    else assert.match(model.leftPaddingOff ?? "", why);
    const options = { maxNewTokens: refs.new_tokens, doSample: false };
    const batch = await model.generateBatch(refs.prompts, options);
    assert.deepEqual(batch.map((r) => r.tokens), want, `${name}: generateBatch`);
    const shared = model.continuousBatch({ maxRows: 4 });
    const together = await Promise.all(refs.prompts.map((p) => shared.generate(p, options)));
    assert.deepEqual(together.map((r) => r.tokens), want, `${name}: continuous batch`);
  });
}
