import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(fileURLToPath(new URL("../../..", import.meta.url)));
const main = join(root, "packages/cli/bundle/main.js");
const stories = "../shared/models/stories260K";
const haveStories = existsSync(join(root, stories, "onnx", "model.onnx"));
const gpt2 = join(root, "packages/text/test/fixtures/gpt2-tiny");

function riff(args: string[], input = ""): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [main, ...args], { cwd: root, encoding: "utf8", input, timeout: 120_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

test("riff text --json prints one JSON object with the text and timings", { skip: !haveStories && "../shared absent" }, () => {
  const { code, stdout, stderr } = riff(["text", "Once upon a time", "--model", stories, "--json", "--max-tokens", "20"]);
  assert.equal(code, 0, stderr);
  const report = JSON.parse(stdout) as Record<string, unknown>;
  // Greedy by default (generation_config.json has no do_sample): llama2.c's reference opening.
  assert.equal(report.text, ", there was a little girl named Lily. She loved to play outsid");
  assert.equal(report.tokenCount, 20);
  assert.equal(report.promptTokens, 5);
  assert.equal(report.stopReason, "length");
  for (const key of ["prefillMs", "tokensPerSecond", "totalMs"]) {
    assert.equal(typeof report[key], "number", key);
    assert.ok((report[key] as number) > 0, key);
  }
});

test("riff text reads the prompt from stdin, samples by seed, stops on --stop", { skip: !haveStories && "../shared absent" }, () => {
  const args = ["text", "--model", stories, "--json", "--max-tokens", "40", "--temperature", "0.8", "--top-k", "40", "--seed", "7", "--stop", "."];
  const a = riff(args, "Once upon a time\n");
  const b = riff(args, "Once upon a time\n");
  assert.equal(a.code, 0, a.stderr);
  const ra = JSON.parse(a.stdout) as { text: string; seed: number; stopReason: string; tokenCount: number };
  const rb = JSON.parse(b.stdout) as typeof ra;
  assert.equal(ra.text, rb.text, "same seed, same text");
  assert.equal(ra.tokenCount, rb.tokenCount);
  assert.equal(ra.seed, 7);
  assert.ok(!ra.text.includes("."));
  assert.ok(ra.stopReason === "stop_string" || ra.stopReason === "length" || ra.stopReason === "eos");
});

test("riff text --stream prints the same text as --no-stream", { skip: !haveStories && "../shared absent" }, () => {
  const base = ["text", "Once upon a time", "--model", stories, "--max-tokens", "30"];
  const streamed = riff([...base, "--stream"]);
  const whole = riff([...base, "--no-stream"]);
  assert.equal(streamed.code, 0, streamed.stderr);
  assert.equal(streamed.stdout, whole.stdout);
  assert.match(whole.stdout, /^, there was a little girl named Lily\. She loved to play outside in the park\.[^\n]*\n$/);
});

test("riff text: a bad option exits non-zero, names it on stderr, prints nothing on stdout", () => {
  const model = haveStories ? stories : gpt2;
  for (const [flag, value, name] of [
    ["--top-p", "1.5", "--top-p"],
    ["--temperature", "-1", "--temperature"],
    ["--num-beams", "0", "--num-beams"],
    ["--max-tokens", "100000", "--max-tokens"],
    ["--temperature", "abc", "--temperature"],
    ["--prompt-lookup", "65", "--prompt-lookup"],
  ] as const) {
    const { code, stdout, stderr } = riff(["text", "Once upon a time", "--model", model, "--json", flag, value]);
    assert.notEqual(code, 0, `${flag} ${value}`);
    assert.equal(stdout, "", `${flag} ${value}: no partial JSON`);
    assert.match(stderr, new RegExp(name), `${flag} ${value}: ${stderr}`);
  }
});

test("riff text --prompt-lookup 0 prints the default's text; with sampling it is refused by name", { skip: !haveStories && "../shared absent" }, () => {
  const base = ["text", "Lily and Ben went to the park", "--model", stories, "--max-tokens", "80", "--no-stream"];
  const drafted = riff(base);
  const plain = riff([...base, "--prompt-lookup", "0"]);
  assert.equal(drafted.code, 0, drafted.stderr);
  assert.equal(drafted.stdout, plain.stdout);
  const refused = riff([...base, "--temperature", "0.8", "--prompt-lookup", "4"]);
  assert.notEqual(refused.code, 0);
  assert.equal(refused.stdout, "");
  assert.match(refused.stderr, /--prompt-lookup.*greedy/);
});

test("riff text: a missing model folder and --stream with --json are clear errors", () => {
  const missing = riff(["text", "hi", "--model", "/nonexistent/model", "--json"]);
  assert.notEqual(missing.code, 0);
  assert.equal(missing.stdout, "");
  assert.match(missing.stderr, /--model.*not found/);
  const both = riff(["text", "hi", "--model", gpt2, "--json", "--stream"]);
  assert.notEqual(both.code, 0);
  assert.match(both.stderr, /--stream/);
});

test("riff text --json on a dynamically quantized decoder reports prompt lookup off and why", () => {
  const q8 = join(root, "packages/text/test/fixtures/gpt2-tiny-q8");
  const run = riff(["text", "In the beginning God created", "--model", q8, "--dtype", "q8", "--json", "--max-tokens", "12", "--threads", "1"]);
  assert.equal(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout) as { promptLookupNumTokens: number; promptLookupOff?: string; tokenCount: number };
  assert.equal(report.tokenCount, 12);
  assert.equal(report.promptLookupNumTokens, 0);
  assert.match(report.promptLookupOff ?? "", /quantizes activations dynamically \(DynamicQuantizeLinear, MatMulInteger\)/);
  const asked = riff(["text", "In the beginning God created", "--model", q8, "--dtype", "q8", "--json", "--max-tokens", "12", "--prompt-lookup", "3"]);
  assert.equal(asked.code, 0, asked.stderr);
  assert.equal((JSON.parse(asked.stdout) as { promptLookupNumTokens: number }).promptLookupNumTokens, 3);
});
