#!/bin/sh
# Full recipe for models/kjv-llama, run from the repository root. Needs Debian packages
# bible-kjv (+ bible-kjv-text), python3-torch, python3-onnx, python3-numpy; libopenblas0-serial is
# strongly recommended (Debian's torch uses the reference BLAS otherwise: ~14x slower matmuls).
# Scratch data/checkpoints go to .train/kjv/ (git-ignored).
set -e
PY=/usr/bin/python3
[ -d /usr/lib/x86_64-linux-gnu/openblas-serial ] && export LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-serial
$PY models/kjv-llama/recipe/prepare_data.py .train/kjv
$PY models/kjv-llama/recipe/train_bpe.py
TIME_BUDGET=${TIME_BUDGET:-3500} FRESH=1 $PY models/kjv-llama/recipe/train.py
# (.train/kjv/ckpt.pt gone? `$PY models/kjv-llama/recipe/ckpt_from_onnx.py models/kjv-llama .train/kjv/ckpt.pt` rebuilds it from onnx/model.onnx)
$PY models/kjv-llama/recipe/export_onnx.py .train/kjv/ckpt.pt models/kjv-llama .train/kjv/reference.json
node models/kjv-llama/recipe/verify_onnx.mjs models/kjv-llama models/kjv-llama/onnx/model.onnx .train/kjv/reference.json
$PY models/kjv-llama/recipe/evaluate.py
