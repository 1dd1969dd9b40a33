import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Rng, resolveModelDir } from "@riff/core";
import { float32, type OrtTensor } from "@riff/onnx";
import { Decoder } from "../src/decoder.js";
import { IN_PLACE_ROOM, KvCache, type KvLayout } from "../src/kv-cache.js";
import { readModelFolder } from "../src/model-folder.js";
import { StepFeeds } from "../src/step-feeds.js";
import { stepKvNames } from "../src/step-kv.js";
import { fixturesDir } from "./helpers.js";

const values = (t: OrtTensor): number[] => Array.from(t.data as ArrayLike<number | bigint>, Number);

const layout: KvLayout = {
  layers: [0, 1].map((i) => ({
    keyInput: `past_key_values.${i}.key`,
    valueInput: `past_key_values.${i}.value`,
    keyOutput: `present.${i}.key`,
    valueOutput: `present.${i}.value`,
    keyStep: `k${i}`,
    valueStep: `v${i}`,
  })),
  heads: 2,
  headDim: 3,
  type: "float32",
};

test("stepKvNames: an optimum export's present.* are Concats riff can append to itself; a merged decoder's are not", () => {
  const names = stepKvNames(join(fixturesDir, "gpt2-tiny", "onnx", "model.onnx"));
  const layers = JSON.parse(readFileSync(join(fixturesDir, "gpt2-tiny", "config.json"), "utf8")) as { n_layer: number };
  assert.equal(names.size, 2 * layers.n_layer);
  for (const [past, step] of names) assert.match(past, /^past_key_values\.\d+\.(key|value)$/), assert.notEqual(step, "");
  assert.equal(stepKvNames(join(fixturesDir, "gpt2-tiny-merged", "onnx", "decoder_model_merged.onnx")).size, 0);
  // Dynamically quantized activations keep onnxruntime's own computation (see stepKvNames).
  const q8 = join(fixturesDir, "exporters", "optimum-llama", "onnx", "model_quantized.onnx");
  assert.equal(stepKvNames(q8).size, 0);
  assert.ok(stepKvNames(q8.replace("model_quantized", "model_q4")).size > 0);
});

test("KvCache.appending: each step's positions land after the filled ones, across room growth, and splice keeps the kind", () => {
  const rng = new Rng(5);
  const batch = 2;
  const blocks = batch * layout.heads;
  let cache = KvCache.appending(layout, batch, 0);
  // What each [row, head] block must hold: every appended position, in order.
  const want = layout.layers.map(() => ({ key: Array.from({ length: blocks }, () => [] as number[]), value: Array.from({ length: blocks }, () => [] as number[]) }));
  for (const seq of [5, 1, 25, 1, 1, 3]) {
    const outputs: Record<string, OrtTensor> = {};
    layout.layers.forEach((l, i) => {
      for (const [name, which] of [[l.keyStep!, "key"], [l.valueStep!, "value"]] as const) {
        const data = Float32Array.from(rng.normalArray(blocks * seq * layout.headDim));
        outputs[name] = float32(data, [batch, layout.heads, seq, layout.headDim]);
        for (let b = 0; b < blocks; b++) want[i]![which][b]!.push(...data.subarray(b * seq * layout.headDim, (b + 1) * seq * layout.headDim));
      }
    });
    const before = cache.length;
    cache = cache.appended(outputs, seq);
    assert.equal(cache.length, before + seq);
    assert.equal(cache.kind, "appending");
    assert.equal(cache.capacity % IN_PLACE_ROOM, 0);
    assert.ok(cache.capacity >= cache.length);
  }
  const check = (c: KvCache, shift: number): void => {
    layout.layers.forEach((_, i) => {
      for (const which of ["key", "value"] as const) {
        const data = c.data(i, which);
        for (let b = 0; b < blocks; b++) {
          const start = (b * c.capacity + shift) * layout.headDim;
          assert.deepEqual(Array.from(data.subarray(start, start + cache.length * layout.headDim)), want[i]![which][b]!.map((x) => Math.fround(x)), `layer ${i} ${which} block ${b}`);
        }
      }
    });
  };
  check(cache, 0);
  assert.equal(cache.length, 36);
  assert.equal(cache.capacity, 64);
  // Spliced (rows swapped, left-padded by 2): still appending, with room for the next step.
  const spliced = KvCache.splice(layout, 38, [{ cache, row: 0 }, { cache, row: 1 }]);
  assert.equal(spliced.kind, "appending");
  assert.equal(spliced.capacity, 64);
  check(spliced, 2);
  assert.throws(() => KvCache.empty(layout, 1).appended({}, 1), /not an appending cache/);
});

