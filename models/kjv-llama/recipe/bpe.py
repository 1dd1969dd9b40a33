"""Minimal byte-level BPE (GPT-2 style) trainer/encoder that writes a Hugging Face tokenizer.json.

Pre-tokenisation is the GPT-2 regex (ByteLevel use_regex=true); Python's `re` has no \\p{L}, so
letters/numbers are written as [^\\W\\d_] / \\d, which is identical to the GPT-2 pattern on ASCII
text (all training text here is ASCII). Special tokens come first: <unk>=0, <s>=1, </s>=2, then the
256 byte tokens (3..258) in byte order, then one token per merge.
"""
import json, re
from collections import Counter, defaultdict

PAT = re.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?[^\W\d_]+| ?\d+| ?(?:[^\s\w]|_)+|\s+(?!\S)|\s+""")
SPECIALS = ["<unk>", "<s>", "</s>"]


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b); cs.append(256 + n); n += 1
    return dict(zip(bs, map(chr, cs)))


B2U = bytes_to_unicode()
U2B = {v: k for k, v in B2U.items()}


def pretokenize(text):
    return ["".join(B2U[b] for b in w.encode("utf-8")) for w in PAT.findall(text)]


class BPE:
    def __init__(self, merges, specials=SPECIALS, specials_at_end=False):
        """specials first (Llama style, default) or after the merges (GPT-2 style <|endoftext|>)."""
        self.merges = [tuple(m) for m in merges]
        self.specials = list(specials)
        self.vocab = {} if specials_at_end else {s: i for i, s in enumerate(self.specials)}
        for b in range(256):
            self.vocab[B2U[b]] = len(self.vocab)
        for a, b in self.merges:
            self.vocab[a + b] = len(self.vocab)
        if specials_at_end:
            for s in self.specials:
                self.vocab[s] = len(self.vocab)
        self.special_ids = {self.vocab[s] for s in self.specials}
        self.ranks = {m: i for i, m in enumerate(self.merges)}
        self.inv = {i: s for s, i in self.vocab.items()}
        self.cache = {}

    @staticmethod
    def train(texts, vocab_size, n_specials=len(SPECIALS)):
        words = Counter()
        for t in texts:
            words.update(pretokenize(t))
        wl = [list(w) for w in words]
        freq = [words[w] for w in words]
        pairs = Counter()
        where = defaultdict(set)
        for i, w in enumerate(wl):
            for p in zip(w, w[1:]):
                pairs[p] += freq[i]; where[p].add(i)
        merges = []
        n_merges = vocab_size - n_specials - 256
        while len(merges) < n_merges and pairs:
            best = max(pairs.items(), key=lambda kv: (kv[1], kv[0]))[0]
            if pairs[best] < 2:
                break
            merges.append(best)
            a, b = best
            for i in list(where[best]):
                w = wl[i]
                for p in zip(w, w[1:]):
                    pairs[p] -= freq[i]
                    if pairs[p] <= 0:
                        del pairs[p]
                nw, j = [], 0
                while j < len(w):
                    if j < len(w) - 1 and w[j] == a and w[j + 1] == b:
                        nw.append(a + b); j += 2
                    else:
                        nw.append(w[j]); j += 1
                wl[i] = nw
                for p in zip(nw, nw[1:]):
                    pairs[p] += freq[i]; where[p].add(i)
            del where[best]
        return BPE(merges)

    def _bpe(self, word):
        if word in self.cache:
            return self.cache[word]
        parts = list(word)
        while len(parts) > 1:
            cands = [(self.ranks.get((parts[k], parts[k + 1]), 1 << 30), k) for k in range(len(parts) - 1)]
            r, k = min(cands)
            if r == 1 << 30:
                break
            pair = (parts[k], parts[k + 1])
            out, j = [], 0
            while j < len(parts):
                if j < len(parts) - 1 and (parts[j], parts[j + 1]) == pair:
                    out.append(parts[j] + parts[j + 1]); j += 2
                else:
                    out.append(parts[j]); j += 1
            parts = out
        ids = [self.vocab[p] for p in parts]
        self.cache[word] = ids
        return ids

    def encode(self, text):
        """Encode plain text (no special-token parsing, no BOS)."""
        ids = []
        for w in pretokenize(text):
            ids.extend(self._bpe(w))
        return ids

    def decode(self, ids):
        bs = bytearray()
        for i in ids:
            if i in self.special_ids:
                continue
            bs.extend(U2B[c] for c in self.inv[i])
        return bs.decode("utf-8", errors="replace")

    def tokenizer_json(self, post="bos"):
        """post="bos": TemplateProcessing that prepends <s> (Llama); "gpt2": ByteLevel post-processor."""
        added = [{"id": self.vocab[s], "content": s, "single_word": False, "lstrip": False, "rstrip": False,
                  "normalized": False, "special": True} for s in self.specials]
        pp = {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True}
        tj = {
            "version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
            "normalizer": None,
            "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
            "post_processor": {
                "type": "TemplateProcessing",
                "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                         {"SpecialToken": {"id": "<s>", "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
                "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}},
            },
            "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
            "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                      "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False,
                      "ignore_merges": False, "vocab": self.vocab, "merges": [list(m) for m in self.merges]},
        }
        if post == "gpt2":
            tj["post_processor"] = pp
        return tj

    @staticmethod
    def load(path):
        tj = json.load(open(path))
        return BPE(tj["model"]["merges"])


def write_tokenizer_files(bpe, folder, model_max_length):
    import os
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "tokenizer.json"), "w") as f:
        json.dump(bpe.tokenizer_json(), f, ensure_ascii=False, separators=(",", ":"))
    added = {str(i): {"content": s, "lstrip": False, "normalized": False, "rstrip": False,
                      "single_word": False, "special": True} for i, s in enumerate(SPECIALS)}
    cfg = {"add_bos_token": True, "add_eos_token": False, "add_prefix_space": False,
           "added_tokens_decoder": added, "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>",
           "pad_token": "</s>", "clean_up_tokenization_spaces": False, "model_max_length": model_max_length,
           "padding_side": "left", "tokenizer_class": "PreTrainedTokenizerFast"}
    json.dump(cfg, open(os.path.join(folder, "tokenizer_config.json"), "w"), indent=2)
    tok = lambda s: {"content": s, "lstrip": False, "normalized": False, "rstrip": False, "single_word": False}
    json.dump({"bos_token": tok("<s>"), "eos_token": tok("</s>"), "unk_token": tok("<unk>"), "pad_token": tok("</s>")},
              open(os.path.join(folder, "special_tokens_map.json"), "w"), indent=2)
