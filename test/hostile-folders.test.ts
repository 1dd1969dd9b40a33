/**
 * Model folders are untrusted input. Each case builds a hostile folder in a temp dir (a fixture
 * copied in, then one thing broken or planted) and loads it through the public API: it must fail
 * with a RiffError that names the file or key, never quote the planted secret, and finish in
 * bounded time (a hostile template or regex must not hang the process).
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { RiffError } from "@riff/core";
import { loadTextModel } from "@riff/text";
import { DiffusionPipeline } from "@riff/diffusion";
import { loadVoice } from "@riff/tts";

const root = fileURLToPath(new URL("..", import.meta.url));
const gpt2 = join(root, "packages/text/test/fixtures/gpt2-tiny");
const llama = join(root, "packages/text/test/fixtures/llama-tiny-gqa");
const sdTiny = join(root, "packages/diffusion/test/fixtures/sd-tiny");
const piper = join(root, "packages/tts/test/fixtures/piper-tiny");
const piperMulti = join(root, "packages/tts/test/fixtures/piper-tiny-multi");
const SECRET = "RIFF-PLANTED-SECRET-7f3a";
const BOUND_MS = 10_000;

const scratch = mkdtempSync(join(tmpdir(), "riff-hostile-"));
after(() => rmSync(scratch, { recursive: true, force: true }));
// Outside every model folder: what a hostile path reaches for.
const secretFile = join(scratch, "secret.txt");
writeFileSync(secretFile, `${SECRET}\n${SECRET}`);
const secretDir = join(scratch, "secret-dir");
mkdirSync(secretDir);
writeFileSync(join(secretDir, "model.onnx"), SECRET);

type Kind = "text" | "image" | "speech";
interface Case {
  readonly name: string;
  readonly kind: Kind;
  readonly from: string;
  /** Breaks the copied folder. */
  readonly mutate: (dir: string) => void;
  /** The message must match: it names the file or key at fault. */
  readonly names: RegExp;
  /** What to run (default: the modality's loader). */
  readonly run?: (dir: string) => Promise<unknown>;
}

const json = (dir: string, file: string): Record<string, unknown> => JSON.parse(readFileSync(join(dir, file), "utf8")) as Record<string, unknown>;
const edit = (file: string, change: (j: Record<string, unknown>) => void) => (dir: string) => {
  const j = json(dir, file);
  change(j);
  writeFileSync(join(dir, file), JSON.stringify(j));
};
const put = (file: string, text: string | Buffer) => (dir: string) => {
  mkdirSync(dirname(join(dir, file)), { recursive: true });
  writeFileSync(join(dir, file), text);
};
const linkOut = (file: string, target = secretFile) => (dir: string) => {
  rmSync(join(dir, file), { recursive: true, force: true });
  symlinkSync(target, join(dir, file));
};
const truncate = (file: string, bytes: number) => (dir: string) => truncateSync(join(dir, file), bytes);
const replaceWithDir = (file: string) => (dir: string) => {
  rmSync(join(dir, file));
  mkdirSync(join(dir, file));
};

async function loadText(dir: string): Promise<unknown> {
  const model = await loadTextModel(dir, { threads: 1 });
  await model.dispose();
  return model;
}
async function chat(dir: string): Promise<unknown> {
  const model = await loadTextModel(dir, { threads: 1 });
  try {
    return model.encode([{ role: "user", content: "hello" }]);
  } finally {
    await model.dispose();
  }
}
async function encodeText(dir: string): Promise<unknown> {
  const model = await loadTextModel(dir, { threads: 1 });
  try {
    return model.encode("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!");
  } finally {
    await model.dispose();
  }
}
async function loadImage(dir: string): Promise<unknown> {
  const pipeline = await DiffusionPipeline.load(dir, { threads: 1 });
  await pipeline.dispose();
  return pipeline;
}
async function loadSpeech(dir: string): Promise<unknown> {
  const voice = await loadVoice(dir, { threads: 1 });
  await (voice as { dispose(): Promise<void> }).dispose();
  return voice;
}
const loaders: Record<Kind, (dir: string) => Promise<unknown>> = { text: loadText, image: loadImage, speech: loadSpeech };

/** A small riff-ar-mel voice.json whose files are named by `io` and `melFilters`. */
function arMelVoice(io: { encoder: string; decoder: string }, melFilters: string) {
  return (dir: string) => {
    rmSync(join(dir, "voice.onnx"));
    rmSync(join(dir, "voice.onnx.json"));
    writeFileSync(
      join(dir, "voice.json"),
      JSON.stringify({
        model_type: "riff-ar-mel",
        audio: { sample_rate: 16000, n_fft: 8, hop_length: 2, n_mels: 2, mel_filters_file: melFilters, vocoder: { iterations: 1 } },
        decoder: { state_shape: [1, 1, 4], encoding_dim: 2, condition_dim: 4, n_mels: 2, initial_prev_frame: 0 },
        io: { encoder: { file: io.encoder }, decoder: { file: io.decoder } },
        phoneme_id_map: { "^": [1], $: [2], ",": [3], " ": [4], ".": [5] },
      }),
    );
  };
}

