#!/bin/sh
# shapes-diffusion recipe, in order. Run from the repo root. Debian python (python3-torch 1.13, python3-onnx,
# python3-numpy, python3-pil), CPU only, 1 thread. Outputs outside models/ go to .train/shapes (git-ignored).
set -e
PY=/usr/bin/python3
R=models/shapes-diffusion/recipe
$PY $R/make_dataset.py --out .train/shapes                 # .train/shapes/{train,heldout}.npz + models/shapes-diffusion/dataset.json
# ~70 min on one shared core (taskset -c 1); the cosine LR schedule follows whichever of --steps / --max-minutes ends first
taskset -c 1 $PY $R/train.py --data .train/shapes --out .train/shapes/ckpt --channels 48 --patch 2 --coord 1 \
  --prediction v_prediction --min-snr 5 --steps 6000 --batch 64 --ema 0.999 --ckpt-every 200 --max-minutes 70
$PY $R/export_onnx.py --ckpt .train/shapes/ckpt/last.pt    # EMA weights -> model_index.json, scheduler/, tokenizer/, text_encoder/, unet/
node $R/check_onnx.mjs .train/shapes/export_check.json      # onnxruntime-node vs PyTorch (1e-4) + @huggingface/tokenizers ids
$PY $R/evaluate.py --runs dpmpp2m:20 dpmpp2m:25 --grid models/shapes-diffusion/samples.png
$PY $R/evaluate.py --runs dpmpp2m:10 ddim:50
$PY $R/evaluate.py --runs ddpm:1000@20 --batch 20
