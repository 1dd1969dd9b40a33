// Bad requests and load against a real server on the default models: each bad request is a 4xx
// in OpenAI's error shape naming the field; 32 concurrent streaming clients each get the output
// the request gets alone; 8 of them leaving mid-stream frees their slots; a full queue is a 429.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { sseData, startServer, type RiffServer } from "@riff/server";
import { failOnUnhandledRejections } from "../../../test/support/unhandled.js";

failOnUnhandledRejections();
let server: RiffServer;

before(async () => {
  server = await startServer({ port: 0, maxBatch: 32, maxQueue: 64, bodyLimit: 64 * 1024 });
});
after(async () => {
  await server?.close();
});

async function post(path: string, body: unknown, raw = false): Promise<{ status: number; json: { error?: { message: string; type: string; param: string | null; code: string | null } } }> {
  const response = await fetch(server.url + path, { method: "POST", headers: { "content-type": "application/json" }, body: raw ? (body as string) : JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as never };
}

const BAD: Array<[string, string, unknown, number, string | null]> = [
  ["/v1/completions", "wrong type", { prompt: "x", temperature: "hot" }, 400, "temperature"],
  ["/v1/completions", "out of range", { prompt: "x", top_p: 0 }, 400, "top_p"],
  ["/v1/completions", "negative max_tokens", { prompt: "x", max_tokens: -5 }, 400, "max_tokens"],
  ["/v1/completions", "unknown field", { prompt: "x", temprature: 1 }, 400, "temprature"],
  ["/v1/completions", "empty prompt", { prompt: "" }, 400, "prompt"],
  ["/v1/completions", "no prompt", {}, 400, "prompt"],
  ["/v1/completions", "n too large", { prompt: "x", n: 1000 }, 400, "n"],
  ["/v1/completions", "n with greedy", { prompt: "x", n: 2, temperature: 0 }, 400, "n"],
  ["/v1/completions", "stream not boolean", { prompt: "x", stream: "yes" }, 400, "stream"],
  ["/v1/completions", "too many stop strings", { prompt: "x", stop: Array.from({ length: 17 }, (_, i) => `s${i}`) }, 400, "stop"],
  ["/v1/completions", "logit_bias out of range", { prompt: "x", logit_bias: { "5": 500 } }, 400, "logit_bias"],
  ["/v1/completions", "beam search with stream", { prompt: "x", num_beams: 2, stream: true }, 400, "num_beams"],
  ["/v1/completions", "unknown model", { model: "gpt-4", prompt: "x" }, 404, "model"],
  ["/v1/completions", "best_of", { prompt: "x", best_of: 2 }, 400, "best_of"],
  ["/v1/completions", "response_format with a keyword xgrammar cannot enforce", { prompt: "x", response_format: { type: "json_schema", json_schema: { name: "n", schema: { type: "integer", multipleOf: 3 } } } }, 400, "response_format"],
  ["/v1/completions", "response_format of an unknown type", { prompt: "x", response_format: { type: "yaml" } }, 400, "response_format"],
  ["/v1/chat/completions", "no messages", { messages: [] }, 400, "messages"],
  ["/v1/chat/completions", "bad role", { messages: [{ role: "wizard", content: "x" }] }, 400, "messages[0].role"],
  ["/v1/chat/completions", "no chat template", { messages: [{ role: "user", content: "x" }] }, 400, "messages"],
  ["/v1/images/generations", "size not allowed", { prompt: "x", size: "big" }, 400, "size"],
  ["/v1/images/generations", "size too large", { prompt: "x", size: "9000x9000" }, 400, "size"],
  ["/v1/images/generations", "steps out of range", { prompt: "x", steps: 0 }, 400, "steps"],
  ["/v1/images/generations", "n too large", { prompt: "x", n: 100 }, 400, "n"],
  ["/v1/images/generations", "url format", { prompt: "x", response_format: "url" }, 400, "response_format"],
  ["/v1/images/generations", "unknown scheduler", { prompt: "x", scheduler: "magic" }, 400, "scheduler"],
  ["/v1/images/generations", "img2img from a server path", { prompt: "x", image: "/etc/passwd" }, 400, "image"],
  ["/v1/audio/speech", "empty input", { input: "", voice: "default" }, 400, "input"],
  ["/v1/audio/speech", "no voice", { input: "Hello." }, 400, "voice"],
  ["/v1/audio/speech", "unknown voice", { input: "Hello.", voice: "nobody" }, 400, "voice"],
  ["/v1/audio/speech", "speed out of range", { input: "Hello.", voice: "default", speed: 50 }, 400, "speed"],
  ["/v1/audio/speech", "mp3", { input: "Hello.", voice: "default", response_format: "mp3" }, 400, "response_format"],
];

for (const [path, what, body, status, param] of BAD) {
  test(`${path}: ${what} → ${status} naming ${param}`, async () => {
    const { status: got, json } = await post(path, body);
    assert.equal(got, status, JSON.stringify(json));
    assert.equal(json.error?.param, param, JSON.stringify(json));
    assert.equal(typeof json.error?.message, "string");
    assert.ok(json.error!.message.includes(param!.replace(/\[.*$/, "")), json.error!.message);
  });
}

test("malformed JSON, a body too large and a non-object body are 4xx in OpenAI's shape", async () => {
  const malformed = await post("/v1/completions", '{"prompt": "x",', true);
  assert.equal(malformed.status, 400);
  assert.equal(malformed.json.error?.type, "invalid_request_error");
  const large = await post("/v1/completions", { prompt: "x".repeat(100_000) });
  assert.equal(large.status, 413);
  assert.match(large.json.error!.message, /body/);
  const list = await post("/v1/completions", [1, 2]);
  assert.equal(list.status, 400);
});

/**
 * Reads one SSE completion stream to its end; `leaveAfter` chunks then disconnects. A client that
 * leaves asks for 200 tokens: the continuous batch does not wait for readers, so a short
 * generation could end before the server sees the disconnect.
 */
async function streamCompletion(prompt: string, leaveAfter?: number): Promise<{ text: string; done: boolean }> {
  const controller = new AbortController();
  const response = await fetch(`${server.url}/v1/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ prompt, temperature: 0, stream: true, ...(leaveAfter === undefined ? { max_tokens: 48 } : { max_tokens: 200, min_new_tokens: 200 }) }),
    signal: controller.signal,
  });
  assert.equal(response.status, 200);
  let text = "";
  let chunks = 0;
  try {
    for await (const event of sseData(response.body!)) {
      if (event === "[DONE]") return { text, done: true };
      const data = JSON.parse(event) as { choices: Array<{ text: string }> };
      text += data.choices[0]?.text ?? "";
      if (leaveAfter !== undefined && ++chunks >= leaveAfter) {
        controller.abort();
        return { text, done: false };
      }
    }
  } catch (error) {
    if (!controller.signal.aborted) throw error;
  }
  return { text, done: false };
}

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(name));
  return line === undefined ? 0 : Number(line.split(" ").pop());
}

test("32 concurrent streaming clients get their own complete output; 8 leaving mid-stream free their slots", async () => {
  const prompts = ["In the beginning", "And God said", "The LORD is my shepherd", "Blessed are the meek"];
  const alone = new Map<string, string>();
  for (const prompt of prompts) alone.set(prompt, (await streamCompletion(prompt)).text);
  const abortedBefore = await metric("riff_aborted_total");
  const freedBefore = await metric('riff_text_batch_rows_freed{reason="aborted"}');
  const stepsBefore = await metric('riff_text_batch_steps{count="steps"}');
  const rowStepsBefore = await metric('riff_text_batch_steps{count="rows"}');
  const clients = Array.from({ length: 32 }, (_, i) => ({ prompt: prompts[i % prompts.length]!, leave: i % 4 === 1 ? 2 : undefined }));
  const results = await Promise.all(clients.map((c) => streamCompletion(c.prompt, c.leave)));
  for (const [i, result] of results.entries()) {
    if (clients[i]!.leave !== undefined) continue;
    assert.ok(result.done, `client ${i} got [DONE]`);
    assert.equal(result.text, alone.get(clients[i]!.prompt), `client ${i} got its own output`);
  }
  // The 8 that left are aborted within a step and their slots freed.
  for (let tries = 0; tries < 100 && (await metric("riff_aborted_total")) - abortedBefore < 8; tries++) await new Promise((r) => setTimeout(r, 50));
  assert.equal((await metric("riff_aborted_total")) - abortedBefore, 8);
  assert.equal(await metric('riff_running{model="kjv-llama"}'), 0);
  // Their rows left the continuous batch, which decoded the clients together.
  assert.equal((await metric('riff_text_batch_rows_freed{reason="aborted"}')) - freedBefore, 8);
  assert.equal(await metric("riff_text_batch_rows "), 0);
  const steps = (await metric('riff_text_batch_steps{count="steps"}')) - stepsBefore;
  const rowSteps = (await metric('riff_text_batch_steps{count="rows"}')) - rowStepsBefore;
  // Summed over the server's batches (its own and, on 2 cores or more, a text worker's, 16 clients
  // each): a pass decodes many clients at once, where one at a time would make it 1.
  assert.ok(rowSteps / steps > 4, `mean rows per forward pass ${rowSteps / steps}`);
  assert.equal(await metric('riff_queue_depth{model="kjv-llama"}'), 0);
});

test("a full queue answers 429 with Retry-After, and the others still finish", async () => {
  const small = await startServer({ port: 0, maxBatch: 1, maxQueue: 1, imageModel: false, voice: false });
  try {
    const send = (): Promise<Response> =>
      fetch(`${small.url}/v1/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ prompt: "In the beginning", max_tokens: 40, temperature: 0 }) });
    const responses = await Promise.all([send(), send(), send(), send()]);
    const statuses = responses.map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, 200, 429, 429]);
    const refused = responses.find((r) => r.status === 429)!;
    assert.equal(refused.headers.get("retry-after"), "1");
    assert.equal(((await refused.json()) as { error: { type: string } }).error.type, "rate_limit_error");
    for (const r of responses) if (!r.bodyUsed) await r.body?.cancel();
  } finally {
    await small.close();
  }
});

test("threads: a count onnxruntime cannot take is refused naming threads; one thread serves", async () => {
  await assert.rejects(startServer({ port: 0, threads: 0, imageModel: false, voice: false }), /threads must be an integer ≥ 1/);
  const single = await startServer({ port: 0, threads: 1, imageModel: false, voice: false });
  try {
    const response = await fetch(`${single.url}/v1/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ prompt: "In the beginning", max_tokens: 5, temperature: 0 }) });
    assert.equal(response.status, 200);
    assert.equal(((await response.json()) as { usage: { completion_tokens: number } }).usage.completion_tokens, 5);
  } finally {
    await single.close();
  }
});