const HOSTILE_REGEX = "(a+)+$";
const withSplitRegex = (pattern: string) =>
  edit("tokenizer.json", (j) => {
    j.pre_tokenizer = { type: "Sequence", pretokenizers: [{ type: "Split", pattern: { Regex: pattern }, behavior: "Isolated", invert: false }, j.pre_tokenizer] };
  });
const withTemplate = (template: string) => edit("tokenizer_config.json", (j) => void (j.chat_template = template));

const cases: Case[] = [
  // ── text: paths and links ──
  { name: "config.json is a link out of the folder", kind: "text", from: gpt2, mutate: linkOut("config.json"), names: /config\.json.*outside the model folder/ },
  { name: "tokenizer.json is a link out of the folder", kind: "text", from: gpt2, mutate: linkOut("tokenizer.json"), names: /tokenizer\.json.*outside/ },
  { name: "onnx/ is a link to a folder outside", kind: "text", from: gpt2, mutate: linkOut("onnx", secretDir), names: /onnx\/model\.onnx.*outside/ },
  { name: "onnx/model.onnx is a link out of the folder", kind: "text", from: gpt2, mutate: linkOut("onnx/model.onnx"), names: /onnx\/model\.onnx.*outside/ },
  { name: "generation_config.json links out", kind: "text", from: gpt2, mutate: linkOut("generation_config.json"), names: /generation_config\.json.*outside/ },
  // ── text: corrupt and wrong-shaped files ──
  { name: "config.json is garbage that quotes nothing", kind: "text", from: gpt2, mutate: put("config.json", `${SECRET} not json`), names: /config\.json is not valid JSON/ },
  { name: "config.json is an array", kind: "text", from: gpt2, mutate: put("config.json", "[1, 2]"), names: /config\.json.*JSON object, not an array/ },
  { name: "config.json is null", kind: "text", from: gpt2, mutate: put("config.json", "null"), names: /config\.json.*not null/ },
  { name: "config.json is a number", kind: "text", from: gpt2, mutate: put("config.json", "42"), names: /config\.json.*not a number/ },
  { name: "config.json is empty", kind: "text", from: gpt2, mutate: put("config.json", ""), names: /config\.json.*is empty/ },
  { name: "config.json is a folder", kind: "text", from: gpt2, mutate: replaceWithDir("config.json"), names: /config\.json.*not a file/ },
  { name: "tokenizer.json is garbage", kind: "text", from: gpt2, mutate: put("tokenizer.json", `{"model": ${SECRET}`), names: /tokenizer\.json is not valid JSON/ },
  { name: "tokenizer.json is truncated", kind: "text", from: gpt2, mutate: truncate("tokenizer.json", 700), names: /tokenizer\.json is not valid JSON/ },
  { name: "tokenizer.json is an object of nonsense", kind: "text", from: gpt2, mutate: put("tokenizer.json", JSON.stringify({ model: { type: SECRET } })), names: /tokenizer\.json/ },
  { name: "model.onnx is truncated", kind: "text", from: gpt2, mutate: truncate("onnx/model.onnx", 4000), names: /model\.onnx/ },
  { name: "model.onnx is empty", kind: "text", from: gpt2, mutate: truncate("onnx/model.onnx", 0), names: /model\.onnx/ },
  { name: "model.onnx is text", kind: "text", from: gpt2, mutate: put("onnx/model.onnx", `${SECRET}${"x".repeat(100)}`), names: /model\.onnx.*not an ONNX model/ },
  { name: "model.onnx is a folder", kind: "text", from: gpt2, mutate: replaceWithDir("onnx/model.onnx"), names: /not a file: .*\/onnx\/model\.onnx/ },
  { name: "tokenizer_config.json is garbage", kind: "text", from: gpt2, mutate: put("tokenizer_config.json", SECRET), names: /tokenizer_config\.json is not valid JSON/ },
  // ── text: config against graph ──
  { name: "num_hidden_layers contradicts the graph", kind: "text", from: llama, mutate: edit("config.json", (j) => void (j.num_hidden_layers = 7)), names: /config\.json: num_hidden_layers is 7 but .*2 layers/ },
  { name: "n_layer contradicts the graph (gpt2)", kind: "text", from: gpt2, mutate: edit("config.json", (j) => void (j.n_layer = 3)), names: /config\.json: n_layer is 3/ },
  { name: "num_key_value_heads contradicts the past_key_values", kind: "text", from: llama, mutate: edit("config.json", (j) => void (j.num_key_value_heads = 4)), names: /config\.json: num_key_value_heads is 4/ },
  { name: "head_dim contradicts the past_key_values", kind: "text", from: llama, mutate: edit("config.json", (j) => void (j.head_dim = 16)), names: /config\.json: head_dim gives head size 16/ },
  { name: "vocab_size contradicts the logits", kind: "text", from: llama, mutate: edit("config.json", (j) => void (j.vocab_size = 1000)), names: /config\.json: vocab_size is 1000/ },
  { name: "eos_token_id beyond the vocabulary", kind: "text", from: gpt2, mutate: edit("generation_config.json", (j) => void (j.eos_token_id = 5000)), names: /generation_config\.json: eos_token_id must be token ids/ },
  { name: "bos_token_id negative in config.json", kind: "text", from: llama, mutate: (dir) => { edit("config.json", (j) => void (j.bos_token_id = -1))(dir); edit("generation_config.json", (j) => void delete j.bos_token_id)(dir); }, names: /config\.json: bos_token_id/ },
  {
    name: "tokenizer vocabulary larger than the model's",
    kind: "text",
    from: gpt2,
    mutate: edit("tokenizer.json", (j) => {
      (j.added_tokens as unknown[]).push({ id: 4000, content: "<extra>", single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
    }),
    names: /tokenizer\.json: model\.vocab has ids up to 4000/,
  },
  // ── text: hostile code ──
  { name: "tokenizer pre-tokenizer regex with catastrophic backtracking", kind: "text", from: gpt2, mutate: withSplitRegex(HOSTILE_REGEX), names: /tokenizer\.json: pre_tokenizer.*Regex.*exponential/, run: encodeText },
  { name: "normalizer Replace regex with nested repetition", kind: "text", from: gpt2, mutate: edit("tokenizer.json", (j) => void (j.normalizer = { type: "Replace", pattern: { Regex: "(.*a){20}" }, content: "" })), names: /tokenizer\.json: normalizer\.pattern\.Regex/, run: encodeText },
  { name: "chat template loops 10^8 times", kind: "text", from: llama, mutate: withTemplate("{% for i in range(100000000) %}x{% endfor %}"), names: /chat template did not finish/, run: chat },
  { name: "chat template spins without output", kind: "text", from: llama, mutate: withTemplate("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"), names: /chat template did not finish/, run: chat },
  { name: "chat template doubles a string to gigabytes", kind: "text", from: llama, mutate: withTemplate("{% set s = 'xxxxxxxxxxxxxxxx' %}{% for i in range(40) %}{% set s = s + s %}{% endfor %}{{ s }}"), names: /chat template/, run: chat },
  // ── image ──
  { name: "unet/model.onnx links out of the folder", kind: "image", from: sdTiny, mutate: linkOut("unet/model.onnx"), names: /unet\/model\.onnx.*outside/ },
  { name: "unet/ is a link to a folder outside", kind: "image", from: sdTiny, mutate: linkOut("unet", secretDir), names: /unet\/model\.onnx.*outside/ },
  { name: "scheduler_config.json links out", kind: "image", from: sdTiny, mutate: linkOut("scheduler/scheduler_config.json"), names: /scheduler_config\.json.*outside/ },
  { name: "tokenizer/vocab.json links out", kind: "image", from: sdTiny, mutate: (dir) => { rmSync(join(dir, "tokenizer/tokenizer.json")); linkOut("tokenizer/vocab.json")(dir); }, names: /vocab\.json.*outside/ },
  { name: "model_index.json is garbage", kind: "image", from: sdTiny, mutate: put("model_index.json", SECRET), names: /model_index\.json is not valid JSON/ },
  { name: "scheduler_config.json is an array", kind: "image", from: sdTiny, mutate: put("scheduler/scheduler_config.json", "[]"), names: /scheduler_config\.json.*not an array/ },
  { name: "unet/config.json is empty", kind: "image", from: sdTiny, mutate: put("unet/config.json", ""), names: /unet\/config\.json.*empty/ },
  { name: "unet/model.onnx is truncated", kind: "image", from: sdTiny, mutate: truncate("unet/model.onnx", 3000), names: /unet\/model\.onnx/ },
  { name: "text_encoder/model.onnx is a folder", kind: "image", from: sdTiny, mutate: replaceWithDir("text_encoder/model.onnx"), names: /not a file: .*\/text_encoder\/model\.onnx/ },
  { name: "image tokenizer.json is garbage", kind: "image", from: sdTiny, mutate: put("tokenizer/tokenizer.json", SECRET), names: /tokenizer\.json is not valid JSON/ },
  { name: "image tokenizer regex with catastrophic backtracking", kind: "image", from: sdTiny, mutate: withSplitRegexIn("tokenizer/tokenizer.json", HOSTILE_REGEX), names: /tokenizer\.json: pre_tokenizer.*exponential/ },
  // ── speech ──
  { name: "voice.onnx.json links out", kind: "speech", from: piper, mutate: linkOut("voice.onnx.json"), names: /voice\.onnx\.json.*outside/ },
  { name: "voice.onnx links out", kind: "speech", from: piper, mutate: linkOut("voice.onnx"), names: /voice\.onnx.*outside/ },
  { name: "voice.onnx.json is garbage", kind: "speech", from: piper, mutate: put("voice.onnx.json", SECRET), names: /voice\.onnx\.json is not valid JSON/ },
  { name: "voice.onnx.json is null", kind: "speech", from: piper, mutate: put("voice.onnx.json", "null"), names: /voice\.onnx\.json: the file must hold a JSON object/ },
  { name: "voice.onnx is truncated", kind: "speech", from: piper, mutate: truncate("voice.onnx", 5000), names: /voice\.onnx/ },
  { name: "voice.onnx.json is a folder", kind: "speech", from: piper, mutate: replaceWithDir("voice.onnx.json"), names: /voice\.onnx\.json.*not a file/ },
  { name: "num_speakers 1 for a multi-speaker graph", kind: "speech", from: piperMulti, mutate: edit("voice.onnx.json", (j) => { j.num_speakers = 1; delete j.speaker_id_map; }), names: /voice\.onnx\.json: num_speakers is 1 but .*sid/ },
  { name: "voice.json mel_filters_file escapes with ..", kind: "speech", from: piper, mutate: arMelVoice({ encoder: "encoder.onnx", decoder: "decoder.onnx" }, "../secret.txt"), names: /voice\.json: audio\.mel_filters_file points outside/ },
  { name: "voice.json mel_filters_file is absolute", kind: "speech", from: piper, mutate: arMelVoice({ encoder: "encoder.onnx", decoder: "decoder.onnx" }, secretFile), names: /voice\.json: audio\.mel_filters_file must be relative/ },
  { name: "voice.json encoder file escapes", kind: "speech", from: piper, mutate: arMelVoice({ encoder: "../../../../../../etc/passwd", decoder: "decoder.onnx" }, "mel.json"), names: /voice\.json: io\.encoder\.file points outside/ },
  { name: "voice.json decoder file is a link out", kind: "speech", from: piper, mutate: (dir) => { arMelVoice({ encoder: "encoder.onnx", decoder: "dec.onnx" }, "mel.json")(dir); symlinkSync(secretFile, join(dir, "dec.onnx")); }, names: /voice\.json: io\.decoder\.file is a link to a file outside/ },
  { name: "voice.json mel filters file is garbage", kind: "speech", from: piper, mutate: (dir) => { arMelVoice({ encoder: "encoder.onnx", decoder: "decoder.onnx" }, "mel.json")(dir); writeFileSync(join(dir, "mel.json"), SECRET); }, names: /mel\.json is not valid JSON/ },
];

function withSplitRegexIn(file: string, pattern: string) {
  return edit(file, (j) => {
    j.pre_tokenizer = { type: "Sequence", pretokenizers: [{ type: "Split", pattern: { Regex: pattern }, behavior: "Isolated", invert: false }, j.pre_tokenizer] };
  });
}

test(`at least 40 hostile folders across text, image and speech (${cases.length})`, () => {
  assert.ok(cases.length >= 40);
  for (const kind of ["text", "image", "speech"] as const) assert.ok(cases.filter((c) => c.kind === kind).length >= 8, kind);
});

let n = 0;
for (const c of cases) {
  test(`hostile ${c.kind} folder: ${c.name}`, { timeout: BOUND_MS + 5000 }, async () => {
    const dir = join(scratch, `case-${n++}`);
    cpSync(c.from, dir, { recursive: true });
    c.mutate(dir);
    const start = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      (c.run ?? loaders[c.kind])(dir).then(
        () => ({ error: undefined as unknown }),
        (error: unknown) => ({ error }),
      ),
      new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), BOUND_MS))),
    ]);
    clearTimeout(timer);
    const ms = performance.now() - start;
    assert.notEqual(outcome, "timeout", `did not finish within ${BOUND_MS} ms`);
    const { error } = outcome as { error: unknown };
    assert.ok(error !== undefined, "the hostile folder was accepted");
    assert.ok(error instanceof RiffError, `expected a RiffError, got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    assert.match(error.message, c.names);
    assert.ok(!error.message.includes(SECRET), `the message quotes the planted secret: ${error.message}`);
    assert.ok(!error.message.includes("root:x:0"), "the message quotes /etc/passwd");
    assert.ok(ms < BOUND_MS, `took ${ms.toFixed(0)} ms`);
  });
}
