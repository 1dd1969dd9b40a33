"""
GGUF F16 -> Q4_0 (or Q8_0) with llama.cpp's own llama_model_quantize, called through ctypes on the
libllama that node-llama-cpp's prebuilt binaries ship: the same code as the llama-quantize tool,
which node-llama-cpp does not ship. Usage: quantize_gguf.py <libllama.so> <in.gguf> <out.gguf> q4_0|q8_0
"""
import ctypes
import sys

FTYPES = {"q4_0": 2, "q8_0": 7}


class QuantizeParams(ctypes.Structure):
    # llama.h's llama_model_quantize_params, as in the llama.cpp node-llama-cpp 3.21.1 bundles.
    _fields_ = [
        ("nthread", ctypes.c_int32),
        ("ftype", ctypes.c_int),
        ("output_tensor_type", ctypes.c_int),
        ("token_embedding_type", ctypes.c_int),
        ("allow_requantize", ctypes.c_bool),
        ("quantize_output_tensor", ctypes.c_bool),
        ("only_copy", ctypes.c_bool),
        ("pure", ctypes.c_bool),
        ("keep_split", ctypes.c_bool),
        ("dry_run", ctypes.c_bool),
        ("imatrix", ctypes.c_void_p),
        ("kv_overrides", ctypes.c_void_p),
        ("tt_overrides", ctypes.c_void_p),
        ("prune_layers", ctypes.c_void_p),
        ("max_buf_size", ctypes.c_size_t),
    ]


def main() -> int:
    lib_path, src, dst, kind = sys.argv[1:5]
    lib = ctypes.CDLL(lib_path)
    lib.llama_model_quantize_default_params.restype = QuantizeParams
    lib.llama_model_quantize.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(QuantizeParams)]
    lib.llama_model_quantize.restype = ctypes.c_uint32
    lib.llama_backend_init()
    params = lib.llama_model_quantize_default_params()
    params.ftype = FTYPES[kind]
    params.nthread = 2
    failed = lib.llama_model_quantize(src.encode(), dst.encode(), ctypes.byref(params))
    lib.llama_backend_free()
    if failed:
        print(f"llama_model_quantize failed ({failed})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
