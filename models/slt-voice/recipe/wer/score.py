#!/usr/bin/python3
"""Word error rate of synthesized speech, by an independent recognizer.

Run with Debian's python3 (packages pocketsphinx, pocketsphinx-en-us, python3-pocketsphinx, sox):
  /usr/bin/python3 score.py SENTENCES OUT.json NAME=DIR [NAME=DIR ...]
Each DIR holds NN.wav (00.wav, 01.wav, ... one per line of SENTENCES, any sample rate). Every
file is resampled to 16 kHz mono 16-bit with sox and decoded by CMU pocketsphinx with its US English
acoustic model, language model and dictionary (a fresh decoder per system, sentences in order). Reference and hypothesis are normalised the same way
(lower case, digits as English words, hyphens as spaces, other punctuation dropped) and aligned by
Levenshtein distance over words. OUT.json: per system the WER (substitutions + deletions + insertions
over reference words), the sentences whose last reference word was lost (deleted or substituted),
and per sentence the hypothesis and its error count; with two or more systems, how many sentences
each is worse / better on than the first.
"""
import json, os, re, subprocess, sys, tempfile, wave

MODEL = "/usr/share/pocketsphinx/model/en-us"
ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen".split()
TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def number_words(n):
    """Cardinal number in words, as both riff's and festival's front ends read plain integers."""
    if n < 20:
        return ONES[n]
    if n < 100:
        return TENS[n // 10] + ("" if n % 10 == 0 else " " + ONES[n % 10])
    if n < 1000:
        return ONES[n // 100] + " hundred" + ("" if n % 100 == 0 else " " + number_words(n % 100))
    if n < 1_000_000:
        return number_words(n // 1000) + " thousand" + ("" if n % 1000 == 0 else " " + number_words(n % 1000))
    raise ValueError(f"number too large for this list: {n}")


def normalize(text):
    text = text.lower().replace("-", " ")
    text = re.sub(r"\d+", lambda m: " " + number_words(int(m.group())) + " ", text)
    text = re.sub(r"[^a-z' ]", " ", text)
    return [w.strip("'") for w in text.split() if w.strip("'")]


def align(ref, hyp):
    """(errors, matched): Levenshtein word errors and, per reference word, whether it was matched exactly."""
    n, m = len(ref), len(hyp)
    d = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n + 1):
        d[i][0] = i
    for j in range(m + 1):
        d[0][j] = j
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (ref[i - 1] != hyp[j - 1]))
    matched = [False] * n
    i, j = n, m
    while i > 0 and j > 0:
        if d[i][j] == d[i - 1][j - 1] + (ref[i - 1] != hyp[j - 1]):
            matched[i - 1] = ref[i - 1] == hyp[j - 1]
            i, j = i - 1, j - 1
        elif d[i][j] == d[i - 1][j] + 1:
            i -= 1
        else:
            j -= 1
    return d[n][m], matched


def decoder():
    from pocketsphinx import pocketsphinx as ps
    config = ps.Decoder.default_config()
    config.set_string("-hmm", f"{MODEL}/en-us")
    config.set_string("-lm", f"{MODEL}/en-us.lm.bin")
    config.set_string("-dict", f"{MODEL}/cmudict-en-us.dict")
    config.set_string("-logfn", os.devnull)
    return ps.Decoder(config)


def recognize(dec, path, scratch):
    pcm16 = os.path.join(scratch, "16k.wav")
    subprocess.run(["sox", path, "-r", "16000", "-c", "1", "-b", "16", "-e", "signed-integer", pcm16], check=True)
    with wave.open(pcm16) as w:
        raw = w.readframes(w.getnframes())
    dec.start_utt()
    dec.process_raw(raw, False, True)
    dec.end_utt()
    hyp = dec.hyp()
    return hyp.hypstr if hyp is not None else ""


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    sentences = [l.strip() for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
    systems = [a.split("=", 1) for a in sys.argv[3:]]
    result = {"recognizer": "pocketsphinx (Debian) en-us, 16 kHz mono via sox", "sentences": len(sentences), "systems": {}}
    per_sentence = {}
    with tempfile.TemporaryDirectory() as scratch:
        for name, folder in systems:
            # A fresh decoder per system: its live cepstral mean normalisation carries over from one
            # utterance to the next, so every system starts from the same state and sees the same order.
            dec = decoder()
            rows, errors, words, lost = [], 0, 0, []
            for i, text in enumerate(sentences):
                ref = normalize(text)
                hyp_text = recognize(dec, os.path.join(folder, f"{i:02d}.wav"), scratch)
                e, matched = align(ref, normalize(hyp_text))
                errors += e
                words += len(ref)
                if matched and not matched[-1]:
                    lost.append(i)
                rows.append({"index": i, "reference": " ".join(ref), "hypothesis": hyp_text, "errors": e})
            per_sentence[name] = [r["errors"] for r in rows]
            result["systems"][name] = {
                "wer": round(errors / words, 4),
                "errors": errors,
                "words": words,
                "lostLastWord": len(lost),
                "lostLastWordSentences": lost,
                "perSentence": rows,
            }
            print(f"{name}: WER {errors / words:.3f} ({errors}/{words}), last word lost in {len(lost)}", file=sys.stderr)
    first = systems[0][0]
    for name, _ in systems[1:]:
        a, b = per_sentence[first], per_sentence[name]
        result["systems"][name][f"worseThan_{first}"] = sum(y > x for x, y in zip(a, b))
        result["systems"][name][f"betterThan_{first}"] = sum(y < x for x, y in zip(a, b))
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
