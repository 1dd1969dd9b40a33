import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadPromptTokenizer } from "@riff/diffusion";

const fixtures = fileURLToPath(new URL("./fixtures/", import.meta.url));
const reference = JSON.parse(readFileSync(join(fixtures, "reference.json"), "utf8")) as {
  tokenizer: { prompts: string[]; input_ids: number[][]; pad_id: number; eos_id: number; bos_id: number };
};

test("CLIP tokenizer.json: bos + tokens + eos, padded with the pad token to the encoder length", () => {
  const tok = loadPromptTokenizer(join(fixtures, "sd-tiny", "tokenizer"), 16);
  assert.equal(tok.padId, reference.tokenizer.pad_id);
  reference.tokenizer.prompts.forEach((prompt, i) => {
    const { ids, mask, truncated } = tok.encode(prompt);
    assert.deepEqual(ids, reference.tokenizer.input_ids[i]);
    assert.equal(truncated, false);
    assert.equal(mask.filter((m) => m === 1).length, i === 0 ? 9 : 2);
  });
});

test("CLIP from vocab.json + merges.txt alone (no tokenizer.json) gives the same ids", () => {
  const dir = mkdtempSync(join(tmpdir(), "riff-clip-"));
  try {
    for (const f of ["vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json"]) {
      copyFileSync(join(fixtures, "sd-tiny", "tokenizer", f), join(dir, f));
    }
    const tok = loadPromptTokenizer(dir, 16);
    reference.tokenizer.prompts.forEach((prompt, i) => assert.deepEqual(tok.encode(prompt).ids, reference.tokenizer.input_ids[i]));
    assert.deepEqual(tok.encode("A  RED\tcircle").ids, tok.encode("a red circle").ids);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("truncation keeps bos first and eos last", () => {
  const tok = loadPromptTokenizer(join(fixtures, "sd-tiny", "tokenizer"), 16);
  const { ids, truncated, mask } = tok.encode(Array.from({ length: 30 }, () => "red circle").join(" "));
  assert.equal(truncated, true);
  assert.equal(ids.length, 16);
  assert.equal(ids[0], reference.tokenizer.bos_id);
  assert.equal(ids[15], reference.tokenizer.eos_id);
  assert.ok(mask.every((m) => m === 1));
});
