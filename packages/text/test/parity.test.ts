import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { dirname, join, basename } from "node:path";
import { env, AutoTokenizer, AutoModelForCausalLM } from "@huggingface/transformers";
import { loadTextModel } from "@riff/text";
import { SKIP_SHARED, fixturesDir, hasStories, storiesDir } from "./helpers.js";

env.allowRemoteModels = false;

/** transformers.js generate() on a local folder (greedy), returning the new ids per prompt. */
async function transformersGreedy(dir: string, prompts: string[], maxNewTokens: number, modelFile?: string): Promise<number[][]> {
  env.localModelPath = dirname(dir) + "/";
  const name = basename(dir);
  const tokenizer = await AutoTokenizer.from_pretrained(name);
  const model = await AutoModelForCausalLM.from_pretrained(name, { dtype: "fp32", ...(modelFile ? { model_file_name: modelFile } : {}) });
  try {
    tokenizer.padding_side = "left";
    const inputs = tokenizer(prompts, { padding: true });
    const width = (inputs.input_ids.dims[1] as number) ?? 0;
    const out = (await model.generate({ ...inputs, max_new_tokens: maxNewTokens, do_sample: false })) as { tolist(): bigint[][] };
    const eos = new Set([model.generation_config?.eos_token_id].flat().map(Number));
    return out.tolist().map((row) => {
      const fresh = row.slice(width).map(Number);
      // transformers pads finished rows after their EOS; riff stops the row there.
      const end = fresh.findIndex((id) => eos.has(id));
      return end >= 0 ? fresh.slice(0, end + 1) : fresh;
    });
  } finally {
    await model.dispose();
  }
}

async function riffGreedy(dir: string, prompts: string[], maxNewTokens: number): Promise<number[][]> {
  const model = await loadTextModel(dir, { threads: 1 });
  try {
    const results = await model.generateBatch(prompts, { maxNewTokens, doSample: false });
    return results.map((r) => [...r.tokens]);
  } finally {
    await model.dispose();
  }
}

test("parity: stories260K greedy is token-identical to @huggingface/transformers generate()", async (t) => {
  if (!hasStories) return t.skip(SKIP_SHARED);
  for (const prompts of [["Once upon a time"], ["The little dog"], ["Once upon a time", "Tom had a red ball and"]]) {
    const max = prompts.length === 1 && prompts[0] === "Once upon a time" ? 252 : 80;
    assert.deepEqual(await riffGreedy(storiesDir, prompts, max), await transformersGreedy(storiesDir, prompts, max), prompts.join(" | "));
  }
});

for (const [name, file] of [["gpt2-tiny"], ["gpt2-tiny-nopos"], ["gpt2-tiny-merged", "decoder_model_merged"], ["llama-tiny-gqa"]] as [string, string?][]) {
  test(`parity: fixture ${name} greedy (single and batched) matches transformers`, async (t) => {
    const dir = join(fixturesDir, name);
    if (!existsSync(dir)) return t.skip(`fixture ${name} absent`);
    for (const prompts of [["In the beginning God created"], ["In the beginning God created", "And God said"]]) {
      assert.deepEqual(await riffGreedy(dir, prompts, 20), await transformersGreedy(dir, prompts, 20, file), prompts.join(" | "));
    }
  });
}
