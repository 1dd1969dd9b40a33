// Hostile and careless option values, table by table, through every entry point: the CLI (exit
// code 2, one line naming the flag and the allowed values, no file left behind, quickly), the
// library (a RiffError naming the option by its library name, before any work) and config files
// (the key and the file's name). One schema per modality is behind all three.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { RiffError, samplingOptionsFromGenerationConfig } from "@riff/core";
import { checkGenerateOptions, imageOptionsSchema } from "@riff/diffusion";
import { textOptionsSchema } from "@riff/text";
import { speechOptionsSchema } from "@riff/tts";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));
const main = join(root, "packages/cli/bundle/main.js");

/** [args, what stderr must say]: each is refused before any model loads. */
const CLI: ReadonlyArray<readonly [readonly string[], RegExp]> = [
  [["text", "hi", "--temperature", "-1"], /--temperature must be a number ≥ 0, got -1/],
  [["text", "hi", "--temperature", "hot"], /--temperature must be a number ≥ 0, got "hot"/],
  [["text", "hi", "--top-p", "0"], /--top-p must be a number in \(0, 1\], got 0/],
  [["text", "hi", "--top-k", "2.5"], /--top-k must be an integer ≥ 0, got 2\.5/],
  [["text", "hi", "--min-p", "1.5"], /--min-p must be a number in \[0, 1\]/],
  [["text", "hi", "--typical-p", "0"], /--typical-p must be a number in \(0, 1\]/],
  [["text", "hi", "--repetition-penalty", "0"], /--repetition-penalty must be a number > 0/],
  [["text", "hi", "--presence-penalty", "3"], /--presence-penalty must be a number in \[-2, 2\]/],
  [["text", "hi", "--frequency-penalty", "-2.5"], /--frequency-penalty must be a number in \[-2, 2\]/],
  [["text", "hi", "--no-repeat-ngram-size", "-1"], /--no-repeat-ngram-size must be an integer in \[0, 1024\]/],
  [["text", "hi", "--num-beams", "100000"], /--num-beams must be an integer in \[1, 32\], got 100000/],
  [["text", "hi", "--num-return-sequences", "1000000"], /--num-return-sequences must be an integer in \[1, 64\]/],
  [["text", "hi", "--top-logprobs", "1000000000", "--json"], /--top-logprobs must be an integer in \[0, 20\]/],
  [["text", "hi", "--threads", "100000"], /--threads must be an integer in \[1, 256\], got 100000/],
  [["text", "hi", "--threads", "0"], /--threads must be an integer in \[1, 256\], got 0/],
  [["text", "hi", "--max-tokens", "-5"], /--max-tokens must be an integer in \[0, 1048576\]/],
  [["text", "hi", "--max-tokens", "1e9"], /--max-tokens must be an integer in \[0, 1048576\]/],
  [["text", "hi", "--seed", "1.5"], /--seed must be an integer, got 1\.5/],
  [["text", "hi", "--prompt-lookup", "65"], /--prompt-lookup must be an integer in \[0, 64\]/],
  [["text", "hi", "--dtype", "q9"], /--dtype must be one of fp32, fp16, q8/],
  [["text", "hi", "--logit-bias", "abc"], /--logit-bias takes ID=BIAS/],
  [["text", "hi", "--logit-bias", "5=500"], /--logit-bias must be an object mapping .* biases in \[-100, 100\]/],
  [["text", "hi", "--stop", ""], /--stop must be a non-empty string/],
  [["text", "hi", "--logprobs"], /--logprobs needs --json/],
  [["text", "hi", "--stream", "--json"], /--stream and --json cannot be combined/],
  [["text", "hi", "--temperature", "0.7", "--num-beams", "2"], /--temperature only applies when sampling.*--num-beams 2/],
  [["text", "hi", "--no-such-flag"], /unknown option '--no-such-flag'/],
  [["image", "x", "-o", "OUT.png", "--steps", "0"], /--steps must be an integer in \[1, 1000\], got 0/],
  [["image", "x", "-o", "OUT.png", "--steps", "100000"], /--steps must be an integer in \[1, 1000\]/],
  [["image", "x", "-o", "OUT.png", "--width", "100000"], /--width must be an integer in \[1, 4096\]/],
  [["image", "x", "-o", "OUT.png", "--height", "-3"], /--height must be an integer in \[1, 4096\]/],
  [["image", "x", "-o", "OUT.png", "--num-images", "1000"], /--num-images must be an integer in \[1, 64\]/],
  [["image", "x", "-o", "OUT.png", "--num-images", "64", "--width", "2048", "--height", "2048"], /--num-images × --width × --height is \d+ pixels; at most 16777216/],
  [["image", "x", "-o", "OUT.png", "--guidance", "1e9"], /--guidance must be a number in \[0, 100\]/],
  [["image", "x", "-o", "OUT.png", "--scheduler", "heun"], /--scheduler must be one of ddpm, ddim, euler, euler-a, dpm\+\+, pndm/],
  [["image", "x", "-o", "OUT.png", "--seed", "-1"], /--seed must be an integer ≥ 0/],
  [["image", "x", "-o", "OUT.png", "--strength", "0.5"], /--strength needs an init image \(--init-image\)/],
  [["image", "x", "-o", "OUT.png", "--threads", "100000"], /--threads must be an integer in \[1, 256\]/],
  [["image", "x", "-o", "OUT.jpg"], /--out must name a \.png file/],
  [["speak", "Hello.", "-o", "OUT.wav", "--speed", "0"], /--speed must be a number in \[0\.1, 10\], got 0/],
  [["speak", "Hello.", "-o", "OUT.wav", "--speed", "Infinity"], /--speed must be a number in \[0\.1, 10\], got Infinity/],
  [["speak", "Hello.", "-o", "OUT.wav", "--seed", "-1"], /--seed must be an integer ≥ 0/],
  [["speak", "Hello.", "-o", "OUT.wav", "--sentence-silence", "60"], /--sentence-silence must be a number in \[0, 10\]/],
  [["speak", "Hello.", "-o", "OUT.wav", "--threads", "100000"], /--threads must be an integer in \[1, 256\]/],
  [["speak", "Hello.", "-o", "OUT.wav", "--speaker", "bob"], /single speaker; leave --speaker out/],
  [["speak", "Hello.", "-o", "OUT.txt"], /--out must name a \.wav file/],
  [["speak", "   ", "-o", "OUT.wav"], /nothing to speak/],
];

