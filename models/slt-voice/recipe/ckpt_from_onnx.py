#!/usr/bin/python3
"""Rebuild the riff-ar-mel PyTorch state_dict from a voice folder's encoder.onnx/decoder.onnx (to warm-start train.py
with INIT=OUT_CKPT; the original .train/ckpt.pt is not kept). Checks the rebuilt model against the folder's reference.json.
usage: /usr/bin/python3 ckpt_from_onnx.py MODEL_DIR OUT_CKPT
export_onnx.py (torch 1.13) of the rebuilt checkpoint gives the 2989-step encoder.onnx and decoder.onnx byte for byte."""
import sys, os, json
import numpy as np, torch, onnx
from onnx import numpy_helper
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import *
from model import Voice
from runtime import synthesize

D = sys.argv[1]
def inits(f):
    m = onnx.load(f)
    return {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in m.graph.initializer}, m

def gru_params(W, R_, B, prefix, rev=False):
    # onnx gates z,r,h ; torch r,z,n
    H = R_.shape[-1]
    def reo(x):
        return torch.cat([x[H:2*H], x[0:H], x[2*H:3*H]], 0)
    suf = "_reverse" if rev else ""
    return {f"{prefix}weight_ih_l0{suf}": reo(W), f"{prefix}weight_hh_l0{suf}": reo(R_),
            f"{prefix}bias_ih_l0{suf}": reo(B[:3*H]), f"{prefix}bias_hh_l0{suf}": reo(B[3*H:])}

model = Voice()
sd = model.state_dict()
new = {}
e, em = inits(f"{D}/encoder.onnx")
for k, v in e.items():
    if k.startswith("m."): new["enc." + k[2:]] = v
def gru_inputs(inits_, m):  # the GRU node's W, R, B initializers (their names are numbered by the exporter)
    (g,) = [n for n in m.graph.node if n.op_type == "GRU"]
    return inits_[g.input[1]], inits_[g.input[2]], inits_[g.input[3]]
W, R_, B = gru_inputs(e, em)
new.update(gru_params(W[0], R_[0], B[0], "enc.rnn."))
new.update(gru_params(W[1], R_[1], B[1], "enc.rnn.", True))
d, dm = inits(f"{D}/decoder.onnx")
for k in ["mel_mean", "mel_std", "prenet.0.bias", "prenet.2.bias", "out.0.bias", "out.2.bias"]:
    new["dec." + k] = d["m." + k]
# the Linear layers became MatMul initializers [in, out] (transposed); their shapes tell them apart
by_shape = {tuple(v.shape): v for k, v in d.items() if not k.startswith("m.") and v.dim() == 2}
for name in ["prenet.0", "prenet.2", "out.0", "out.2"]:
    new[f"dec.{name}.weight"] = by_shape[tuple(sd[f"dec.{name}.weight"].shape[::-1])].T
W, R_, B = gru_inputs(d, dm)
new.update(gru_params(W[0], R_[0], B[0], "dec.rnn."))
missing = set(sd) - set(new); extra = set(new) - set(sd)
assert not missing and not extra, (missing, extra)
for k in sd: assert sd[k].shape == new[k].shape, (k, sd[k].shape, new[k].shape)
model.load_state_dict({k: v.contiguous() for k, v in new.items()}); model.eval()
ref = json.load(open(f"{D}/reference.json"))
for s in ref["sentences"]:
    mel, durs, ld = synthesize(model, s["phoneme_ids"], 0.0, 1.0)
    print("durs equal", [int(v) for v in durs] == s["durations"], "ld maxdiff", float(np.abs(np.array(ld) - np.array(s["log_durations"])).max()),
          "frames maxdiff", float(np.abs(np.array([m[:8] for m in mel[:3]]) - np.array(s["first_frames_first8"])).max()),
          "mel_mean", float(mel.mean()), s["mel_mean"])
torch.save({"model": model.state_dict()}, sys.argv[2])
