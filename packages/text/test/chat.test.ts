import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, copyFileSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { env, AutoTokenizer } from "@huggingface/transformers";
import { loadTextModel, renderChat, type ChatMessage } from "@riff/text";
import { fixturesDir } from "./helpers.js";

const LLAMA2_TEMPLATE =
  "{% for message in messages %}{% if message['role'] == 'system' %}{{ '<<SYS>>\\n' + message['content'] + '\\n<</SYS>>\\n\\n' }}" +
  "{% elif message['role'] == 'user' %}{{ bos_token + '[INST] ' + message['content'] + ' [/INST]' }}" +
  "{% else %}{{ ' ' + message['content'] + ' ' + eos_token }}{% endif %}{% endfor %}";

test("chat: messages go through tokenizer_config's chat_template exactly as transformers.js renders them", async (t) => {
  const source = join(fixturesDir, "llama-tiny-gqa");
  if (!existsSync(source)) return t.skip("fixture llama-tiny-gqa absent");
  const root = mkdtempSync(join(tmpdir(), "riff-chat-"));
  const dir = join(root, "llama-chat");
  try {
    mkdirSync(join(dir, "onnx"), { recursive: true });
    for (const file of ["config.json", "generation_config.json", "tokenizer.json", "special_tokens_map.json"]) {
      copyFileSync(join(source, file), join(dir, file));
    }
    copyFileSync(join(source, "onnx", "model.onnx"), join(dir, "onnx", "model.onnx"));
    const config = JSON.parse(readFileSync(join(source, "tokenizer_config.json"), "utf8")) as Record<string, unknown>;
    writeFileSync(join(dir, "tokenizer_config.json"), JSON.stringify({ ...config, chat_template: LLAMA2_TEMPLATE }));

    const messages: ChatMessage[] = [
      { role: "system", content: "Answer briefly." },
      { role: "user", content: "And God said" },
      { role: "assistant", content: "Let there be light" },
      { role: "user", content: "And there was" },
    ];
    env.allowRemoteModels = false;
    env.localModelPath = dirname(dir) + "/";
    const reference = await AutoTokenizer.from_pretrained(basename(dir));
    const wantText = reference.apply_chat_template(messages, { tokenize: false, add_generation_prompt: true }) as string;
    const wantIds = reference.apply_chat_template(messages, { tokenize: true, add_generation_prompt: true, return_tensor: false, return_dict: false }) as number[];

    const model = await loadTextModel(dir, { threads: 1 });
    try {
      assert.equal(renderChat(model.tokenizer, messages), wantText);
      assert.deepEqual(model.encode(messages), wantIds.map(Number));
      // The fixture's context is 64 tokens: generate from a short conversation.
      const short: ChatMessage[] = [{ role: "user", content: "God" }];
      const result = await model.generate(short, { maxNewTokens: 4 });
      assert.equal(result.promptTokens, model.encode(short).length);
      assert.equal(result.tokenCount, 4);
    } finally {
      await model.dispose();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("chat: chat_template.jinja (transformers ≥ 4.43) is read, and wins over tokenizer_config's chat_template", async () => {
  const source = join(fixturesDir, "llama-tiny-gqa");
  const root = mkdtempSync(join(tmpdir(), "riff-chat-jinja-"));
  const messages: ChatMessage[] = [
    { role: "system", content: "Answer briefly." },
    { role: "user", content: "And God said" },
  ];
  const copy = (name: string, tokenizerConfig: Record<string, unknown>, jinja: string | undefined): string => {
    const dir = join(root, name);
    mkdirSync(join(dir, "onnx"), { recursive: true });
    for (const file of ["config.json", "generation_config.json", "tokenizer.json", "special_tokens_map.json"]) copyFileSync(join(source, file), join(dir, file));
    copyFileSync(join(source, "onnx", "model.onnx"), join(dir, "onnx", "model.onnx"));
    writeFileSync(join(dir, "tokenizer_config.json"), JSON.stringify(tokenizerConfig));
    if (jinja !== undefined) writeFileSync(join(dir, "chat_template.jinja"), jinja);
    return dir;
  };
  try {
    const config = JSON.parse(readFileSync(join(source, "tokenizer_config.json"), "utf8")) as Record<string, unknown>;
    const inConfig = copy("in-config", { ...config, chat_template: LLAMA2_TEMPLATE }, undefined);
    const inFile = copy("in-file", config, LLAMA2_TEMPLATE);
    const both = copy("both", { ...config, chat_template: "{{ 'the config loses' }}" }, LLAMA2_TEMPLATE);
    const want = await (async () => {
      await using model = await loadTextModel(inConfig, { threads: 1 });
      return { text: renderChat(model.tokenizer, messages), ids: model.encode(messages) };
    })();
    assert.equal(want.text, "<<SYS>>\nAnswer briefly.\n<</SYS>>\n\n<s>[INST] And God said [/INST]");
    for (const dir of [inFile, both]) {
      await using model = await loadTextModel(dir, { threads: 1 });
      assert.equal(renderChat(model.tokenizer, messages), want.text, dir);
      assert.deepEqual(model.encode(messages), want.ids, dir);
      const result = await model.generate([{ role: "user", content: "God" }], { maxNewTokens: 3 });
      assert.equal(result.tokenCount, 3);
    }
    // Neither: the message names both places.
    await using bare = await loadTextModel(copy("bare", config, undefined), { threads: 1 });
    assert.throws(() => bare.encode(messages), /no chat template \(chat_template\.jinja or tokenizer_config\.json chat_template\)/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
