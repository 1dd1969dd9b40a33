#!/usr/bin/python3
"""Extract the King James Bible from Debian's bible-kjv-text (via the `bible` CLI of bible-kjv)
into one document per chapter (verses one per line, no verse numbers), and split train/held-out.

Held-out split: every 50th chapter (chapter index % 50 == 49), ~2% of the text.
Writes .train/kjv/{train,val}.json (lists of documents) and .train/kjv/raw.txt.
"""
import json, os, re, subprocess, sys

OUT = sys.argv[1] if len(sys.argv) > 1 else ".train/kjv"
os.makedirs(OUT, exist_ok=True)
raw = subprocess.run(["bible", "-l100000", "ge1:1-re22:21"], check=True,
                     capture_output=True, text=True).stdout
open(os.path.join(OUT, "raw.txt"), "w").write(raw)
chapters, cur, title = [], None, None
for line in raw.split("\n"):
    if not line.strip():
        continue
    m = re.match(r"^\s+(\d+)\s+(.*)$", line)
    if m:
        cur.append(m.group(2).strip())
    else:  # chapter header, e.g. "Genesis 1" / "1 Samuel 3"
        if cur:
            chapters.append((title, "\n".join(cur)))
        title, cur = line.strip(), []
if cur:
    chapters.append((title, "\n".join(cur)))
train = [t for i, (_, t) in enumerate(chapters) if i % 50 != 49]
val = [t for i, (_, t) in enumerate(chapters) if i % 50 == 49]
json.dump(train, open(os.path.join(OUT, "train.json"), "w"))
json.dump(val, open(os.path.join(OUT, "val.json"), "w"))
json.dump([c for i, (c, _) in enumerate(chapters) if i % 50 == 49], open(os.path.join(OUT, "val_titles.json"), "w"))
print(f"chapters {len(chapters)} train {len(train)} ({sum(map(len, train))} chars) "
      f"val {len(val)} ({sum(map(len, val))} chars)")
