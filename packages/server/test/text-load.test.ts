// The text model's decoder file: startServer's textLoad (riff serve --dtype / --onnx-file) picks it,
// and a bad one or a bad folder is refused naming the server's own option, never a bare "model".
import { test } from "node:test";
import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { RiffError } from "@riff/core";
import { startServer } from "@riff/server";
import { loadTextModel } from "@riff/text";

const root = resolve(fileURLToPath(new URL("../../..", import.meta.url)));
const llama = join(root, "packages/text/test/fixtures/exporters/optimum-llama");

async function complete(url: string): Promise<string> {
  const response = await fetch(`${url}/v1/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ prompt: "Hello", max_tokens: 12, temperature: 0 }),
  });
  assert.equal(response.status, 200);
  return ((await response.json()) as { choices: Array<{ text: string }> }).choices[0]!.text;
}

test("textLoad.onnxFile serves that decoder file: the same greedy text as the library on it", async () => {
  await using model = await loadTextModel(llama, { onnxFile: "onnx/model_q4.onnx" });
  const alone = (await model.generate("Hello", { maxNewTokens: 12, doSample: false })).text;
  await using fp32 = await loadTextModel(llama);
  // On this random-weight model the 4-bit file's greedy text is not the default file's, so serving the default would show.
  assert.notEqual((await fp32.generate("Hello", { maxNewTokens: 12, doSample: false })).text, alone);
  const server = await startServer({ port: 0, textModel: llama, imageModel: false, voice: false, textLoad: { onnxFile: "onnx/model_q4.onnx" } });
  try {
    assert.equal(await complete(server.url), alone);
  } finally {
    await server.close();
  }
});

test("a bad decoder file or text folder is refused by the server option's name", async () => {
  const refused = async (options: Parameters<typeof startServer>[0], option: string, words: string): Promise<void> => {
    await assert.rejects(startServer({ port: 0, imageModel: false, voice: false, ...options }), (e: unknown) => {
      assert.ok(e instanceof RiffError, String(e));
      assert.equal(e.option, option);
      assert.ok(e.message.includes(words), e.message);
      return true;
    });
  };
  await refused({ textModel: llama, textLoad: { onnxFile: "onnx/none.onnx" } }, "onnxFile", "onnx/none.onnx");
  await refused({ textModel: join(root, "no-such-folder") }, "textModel", "no-such-folder");
  await refused({ textModel: root, imageModel: root }, "textModel", "tokenizer.json");
});
