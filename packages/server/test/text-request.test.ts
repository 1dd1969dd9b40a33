// An OpenAI completions / chat body → riff's prompt and text options, through the text option
// schema with OpenAI's names as aliases: no model and no server needed. (Ranges checked against
// the model, such as logit_bias's token ids, are in requests.test.ts.)
import { test } from "node:test";
import assert from "node:assert/strict";
import { isGreedy } from "@riff/core";
import { ApiError } from "@riff/server";
import { parseTextRequest } from "../src/text-request.js";

/** Asserts a 400 naming `param` whose message shows `words`. */
function refuses(body: Record<string, unknown>, param: string, words: string, endpoint: "completions" | "chat" = "completions"): void {
  assert.throws(
    () => parseTextRequest(endpoint, { ...(endpoint === "chat" ? { messages: [{ role: "user", content: "x" }] } : { prompt: "x" }), ...body }),
    (e: unknown) => {
      assert.ok(e instanceof ApiError, `expected an ApiError, got ${String(e)}`);
      assert.equal(e.status, 400);
      assert.equal(e.param, param);
      assert.ok(e.message.includes(words), `"${e.message}" does not show ${words}`);
      return true;
    },
  );
}

test("a chat body maps to camelCase options under OpenAI's names", () => {
  const request = parseTextRequest("chat", {
    model: "local",
    messages: [{ role: "developer", content: "be brief" }, { role: "user", content: [{ type: "text", text: "h" }, { type: "text", text: "i" }] }],
    stream: true,
    stream_options: { include_usage: true },
    temperature: 0,
    top_p: 0.5,
    presence_penalty: 0.2,
    frequency_penalty: -0.2,
    logit_bias: { "50256": -100, "11": 5 },
    max_completion_tokens: 64,
    stop: "END",
    seed: 42,
    logprobs: true,
    top_logprobs: 5,
  });
  assert.deepEqual(request.prompt, [
    { role: "system", content: "be brief" },
    { role: "user", content: "hi" },
  ]);
  assert.equal(request.stream, true);
  assert.equal(request.includeUsage, true);
  assert.deepEqual(request.options, {
    temperature: 0,
    topP: 0.5,
    presencePenalty: 0.2,
    frequencyPenalty: -0.2,
    logitBias: { "11": 5, "50256": -100 },
    maxNewTokens: 64,
    stop: ["END"],
    seed: 42,
    logprobs: true,
    topLogprobs: 5,
  });
  assert.ok(isGreedy({ temperature: request.options.temperature }));
});

test("completions' integer logprobs is a count of alternatives; n and HF extras pass", () => {
  const request = parseTextRequest("completions", { prompt: [5, 6], max_tokens: 10, stop: ["a", "b"], logprobs: 2, n: 3, top_k: 4, min_p: 0.1, typical_p: 0.9, repetition_penalty: 1.2 });
  assert.deepEqual(request.prompt, { ids: [5, 6] });
  assert.deepEqual(request.options, { maxNewTokens: 10, stop: ["a", "b"], logprobs: true, topLogprobs: 2, numReturnSequences: 3, topK: 4, minP: 0.1, typicalP: 0.9, repetitionPenalty: 1.2 });
});

test("bad bodies are 400s naming the field as the request wrote it, with the allowed range", () => {
  refuses({ temperature: -1 }, "temperature", "≥ 0");
  refuses({ presence_penalty: -2.5 }, "presence_penalty", "[-2, 2]");
  refuses({ top_p: 0 }, "top_p", "(0, 1]");
  refuses({ logprobs: 21 }, "logprobs", "[0, 20]");
  refuses({ top_logprobs: 21 }, "top_logprobs", "20", "chat");
  refuses({ n: 0 }, "n", "[1, 64]");
  refuses({ stop: [1] }, "stop", "string");
  refuses({ max_tokens: 5, max_completion_tokens: 6 }, "max_tokens", "max_tokens and max_completion_tokens name the same option");
  refuses({ max_tokens: 5, max_new_tokens: 6 }, "max_tokens", "max_tokens and max_new_tokens name the same option");
  refuses({ tools: [] }, "tools", "tools");
  refuses({ best_of: 2 }, "best_of", "best_of");
  refuses({ temprature: 1 }, "temprature", 'did you mean "temperature"');
});
