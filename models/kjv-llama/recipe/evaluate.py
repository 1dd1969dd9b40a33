#!/usr/bin/python3
"""Held-out perplexity / bits per character and seeded samples for the model card.
usage: evaluate.py [ckpt] [model_dir] -> prints JSON, writes .train/kjv/eval.json"""
import json, math, os, sys
import numpy as np
import torch
import torch.nn.functional as F
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import Cfg, Llama
from bpe import BPE

torch.set_num_threads(1)
ck = sys.argv[1] if len(sys.argv) > 1 else ".train/kjv/ckpt.pt"
md = sys.argv[2] if len(sys.argv) > 2 else "models/kjv-llama"
s = torch.load(ck)
cd = dict(s["cfg"]); cd.pop("head_dim", None)
model = Llama(Cfg(**cd)); model.load_state_dict(s["model"]); model.eval()
bpe = BPE.load(f"{md}/tokenizer.json")
CTX = model.c.max_position_embeddings

# held-out: every 50th chapter, encoded as <s> chapter </s>, scored in non-overlapping 256-token windows
val = torch.from_numpy(np.fromfile(".train/kjv/val.bin", dtype=np.uint16).astype(np.int64))
chars = sum(len(d) for d in json.load(open(".train/kjv/val.json")))
nats, n = 0.0, 0
with torch.no_grad():
    for i in range(0, len(val) - 1, CTX):
        x = val[i:i + CTX]; y = val[i + 1:i + CTX + 1]; x = x[:len(y)]
        lg, _ = model(x[None])
        nats += F.cross_entropy(lg[0], y, reduction="sum").item(); n += len(y)
res = {"val_tokens_scored": n, "val_chars": chars, "val_loss_per_token": nats / n, "val_ppl": math.exp(nats / n),
       "bits_per_char": nats / math.log(2) / chars, "train_state": s["state"]}


@torch.no_grad()
def sample(prompt, seed, temperature=0.8, top_p=0.95, max_new=100):
    g = torch.Generator().manual_seed(seed)
    ids = [1] + bpe.encode(prompt)
    p0 = len(ids)
    for _ in range(max_new):
        lg, _ = model(torch.tensor([ids[-CTX:]]))
        probs = torch.softmax(lg[0, -1] / temperature, -1)
        sp, si = probs.sort(descending=True)
        keep = (sp.cumsum(0) - sp) < top_p
        sp = sp * keep; sp = sp / sp.sum()
        t = int(si[torch.multinomial(sp, 1, generator=g)])
        if t == 2:
            break
        ids.append(t)
    return bpe.decode(ids[p0:])


res["samples"] = [{"prompt": p, "seed": sd, "temperature": 0.8, "top_p": 0.95, "max_new_tokens": 100,
                   "output": sample(p, sd)} for p, sd in
                  (("And it came to pass", 1), ("The LORD is my shepherd;", 2), ("Jesus said unto them,", 3))]
json.dump(res, open(".train/kjv/eval.json", "w"), indent=1)
print(json.dumps(res, indent=1))
