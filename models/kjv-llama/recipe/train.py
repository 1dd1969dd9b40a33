#!/usr/bin/python3
"""Train the KJV Llama on CPU with a wall-clock budget (cosine LR schedule over TIME_BUDGET seconds).
Resumable: checkpoints to .train/kjv/ckpt.pt every CKPT_EVERY seconds."""
import json, math, os, sys, time
import numpy as np
import torch
import torch.nn.functional as F
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import Cfg, Llama

torch.set_num_threads(int(os.environ.get("THREADS", 1)))
torch.manual_seed(1337)
DATA = ".train/kjv"
BUDGET = float(os.environ.get("TIME_BUDGET", 3600))
CKPT_EVERY = float(os.environ.get("CKPT_EVERY", 180))
BATCH, CTX = int(os.environ.get("BATCH", 8)), int(os.environ.get("CTX", 256))
LR, MIN_LR, WARMUP, WD = float(os.environ.get("LR", 2e-3)), 1e-4, 60.0, 0.1
MAX_STEPS = int(os.environ.get("MAX_STEPS", 10**9))
CFG = json.loads(os.environ.get("CFG", "{}"))

train = torch.from_numpy(np.fromfile(f"{DATA}/train.bin", dtype=np.uint16).astype(np.int64))
val = torch.from_numpy(np.fromfile(f"{DATA}/val.bin", dtype=np.uint16).astype(np.int64))
cfg = Cfg(max_position_embeddings=CTX, **CFG)
model = Llama(cfg)
nparam = sum(p.numel() for p in model.parameters())
print(f"params {nparam} ({nparam/1e6:.3f}M), train tokens {len(train)}, val tokens {len(val)}", flush=True)
decay = [p for p in model.parameters() if p.dim() >= 2]
nodecay = [p for p in model.parameters() if p.dim() < 2]
opt = torch.optim.AdamW([{"params": decay, "weight_decay": WD}, {"params": nodecay, "weight_decay": 0.0}],
                        lr=LR, betas=(0.9, 0.95))
state = {"step": 0, "elapsed": 0.0, "tokens": 0}
ck = f"{DATA}/ckpt.pt"
if os.path.exists(ck) and not os.environ.get("FRESH"):
    s = torch.load(ck)
    model.load_state_dict(s["model"]); opt.load_state_dict(s["opt"]); state = s["state"]
    print("resumed", state, flush=True)


def lr_at(t):
    if t < WARMUP:
        return LR * t / WARMUP
    f = min(1.0, (t - WARMUP) / max(1.0, BUDGET - WARMUP))
    return MIN_LR + 0.5 * (LR - MIN_LR) * (1 + math.cos(math.pi * f))


@torch.no_grad()
def evaluate(data, max_windows=None):
    model.eval()
    n = (len(data) - 1) // CTX
    idx = range(n) if max_windows is None else range(0, n, max(1, n // max_windows))
    tot, cnt = 0.0, 0
    for i in idx:
        x = data[i * CTX:(i + 1) * CTX][None]; y = data[i * CTX + 1:(i + 1) * CTX + 1][None]
        lg, _ = model(x)
        tot += F.cross_entropy(lg.view(-1, lg.shape[-1]), y.view(-1), reduction="sum").item(); cnt += y.numel()
    model.train()
    return tot / cnt


def save():
    tmp = ck + ".tmp"
    torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "state": state, "cfg": cfg.__dict__}, tmp)
    os.replace(tmp, ck)


g = torch.Generator().manual_seed(1234 + state["step"])
t_start = time.time() - state["elapsed"]
last_ck = time.time(); last_log = time.time(); last_eval = time.time(); run_loss = None
while state["elapsed"] < BUDGET and state["step"] < MAX_STEPS:
    lr = lr_at(state["elapsed"])
    for pg in opt.param_groups:
        pg["lr"] = lr
    ix = torch.randint(0, len(train) - CTX - 1, (BATCH,), generator=g)
    x = torch.stack([train[i:i + CTX] for i in ix]); y = torch.stack([train[i + 1:i + CTX + 1] for i in ix])
    lg, _ = model(x)
    loss = F.cross_entropy(lg.view(-1, lg.shape[-1]), y.view(-1))
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    state["step"] += 1; state["tokens"] += BATCH * CTX; state["elapsed"] = time.time() - t_start
    run_loss = loss.item() if run_loss is None else 0.95 * run_loss + 0.05 * loss.item()
    now = time.time()
    if now - last_log > 30 or state["step"] <= 3:
        print(f"step {state['step']} t {state['elapsed']:.0f}s tok {state['tokens']} lr {lr:.2e} loss {run_loss:.3f} "
              f"tok/s {state['tokens']/state['elapsed']:.0f}", flush=True)
        last_log = now
    if now - last_eval > 600:
        print(f"  val loss (subset) {evaluate(val, 16):.3f}", flush=True); last_eval = time.time()
    if now - last_ck > CKPT_EVERY:
        save(); last_ck = time.time()
save()
vl = evaluate(val)
state["val_loss"] = vl
save()
print(f"DONE step {state['step']} tokens {state['tokens']} elapsed {state['elapsed']:.0f}s val loss {vl:.4f} ppl {math.exp(vl):.2f}", flush=True)
