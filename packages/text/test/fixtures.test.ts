import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, copyFileSync, mkdirSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadTextModel, type TextModel } from "@riff/text";
import { fixturesDir } from "./helpers.js";

interface Reference {
  onnx: string;
  prompt: string;
  prompt_ids: number[];
  greedy_new_ids: number[];
}
const referencePath = join(fixturesDir, "reference.json");
const references: Record<string, Reference> = existsSync(referencePath)
  ? (JSON.parse(readFileSync(referencePath, "utf8")) as { fixtures: Record<string, Reference> }).fixtures
  : {};
const NAMES = ["gpt2-tiny", "gpt2-tiny-nopos", "gpt2-tiny-merged", "llama-tiny-gqa"];

async function withModel(name: string, run: (m: TextModel) => Promise<void>, dir = join(fixturesDir, name)): Promise<void> {
  const model = await loadTextModel(dir, { threads: 1 });
  try {
    await run(model);
  } finally {
    await model.dispose();
  }
}

for (const name of NAMES) {
  test(`fixture ${name}: tokenizer and greedy continuation match the PyTorch reference (no-cache recompute)`, async (t) => {
    const ref = references[name];
    if (ref === undefined || !existsSync(join(fixturesDir, name))) return t.skip(`fixture ${name} absent`);
    await withModel(name, async (m) => {
      assert.deepEqual(m.encode(ref.prompt), ref.prompt_ids);
      const result = await m.generate({ ids: ref.prompt_ids }, { maxNewTokens: ref.greedy_new_ids.length, doSample: false });
      assert.deepEqual(result.tokens, ref.greedy_new_ids);
      // generation_config.json says max_new_tokens 12 and do_sample false: the defaults give the same.
      const byDefault = await m.generate(ref.prompt);
      assert.deepEqual(byDefault.tokens.slice(0, ref.greedy_new_ids.length), ref.greedy_new_ids);
    });
  });

  test(`fixture ${name}: prompt lookup gives plain greedy's tokens (multi-token steps, cache cut back)`, async (t) => {
    if (!existsSync(join(fixturesDir, name))) return t.skip(`fixture ${name} absent`);
    await withModel(name, async (m) => {
      // Repeated phrases, so drafts are found; random weights reject most of them.
      const prompt = "God said, And God said, And God";
      for (const promptLookupNumTokens of [1, 3, 8]) {
        const options = { maxNewTokens: 24, doSample: false, logprobs: true };
        const before = m.sessionStats().runs;
        const plain = await m.generate(prompt, { ...options, promptLookupNumTokens: 0 });
        const between = m.sessionStats().runs;
        const lookup = await m.generate(prompt, { ...options, promptLookupNumTokens });
        assert.deepEqual(lookup.tokens, plain.tokens, `${name}, ${promptLookupNumTokens} drafts`);
        // Measured: 23 forward passes against 24, so drafts were fed and one was accepted.
        assert.ok(m.sessionStats().runs - between < between - before, `${name}: drafts never accepted`);
        lookup.logprobs!.forEach((lp, i) => assert.ok(Math.abs(lp.logprob - plain.logprobs![i]!.logprob) < 1e-4));
      }
    });
  });

  test(`fixture ${name}: left-padded batches give each prompt's own greedy output; streams concatenate`, async (t) => {
    if (!existsSync(join(fixturesDir, name))) return t.skip(`fixture ${name} absent`);
    await withModel(name, async (m) => {
      const prompts = ["In the beginning God created", "And God", "the light"];
      const batch = await m.generateBatch(prompts, { maxNewTokens: 10, doSample: false });
      for (const [i, prompt] of prompts.entries()) {
        const single = await m.generate(prompt, { maxNewTokens: 10, doSample: false });
        assert.deepEqual(batch[i]!.tokens, single.tokens, `${name} prompt ${i}`);
      }
      const stream = m.stream(prompts[0]!, { maxNewTokens: 10, temperature: 1, seed: 5 });
      let text = "";
      for await (const d of stream) text += d.text;
      const result = await stream.result;
      assert.equal(text, result.text);
      const again = await m.generate(prompts[0]!, { maxNewTokens: 10, temperature: 1, seed: 5 });
      assert.deepEqual(again.tokens, result.tokens, "a stream and generate() sample the same tokens for one seed");
    });
  });
}

