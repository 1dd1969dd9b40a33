#!/usr/bin/python3
"""Train the 2048-token byte-level BPE on the training chapters, write the HF tokenizer files into
models/kjv-llama/, and tokenise train/val into .train/kjv/{train,val}.bin (uint16; documents as
<s> doc </s>)."""
import json, os, sys, time
import numpy as np
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bpe import BPE, write_tokenizer_files

DATA = ".train/kjv"
MODEL = "models/kjv-llama"
VOCAB = int(os.environ.get("VOCAB", 2048))
t0 = time.time()
train = json.load(open(f"{DATA}/train.json")); val = json.load(open(f"{DATA}/val.json"))
bpe = BPE.train(train, VOCAB)
print(f"trained {len(bpe.merges)} merges, vocab {len(bpe.vocab)} in {time.time()-t0:.1f}s")
write_tokenizer_files(bpe, MODEL, model_max_length=256)
for name, docs in (("train", train), ("val", val)):
    ids = []
    for d in docs:
        ids += [1] + bpe.encode(d) + [2]
    np.array(ids, dtype=np.uint16).tofile(f"{DATA}/{name}.bin")
    chars = sum(map(len, docs))
    print(f"{name}: {len(docs)} docs, {chars} chars, {len(ids)} tokens ({chars/len(ids):.2f} chars/token)")
    assert bpe.decode(bpe.encode(docs[0])) == docs[0]
