// Runs the exported ONNX files with onnxruntime-node following voice.json's runtime_algorithm (noise 0)
// and compares with reference.json. usage (from /work/main): node models/slt-voice/recipe/check_onnx.mjs models/slt-voice
import ort from "onnxruntime-node";
import fs from "node:fs";
const dir = process.argv[2];
const cfg = JSON.parse(fs.readFileSync(`${dir}/voice.json`));
const ref = JSON.parse(fs.readFileSync(`${dir}/reference.json`));
const enc = await ort.InferenceSession.create(`${dir}/encoder.onnx`);
const dec = await ort.InferenceSession.create(`${dir}/decoder.onnx`);
const M = cfg.decoder.n_mels, [L, , H] = cfg.decoder.state_shape, D = cfg.decoder.encoding_dim;
for (const s of ref.sentences) {
  const ids = s.phoneme_ids;
  const t0 = Date.now();
  const eo = await enc.run({ phoneme_ids: new ort.Tensor("int64", BigInt64Array.from(ids.map(BigInt)), [1, ids.length]) });
  const E = eo.encodings.data, LD = eo.log_durations.data;
  let n = Array.from(LD, (v) => Math.max(0, Math.floor((Math.exp(v) - 1) * ref.length_scale + 0.5)));
  if (n.every((v) => v === 0)) n[0] = 1;
  let prev = new Float32Array(M).fill(cfg.decoder.initial_prev_frame), state = new Float32Array(L * H);
  const frames = [];
  for (let p = 0; p < ids.length; p++) for (let k = 0; k < n[p]; k++) {
    const c = new Float32Array(D + 2); c.set(E.subarray(p * D, (p + 1) * D)); c[D] = (k + 0.5) / n[p]; c[D + 1] = Math.log1p(n[p]);
    const o = await dec.run({ prev_frame: new ort.Tensor("float32", prev, [1, M]), condition: new ort.Tensor("float32", c, [1, D + 2]), state: new ort.Tensor("float32", state, [L, 1, H]) });
    frames.push(o.frame.data); prev = o.frame.data; state = o.next_state.data;
  }
  const ms = Date.now() - t0;
  let maxd = 0;
  for (let t = 0; t < 3; t++) for (let j = 0; j < 8; j++) maxd = Math.max(maxd, Math.abs(frames[t][j] - s.first_frames_first8[t][j]));
  const mean = frames.reduce((a, f) => a + f.reduce((x, y) => x + y, 0), 0) / (frames.length * M);
  const durOk = JSON.stringify(n) === JSON.stringify(s.durations);
  console.log(JSON.stringify({ text: s.text, durations_match: durOk, n_frames: frames.length, ref_n_frames: s.n_frames, max_abs_diff_first3x8: maxd, mel_mean: mean, ref_mel_mean: s.mel_mean, rtf_onnx_node: ms / 1000 / (frames.length * cfg.audio.hop_length / cfg.audio.sample_rate) }));
}
