// The server through the official `openai` client, on a real port: completions and chat (whole and
// streamed), images.generate, audio.speech.create, and errors as the client's APIError. Greedy
// output through the server equals the library's; speech samples equal speakToFile's (riff speak).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import OpenAI, { APIError } from "openai";
import { resolveModelDir } from "@riff/core";
import { loadTextModel, type TextModel } from "@riff/text";
import { DiffusionPipeline, encodePng, formatParameters, readParameters } from "@riff/diffusion";
import { loadVoice, speakToFile } from "@riff/tts";
import { startServer, type RiffServer } from "@riff/server";
import { failOnUnhandledRejections } from "../../../test/support/unhandled.js";

failOnUnhandledRejections();
const root = resolve(fileURLToPath(new URL("../../..", import.meta.url)));
const stories = join(root, "../shared/models/stories260K");
const TEXT_ID = "stories-chat";
const work = mkdtempSync(join(tmpdir(), "riff-serve-"));
let server: RiffServer;
let client: OpenAI;
let library: TextModel;

/** stories260K with a chat template added, so /v1/chat/completions has one to render. */
function chatFixture(): string {
  assert.ok(existsSync(stories), `fixture missing: ${stories}`);
  const dir = join(work, TEXT_ID);
  cpSync(stories, dir, { recursive: true, dereference: true });
  const config = JSON.parse(readFileSync(join(stories, "tokenizer_config.json"), "utf8")) as Record<string, unknown>;
  config.chat_template = "{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}assistant:";
  writeFileSync(join(dir, "tokenizer_config.json"), JSON.stringify(config));
  return dir;
}

before(async () => {
  const textDir = chatFixture();
  server = await startServer({ port: 0, textModel: textDir });
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "unused", maxRetries: 0 });
  library = await loadTextModel(textDir);
});
after(async () => {
  await server?.close();
  await library?.dispose();
  rmSync(work, { recursive: true, force: true });
});

test("GET /v1/models lists the three served models", async () => {
  const models = await client.models.list();
  assert.deepEqual(models.data.map((m) => m.id).sort(), ["shapes-diffusion", "slt-voice", TEXT_ID]);
});

test("completions: greedy text equals the library's, with usage counts", async () => {
  const expected = await library.generate("Once upon a time", { maxNewTokens: 30, temperature: 0 });
  const response = await client.completions.create({ model: TEXT_ID, prompt: "Once upon a time", max_tokens: 30, temperature: 0 });
  assert.equal(response.choices[0]!.text, expected.text);
  assert.equal(response.choices[0]!.finish_reason, "length");
  assert.deepEqual(response.usage, { prompt_tokens: expected.promptTokens, completion_tokens: 30, total_tokens: expected.promptTokens + 30 });
});

test("completions: streamed deltas concatenate to the whole text", async () => {
  const expected = await library.generate("Once upon a time", { maxNewTokens: 40, temperature: 0.8, seed: 7 });
  const stream = await client.completions.create({ model: TEXT_ID, prompt: "Once upon a time", max_tokens: 40, temperature: 0.8, seed: 7, stream: true });
  let text = "";
  let finish: string | null = null;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.text ?? "";
    finish = chunk.choices[0]?.finish_reason ?? finish;
  }
  assert.equal(text, expected.text);
  assert.equal(finish, expected.stopReason === "length" ? "length" : "stop");
});

test("chat: whole and streamed, through the model's chat template", async () => {
  const messages = [{ role: "user" as const, content: "Tell me a story" }];
  const expected = await library.generate(messages, { maxNewTokens: 25, temperature: 0 });
  const whole = await client.chat.completions.create({ model: TEXT_ID, messages, max_tokens: 25, temperature: 0 });
  assert.equal(whole.choices[0]!.message.content, expected.text);
  assert.equal(whole.usage?.prompt_tokens, expected.promptTokens);
  const stream = await client.chat.completions.create({ model: TEXT_ID, messages, max_tokens: 25, temperature: 0, stream: true, stream_options: { include_usage: true } });
  let text = "";
  let usage: { completion_tokens: number } | undefined;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? "";
    if (chunk.usage) usage = chunk.usage;
  }
  assert.equal(text, expected.text);
  assert.equal(usage?.completion_tokens, expected.tokenCount);
});

test("chat: logprobs in OpenAI's shape", async () => {
  const response = await client.chat.completions.create({ model: TEXT_ID, messages: [{ role: "user", content: "Hi" }], max_tokens: 5, temperature: 0, logprobs: true, top_logprobs: 2 });
  const content = response.choices[0]!.logprobs!.content!;
  assert.equal(content.length, 5);
  for (const token of content) {
    assert.ok(token.logprob <= 0);
    assert.equal(token.top_logprobs.length, 2);
  }
});

