#!/usr/bin/python3
"""Rebuilds a training checkpoint (cfg + state_dict, as train.py saves it) from the committed
onnx/model.onnx, so the model can be re-exported when the training scratch folder is gone.
torch.onnx names the MatMul weights onnx::MatMul_N (transposed, [in, out]) in graph order:
per layer q, k, v, o, gate, up, down. The rebuilt model must reproduce the file's logits.

usage: ckpt_from_onnx.py [model_dir] [ckpt_out]"""
import json, os, re, sys
import numpy as np, onnx, torch
from onnx import numpy_helper
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import Cfg, Llama

d = sys.argv[1] if len(sys.argv) > 1 else "models/kjv-llama"
out = sys.argv[2] if len(sys.argv) > 2 else ".train/kjv/ckpt.pt"
hf = json.load(open(f"{d}/config.json"))
keys = ["vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads",
        "max_position_embeddings", "rms_norm_eps", "rope_theta", "bos_token_id", "eos_token_id", "tie_word_embeddings"]
cfg = Cfg(**{k: hf[k] for k in keys})
m = onnx.load(f"{d}/onnx/model.onnx")
weights = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in m.graph.initializer}
named = {k[2:]: v for k, v in weights.items() if k.startswith("m.")}
matmuls = sorted((k for k in weights if k.startswith("onnx::MatMul_")), key=lambda k: int(re.sub(r"\D", "", k)))
# The tied output projection is the embedding's transpose, folded into one more MatMul constant.
head = [k for k in matmuls if tuple(weights[k].shape) == (cfg.hidden_size, cfg.vocab_size)]
assert len(head) == 1 and torch.equal(weights[head[0]].t(), named["embed_tokens.weight"]), head
matmuls.remove(head[0])
per_layer = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
assert len(matmuls) == len(per_layer) * cfg.num_hidden_layers, len(matmuls)
for i, k in enumerate(matmuls):
    named[f"layers.{i // 7}.{per_layer[i % 7]}.weight"] = weights[k].t().contiguous()
model = Llama(cfg)
model.load_state_dict(named)
os.makedirs(os.path.dirname(out) or ".", exist_ok=True)
cd = {k: getattr(cfg, k) for k in keys}
torch.save({"cfg": cd, "model": model.state_dict()}, out)
print("wrote", out, sum(p.numel() for p in model.parameters()), "parameters")
