"""
Builds the realsize bench's models from nothing (run by bench/realsize/build.sh, not by hand):

  <out>/hf/    a random-weight Llama shaped like SmolLM2-135M (576 hidden, 30 layers, 9 heads /
               3 KV heads, vocabulary 49,152) in the Hugging Face layout, with a sentencepiece
               tokenizer trained here on Python's own sources (byte fallback, 49,152 pieces)
  <out>/onnx/  the same weights exported by optimum (text-generation-with-past): onnx/model.onnx
               (fp32), onnx/model_quantized.onnx (onnxruntime dynamic int8) and onnx/model_q4.onnx
               (MatMulNBits, 4-bit blocks of 32), with the config and tokenizer files: the
               folder layout transformers.js and riff load

Random weights make speed real and text meaningless; every system runs the same weights.
"""
import glob
import json
import os
import shutil
import sys

import torch

VOCAB = 49152


def corpus(path: str) -> None:
    """Lines of Python's own standard library sources: plenty of distinct text, on every machine."""
    root = os.path.dirname(os.__file__)
    with open(path, "w", encoding="utf-8") as out:
        for name in sorted(glob.glob(os.path.join(root, "**", "*.py"), recursive=True)):
            try:
                with open(name, encoding="utf-8") as f:
                    for line in f:
                        line = line.strip()
                        if line:
                            out.write(line + "\n")
            except (UnicodeDecodeError, OSError):
                continue


def tokenizer(hf: str, work: str) -> None:
    import sentencepiece as spm
    from transformers import AutoTokenizer

    text = os.path.join(work, "corpus.txt")
    corpus(text)
    prefix = os.path.join(work, "spm")
    spm.SentencePieceTrainer.train(
        input=text, model_prefix=prefix, model_type="bpe", vocab_size=VOCAB, byte_fallback=True,
        input_sentence_size=400000, shuffle_input_sentence=True, seed_sentencepiece_size=400000,
        character_coverage=1.0, hard_vocab_limit=True, num_threads=2, minloglevel=2,
        unk_id=0, bos_id=1, eos_id=2, pad_id=-1,
    )
    shutil.copy(prefix + ".model", os.path.join(hf, "tokenizer.model"))
    with open(os.path.join(hf, "tokenizer_config.json"), "w") as f:
        json.dump({"tokenizer_class": "LlamaTokenizer"}, f)
    # The fast (tokenizer.json) form, converted from tokenizer.model by transformers 4.x and 5.x alike.
    tok = AutoTokenizer.from_pretrained(hf, legacy=False, add_bos_token=True, add_eos_token=False)
    tok.save_pretrained(hf)
    check = spm.SentencePieceProcessor(model_file=os.path.join(hf, "tokenizer.model"))
    sample = "Once upon a time, a quick brown fox jumped over the lazy dog."
    if tok(sample).input_ids != [1] + check.encode(sample):
        raise SystemExit("tokenizer.json does not tokenize like tokenizer.model")


def model(hf: str) -> None:
    from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        vocab_size=VOCAB, hidden_size=576, intermediate_size=1536, num_hidden_layers=30,
        num_attention_heads=9, num_key_value_heads=3, head_dim=64, max_position_embeddings=8192,
        rope_theta=100000.0, rms_norm_eps=1e-5, tie_word_embeddings=True, bos_token_id=1,
        eos_token_id=2, hidden_act="silu", initializer_range=0.02, torch_dtype="float32",
    )
    torch.manual_seed(0)
    net = LlamaForCausalLM(config).eval()
    net.save_pretrained(hf, safe_serialization=True)
    GenerationConfig(bos_token_id=1, eos_token_id=2).save_pretrained(hf)


def export(hf: str, out: str, work: str) -> None:
    from optimum.exporters.onnx import main_export

    raw = os.path.join(work, "optimum")
    main_export(hf, output=raw, task="text-generation-with-past", opset=18, device="cpu", do_validation=False)
    os.makedirs(os.path.join(out, "onnx"), exist_ok=True)
    for name in os.listdir(raw):
        src = os.path.join(raw, name)
        if name.endswith(".onnx") or name.endswith(".onnx_data") or name.endswith(".onnx.data"):
            continue
        shutil.copy(src, os.path.join(out, name))
    import onnx

    m = onnx.load(os.path.join(raw, "model.onnx"))
    onnx.save(m, os.path.join(out, "onnx", "model.onnx"), save_as_external_data=True, location="model.onnx_data")


def quantize(out: str) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer

    fp32 = os.path.join(out, "onnx", "model.onnx")
    quantize_dynamic(fp32, os.path.join(out, "onnx", "model_quantized.onnx"), weight_type=QuantType.QInt8,
                     per_channel=False, reduce_range=False, op_types_to_quantize=["MatMul", "Gather"])
    q4 = MatMulNBitsQuantizer(onnx.load(fp32), block_size=32, is_symmetric=True)
    q4.process()
    onnx.save(q4.model.model, os.path.join(out, "onnx", "model_q4.onnx"))


def main() -> int:
    out = sys.argv[1]
    step = sys.argv[2] if len(sys.argv) > 2 else "all"
    hf = os.path.join(out, "hf")
    onnx_dir = os.path.join(out, "onnx-folder")
    work = os.path.join(out, "work")
    os.makedirs(hf, exist_ok=True)
    os.makedirs(work, exist_ok=True)
    if step in ("all", "hf"):
        tokenizer(hf, work)
        model(hf)
    if step in ("all", "onnx"):
        export(hf, onnx_dir, work)
        quantize(onnx_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