test("errors surface as the client's APIError with status and param", async () => {
  const cases: Array<[() => Promise<unknown>, number, string | null]> = [
    [() => client.completions.create({ model: TEXT_ID, prompt: "x", max_tokens: -1 }), 400, "max_tokens"],
    [() => client.completions.create({ model: TEXT_ID, prompt: "x", top_p: 2 }), 400, "top_p"],
    [() => client.chat.completions.create({ model: TEXT_ID, messages: [{ role: "user", content: "x" }], response_format: { type: "json_schema", json_schema: { name: "n", schema: { type: "integer", multipleOf: 3 } } } }), 400, "response_format"],
    [() => client.completions.create({ model: "gpt-4", prompt: "x" }), 404, "model"],
    [() => client.chat.completions.create({ model: TEXT_ID, messages: [{ role: "user", content: "x" }], n: 2, stream: true }), 400, "n"],
  ];
  for (const [call, status, param] of cases) {
    await assert.rejects(call, (error: unknown) => {
      assert.ok(error instanceof APIError, String(error));
      assert.equal(error.status, status);
      assert.equal(error.param, param);
      return true;
    });
  }
});

test("images.generate: a PNG with the CLI's parameters chunk, the library's bytes for the seed", async () => {
  const response = await client.images.generate({ model: "shapes-diffusion", prompt: "a red circle", size: "32x32", response_format: "b64_json", seed: 3, steps: 4 } as unknown as OpenAI.ImageGenerateParamsNonStreaming);
  const png = Buffer.from(response.data![0]!.b64_json!, "base64");
  const pipeline = await DiffusionPipeline.load(resolveModelDir("image", undefined));
  try {
    const result = await pipeline.run({ prompt: "a red circle", seed: 3, steps: 4, width: 32, height: 32 });
    const expected = await encodePng(result.images[0]!, formatParameters(result.parameters));
    assert.ok(png.equals(expected), "the server's PNG equals the library's");
    assert.match(readParameters(png) ?? "", /Steps: 4.*Seed: 3/s);
  } finally {
    await pipeline.dispose();
  }
});

test("audio.speech.create: a streamed WAV byte for byte riff speak's file (the default voice knows its length first)", async () => {
  const response = await client.audio.speech.create({ model: "slt-voice", voice: "alloy", input: "Hello there. It is a fine day.", response_format: "wav", seed: 2 } as OpenAI.Audio.SpeechCreateParams);
  const wav = Buffer.from(await response.arrayBuffer());
  const voice = await loadVoice(resolveModelDir("speech", undefined));
  const out = join(work, "speech.wav");
  try {
    await speakToFile("Hello there. It is a fine day.", out, { voice, seed: 2, speed: 1 });
  } finally {
    await voice.dispose();
  }
  const file = readFileSync(out);
  assert.equal(wav.length, file.length);
  assert.ok(wav.equals(file), "the same bytes, sizes and LIST/INFO included");
  assert.equal(wav.readUInt32LE(4), wav.length - 8);
  const dataAt = file.indexOf("data") + 8;
  const pcm = await client.audio.speech.create({ model: "slt-voice", voice: "alloy", input: "Hello there. It is a fine day.", response_format: "pcm", seed: 2 } as OpenAI.Audio.SpeechCreateParams);
  assert.ok(Buffer.from(await pcm.arrayBuffer()).equals(wav.subarray(dataAt)));
});


test("response_format constrains the completion: a JSON Schema gives JSON that validates", async () => {
  const schema = { type: "object", properties: { name: { type: "string", maxLength: 12 }, age: { type: "integer", minimum: 0, maximum: 120 } }, required: ["name", "age"] };
  const body = { model: TEXT_ID, prompt: "And God said", max_tokens: 60, temperature: 1, seed: 5, response_format: { type: "json_schema", json_schema: { name: "person", schema, strict: true } } };
  const response = await client.completions.create(body as unknown as OpenAI.CompletionCreateParamsNonStreaming);
  const value = JSON.parse(response.choices[0]!.text) as { name: unknown; age: unknown };
  assert.equal(typeof value.name, "string");
  assert.ok(Number.isInteger(value.age) && (value.age as number) >= 0 && (value.age as number) <= 120, String(value.age));
  assert.equal(response.choices[0]!.finish_reason, "stop");
});
