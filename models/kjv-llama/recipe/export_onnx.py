#!/usr/bin/python3
"""Export a trained checkpoint to the Hugging Face ONNX layout (optimum decoder-with-past names):
config.json, generation_config.json, onnx/model.onnx. Also writes a PyTorch reference
(greedy, no KV cache) to <ref> for the onnxruntime-node check in verify_onnx.mjs.

usage: export_onnx.py [ckpt] [out_dir] [ref_json]"""
import json, os, sys
import torch
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import Cfg, Llama


class OnnxWrapper(torch.nn.Module):
    def __init__(self, model):
        super().__init__(); self.m = model

    def forward(self, input_ids, attention_mask, position_ids, *flat_past):
        past = [(flat_past[2 * i], flat_past[2 * i + 1]) for i in range(len(flat_past) // 2)]
        logits, presents = self.m(input_ids, attention_mask, position_ids, past)
        out = [logits]
        for k, v in presents:
            out += [k, v]
        return tuple(out)


def export_llama(model, path, opset=14):
    c = model.c
    L = c.num_hidden_layers
    B, T, P = 2, 3, 4
    past = []
    for _ in range(L):
        past += [torch.randn(B, c.num_key_value_heads, P, c.head_dim)] * 2
    ids = torch.randint(0, c.vocab_size, (B, T))
    am = torch.ones(B, P + T, dtype=torch.int64)
    pos = torch.arange(P, P + T)[None].expand(B, T).contiguous()
    in_names = ["input_ids", "attention_mask", "position_ids"]
    out_names = ["logits"]
    dyn = {"input_ids": {0: "batch_size", 1: "sequence_length"},
           "attention_mask": {0: "batch_size", 1: "past_sequence_length + sequence_length"},
           "position_ids": {0: "batch_size", 1: "sequence_length"},
           "logits": {0: "batch_size", 1: "sequence_length"}}
    for i in range(L):
        for kv in ("key", "value"):
            n = f"past_key_values.{i}.{kv}"; o = f"present.{i}.{kv}"
            in_names.append(n); out_names.append(o)
            dyn[n] = {0: "batch_size", 2: "past_sequence_length"}
            dyn[o] = {0: "batch_size", 2: "past_sequence_length + sequence_length"}
    os.makedirs(os.path.dirname(path), exist_ok=True)
    model.eval()
    with torch.no_grad():
        torch.onnx.export(OnnxWrapper(model), (ids, am, pos, *past), path, input_names=in_names,
                          output_names=out_names, dynamic_axes=dyn, opset_version=opset, do_constant_folding=True)
    import onnx
    m = onnx.load(path); onnx.checker.check_model(m)


@torch.no_grad()
def greedy_reference(model, prompt_ids, n_new):
    """Greedy decoding with full recompute (no cache) each step."""
    model.eval()
    ids = list(prompt_ids)
    first_logits = None
    for _ in range(n_new):
        lg, _ = model(torch.tensor([ids]))
        if first_logits is None:
            first_logits = lg[0, -1].tolist()
        ids.append(int(lg[0, -1].argmax()))
    return ids[len(prompt_ids):], first_logits


def generation_config(c):
    return {"_from_model_config": False, "bos_token_id": c.bos_token_id, "eos_token_id": c.eos_token_id,
            "pad_token_id": c.eos_token_id, "do_sample": True, "temperature": 0.8, "top_p": 0.95, "top_k": 0,
            "repetition_penalty": 1.0, "max_new_tokens": 128}


if __name__ == "__main__":
    torch.set_num_threads(1)
    ck = sys.argv[1] if len(sys.argv) > 1 else ".train/kjv/ckpt.pt"
    out = sys.argv[2] if len(sys.argv) > 2 else "models/kjv-llama"
    ref = sys.argv[3] if len(sys.argv) > 3 else ".train/kjv/reference.json"
    s = torch.load(ck)
    cd = dict(s["cfg"]); cd.pop("head_dim", None)
    cfg = Cfg(**cd)
    model = Llama(cfg); model.load_state_dict(s["model"]); model.eval()
    json.dump(cfg.hf_config(), open(f"{out}/config.json", "w"), indent=2)
    json.dump(generation_config(cfg), open(f"{out}/generation_config.json", "w"), indent=2)
    export_llama(model, f"{out}/onnx/model.onnx")
    from bpe import BPE
    bpe = BPE.load(f"{out}/tokenizer.json")
    prompts = ["And God said", "In the beginning", "Blessed are the"]
    refs = []
    for p in prompts:
        pid = [1] + bpe.encode(p)
        new, lg = greedy_reference(model, pid, 24)
        refs.append({"prompt": p, "prompt_ids": pid, "greedy_new_ids": new, "last_logits": lg,
                     "text": bpe.decode(pid + new)})
        print(repr(bpe.decode(pid + new)))
    json.dump({"eos_token_id": cfg.eos_token_id, "cases": refs}, open(ref, "w"))
    print("exported", f"{out}/onnx/model.onnx", os.path.getsize(f"{out}/onnx/model.onnx"))
