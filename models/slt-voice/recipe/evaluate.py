#!/usr/bin/python3
"""Held-out evaluation: MCD vs teacher (free-running AR decoder driven by the teacher's durations so frames align),
duration error of the duration head, RTF of the Python step loop; writes sample.wav (Griffin-Lim).
usage: evaluate.py TRAIN_DIR OUT_DIR [N_SENTENCES]"""
import json, os, sys, time, wave
import numpy as np, torch
try:
    from scipy.fft import dct
except ImportError:  # no scipy: the same unnormalised DCT-II, y_k = 2 sum_n x_n cos(pi k (2n+1) / (2N)), as a matrix
    def dct(x, type=2, axis=1):
        n = x.shape[axis]
        m = 2 * np.cos(np.pi * np.arange(n)[:, None] * (2 * np.arange(n)[None, :] + 1) / (2 * n))
        return np.moveaxis(np.tensordot(np.moveaxis(x, axis, -1), m.T, axes=1), -1, axis)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import *
from model import Voice
from runtime import synthesize

T, OUT = sys.argv[1], sys.argv[2]
NS = int(sys.argv[3]) if len(sys.argv) > 3 else 30
torch.set_num_threads(1)
model = Voice(); LOAD = {"weights_only": False} if tuple(int(v) for v in torch.__version__.split(".")[:2]) >= (1, 13) else {}
model.load_state_dict(torch.load(f"{T}/ckpt.pt", **LOAD)["model"]); model.eval()
held = torch.load(f"{T}/dataset.pt", **LOAD)[-60:][:NS]
MS = HOP / SR * 1000
K = 10 / np.log(10) * np.sqrt(2)


def mcd(a, b):  # log-mel [N,80] natural log -> DCT-II(ortho) cepstrum, coeffs 1..13
    # cepstrum of the log-mel envelope: c_n = (1/N) sum_k logmel_k cos(pi n (k+0.5)/N)  (scipy DCT-II unnormalised / 2N)
    ca = dct(a, type=2, axis=1)[:, 1:14] / (2 * N_MELS); cb = dct(b, type=2, axis=1)[:, 1:14] / (2 * N_MELS)
    return float(np.mean(K * np.sqrt(((ca - cb) ** 2).sum(1))))


res = {}
for ns in [0.0, 0.2, 0.4]:
    m = []
    for d in held:
        mel, _, _ = synthesize(model, d["ids"], ns, 1.0, durs=np.asarray(d["durs"]), seed=1)
        m.append(mcd(mel, d["mel"].astype(np.float32)))
    res[f"mcd_db_noise{ns}"] = float(np.mean(m))
# baseline: MCD of teacher mel vs the teacher's mean frame (context for the numbers)
res["mcd_db_baseline_mean_frame"] = float(np.mean([mcd(np.repeat(d["mel"].astype(np.float32).mean(0, keepdims=True), len(d["mel"]), 0), d["mel"].astype(np.float32)) for d in held]))
err, tot_ratio, t_loop, t_audio = [], [], 0.0, 0.0
for d in held:
    t0 = time.time()
    mel, durs, ld = synthesize(model, d["ids"], 0.0, 1.0)
    t_loop += time.time() - t0; t_audio += mel.shape[0] * HOP / SR
    td = np.asarray(d["durs"]); ph = td > 0
    err.append(np.abs(durs[ph] - td[ph]) * MS)
    tot_ratio.append(durs.sum() / td.sum())
err = np.concatenate(err)
res.update({"dur_mae_ms_per_phone": float(err.mean()), "dur_median_ae_ms": float(np.median(err)),
            "total_length_ratio_pred_over_teacher": float(np.mean(tot_ratio)),
            "rtf_python_loop_1thread": t_loop / t_audio, "n_heldout_sentences": len(held),
            "heldout_audio_s": t_audio})
# Griffin-Lim sample on a short held-out sentence
short = min(held, key=lambda d: abs(len(d["mel"]) - 330))
mel, _, _ = synthesize(model, short["ids"], float(os.environ.get("NOISE_DEFAULT", "0.2")), 1.0, seed=3)
t0 = time.time(); y = griffin_lim(mel, 60); res["rtf_griffin_lim_60it_python"] = (time.time() - t0) / (len(y) / SR)
y = y / max(1e-6, np.abs(y).max()) * 0.9
with wave.open(f"{OUT}/sample.wav", "wb") as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(SR); w.writeframes((y * 32767).astype(np.int16).tobytes())
yt = griffin_lim(short["mel"].astype(np.float32), 60); yt = yt / np.abs(yt).max() * 0.9
with wave.open(f"{T}/sample_teacher_gl.wav", "wb") as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(SR); w.writeframes((yt * 32767).astype(np.int16).tobytes())
res["sample_text"] = short["text"]
# vocoder ceiling: re-analyse Griffin-Lim(teacher mel) and compare with the teacher mel (gain only affects c0, which is excluded)
ra = log_mel(yt); n = min(len(ra), len(short["mel"]))
res["mcd_db_griffin_lim_resynthesis_of_teacher"] = mcd(ra[:n], short["mel"].astype(np.float32)[:n])
print(json.dumps(res, indent=1))
json.dump(res, open(f"{T}/eval.json", "w"), indent=1)
