"""Adherence evaluation: sample held-out captions with DDPM / DDIM / DPM-Solver++(2M) + classifier-free
guidance (PyTorch, EMA weights) and read the images back with shapes_common.analyze().

Usage (repo root):
  /usr/bin/python3 models/shapes-diffusion/recipe/evaluate.py --runs dpmpp2m:20 dpmpp2m:25 ddim:50 ddpm:1000@34 [--guidance 4]
A run is SAMPLER:STEPS[@N] (N = number of captions, default all 340 held-out captions; a subset is a fixed
random one, seed 0). Writes .train/shapes/eval.json and prints a markdown table.
"""
import argparse
import json
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import shapes_common as sc  # noqa: E402
from export_onnx import load  # noqa: E402
from train import BETA_END, BETA_START, T  # noqa: E402

betas = torch.linspace(BETA_START, BETA_END, T, dtype=torch.float64)
AC = torch.cumprod(1 - betas, 0)


class Denoiser:
    def __init__(self, te, un, ids, guidance, prediction="epsilon"):
        self.un = un
        self.v = prediction == "v_prediction"
        self.clip = not self.v  # as export_onnx.clip_sample writes into scheduler_config.json
        self.g = guidance
        with torch.no_grad():
            self.ctx = torch.cat([te(ids), te(torch.zeros_like(ids))], 0)
        self.n_calls = 0

    def eps(self, x, t):
        B = x.shape[0]
        tt = torch.full((2 * B,), float(t))
        with torch.no_grad():
            e = self.un(torch.cat([x, x], 0).float(), tt, self.ctx).double()
        self.n_calls += 1
        ec, eu = e[:B], e[B:]
        out = eu + self.g * (ec - eu)
        if self.v:  # guidance is affine, so guiding v then converting equals converting then guiding eps
            ab = AC[int(t)]
            out = ab.sqrt() * out + (1 - ab).sqrt() * x.double()
        return out


def x0_from(x, e, t):
    ab = AC[t]
    return (x - (1 - ab).sqrt() * e) / ab.sqrt()


