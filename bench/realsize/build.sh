#!/usr/bin/env bash
# Builds the realsize bench's models from nothing into bench/realsize/models/ (ignored by git;
# about 2.5 GB) and installs node-llama-cpp into bench/realsize/node_modules/ (ignored; about
# 730 MB with its optional CUDA/Vulkan binaries, which is why it is not a root devDependency: the
# root `npm ci` of CI and of every user would carry it). Run it once:
#
#   bench/realsize/build.sh            then   npm run bench -- realsize
#
# What it makes (make_model.py, quantize_gguf.py):
#   models/hf/           random-weight SmolLM2-135M-shaped Llama, Hugging Face layout + tokenizer
#   models/onnx-folder/  optimum's export: onnx/model.onnx (fp32), model_quantized.onnx (q8,
#                        onnxruntime dynamic int8), model_q4.onnx (q4, MatMulNBits blocks of 32)
#   models/gguf/         F16 and Q8_0 from llama.cpp's convert_hf_to_gguf.py, Q4_0 from F16 with
#                        llama.cpp's llama_model_quantize (node-llama-cpp's libllama, via ctypes)
#   models/builder-*/    onnxruntime-genai's model builder: fp32, int8 and int4 (accuracy_level 4)
#                        folders with genai_config.json, when ONNXRUNTIME_GENAI_SRC names its sources
#
# Needs: git, node/npm, and a Python with torch, transformers, onnx, onnxruntime, sentencepiece
# (RIFF_BENCH_PYTHON, default /work/venv/bin/python when present, else python3). optimum and
# optimum-onnx are installed into models/pyext from the package index (pip install optimum-onnx),
# or from source trees named by OPTIMUM_SRC and OPTIMUM_ONNX_SRC where the index lacks them, with
# transformers 4.57 (optimum-onnx's pin; huggingface_hub < 1.0 from HF_HUB_SRC if need be).
# llama.cpp's sources are the git bundle node-llama-cpp ships (its llama.cpp release), or
# LLAMA_CPP_SRC. The model builder needs onnx-ir besides. Nothing here runs at bench time: the bench only reads models/.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="$here/models"
if [[ -n "${RIFF_BENCH_PYTHON:-}" ]]; then py="$RIFF_BENCH_PYTHON"
elif [[ -x /work/venv/bin/python ]]; then py=/work/venv/bin/python
else py=python3; fi
mkdir -p "$out"
say() { echo "[realsize build] $*" >&2; }

say "python: $py"
"$py" -c "import torch, transformers, onnx, onnxruntime, sentencepiece" || {
  say "this Python lacks torch, transformers, onnx, onnxruntime or sentencepiece; set RIFF_BENCH_PYTHON"; exit 1; }

# 1. node-llama-cpp, pinned by bench/realsize/package-lock.json; its postinstall (which may
#    download and build llama.cpp when no prebuilt binary fits) is skipped.
if [[ ! -d "$here/node_modules/node-llama-cpp" ]]; then
  say "installing node-llama-cpp 3.21.1 into bench/realsize/node_modules"
  (cd "$here" && NODE_LLAMA_CPP_SKIP_DOWNLOAD=true npm ci --ignore-scripts --no-audit --no-fund)
fi

# 2. Python extras for the export, in models/pyext.
pyext="$out/pyext"
export PYTHONPATH="$pyext${PYTHONPATH:+:$PYTHONPATH}"
if ! "$py" -c "import optimum.exporters.onnx.__main__" 2>/dev/null; then
  say "installing optimum + optimum-onnx into models/pyext"
  if [[ -n "${OPTIMUM_SRC:-}" && -n "${OPTIMUM_ONNX_SRC:-}" ]]; then
    "$py" -m pip install --retries 0 --no-deps --no-build-isolation --target "$pyext" "$OPTIMUM_SRC" "$OPTIMUM_ONNX_SRC"
    "$py" -m pip install --retries 0 --target "$pyext" requests
  else
    "$py" -m pip install --retries 0 --no-deps --target "$pyext" optimum optimum-onnx requests || {
      say "optimum-onnx is not on this package index: set OPTIMUM_SRC and OPTIMUM_ONNX_SRC to their source trees"; exit 1; }
  fi
fi

# optimum-onnx pins transformers < 4.58 (its patches of the attention masks fail on 5.x).
if ! "$py" -c "import sys, transformers; v = tuple(int(x) for x in transformers.__version__.split('.')[:2]); sys.exit(0 if v < (4, 58) else 1)"; then
  say "installing transformers 4.57 (optimum-onnx's pin) into models/pyext"
  "$py" -m pip install --retries 0 --no-deps --target "$pyext" "transformers==4.57.6" "tokenizers>=0.22,<0.23"
  if ! "$py" -c "import huggingface_hub, sys; sys.exit(0 if int(huggingface_hub.__version__.split('.')[0]) < 1 else 1)" 2>/dev/null; then
    "$py" -m pip install --retries 0 --no-deps --no-build-isolation --target "$pyext" "${HF_HUB_SRC:-huggingface_hub>=0.34,<1.0}" || {
      say "huggingface_hub < 1.0 is not on this package index: set HF_HUB_SRC to its source tree (v0.36)"; exit 1; }
  fi
