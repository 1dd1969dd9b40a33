// Check an exported decoder with onnxruntime-node (run from the repo root):
//   node models/kjv-llama/recipe/verify_onnx.mjs <model_dir> <onnx_file> <reference.json>
// 1) full no-cache forward == PyTorch greedy tokens / last-prompt logits; 2) prefill + 1-token steps with
// the KV cache == no-cache logits (1e-4); 3) batch of 2 with left padding == unpadded rows.
import ort from "onnxruntime-node";
import fs from "fs";
const [dir, onnxFile, refFile] = process.argv.slice(2);
const cfg = JSON.parse(fs.readFileSync(`${dir}/config.json`));
const ref = JSON.parse(fs.readFileSync(refFile));
const sess = await ort.InferenceSession.create(onnxFile);
const names = sess.inputNames;
const L = names.filter((n) => /^past_key_values\.\d+\.key$/.test(n)).length;
const kvh = cfg.num_key_value_heads ?? cfg.n_head;
const hd = cfg.head_dim ?? (cfg.n_embd / cfg.n_head);
const V = cfg.vocab_size;
const hasPos = names.includes("position_ids"), merged = names.includes("use_cache_branch");
const i64 = (a, dims) => new ort.Tensor("int64", BigInt64Array.from(a.map(BigInt)), dims);

async function run(ids2d, mask2d, past) { // ids2d: rows of equal length; past: {name: Tensor} or null
  const B = ids2d.length, T = ids2d[0].length, P = past ? past["past_key_values.0.key"].dims[2] : 0;
  const feeds = { input_ids: i64(ids2d.flat(), [B, T]), attention_mask: i64(mask2d.flat(), [B, P + T]) };
  if (hasPos) {
    const pos = mask2d.map((m) => { let c = 0; const p = m.map((x) => { c += x; return x ? c - 1 : 1; }); return p.slice(P); });
    feeds.position_ids = i64(pos.flat(), [B, T]);
  }
  for (let i = 0; i < L; i++) for (const kv of ["key", "value"]) {
    const n = `past_key_values.${i}.${kv}`;
    feeds[n] = past ? past[n] : new ort.Tensor("float32", new Float32Array(0), [B, kvh, 0, hd]);
  }
  if (merged) feeds.use_cache_branch = new ort.Tensor("bool", [!!past], [1]);
  const out = await sess.run(feeds);
  const pres = {};
  for (let i = 0; i < L; i++) for (const kv of ["key", "value"]) pres[`past_key_values.${i}.${kv}`] = out[`present.${i}.${kv}`];
  return { logits: out.logits.data, T, pres };
}
const row = (lg, T, b, t) => lg.subarray((b * T + t) * V, (b * T + t + 1) * V);
const argmax = (a) => { let m = 0; for (let i = 1; i < a.length; i++) if (a[i] > a[m]) m = i; return m; };
const maxdiff = (a, b) => { let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i])); return m; };
let ok = true, worst = 0;
for (const c of ref.cases) {
  const p = c.prompt_ids, n = c.greedy_new_ids.length, full = [...p, ...c.greedy_new_ids];
  const f = await run([full], [full.map(() => 1)], null);
  const fullTok = []; for (let t = p.length - 1; t < full.length - 1; t++) fullTok.push(argmax(row(f.logits, f.T, 0, t)));
  const dRef = maxdiff(row(f.logits, f.T, 0, p.length - 1).subarray(0, c.last_logits.length), c.last_logits);
  // cached: prefill + steps
  let r = await run([p], [p.map(() => 1)], null), past = r.pres, seq = [...p], stepTok = [], dCache = 0;
  let last = row(r.logits, r.T, 0, p.length - 1);
  dCache = Math.max(dCache, maxdiff(last, row(f.logits, f.T, 0, p.length - 1)));
  for (let s = 0; s < n; s++) {
    const tok = argmax(last); stepTok.push(tok);
    if (s === n - 1) break;
    seq.push(c.greedy_new_ids[s]);
    r = await run([[c.greedy_new_ids[s]]], [seq.map(() => 1)], past); past = r.pres;
    last = row(r.logits, 1, 0, 0);
    dCache = Math.max(dCache, maxdiff(last, row(f.logits, f.T, 0, seq.length - 1)));
  }
  const tokOk = JSON.stringify(fullTok) === JSON.stringify(c.greedy_new_ids) && JSON.stringify(stepTok) === JSON.stringify(c.greedy_new_ids);
  console.log(`${JSON.stringify(c.prompt ?? p)}: tokens ${tokOk ? "OK" : "MISMATCH " + JSON.stringify({ fullTok, stepTok, ref: c.greedy_new_ids })}, |logits-ref| ${dRef.toExponential(2)}, |cache-nocache| ${dCache.toExponential(2)}`);
  ok &&= tokOk && dRef < 1e-4 && dCache < 1e-4; worst = Math.max(worst, dRef, dCache);
}
// left padding: batch of two prompts of different lengths, then 4 cached steps
const A = ref.cases[0].prompt_ids, Bp = ref.cases[ref.cases.length - 1].prompt_ids.concat(ref.cases[0].greedy_new_ids.slice(0, 3));
const Tm = Math.max(A.length, Bp.length), pad = (x) => [...Array(Tm - x.length).fill(cfg.pad_token_id ?? 0), ...x];
const msk = (x) => [...Array(Tm - x.length).fill(0), ...x.map(() => 1)];
let masks = [msk(A), msk(Bp)];
let rb = await run([pad(A), pad(Bp)], masks, null), dPad = 0;
let seqs = [[...A], [...Bp]], pastB = rb.pres, lastB = [row(rb.logits, Tm, 0, Tm - 1), row(rb.logits, Tm, 1, Tm - 1)];
for (let s = 0; s < 4; s++) {
  for (let b = 0; b < 2; b++) { const single = await run([seqs[b]], [seqs[b].map(() => 1)], null); dPad = Math.max(dPad, maxdiff(lastB[b], row(single.logits, single.T, 0, seqs[b].length - 1))); }
  const next = lastB.map(argmax); seqs.forEach((q, b) => q.push(next[b])); masks = masks.map((m) => [...m, 1]);
  rb = await run(next.map((x) => [x]), masks, pastB); pastB = rb.pres; lastB = [row(rb.logits, 1, 0, 0), row(rb.logits, 1, 1, 0)];
}
console.log(`left-padded batch (cached) vs single rows: max |diff| ${dPad.toExponential(2)}`);
ok &&= dPad < 1e-4;
console.log(`inputs: ${names.join(", ")}\noutputs: ${sess.outputNames.join(", ")}`);
console.log(ok ? "ALL OK" : "FAILED"); process.exit(ok ? 0 : 1);
