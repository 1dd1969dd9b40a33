#!/usr/bin/python3
"""Teacher-forced training of riff-ar-mel. usage: train.py TRAIN_DIR MINUTES
Optional environment: LR_MAX (1e-3), LR_MIN (1e-4): the cosine schedule's ends; INIT: a state_dict checkpoint
({"model": ...}, e.g. from ckpt_from_onnx.py) to start from when TRAIN_DIR has no ckpt.pt (fresh optimizer);
MAX_STEPS: stop after this many steps in this run (timing); N_HELDOUT (60)."""
import os, sys, time, random, math
import numpy as np, torch, torch.nn.functional as F
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import *
from model import Voice, build_condition, GO_VALUE

torch.set_num_threads(1)
torch.manual_seed(0); random.seed(0)
T = sys.argv[1]; MINUTES = float(sys.argv[2])
N_HELDOUT = int(os.environ.get("N_HELDOUT", "60"))
LR_MAX = float(os.environ.get("LR_MAX", "1e-3")); LR_MIN = float(os.environ.get("LR_MIN", "1e-4"))
MAX_STEPS = int(os.environ.get("MAX_STEPS", "0"))
LOAD = {"weights_only": False} if tuple(int(v) for v in torch.__version__.split(".")[:2]) >= (1, 13) else {}
FRAMES_PER_BATCH = 4000
TF_NOISE = 0.4  # std of Gaussian noise added to teacher-forced previous frames (raw log-mel units)

data = torch.load(f"{T}/dataset.pt", **LOAD)
train, held = data[:-N_HELDOUT], data[-N_HELDOUT:]
allmel = np.concatenate([d["mel"].astype(np.float32) for d in train[:400]])
model = Voice()
ck = f"{T}/ckpt.pt"
step0, t_used = 0, 0.0
opt = torch.optim.Adam(model.parameters(), lr=LR_MAX)
if os.path.exists(ck):
    s = torch.load(ck, **LOAD); model.load_state_dict(s["model"]); opt.load_state_dict(s["opt"]); step0 = s["step"]; t_used = s.get("t_used", 0.0)
    print("resumed", step0, flush=True)
elif os.environ.get("INIT"):
    model.load_state_dict(torch.load(os.environ["INIT"], **LOAD)["model"])  # keeps its mel_mean / mel_std
    print("initialised from", os.environ["INIT"], flush=True)
else:
    model.dec.mel_mean.copy_(torch.from_numpy(allmel.mean(0))); model.dec.mel_std.copy_(torch.from_numpy(allmel.std(0)))
print("torch", torch.__version__, "lr", LR_MAX, "->", LR_MIN, flush=True)
print("params", sum(p.numel() for p in model.parameters()), "train", len(train), "held", len(held), flush=True)


def batches():
    idx = sorted(range(len(train)), key=lambda i: train[i]["mel"].shape[0])
    bs, cur, mx = [], [], 0
    for i in idx:
        n = train[i]["mel"].shape[0]
        if cur and max(mx, n) * (len(cur) + 1) > FRAMES_PER_BATCH:
            bs.append(cur); cur, mx = [], 0
        cur.append(i); mx = max(mx, n)
    if cur: bs.append(cur)
    random.shuffle(bs)
    return bs


def run_batch(items, train_mode=True):
    B = len(items)
    Tm = max(len(d["ids"]) for d in items)
    ids = torch.zeros(B, Tm, dtype=torch.long); dl = torch.zeros(B, Tm); tm = torch.zeros(B, Tm)
    for b, d in enumerate(items):
        ids[b, :len(d["ids"])] = torch.tensor(d["ids"]); dl[b, :len(d["ids"])] = torch.log1p(torch.tensor(d["durs"], dtype=torch.float32)); tm[b, :len(d["ids"])] = 1
    enc, ld = model.enc(ids)
    dur_loss = (((ld - dl) ** 2) * tm).sum() / tm.sum()
    N = max(d["mel"].shape[0] for d in items)
    cond = torch.zeros(B, N, enc.shape[-1] + 2); prev = torch.full((B, N, N_MELS), GO_VALUE); tgt = torch.zeros(B, N, N_MELS); fm = torch.zeros(B, N, 1)
    for b, d in enumerate(items):
        n = d["mel"].shape[0]
        cond[b, :n] = build_condition(enc[b, :len(d["ids"])], d["durs"])
        m = torch.from_numpy(d["mel"].astype(np.float32))
        tgt[b, :n] = m; prev[b, 1:n] = m[:-1]; fm[b, :n] = 1
    if train_mode:
        prev = prev + TF_NOISE * torch.randn_like(prev)
    out, _ = model.dec(prev, cond)
    mel_loss = ((out - tgt).abs() * fm).sum() / (fm.sum() * N_MELS)
    return mel_loss, dur_loss


t_start = time.time() - t_used * 60
deadline = time.time() + MINUTES * 60
step = step0; last_ck = time.time()
sched_total = None
model.eval()
with torch.no_grad():
    hm, hd = run_batch(held[:16], False)
print(f"  held-out (teacher forced) at step {step0}: mel_l1 {hm.item():.4f} dur_mse {hd.item():.4f}", flush=True)
t_run = time.time()
while time.time() < deadline and not (MAX_STEPS and step - step0 >= MAX_STEPS):
    for bi in batches():
        if time.time() >= deadline or (MAX_STEPS and step - step0 >= MAX_STEPS): break
        model.train()
        # cosine-ish decay over the planned wall clock
        frac = min(1.0, (time.time() - t_start) / (MINUTES * 60 + t_used * 60))
        for g in opt.param_groups: g["lr"] = LR_MIN + (LR_MAX - LR_MIN) * 0.5 * (1 + math.cos(math.pi * frac))
        ml, dlos = run_batch([train[i] for i in bi])
        loss = ml + dlos
        opt.zero_grad(); loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step(); step += 1
        if step % 20 == 0:
            print(f"step {step} t={(time.time()-t_start)/60:.1f}m mel_l1 {ml.item():.4f} dur_mse {dlos.item():.4f} lr {opt.param_groups[0]['lr']:.2e}", flush=True)
        if time.time() - last_ck > 180:
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step, "t_used": (time.time() - t_start) / 60}, ck + ".tmp"); os.replace(ck + ".tmp", ck)
            last_ck = time.time()
            model.eval()
            with torch.no_grad():
                hm, hd = run_batch(held[:16], False)
            print(f"  held-out (teacher forced) mel_l1 {hm.item():.4f} dur_mse {hd.item():.4f}", flush=True)
torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "step": step, "t_used": (time.time() - t_start) / 60}, ck + ".tmp"); os.replace(ck + ".tmp", ck)
print(f"steps/s this run {(step - step0) / (time.time() - t_run):.3f}", flush=True)
print("done", step, "steps", f"{(time.time()-t_start)/60:.1f} min", flush=True)
