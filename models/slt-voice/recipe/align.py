#!/usr/bin/python3
"""Map Festival's phone segmentation (radio phone set) onto the espeak IPA tokens produced by the
npm phonemizer, by a monotonic DP alignment with an explicit festival-phone -> IPA table.
Outputs .train/dataset.pt: list of dicts {i, ids, durs (frames per token), mel [frames,80] float16}."""
import json, os, sys, wave
import numpy as np, torch
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import *

T = sys.argv[1] if len(sys.argv) > 1 else "/work/main/.train"

# festival radio phone -> allowed IPA core strings (modifiers ˈˌː etc. removed)
TABLE = {
 "aa": ["ɑ", "ɔ", "a"], "ae": ["æ", "a", "ɛ"], "ah": ["ʌ", "ə", "ɐ"], "ao": ["ɔ", "ɑ", "o"], "aw": ["aʊ"], "ax": ["ə", "ɐ", "ᵻ", "ɪ", "ʌ", "ɚ"],
 "ay": ["aɪ"], "eh": ["ɛ", "e"], "er": ["ɜ", "ɚ", "ɜɹ", "ɚɹ", "ə"], "ey": ["eɪ", "ɛ"], "ih": ["ɪ", "ᵻ", "i", "ə"], "iy": ["i", "ɪ"],
 "ow": ["oʊ", "o", "ɔ"], "oy": ["ɔɪ"], "uh": ["ʊ", "u"], "uw": ["u", "ʊ"],
 "b": ["b"], "ch": ["tʃ"], "d": ["d", "ɾ"], "dh": ["ð"], "f": ["f"], "g": ["ɡ"], "hh": ["h"], "jh": ["dʒ"], "k": ["k"],
 "l": ["l", "əl"], "m": ["m", "əm"], "n": ["n", "ən", "ʔn"], "ng": ["ŋ", "n"], "p": ["p"], "r": ["ɹ"], "s": ["s"], "sh": ["ʃ"], "t": ["t", "ɾ", "ʔ"],
 "th": ["θ"], "v": ["v"], "w": ["w"], "y": ["j"], "z": ["z", "s"], "zh": ["ʒ"],
}
PAU_OK = {"^", ",", "."}


def span_cost(f, span):
    if f == "pau":
        if len(span) == 0: return 0.3
        if len(span) == 1 and span[0] in PAU_OK: return 0.0
        return 5.0
    if len(span) == 0: return 1.5  # festival phone with no IPA counterpart
    if any(t in PAU_OK for t in span): return 50.0
    s = "".join(span)
    if s in TABLE[f]: return 0.0
    chars = set("".join(TABLE[f]))
    hit = sum(c in chars for c in s)
    return 0.8 * len(s) - 0.5 * hit + 0.3


def align(fphones, core):
    """fphones: festival phone names; core: IPA core tokens. returns list of spans (start,end) per fphone."""
    F, J = len(fphones), len(core)
    INF = 1e9
    D = np.full((F + 1, J + 1), INF); D[0, 0] = 0
    B = np.zeros((F + 1, J + 1), dtype=np.int64)
    for i in range(1, F + 1):
        f = fphones[i - 1]
        for j in range(0, J + 1):
            best, bk = INF, -1
            for k in range(0, min(4, j) + 1):
                c = D[i - 1, j - k]
                if c >= INF: continue
                c = c + span_cost(f, core[j - k:j])
                if c < best: best, bk = c, k
            D[i, j], B[i, j] = best, bk
    spans, j = [], J
    for i in range(F, 0, -1):
        k = B[i, j]; spans.append((j - k, j)); j -= k
    assert j == 0
    return spans[::-1], D[F, J]


def read_wav(p):
    with wave.open(p) as w:
        a = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).astype(np.float32) / 32768
        assert w.getframerate() == SR
    return a


def main():
    fps = SR / HOP
    out, costs, dropped = [], [], 0
    for line in open(f"{T}/phonemes.jsonl"):
        d = json.loads(line); i = d["i"]
        segp = f"{T}/segs/{i:05d}.segs"; wavp = f"{T}/wav/{i:05d}.wav"
        if not (os.path.exists(segp) and os.path.exists(wavp)): continue
        toks = tokens_from_clauses(d["clauses"])
        core_idx = [k for k, t in enumerate(toks) if t not in ZERO_DUR]
        core = [toks[k] for k in core_idx]
        segs = [l.split() for l in open(segp).read().split("\n")[1:] if len(l.split()) == 3]
        fph = [s[2] for s in segs]; ends = [float(s[0]) for s in segs]
        audio = read_wav(wavp)
        mel = log_mel(audio); n = mel.shape[0]
        spans, cost = align(fph, core)
        costs.append(cost / len(fph))
        if cost / len(fph) > 0.45:
            dropped += 1; continue
        bounds = [int(round(e * fps)) for e in ends]
        bounds[-1] = n
        fr = np.diff([0] + bounds)
        dur = np.zeros(len(toks), dtype=np.int64)
        last = 0
        for (a, b), nf in zip(spans, fr):
            if b == a:  # unmatched festival phone: give its frames to the previous core token
                dur[core_idx[max(a - 1, 0)]] += nf; continue
            L = b - a
            cuts = [int(round(nf * q / L)) for q in range(L + 1)]
            for q in range(L):
                dur[core_idx[a + q]] += cuts[q + 1] - cuts[q]
        if dur.min() < 0 or dur.sum() != n:
            dropped += 1; continue
        out.append({"i": i, "ids": ids_from_tokens(toks), "durs": dur, "mel": mel.astype(np.float16), "text": d["text"]})
        if len(out) % 200 == 0: print(len(out), "aligned", flush=True)
    print("kept", len(out), "dropped", dropped, "mean cost/phone", float(np.mean(costs)), flush=True)
    torch.save(out, f"{T}/dataset.pt")


if __name__ == "__main__":
    main()
