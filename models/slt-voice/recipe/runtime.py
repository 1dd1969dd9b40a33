"""Python reference of the runtime loop (identical math to encoder.onnx + decoder.onnx)."""
import math, numpy as np, torch
from common import *
from model import build_condition, GO_VALUE


def durations_from_log(ld, length_scale=1.0):
    """frames_p = max(0, floor((exp(ld_p) - 1) * length_scale + 0.5)); if all are 0, frames of the first token = 1."""
    f = np.maximum(0, np.floor((np.exp(np.asarray(ld, dtype=np.float64)) - 1.0) * length_scale + 0.5)).astype(np.int64)
    if f.sum() == 0: f[0] = 1
    return f


@torch.no_grad()
def synthesize(model, ids, noise_scale=0.0, length_scale=1.0, durs=None, seed=0):
    """returns (mel [N,80] numpy, durs, log_durs)"""
    enc, ld = model.enc(torch.tensor([ids]))
    ld = ld[0].numpy()
    if durs is None:
        durs = durations_from_log(ld, length_scale)
    cond = build_condition(enc[0], durs)
    g = torch.Generator().manual_seed(seed)
    prev = torch.full((1, 1, N_MELS), GO_VALUE)
    state = torch.zeros(model.dec.layers, 1, model.dec.h)
    out = []
    for t in range(cond.shape[0]):
        fr, state = model.dec(prev, cond[t][None, None], state)
        out.append(fr[0, 0])
        prev = fr + (noise_scale * torch.randn(fr.shape, generator=g) if noise_scale > 0 else 0)
    return torch.stack(out).numpy(), durs, ld
