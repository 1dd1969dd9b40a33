/**
 * What riff convert --accuracy-level 4 costs in quality, on stories260K's real weights: perplexity
 * on a held-out text (written for this bench, TinyStories-like, not from the training set) and
 * greedy-token agreement over 32 new tokens, for fp32 (onnx/model.onnx), q4 as optimum exports it
 * (MatMulNBits, accuracy_level 0: float activations) and q4 converted by riff (accuracy_level 4:
 * int8 activations).
 *
 *   /work/venv/bin/python bench/convert/quantize_stories.py ../shared/models/stories260K /tmp/st
 *   node --conditions=riff-source --import tsx bench/convert-quality.ts /tmp/st
 *
 * The folder gets onnx/model_q4_acc4.onnx from convertOnnx when it lacks it. Perplexity is one
 * forward pass over the whole text (BOS first, empty past), exp(mean NLL of each next token).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { OnnxSession, convertOnnx, float32, floatData, int64 } from "@riff/onnx";
import { loadTextModel, readModelFolder, TextTokenizer, type LoadTextModelOptions } from "@riff/text";

const HELD_OUT = [
  "Once upon a time, there was a little boy named Sam. Sam had a red ball that he loved very much. Every day he played with the ball in the garden near his house.",
  "One day, the ball rolled under a big bush. Sam was sad because he could not reach it. He asked his sister Mia for help. Mia was tall and she was kind.",
  "Mia got down on her knees and looked under the bush. She saw the ball and a small cat sleeping next to it. The cat woke up and looked at them with big eyes.",
  "Sam said, \"Hello, cat! Do you want to play with us?\" The cat jumped out and pushed the ball with its paw. Sam laughed and clapped his hands.",
  "From that day on, Sam, Mia and the cat played together in the garden. They were very happy, and the cat always slept under the bush when it was tired.",
].join(" ");

const VARIANTS: ReadonlyArray<{ name: string; file: string; load: LoadTextModelOptions }> = [
  { name: "fp32", file: "onnx/model.onnx", load: {} },
  { name: "q4 (accuracy_level 0)", file: "onnx/model_q4.onnx", load: { dtype: "q4" } },
  { name: "q4 converted (accuracy_level 4)", file: "onnx/model_q4_acc4.onnx", load: { onnxFile: "onnx/model_q4_acc4.onnx" } },
];

async function perplexity(path: string, ids: readonly number[], layers: number, kvHeads: number, headDim: number): Promise<number> {
  const session = await OnnxSession.load(path, { threads: 1 });
  try {
    const n = ids.length;
    const feeds: Record<string, ReturnType<typeof int64>> = {
      input_ids: int64(ids, [1, n]),
      attention_mask: int64(new Array<number>(n).fill(1), [1, n]),
      position_ids: int64(Array.from({ length: n }, (_, i) => i), [1, n]),
    };
    for (let l = 0; l < layers; l++) {
      for (const kv of ["key", "value"]) feeds[`past_key_values.${l}.${kv}`] = float32(new Float32Array(0), [1, kvHeads, 0, headDim]);
    }
    const logits = floatData((await session.run(feeds, ["logits"])).logits!);
    const vocab = logits.length / n;
    let nll = 0;
    for (let t = 0; t < n - 1; t++) {
      const row = logits.subarray(t * vocab, (t + 1) * vocab);
      let max = -Infinity;
      for (const x of row) max = Math.max(max, x);
      let sum = 0;
      for (const x of row) sum += Math.exp(x - max);
      nll += Math.log(sum) + max - row[ids[t + 1]!]!;
    }
    return Math.exp(nll / (n - 1));
  } finally {
    await session.dispose();
  }
}

async function greedyTokens(dir: string, load: LoadTextModelOptions): Promise<number[]> {
  const model = await loadTextModel(dir, { ...load, threads: 1 });
  try {
    const result = await model.generate("Once upon a time", { temperature: 0, maxNewTokens: 32, minNewTokens: 32, logprobs: true });
    return (result.logprobs ?? []).map((l) => l.token);
  } finally {
    await model.dispose();
  }
}

const dir = process.argv[2];
if (dir === undefined) throw new Error("usage: convert-quality.ts FOLDER (see the header)");
if (!existsSync(join(dir, "onnx/model_q4_acc4.onnx"))) await convertOnnx(join(dir, "onnx/model_q4.onnx"), { accuracyLevel: 4 });
const folder = readModelFolder(dir);
const ids = new TextTokenizer(folder.tokenizerJson, folder.tokenizerConfig).encode(HELD_OUT);
const { numLayers, numKeyValueHeads, headDim } = folder.config;
console.log(`held-out text: ${HELD_OUT.length} characters, ${ids.length} tokens (BOS included)`);
const agreement = (a: readonly number[], b: readonly number[]): number => {
  let n = 0;
  while (n < a.length && a[n] === b[n]) n++;
  return n;
};
const reference = await greedyTokens(dir, {});
const q4 = await greedyTokens(dir, { dtype: "q4" });
for (const v of VARIANTS) {
  const ppl = await perplexity(join(dir, v.file), ids, numLayers, numKeyValueHeads, headDim);
  const tokens = await greedyTokens(dir, v.load);
  console.log(
    `${v.name.padEnd(32)} perplexity ${ppl.toFixed(4)}   greedy tokens equal to fp32's: first ${agreement(tokens, reference)} of ${tokens.length}, to q4's: first ${agreement(tokens, q4)}`,
  );
}