test("StepFeeds: an appending cache's unfilled room is masked in every row", () => {
  const feeds = new StepFeeds("int64", "int64", "int64");
  const mask = feeds.attentionMask([0, 2], 8, { start: 4, end: 7 });
  assert.deepEqual(values(mask), [1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 0, 1]);
  // An empty room is no hole: unpadded rows get the ones buffer.
  assert.deepEqual(values(feeds.attentionMask([0], 3, { start: 3, end: 3 })), [1, 1, 1]);
});

test("the default text model appends: padded batched steps give the logits of the whole-present path", async () => {
  const dir = resolveModelDir("text", undefined);
  const folder = readModelFolder(dir, {});
  const decoders = [await Decoder.load(folder.onnxPath, folder.config), await Decoder.load(folder.onnxPath, folder.config, { appending: false })];
  try {
    assert.deepEqual(decoders.map((d) => d.appends), [true, false]);
    const prompts = [[1, 300, 301, 302, 303, 304, 305], [1, 400, 401]];
    const seq = 7;
    const pads = prompts.map((p) => seq - p.length);
    const ids = prompts.flatMap((p, r) => [...Array<number>(pads[r]!).fill(2), ...p]);
    const mask = prompts.flatMap((p, r) => Array.from({ length: seq }, (_, i) => (i >= pads[r]! ? 1 : 0)));
    const positions = prompts.flatMap((_, r) => Array.from({ length: seq }, (_, i) => Math.max(0, i - pads[r]!)));
    const runs = await Promise.all(
      decoders.map(async (decoder) => {
        let out = await decoder.forward({ ids, batch: 2, seq, attentionMask: mask, positionIds: positions, cache: decoder.emptyCache(2) });
        if (decoder.appends) {
          // An explicit mask over the filled positions gets the room inserted: the padded step's logits, bit for bit.
          assert.ok(out.cache.capacity > out.cache.length);
          const explicit = await decoder.forward({
            ids: [450, 460],
            batch: 2,
            seq: 1,
            attentionMask: prompts.flatMap((_, r) => Array.from({ length: seq + 1 }, (_, i) => (i >= pads[r]! ? 1 : 0))),
            positionIds: prompts.map((p) => p.length),
            cache: out.cache,
          });
          const padded = await decoder.forward({ ids: [450, 460], batch: 2, seq: 1, pads, cache: out.cache });
          assert.deepEqual(Array.from(explicit.logits), Array.from(padded.logits));
        }
        const logits = [out.logits];
        for (let step = 0; step < 40; step++) {
          out = await decoder.forward({ ids: [500 + step, 600 + step], batch: 2, seq: 1, pads, cache: out.cache });
          logits.push(out.logits);
        }
        return { logits, cache: out.cache };
      }),
    );
    const [appending, growing] = runs as [(typeof runs)[0], (typeof runs)[0]];
    assert.equal(appending.cache.kind, "appending");
    assert.equal(growing.cache.kind, "growing");
    assert.ok(appending.cache.capacity > appending.cache.length, "the steps crossed room growth");
    appending.logits.forEach((got, step) => {
      const want = growing.logits[step]!;
      let worst = 0;
      for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
      assert.ok(worst < 1e-4, `step ${step}: logits differ by ${worst}`);
    });
    // Each decoder refuses the other kind of cache (the appending one has no present.* outputs).
    await assert.rejects(decoders[0]!.forward({ ids: [5], batch: 1, seq: 1, pads: [0], cache: KvCache.empty(decoders[0]!.layout, 1) }), /growing cache/);
  } finally {
    for (const d of decoders) await d.dispose();
  }
});

test("appending: optimum's axis -2 Concats count; a graph without position_ids keeps the growing cache (it would count the room as positions)", async () => {
  for (const [name, appends] of [["optimum-llama", true], ["optimum-qwen2", true], ["optimum-llama-nopos", false]] as const) {
    const folder = readModelFolder(join(fixturesDir, "exporters", name), {});
    const decoder = await Decoder.load(folder.onnxPath, folder.config);
    try {
      assert.equal(decoder.appends, appends, name);
      assert.equal(decoder.emptyCache(1).kind, appends ? "appending" : "growing");
    } finally {
      await decoder.dispose();
    }
  }
});