fi

# 3. The Hugging Face model and the ONNX folder.
if [[ ! -f "$out/onnx-folder/onnx/model_q4.onnx" ]]; then
  say "random-weight model, tokenizer, optimum export, q8 and q4 (minutes)"
  rm -rf "$out/hf" "$out/onnx-folder" "$out/work"
  "$py" "$here/make_model.py" "$out"
fi

# 4. GGUF F16, Q8_0 (convert_hf_to_gguf.py) and Q4_0 (llama_model_quantize).
llama_src="${LLAMA_CPP_SRC:-$out/llama.cpp}"
if [[ ! -f "$llama_src/convert_hf_to_gguf.py" ]]; then
  say "llama.cpp sources from node-llama-cpp's bundle"
  rm -rf "$llama_src"
  git clone --quiet "$here/node_modules/node-llama-cpp/llama/gitRelease.bundle" "$llama_src"
fi
"$py" -c "import numpy, safetensors" || { say "the Python lacks numpy or safetensors"; exit 1; }
mkdir -p "$out/gguf"
for kind in f16 q8_0; do
  if [[ ! -f "$out/gguf/model-$kind.gguf" ]]; then
    say "GGUF $kind"
    "$py" "$llama_src/convert_hf_to_gguf.py" "$out/hf" --outtype "$kind" --outfile "$out/gguf/model-$kind.gguf.tmp"
    mv "$out/gguf/model-$kind.gguf.tmp" "$out/gguf/model-$kind.gguf"
  fi
done
if [[ ! -f "$out/gguf/model-q4_0.gguf" ]]; then
  platform="$(node -p '({ darwin: "mac", win32: "win" })[process.platform] ?? process.platform')-$(node -p process.arch)"
  lib="$(find "$here/node_modules/@node-llama-cpp/$platform"* \( -name 'libllama.so*' -o -name 'libllama.v*.so' -o -name 'libllama*.dylib' \) 2>/dev/null | grep -v -e cuda -e vulkan | head -1)"
  [[ -n "$lib" ]] || { say "no prebuilt libllama in node-llama-cpp's binaries for this platform: cannot make Q4_0"; exit 1; }
  say "GGUF q4_0 with $lib"
  "$py" "$here/quantize_gguf.py" "$lib" "$out/gguf/model-f16.gguf" "$out/gguf/model-q4_0.gguf.tmp" q4_0
  mv "$out/gguf/model-q4_0.gguf.tmp" "$out/gguf/model-q4_0.gguf"
fi
# 5. onnxruntime-genai's model builder forms of the same weights (GroupQueryAttention with rotary
#    embedding inside, a past/present buffer the runtime may share, SkipSimplifiedLayerNorm, packed
#    QKV; MatMulNBits with accuracy_level 4, int8 activations in MLAS's kernels): fp32, int8 and
#    int4 (blocks of 32), each a folder with genai_config.json. The builder is a script in
#    onnxruntime-genai's sources (src/python/py/models/builder.py), not in its wheel: named by
#    ONNXRUNTIME_GENAI_SRC. Without it these forms are skipped and the bench says so.
if [[ -n "${ONNXRUNTIME_GENAI_SRC:-}" ]]; then
  builder="$ONNXRUNTIME_GENAI_SRC/src/python/py/models/builder.py"
  [[ -f "$builder" ]] || { say "no $builder"; exit 1; }
  for kind in fp32 int8 int4; do
    if [[ ! -f "$out/builder-$kind/genai_config.json" ]]; then
      say "model builder $kind"
      rm -rf "$out/builder-$kind.tmp"
      extra=()
      # int8 with the embedding tied to lm_head names the lm_head's weight _Q4 while the quantizer
      # writes _Q8 (an invalid graph, onnxruntime-genai 0.15.2): the int8 form keeps them apart.
      [[ "$kind" == int4 ]] && extra=(--extra_options accuracy_level=4)
      [[ "$kind" == int8 ]] && extra=(--extra_options accuracy_level=4 shared_embeddings=false)
      "$py" "$builder" -i "$out/hf" -o "$out/builder-$kind.tmp" -p "$kind" -e cpu -c "$out/work/builder-cache" "${extra[@]}"
      rm -rf "$out/builder-$kind" && mv "$out/builder-$kind.tmp" "$out/builder-$kind"
    fi
  done
else
  say "ONNXRUNTIME_GENAI_SRC is not set: the model builder forms are skipped (set it to an onnxruntime-genai source tree)"
fi
# optimum's q4 with the builder's activation setting (accuracy_level 4), written by `riff convert`
# (the riff-convert system; it also tells the graph's share from the kernels' in the builder's lead).
if [[ ! -f "$out/onnx-folder/onnx/model_q4_acc4.onnx" ]]; then
  say "optimum q4 with accuracy_level 4 (riff convert)"
  node "$here/../../packages/cli/bundle/main.js" convert "$out/onnx-folder/onnx/model_q4.onnx" --accuracy-level 4
fi
date -u +%FT%TZ > "$out/READY"
say "done: $out"