test("fixture llama-tiny-gqa: beam search batches prompts × beams in one pass and matches per-prompt runs", async (t) => {
  if (!existsSync(join(fixturesDir, "llama-tiny-gqa"))) return t.skip("fixture llama-tiny-gqa absent");
  await withModel("llama-tiny-gqa", async (m) => {
    const prompts = ["In the beginning God created", "And God"];
    const options = { maxNewTokens: 8, numBeams: 3, numReturnSequences: 2, earlyStopping: "never" as const };
    const batch = await m.generateBatch(prompts, options);
    for (const [i, prompt] of prompts.entries()) {
      const single = await m.generate(prompt, options);
      assert.deepEqual(
        batch[i]!.sequences.map((s) => s.tokens),
        single.sequences.map((s) => s.tokens),
      );
      const scores = single.sequences.map((s) => s.score!);
      assert.ok(scores[0]! >= scores[1]!, "best first");
    }
  });
});

/** A copy of a fixture folder made of symlinks, with the ONNX file renamed or moved. */
function variant(name: string, onnx: Record<string, string>): string {
  const source = join(fixturesDir, name);
  const dir = mkdtempSync(join(tmpdir(), `riff-${name}-`));
  for (const file of readdirSync(source)) if (file.endsWith(".json")) copyFileSync(join(source, file), join(dir, file));
  for (const [target, from] of Object.entries(onnx)) {
    mkdirSync(join(dir, target, ".."), { recursive: true });
    copyFileSync(join(source, from), join(dir, target));
  }
  return dir;
}

test("loader: dtype picks model_quantized.onnx / model_fp16.onnx; a missing variant is refused naming dtype", async (t) => {
  if (!existsSync(join(fixturesDir, "gpt2-tiny"))) return t.skip("fixture gpt2-tiny absent");
  const ref = references["gpt2-tiny"]!;
  const dir = variant("gpt2-tiny", { "onnx/model_quantized.onnx": "onnx/model.onnx" });
  try {
    const q8 = await loadTextModel(dir, { dtype: "q8", threads: 1 });
    try {
      const result = await q8.generate({ ids: ref.prompt_ids }, { maxNewTokens: 12 });
      assert.deepEqual(result.tokens, ref.greedy_new_ids);
    } finally {
      await q8.dispose();
    }
    await assert.rejects(loadTextModel(dir, { dtype: "fp16" }), (e: Error & { option?: string }) => {
      assert.equal(e.option, "dtype");
      assert.match(e.message, /model_fp16\.onnx/);
      assert.match(e.message, /model_quantized\.onnx/, "lists what is there");
      return true;
    });
    await assert.rejects(loadTextModel(dir, { dtype: "fp8" as never }), /dtype must be one of/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("loader: a merged decoder (use_cache_branch) is found when model.onnx is absent", async (t) => {
  if (!existsSync(join(fixturesDir, "gpt2-tiny-merged"))) return t.skip("fixture gpt2-tiny-merged absent");
  const ref = references["gpt2-tiny-merged"]!;
  const dir = variant("gpt2-tiny-merged", { "decoder_model_merged.onnx": "onnx/decoder_model_merged.onnx" });
  try {
    // At the folder root (some exports do not use onnx/).
    const m = await loadTextModel(dir, { threads: 1 });
    try {
      assert.deepEqual((await m.generate({ ids: ref.prompt_ids }, { maxNewTokens: 12 })).tokens, ref.greedy_new_ids);
    } finally {
      await m.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("loader: a GPT-2 tokenizer (byte-level BPE) round-trips and its EOS stops generation", async (t) => {
  if (!existsSync(join(fixturesDir, "gpt2-tiny"))) return t.skip("fixture gpt2-tiny absent");
  await withModel("gpt2-tiny", async (m) => {
    const text = "And God said, Let there be light";
    assert.equal(m.decode(m.encode(text)), text);
    assert.deepEqual(m.eosTokenIds, [299]);
    const forced = await m.generate("In the beginning", { maxNewTokens: 5, logitBias: { 299: 100 } });
    assert.deepEqual(forced.tokens, [299]);
    assert.equal(forced.stopReason, "eos");
    assert.equal(forced.text, "");
  });
});
