// Compare the exported ONNX files (onnxruntime-node) with the PyTorch outputs saved by export_onnx.py,
// and check that @huggingface/tokenizers gives the ids Python uses.
// Usage (repo root): node models/shapes-diffusion/recipe/check_onnx.mjs [.train/shapes/export_check.json] [model dir]
import fs from "node:fs";
import ort from "onnxruntime-node";
import { Tokenizer } from "@huggingface/tokenizers";

const dir = process.argv[3] ?? "models/shapes-diffusion";
const ref = JSON.parse(fs.readFileSync(process.argv[2] ?? ".train/shapes/export_check.json", "utf8"));
const tj = JSON.parse(fs.readFileSync(`${dir}/tokenizer/tokenizer.json`, "utf8"));
const tc = JSON.parse(fs.readFileSync(`${dir}/tokenizer/tokenizer_config.json`, "utf8"));
const tok = new Tokenizer(tj, tc);
const enc = tok.encode("a small red circle at the top left on a blue background", { add_special_tokens: true });
const ids = [...enc.ids, ...Array(16 - enc.ids.length).fill(0)];
const same = JSON.stringify(ids) === JSON.stringify(ref.input_ids[0]);
console.log("tokenizer ids", JSON.stringify(enc.ids), "match python:", same);
console.log("unknown word:", JSON.stringify(tok.encode("A Purple blob", { add_special_tokens: true }).ids));
if (!same) process.exit(1);

const maxdiff = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
const te = await ort.InferenceSession.create(`${dir}/text_encoder/model.onnx`);
const un = await ort.InferenceSession.create(`${dir}/unet/model.onnx`);
for (const s of [te, un]) console.log(s.inputNames, "->", s.outputNames);
const B = ref.input_ids.length;
const idsT = new ort.Tensor("int64", BigInt64Array.from(ref.input_ids.flat().map(BigInt)), [B, 16]);
const h = (await te.run({ input_ids: idsT })).last_hidden_state;
const d1 = maxdiff(Array.from(h.data), ref.last_hidden_state);
const o = (await un.run({
  sample: new ort.Tensor("float32", Float32Array.from(ref.sample), [B, 3, 32, 32]),
  timestep: new ort.Tensor("float32", Float32Array.from(ref.timestep), [B]),
  encoder_hidden_states: new ort.Tensor("float32", Float32Array.from(ref.last_hidden_state), [B, 16, ref.D]),
})).out_sample;
const d2 = maxdiff(Array.from(o.data), ref.out_sample);
console.log(`text_encoder dims ${h.dims} max|ORT-torch| ${d1.toExponential(2)}; unet dims ${o.dims} max|ORT-torch| ${d2.toExponential(2)}`);
if (d1 > 1e-4 || d2 > 1e-4) { console.log("FAIL"); process.exit(1); }
console.log("OK");
