"""Export a checkpoint (EMA weights) to the riff pixel-diffusion layout in models/shapes-diffusion/.

Usage (repo root): /usr/bin/python3 models/shapes-diffusion/recipe/export_onnx.py [--ckpt .train/shapes/ckpt/last.pt] [--raw]
Writes model_index.json, scheduler/, tokenizer/, text_encoder/, unet/ and .train/shapes/export_check.json
(fixed inputs + PyTorch outputs, for the onnxruntime-node comparison in check_onnx.mjs).
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import shapes_common as sc  # noqa: E402
from train import BETA_END, BETA_START, T, build  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL_DIR = os.path.dirname(HERE)


def load(ckpt, raw=False):
    ck = torch.load(ckpt)
    te, un = build(ck["cfg"])
    te.load_state_dict(ck["text_encoder"]); un.load_state_dict(ck["unet"])
    if not raw:
        params = list(te.parameters()) + list(un.parameters())
        with torch.no_grad():
            for p, e in zip(params, ck["ema"]):
                p.copy_(e)
    te.eval(); un.eval()
    return te, un, ck


def wjson(path, obj):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


def clip_sample(cfg):
    return cfg.get("prediction", "epsilon") == "epsilon"


def unet_description(cfg):
    c, p = cfg["c"], cfg.get("patch", 1)
    s = sc.IMAGE_SIZE // p
    text = "U-Net %d->%d->%d (channels %d,%d,%d)" % (s, s // 2, s // 4, c, 2 * c, 2 * c)
    if p > 1:
        text = "%dx%d space-to-depth (3x%dx%d -> %dx%dx%d), then " % (p, p, sc.IMAGE_SIZE, sc.IMAGE_SIZE, 3 * p * p, s, s) + text
    text += "; ResBlocks with GroupNorm and FiLM from (sinusoidal timestep MLP + mean-pooled caption states)"
    if cfg.get("coord"):
        text += "; x/y coordinate channels at the input; cross-attention to the caption states at every level, its queries plus a projection of sin/cos pixel-coordinate features"
    else:
        text += "; cross-attention to the caption states at 16x16 and 8x8"
    return text + "."


def write_configs(ck, out_dir):
    D = ck["cfg"]["d"]
    wjson(os.path.join(out_dir, "model_index.json"), {
        "_class_name": "RiffPixelDiffusionPipeline",
        "_diffusers_version": "0.30.0",
        "_description": "Text-conditioned pixel-space DDPM (" + ck["cfg"].get("prediction", "epsilon") + ") on 32x32 RGB coloured shapes; no VAE. Pixel range [-1, 1]: image = (x + 1) * 127.5. Classifier-free guidance: the unconditional caption is 16 x [PAD] (= id 0).",
        "scheduler": ["diffusers", "DDPMScheduler"],
        "text_encoder": ["riff", "OnnxRuntimeModel"],
        "tokenizer": ["riff", "WordPieceTokenizer"],
        "unet": ["diffusers", "OnnxRuntimeModel"],
    })
    wjson(os.path.join(out_dir, "scheduler", "scheduler_config.json"), {
        "_class_name": "DDPMScheduler",
        "_diffusers_version": "0.30.0",
        "num_train_timesteps": T,
        "beta_start": BETA_START,
        "beta_end": BETA_END,
        "beta_schedule": "linear",
        "trained_betas": None,
        "variance_type": "fixed_small",
        # v-prediction: no clipping. DDIM clips x0 but keeps the unclipped eps, and with guidance the two disagree
        # so much that held-out adherence fell to 0 % at 50 steps (100 % unclipped); DPM-Solver++ never clips.
        "clip_sample": clip_sample(ck["cfg"]),
        "clip_sample_range": 1.0,
        "prediction_type": ck["cfg"].get("prediction", "epsilon"),
        "thresholding": False,
        "dynamic_thresholding_ratio": 0.995,
        "sample_max_value": 1.0,
        "timestep_spacing": "leading",
        "steps_offset": 0,
        "rescale_betas_zero_snr": False,
    })
    vocab = {w: i for i, w in enumerate(sc.VOCAB)}
    added = [{"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True}
             for i, t in enumerate(["[PAD]", "[UNK]"])]
    wjson(os.path.join(out_dir, "tokenizer", "tokenizer.json"), {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": {"type": "Lowercase"},
        "pre_tokenizer": {"type": "WhitespaceSplit"},
        "post_processor": None,
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": vocab},
    })
    wjson(os.path.join(out_dir, "tokenizer", "tokenizer_config.json"), {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "model_max_length": sc.MAX_TOKENS,
        "pad_token": "[PAD]",
        "unk_token": "[UNK]",
        "do_lower_case": True,
        "padding_side": "right",
        "truncation_side": "right",
        "clean_up_tokenization_spaces": True,
        "_description": "Whole-word vocabulary of the caption template; pad/truncate to exactly 16 ids with [PAD] = 0; no [CLS]/[SEP]. Captions have no punctuation.",
    })
    wjson(os.path.join(out_dir, "text_encoder", "config.json"), {
        "_class_name": "OnnxRuntimeModel",
        "_description": "token embedding + learned positions + %d pre-LN transformer layers (4 heads, no attention mask: [PAD] tokens are attended) + final LayerNorm" % ck["cfg"]["text_layers"],
        "max_position_embeddings": sc.MAX_TOKENS,
        "hidden_size": D,
        "pad_token_id": 0,
        "vocab_size": len(sc.VOCAB),
        "input_names": ["input_ids"],
        "input_dtype": "int64",
        "output_names": ["last_hidden_state"],
    })
    wjson(os.path.join(out_dir, "unet", "config.json"), {
        "_class_name": "OnnxRuntimeModel",
        "_description": unet_description(ck["cfg"]),
        "sample_size": sc.IMAGE_SIZE,
        "in_channels": 3,
        "out_channels": 3,
        "sample_range": [-1, 1],
        "cross_attention_dim": D,
        "input_names": ["sample", "timestep", "encoder_hidden_states"],
        "output_names": ["out_sample"],
        "timestep_dtype": "float32",
        "timestep_shape": "[batch]",
        "timestep_units": "training timestep index 0..999 (fractional values allowed)",
        "prediction_type": ck["cfg"].get("prediction", "epsilon"),
    })


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default=".train/shapes/ckpt/last.pt")
    ap.add_argument("--raw", action="store_true", help="export raw instead of EMA weights")
    ap.add_argument("--check", default=".train/shapes/export_check.json")
    ap.add_argument("--model-dir", default=None, help="where to write the model folder (default: models/shapes-diffusion)")
    a = ap.parse_args()
    torch.set_num_threads(1)
    te, un, ck = load(a.ckpt, a.raw)
    out_dir = a.model_dir or MODEL_DIR
    write_configs(ck, out_dir)
    D = ck["cfg"]["d"]
    ids = torch.tensor([sc.tokenize("a small red circle at the top left on a blue background"), [0] * sc.MAX_TOKENS], dtype=torch.int64)
    os.makedirs(os.path.join(out_dir, "text_encoder"), exist_ok=True)
    torch.onnx.export(te, (ids,), os.path.join(out_dir, "text_encoder", "model.onnx"), opset_version=14,
                      input_names=["input_ids"], output_names=["last_hidden_state"],
                      dynamic_axes={"input_ids": {0: "batch"}, "last_hidden_state": {0: "batch"}}, do_constant_folding=True)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2, 3, sc.IMAGE_SIZE, sc.IMAGE_SIZE, generator=g)
    t = torch.tensor([999.0, 250.5])
    with torch.no_grad():
        ehs = te(ids)
        eps = un(x, t, ehs)
    torch.onnx.export(un, (x, t, ehs), os.path.join(out_dir, "unet", "model.onnx"), opset_version=14,
                      input_names=["sample", "timestep", "encoder_hidden_states"], output_names=["out_sample"],
                      dynamic_axes={"sample": {0: "batch"}, "timestep": {0: "batch"}, "encoder_hidden_states": {0: "batch"}, "out_sample": {0: "batch"}},
                      do_constant_folding=True)
    import onnx
    # the traced graph leaves symbolic H/W on out_sample (after the upsampling ops): pin them to 32
    up = os.path.join(out_dir, "unet", "model.onnx")
    m = onnx.load(up)
    for k, v in enumerate(["batch", 3, sc.IMAGE_SIZE, sc.IMAGE_SIZE]):
        dim = m.graph.output[0].type.tensor_type.shape.dim[k]
        if isinstance(v, str):
            dim.dim_param = v
        else:
            dim.dim_value = v
    onnx.save(m, up)
    for f in ("text_encoder", "unet"):
        m = onnx.load(os.path.join(out_dir, f, "model.onnx"))
        onnx.checker.check_model(m)
        print(f, [(i.name, [d.dim_param or d.dim_value for d in i.type.tensor_type.shape.dim]) for i in m.graph.input],
              "->", [(o.name, [d.dim_param or d.dim_value for d in o.type.tensor_type.shape.dim]) for o in m.graph.output],
              os.path.getsize(os.path.join(out_dir, f, "model.onnx")), "bytes")
    os.makedirs(os.path.dirname(a.check), exist_ok=True)
    wjson(a.check, {"input_ids": ids.tolist(), "sample": x.flatten().tolist(), "timestep": t.tolist(),
                    "last_hidden_state": ehs.flatten().tolist(), "out_sample": eps.flatten().tolist(), "D": D,
                    "step": ck["step"], "ema": not a.raw})
    print("exported step", ck["step"], "ema" if not a.raw else "raw")


if __name__ == "__main__":
    main()