for (const [args, message] of CLI) {
  test(`riff ${args.join(" ")} → exit 2, ${message.source.slice(0, 40)}`, () => {
    const dir = mkdtempSync(join(tmpdir(), "riff-hostile-"));
    try {
      const argv = args.map((a) => a.replace(/^OUT\./, join(dir, "out.")));
      const started = Date.now();
      const r = spawnSync(process.execPath, [main, ...argv], { cwd: root, encoding: "utf8", timeout: 60_000 });
      assert.equal(r.status, 2, `exit code (stderr: ${r.stderr})`);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /\n\s+at .*:\d+:\d+/, "no stack trace");
      assert.deepEqual(readdirSync(dir), [], "nothing written");
      assert.ok(Date.now() - started < 30_000, "refused within seconds");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

/** Asserts a RiffError whose option is `option` and whose message says `message`. */
function refuses(make: () => unknown, option: string, message: RegExp): void {
  assert.throws(make, (e: unknown) => {
    assert.ok(e instanceof RiffError, `expected a RiffError, got ${String(e)}`);
    assert.equal(e.option, option, e.message);
    assert.match(e.message, message);
    return true;
  });
}

test("library: every modality refuses unknown options by name, suggesting the near one", () => {
  refuses(() => textOptionsSchema.parse({ temprature: 0.5 }, "library"), "temprature", /unknown text generation option "temprature" \(did you mean "temperature"\?\)/);
  refuses(() => checkGenerateOptions({ sampler: "euler", cfg: 7 } as never), "sampler", /unknown image generation options "sampler", "cfg"/);
  refuses(() => speechOptionsSchema.parse({ sped: 2, pitch: 1 }, "library"), "sped", /unknown speech options "sped", "pitch" \(did you mean "speed"\?\)/);
  refuses(() => textOptionsSchema.parse(null, "library"), "options", /must be an object, got null/);
  refuses(() => imageOptionsSchema.parse([], "library"), "options", /must be an object, got a list of 0/);
});

test("library: values are named by their library keys, with the allowed range", () => {
  refuses(() => textOptionsSchema.parse({ topP: 2 }, "library"), "topP", /^topP must be a number in \(0, 1\], got 2$/);
  refuses(() => textOptionsSchema.parse({ numBeams: 1e5 }, "library"), "numBeams", /\[1, 32\]/);
  refuses(() => textOptionsSchema.parse({ topLogprobs: 1e9 }, "library"), "topLogprobs", /\[0, 20\]/);
  refuses(() => textOptionsSchema.parse({ signal: "stop" }, "library"), "signal", /an AbortSignal/);
  refuses(() => textOptionsSchema.parse({ stop: new Array(17).fill("x") }, "library"), "stop", /at most 16/);
  refuses(() => textOptionsSchema.parse({ logitBias: { "-1": 5 } }, "library"), "logitBias", /token ids/);
  refuses(() => checkGenerateOptions({ width: 8192 }), "width", /^width must be an integer in \[1, 4096\]/);
  refuses(() => checkGenerateOptions({ prompt: "x".repeat(200_001) }), "prompt", /at most 200000 characters/);
  refuses(() => speechOptionsSchema.parse({ speed: Number.NaN }, "library"), "speed", /^speed must be a number in \[0\.1, 10\], got NaN/);
  refuses(() => speechOptionsSchema.parse({ voice: {} }, "library"), "voice", /a loaded voice/);
});

test("config files: the key as written there and the file's name", () => {
  const source = "generation_config.json";
  refuses(() => samplingOptionsFromGenerationConfig({ top_p: 0 }), "top_p", /^generation_config\.json: top_p must be a number in \(0, 1\], got 0$/);
  refuses(() => samplingOptionsFromGenerationConfig({ num_beams: 1000 }), "num_beams", /generation_config\.json: num_beams must be an integer in \[1, 32\]/);
  refuses(() => samplingOptionsFromGenerationConfig({ temperature: "hot" }), "temperature", /temperature must be a number ≥ 0, got "hot"/);
  refuses(
    () => samplingOptionsFromGenerationConfig({ num_beams: 2, num_return_sequences: 3 }, { source: "models/x/generation_config.json" }),
    "num_return_sequences",
    /^models\/x\/generation_config\.json: num_return_sequences must be ≤ num_beams \(2\) under beam search, got 3$/,
  );
  assert.deepEqual(samplingOptionsFromGenerationConfig({ seed: 42, eos_token_id: 2 }), { seed: 42, eosTokenIds: [2] }, source);
});

test("the schemas document themselves: JSON Schema and a markdown table from the same declarations", () => {
  const json = textOptionsSchema.toJsonSchema() as { properties: Record<string, { maximum?: number }>; additionalProperties: boolean };
  assert.equal(json.additionalProperties, false);
  assert.equal(json.properties.numBeams?.maximum, 32);
  const table = imageOptionsSchema.markdownTable();
  assert.match(table, /\| `guidanceScale` \| `--guidance` \| `guidance_scale` \| a number in \[0, 100\] \|/);
  assert.equal(table.split("\n").length, imageOptionsSchema.keys().length + 2);
});

test("the README's option tables are the schemas' own (npm run docs writes them)", async () => {
  const { renderReadme } = await import("../scripts/options-docs.js");
  const text = readFileSync(join(root, "README.md"), "utf8");
  assert.equal(renderReadme(text), text, "README.md's option tables are stale: run npm run docs");
});

test("a Piper voice's inference scales map onto their schema: config names in the file, library names in load()", async () => {
  const { mkdirSync, copyFileSync, writeFileSync } = await import("node:fs");
  const { PiperVoice } = await import("@riff/tts");
  const fixture = join(root, "packages/tts/test/fixtures/piper-tiny");
  const dir = mkdtempSync(join(tmpdir(), "riff-piper-inference-"));
  try {
    mkdirSync(join(dir, "v"));
    copyFileSync(join(fixture, "voice.onnx"), join(dir, "v/voice.onnx"));
    const config = JSON.parse(readFileSync(join(fixture, "voice.onnx.json"), "utf8")) as Record<string, unknown>;
    writeFileSync(join(dir, "v/voice.onnx.json"), JSON.stringify({ ...config, inference: { noise_scale: -1, length_scale: 1, noise_w: 0.8 } }));
    await assert.rejects(PiperVoice.load(join(dir, "v")), (e: unknown) => e instanceof RiffError && /voice\.onnx\.json: inference: noise_scale must be a number in \[0, 10\], got -1/.test(e.message));
    writeFileSync(join(dir, "v/voice.onnx.json"), JSON.stringify({ ...config, inference: { noise_scale: 0.5, lenght_scale: 1 } }));
    await assert.rejects(PiperVoice.load(join(dir, "v")), (e: unknown) => e instanceof RiffError && /unknown Piper inference option "lenght_scale" \(did you mean "length_scale"\?\)/.test(e.message));
    writeFileSync(join(dir, "v/voice.onnx.json"), JSON.stringify(config));
    await assert.rejects(PiperVoice.load(join(dir, "v"), { inference: { noiseW: 11 } }), (e: unknown) => e instanceof RiffError && e.option === "noiseW");
    const voice = await PiperVoice.load(join(dir, "v"), { inference: { noiseScale: 0 } });
    await voice.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