def sample_ddpm(den, x, steps, gen):
    # diffusers DDPMScheduler: variance fixed_small, clip_sample as exported; 1000 steps = every training timestep
    ts = list(range(T - 1, -1, -(T // steps)))
    for i, t in enumerate(ts):
        prev = ts[i + 1] if i + 1 < len(ts) else -1
        e = den.eps(x, t)
        ab = AC[t]; abp = AC[prev] if prev >= 0 else torch.tensor(1.0, dtype=torch.float64)
        bt = 1 - ab / abp
        x0 = x0_from(x, e, t)
        if den.clip:
            x0 = x0.clamp(-1, 1)
        mean = (abp.sqrt() * bt / (1 - ab)) * x0 + ((1 - bt).sqrt() * (1 - abp) / (1 - ab)) * x
        if t > 0:
            var = (1 - abp) / (1 - ab) * bt
            x = mean + var.clamp(min=1e-20).sqrt() * torch.randn(x.shape, generator=gen, dtype=torch.float64)
        else:
            x = mean
    return x


def sample_ddim(den, x, steps, gen):
    # diffusers DDIMScheduler: leading spacing, steps_offset 0, eta 0, clip_sample as exported (re-deriving eps from
    # the clipped x0 when clipping, i.e. use_clipped_model_output), set_alpha_to_one true
    ratio = T // steps
    ts = (np.arange(steps) * ratio)[::-1]
    for t in ts:
        t = int(t); prev = t - ratio
        e = den.eps(x, t)
        abp = AC[prev] if prev >= 0 else torch.tensor(1.0, dtype=torch.float64)
        x0 = x0_from(x, e, t)
        if den.clip:
            x0 = x0.clamp(-1, 1)
            e = (x - AC[t].sqrt() * x0) / (1 - AC[t]).sqrt()
        x = abp.sqrt() * x0 + (1 - abp).sqrt() * e
    return x


def sample_dpmpp2m(den, x, steps, gen):
    # diffusers DPMSolverMultistepScheduler defaults: solver_order 2, algorithm dpmsolver++, solver_type midpoint,
    # timestep_spacing linspace, final_sigmas_type zero (last step = first order to sigma 0), no thresholding
    ts = np.linspace(0, T - 1, steps + 1).round()[::-1][:-1].astype(np.int64)
    alpha = lambda t: AC[t].sqrt()
    sigma = lambda t: (1 - AC[t]).sqrt()
    lam = lambda t: torch.log(alpha(t)) - torch.log(sigma(t))
    prev_x0, prev_h = None, None
    for i, t in enumerate(ts):
        t = int(t)
        x0 = x0_from(x, den.eps(x, t), t)
        if i == len(ts) - 1:
            x = x0
            break
        tn = int(ts[i + 1])
        h = lam(tn) - lam(t)
        if prev_x0 is None:
            D = x0
        else:
            r = prev_h / h
            D = (1 + 1 / (2 * r)) * x0 - (1 / (2 * r)) * prev_x0
        x = (sigma(tn) / sigma(t)) * x - alpha(tn) * torch.expm1(-h) * D
        prev_x0, prev_h = x0, h
    return x


SAMPLERS = {"ddpm": sample_ddpm, "ddim": sample_ddim, "dpmpp2m": sample_dpmpp2m}


def to_uint8(x):
    return ((x.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()


def score(imgs, attrs):
    keys = ["shape", "color", "position", "background", "size"]
    ok = {k: 0 for k in keys}
    ok["all4"] = 0; ok["all5"] = 0
    for im, at in zip(imgs, attrs):
        r = sc.analyze(im)
        want = {"shape": sc.SHAPES[at[0]], "color": sc.COLORS[at[1]], "position": list(sc.POSITIONS)[at[2]],
                "size": list(sc.SIZES)[at[3]], "background": sc.COLORS[at[4]]}
        good = {k: r[k] == want[k] for k in keys}
        for k in keys:
            ok[k] += good[k]
        ok["all4"] += all(good[k] for k in keys[:4])
        ok["all5"] += all(good.values())
    return {k: v / len(imgs) for k, v in ok.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default=".train/shapes/ckpt/last.pt")
    ap.add_argument("--raw", action="store_true")
    ap.add_argument("--runs", nargs="+", default=["dpmpp2m:20", "dpmpp2m:25", "ddim:50", "ddpm:1000@20"])
    ap.add_argument("--guidance", type=float, default=4.0)
    ap.add_argument("--split", default="heldout", choices=["heldout", "train"])
    ap.add_argument("--batch", type=int, default=170)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=".train/shapes/eval.json")
    ap.add_argument("--grid", default="", help="write a PNG grid of the first run's first 60 samples")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    te, un, ck = load(a.ckpt, a.raw)
    d = np.load(os.path.join(".train/shapes", a.split + ".npz"))
    ids_all, attrs_all = torch.from_numpy(d["ids"]), d["attrs"]
    if a.split == "train":  # a fixed 340-caption subset of the training captions
        sel = np.random.default_rng(0).choice(len(ids_all), 340, replace=False)
        ids_all, attrs_all = ids_all[sel], attrs_all[sel]
    results = []
    for run in a.runs:
        name, rest = run.split(":")
        steps, n = (rest.split("@") + [None])[:2]
        steps = int(steps)
        idx = np.arange(len(ids_all))
        if n is not None:
            # a fixed random subset (seed 0): a stride would line up with the 10 positions x sizes of each triple
            idx = np.sort(np.random.default_rng(0).choice(len(idx), int(n), replace=False))
        t0 = time.time()
        imgs = []
        for b0 in range(0, len(idx), a.batch):
            bi = idx[b0:b0 + a.batch]
            gen = torch.Generator().manual_seed(a.seed * 100003 + int(bi[0]))
            x = torch.randn((len(bi), 3, sc.IMAGE_SIZE, sc.IMAGE_SIZE), generator=gen, dtype=torch.float64)
            den = Denoiser(te, un, ids_all[bi], a.guidance, ck["cfg"].get("prediction", "epsilon"))
            imgs.append(to_uint8(SAMPLERS[name](den, x.float().double(), steps, gen).float()))
        imgs = np.concatenate(imgs)
        s = score(imgs, attrs_all[idx])
        s.update(run=run, sampler=name, steps=steps, n=len(idx), guidance=a.guidance, seconds=round(time.time() - t0, 1),
                 split=a.split, ckpt_step=ck["step"], ema=not a.raw)
        results.append(s)
        print(json.dumps(s), flush=True)
        if a.grid and run == a.runs[0]:
            from PIL import Image
            g = imgs[:60]
            rows = [np.concatenate(list(g[r * 10:(r + 1) * 10]), 1) for r in range(len(g) // 10)]
            im = np.concatenate(rows, 0)
            Image.fromarray(im).resize((im.shape[1] * 3, im.shape[0] * 3), Image.NEAREST).save(a.grid)
    prev = []
    if os.path.exists(a.out):
        prev = json.load(open(a.out))
    json.dump(prev + results, open(a.out, "w"), indent=1)
    print("| sampler | steps | n | guidance | all 4 (shape+colour+position+background) | shape | colour | position | background | size | all 5 |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for s in results:
        print("| %s | %d | %d | %g | **%.1f%%** | %.1f%% | %.1f%% | %.1f%% | %.1f%% | %.1f%% | %.1f%% |" % (
            s["sampler"], s["steps"], s["n"], s["guidance"], 100 * s["all4"], 100 * s["shape"], 100 * s["color"],
            100 * s["position"], 100 * s["background"], 100 * s["size"], 100 * s["all5"]))


if __name__ == "__main__":
    main()
