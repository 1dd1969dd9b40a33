"""Generate the coloured-shapes dataset (deterministic) and write models/shapes-diffusion/dataset.json.

Usage (repo root): /usr/bin/python3 models/shapes-diffusion/recipe/make_dataset.py [--out .train/shapes]
Writes OUT/train.npz (images uint8 [N,32,32,3], ids int64 [N,16], attrs) and OUT/heldout.npz.
"""
import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import shapes_common as sc  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL_DIR = os.path.dirname(HERE)


def build(triples):
    imgs, ids, attrs, caps = [], [], [], []
    for s, c, b in triples:
        for p in sc.POSITIONS:
            for z in sc.SIZES:
                imgs.append(sc.render(s, c, p, z, b))
                cap = sc.caption(s, c, p, z, b)
                caps.append(cap)
                ids.append(sc.tokenize(cap))
                attrs.append([sc.SHAPES.index(s), sc.COLORS.index(c), list(sc.POSITIONS).index(p), list(sc.SIZES).index(z), sc.COLORS.index(b)])
    return np.stack(imgs), np.array(ids, np.int64), np.array(attrs, np.int64), caps


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=".train/shapes")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    held = sc.holdout_triples()
    held_set = set(held)
    train = [t for t in sc.all_triples() if t not in held_set]
    for name, tr in (("train", train), ("heldout", held)):
        imgs, ids, attrs, caps = build(tr)
        np.savez_compressed(os.path.join(a.out, name + ".npz"), images=imgs, ids=ids, attrs=attrs, captions=np.array(caps))
        print(name, imgs.shape, "captions", len(set(caps)))
    # self-check: the analyzer reads every training image back correctly
    imgs, ids, attrs, caps = build(sc.all_triples())
    bad = 0
    for im, at in zip(imgs, attrs):
        r = sc.analyze(im)
        want = (sc.SHAPES[at[0]], sc.COLORS[at[1]], list(sc.POSITIONS)[at[2]], list(sc.SIZES)[at[3]], sc.COLORS[at[4]])
        got = (r["shape"], r["color"], r["position"], r["size"], r["background"])
        if got != want:
            bad += 1
            if bad < 10:
                print("analyzer mismatch", want, got, r.get("shape_iou"))
    print("analyzer self-check: %d / %d rendered images misread" % (bad, len(imgs)))
    meta = {
        "image_size": sc.IMAGE_SIZE,
        "channels": 3,
        "pixel_range": "uint8 0..255 on disk; model space [-1, 1] = x / 127.5 - 1",
        "coordinate_convention": "x right, y down; pixel (col i, row j) covers [i, i+1) x [j, j+1); centres in these units",
        "palette": sc.PALETTE,
        "shapes": sc.SHAPES,
        "shape_definitions": sc.SHAPE_DEFS,
        "positions": sc.POSITIONS,
        "sizes": sc.SIZES,
        "caption_template": sc.CAPTION_TEMPLATE,
        "caption_example": sc.caption("circle", "red", "top left", "small", "blue"),
        "max_tokens": sc.MAX_TOKENS,
        "vocab": sc.VOCAB,
        "rendering": "anti-aliased: coverage of each pixel by the shape from %dx%d sub-samples; pixel = round(cov*fg + (1-cov)*bg)" % (sc.SUPERSAMPLE, sc.SUPERSAMPLE),
        "background_color_rule": "any palette colour except the shape colour",
        "heldout_rule": "~10%% of (shape, color, background) triples, seed %d, every (shape,color), (shape,background), (color,background) pair still in training; held-out triples are held out at every position and size" % sc.HOLDOUT_SEED,
        "heldout": [{"shape": s, "color": c, "background": b} for s, c, b in held],
        "counts": {
            "triples_total": len(sc.all_triples()),
            "triples_train": len(train),
            "triples_heldout": len(held),
            "images_train": len(train) * len(sc.POSITIONS) * len(sc.SIZES),
            "images_heldout": len(held) * len(sc.POSITIONS) * len(sc.SIZES),
        },
        "analyzer": {
            "background": "median (per channel) of the 124 border pixels -> nearest palette colour (Euclidean RGB)",
            "shape_pixels": "pixels whose Euclidean RGB distance from that median border colour > %g" % sc.SHAPE_THRESHOLD,
            "color": "per-channel median of the shape pixels -> nearest palette colour",
            "position": "centroid of shape pixels (mean col + 0.5, mean row + 0.5) -> nearest named position centre",
            "shape_and_size": "at that position, for each shape and size render a binary template (coverage >= 0.5) and take the best IoU with the shape-pixel mask",
            "shape_threshold": sc.SHAPE_THRESHOLD,
        },
    }
    with open(os.path.join(MODEL_DIR, "dataset.json"), "w") as f:
        json.dump(meta, f, indent=2)
    print("wrote", os.path.join(MODEL_DIR, "dataset.json"))


if __name__ == "__main__":
    main()
