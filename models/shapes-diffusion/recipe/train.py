"""Train the caption encoder + U-Net (v or epsilon prediction, min-SNR weighting, linear betas 1e-4..0.02, 1000 steps).

Usage (repo root): /usr/bin/python3 models/shapes-diffusion/recipe/train.py [--data .train/shapes] [--out .train/shapes/ckpt]
CPU, 1 thread. Checkpoints (raw + EMA weights) every --ckpt-every steps to OUT/last.pt.
"""
import argparse
import math
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import shapes_common as sc  # noqa: E402
from model import TextEncoder, UNet  # noqa: E402

T = 1000
BETA_START, BETA_END = 1e-4, 0.02


def alphas_cumprod():
    betas = torch.linspace(BETA_START, BETA_END, T, dtype=torch.float64)
    return torch.cumprod(1 - betas, 0).float()


def build(cfg):
    te = TextEncoder(len(sc.VOCAB), d=cfg["d"], layers=cfg["text_layers"], heads=4, max_len=sc.MAX_TOKENS)
    un = UNet(c=cfg["c"], ctx_dim=cfg["d"], emb=cfg["emb"], coord=cfg.get("coord", False), size=sc.IMAGE_SIZE,
              patch=cfg.get("patch", 1))
    return te, un


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=".train/shapes")
    ap.add_argument("--out", default=".train/shapes/ckpt")
    ap.add_argument("--steps", type=int, default=2200)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--p-uncond", type=float, default=0.12)
    ap.add_argument("--ema", type=float, default=0.998)
    ap.add_argument("--ckpt-every", type=int, default=100)
    ap.add_argument("--max-minutes", type=float, default=1e9, help="stop (and save) after this wall time")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--channels", type=int, default=32, help="U-Net base width c (levels c, 2c, 2c)")
    ap.add_argument("--coord", type=int, default=1, help="1: coordinate channels + position-aware cross-attention queries")
    ap.add_argument("--patch", type=int, default=2, help="space-to-depth patch size at the U-Net input")
    ap.add_argument("--prediction", default="v_prediction", choices=["epsilon", "v_prediction"])
    ap.add_argument("--min-snr", type=float, default=5.0, help="min-SNR-gamma loss weighting (0 = plain MSE)")
    a = ap.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(a.seed)
    rng = np.random.default_rng(a.seed)
    os.makedirs(a.out, exist_ok=True)
    cfg = {"c": a.channels, "d": 64, "emb": 128, "text_layers": 2, "coord": bool(a.coord), "patch": a.patch, "prediction": a.prediction}
    te, un = build(cfg)
    params = list(te.parameters()) + list(un.parameters())
    n_params = (sum(p.numel() for p in te.parameters()), sum(p.numel() for p in un.parameters()))
    print("params text_encoder %d unet %d total %d" % (n_params[0], n_params[1], sum(n_params)), flush=True)
    ema = [p.detach().clone() for p in params]
    opt = torch.optim.AdamW(params, lr=a.lr, weight_decay=0.0, betas=(0.9, 0.99))
    step = 0
    elapsed_before = 0.0
    path = os.path.join(a.out, "last.pt")
    if a.resume and os.path.exists(path):
        ck = torch.load(path)
        te.load_state_dict(ck["text_encoder"]); un.load_state_dict(ck["unet"])
        opt.load_state_dict(ck["opt"]); ema = ck["ema"]; step = ck["step"]; elapsed_before = ck["train_seconds"]
        rng = np.random.default_rng(a.seed + step)
        print("resumed at step", step, flush=True)

    d = np.load(os.path.join(a.data, "train.npz"))
    x0_all = torch.from_numpy(d["images"]).permute(0, 3, 1, 2).float() / 127.5 - 1.0
    ids_all = torch.from_numpy(d["ids"])
    N = x0_all.shape[0]
    ac = alphas_cumprod()

    def save(tag):
        ck = {"text_encoder": te.state_dict(), "unet": un.state_dict(), "opt": opt.state_dict(), "ema": ema,
              "step": step, "cfg": cfg, "train_seconds": elapsed_before + time.time() - t_start, "n_params": n_params,
              "args": vars(a)}
        torch.save(ck, path + ".tmp"); os.replace(path + ".tmp", path)
        print("saved", tag, "step", step, flush=True)

    t_start = time.time()
    losses = []
    while step < a.steps:
        # cosine decay over whichever budget runs out first (steps or wall time), so the run always anneals
        progress = min(1.0, max(step / a.steps, (elapsed_before + time.time() - t_start) / 60 / a.max_minutes))
        lr = a.lr * min(1.0, (step + 1) / a.warmup) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))
        for g in opt.param_groups:
            g["lr"] = lr
        idx = torch.from_numpy(rng.integers(0, N, a.batch))
        x0 = x0_all[idx]
        ids = ids_all[idx].clone()
        drop = torch.from_numpy(rng.random(a.batch) < a.p_uncond)
        ids[drop] = 0  # empty caption = all [PAD]
        t = torch.from_numpy(rng.integers(0, T, a.batch))
        noise = torch.randn_like(x0)
        abar = ac[t][:, None, None, None]
        xt = abar.sqrt() * x0 + (1 - abar).sqrt() * noise
        out = un(xt, t.float(), te(ids))
        if a.prediction == "v_prediction":
            target = abar.sqrt() * noise - (1 - abar).sqrt() * x0
        else:
            target = noise
        per = ((out - target) ** 2).mean(dim=(1, 2, 3))
        if a.min_snr > 0:
            # min-SNR-gamma (Hang et al. 2023): stop the easy low-noise steps from dominating the gradient;
            # the high-noise steps are where shape, colour and position are decided
            snr = (abar / (1 - abar)).flatten()
            w = snr.clamp(max=a.min_snr) / (snr + 1 if a.prediction == "v_prediction" else snr)
            loss = (w * per).mean()
        else:
            loss = per.mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        step += 1
        dec = min(a.ema, (1 + step) / (10 + step))
        with torch.no_grad():
            for e, p in zip(ema, params):
                e.mul_(dec).add_(p.detach(), alpha=1 - dec)
        losses.append(loss.item())
        if step % 20 == 0:
            el = time.time() - t_start
            print("step %d loss %.4f lr %.2e  %.1f min (%.2f s/step)" % (step, np.mean(losses[-20:]), lr, (elapsed_before + el) / 60, el / max(1, len(losses))), flush=True)
        if step % a.ckpt_every == 0:
            save("periodic")
        if (elapsed_before + time.time() - t_start) / 60 > a.max_minutes:
            print("time budget reached", flush=True)
            break
    save("final")


if __name__ == "__main__":
    main()
