"""A q4 MatMulNBits copy of stories260K, as optimum's q4 export makes it (accuracy_level 0):

    /work/venv/bin/python bench/convert/quantize_stories.py SRC_FOLDER OUT_FOLDER

copies SRC_FOLDER's config and tokenizer files to OUT_FOLDER and writes OUT_FOLDER/onnx/model.onnx
(the fp32 file, copied) and onnx/model_q4.onnx (onnxruntime's MatMulNBitsQuantizer, formerly MatMul4BitsQuantizer, block_size 32,
symmetric, accuracy_level 0). bench/convert-quality.ts then adds riff convert's model_q4_acc4.onnx.
"""
import os
import shutil
import sys

import onnx
from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer

src, out = sys.argv[1], sys.argv[2]
os.makedirs(os.path.join(out, "onnx"), exist_ok=True)
for name in os.listdir(src):
    if os.path.isfile(os.path.join(src, name)) and name.endswith(".json"):
        shutil.copy(os.path.join(src, name), os.path.join(out, name))
shutil.copy(os.path.join(src, "onnx", "model.onnx"), os.path.join(out, "onnx", "model.onnx"))
q4 = MatMulNBitsQuantizer(onnx.load(os.path.join(src, "onnx", "model.onnx")), block_size=32, is_symmetric=True, accuracy_level=0)
q4.process()
onnx.save(q4.model.model, os.path.join(out, "onnx", "model_q4.onnx"))
print("wrote", os.path.join(out, "onnx", "model_q4.onnx"))
