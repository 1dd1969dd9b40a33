#!/usr/bin/python3
"""Build the training sentence list from Jane Austen's novels (Debian r-cran-janeaustenr,
public domain). Input: .train/austen_lines.txt written by
  Rscript -e 'library(janeaustenr); writeLines(austen_books()$text, "austen_lines.txt")'
Output: .train/sentences.txt (one sentence per line, fixed seed)."""
import random, re, sys, os

TRAIN = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "../../../.train")
N = int(sys.argv[2]) if len(sys.argv) > 2 else 1800
lines = open(os.path.join(TRAIN, "austen_lines.txt"), encoding="utf-8").read().split("\n")
# paragraphs separated by blank lines
paras, cur = [], []
for l in lines:
    if l.strip():
        cur.append(l.strip())
    elif cur:
        paras.append(" ".join(cur)); cur = []
text = "\n".join(paras)
text = text.replace("_", "").replace('"', "").replace("--", ", ")
sents = re.split(r"(?<=[.!?])\s+", text.replace("\n", " "))
ok = []
bad = re.compile(r"[^A-Za-z ,.;!?']")
for s in sents:
    s = s.strip()
    w = s.split()
    if not (5 <= len(w) <= 22): continue
    if bad.search(s): continue
    if re.search(r"\b(Mr|Mrs|Dr|St|Esq|Col)\b", s): continue
    if not s[0].isupper() or s[-1] not in ".!?": continue
    if sum(c.isupper() for c in s) > 4: continue  # avoid headings / many names
    if "'" in s.replace("'s ", " ").replace("'t ", " "): continue
    ok.append(s)
ok = sorted(set(ok))
random.Random(1234).shuffle(ok)
print(len(ok), "candidates", file=sys.stderr)
open(os.path.join(TRAIN, "sentences.txt"), "w").write("\n".join(ok[:N]) + "\n")
