"""Shared facts for the shapes-diffusion recipe: palette, shapes, renderer, captions, tokenizer, analyzer.

Everything here is deterministic. make_dataset.py writes these facts to dataset.json so that a
TypeScript analyzer can apply the same logic (see analyze()).
"""
import itertools
import random

import numpy as np

IMAGE_SIZE = 32
PALETTE = {  # well separated: the 8 corners of the RGB cube, inset
    "red": [235, 20, 20],
    "green": [20, 235, 20],
    "blue": [20, 20, 235],
    "yellow": [235, 235, 20],
    "cyan": [20, 235, 235],
    "magenta": [235, 20, 235],
    "white": [235, 235, 235],
    "black": [20, 20, 20],
}
COLORS = list(PALETTE)
SHAPES = ["circle", "square", "triangle", "diamond", "cross", "ring"]
POSITIONS = {  # name -> centre (x, y) in pixel coordinates (pixel i covers [i, i+1))
    "top left": [9.0, 9.0],
    "top right": [23.0, 9.0],
    "bottom left": [9.0, 23.0],
    "bottom right": [23.0, 23.0],
    "center": [16.0, 16.0],
}
SIZES = {"small": 5.0, "large": 8.0}  # name -> radius (circumradius / half-extent) in pixels
CAPTION_TEMPLATE = "a {size} {color} {shape} at the {position} on a {background} background"
SHAPE_DEFS = {
    "circle": "disc: dx^2+dy^2 <= r^2",
    "square": "axis-aligned square: max(|dx|,|dy|) <= 0.85 r",
    "triangle": "upward equilateral triangle inscribed in the circle of radius r (vertices at angles -90, 30, 150 deg; apex at top)",
    "diamond": "|dx|+|dy| <= r",
    "cross": "plus sign: (|dx| <= 0.3 r and |dy| <= r) or (|dy| <= 0.3 r and |dx| <= r)",
    "ring": "annulus: 0.55 r <= sqrt(dx^2+dy^2) <= r",
}
SUPERSAMPLE = 4  # anti-aliasing: each pixel = mean over 4x4 sub-samples
MAX_TOKENS = 16
HOLDOUT_SEED = 1234
HOLDOUT_FRACTION = 0.10


def shape_inside(shape, dx, dy, r):
    if shape == "circle":
        return dx * dx + dy * dy <= r * r
    if shape == "square":
        return np.maximum(np.abs(dx), np.abs(dy)) <= 0.85 * r
    if shape == "diamond":
        return np.abs(dx) + np.abs(dy) <= r
    if shape == "cross":
        a = 0.3 * r
        return ((np.abs(dx) <= a) & (np.abs(dy) <= r)) | ((np.abs(dy) <= a) & (np.abs(dx) <= r))
    if shape == "ring":
        d2 = dx * dx + dy * dy
        return (d2 <= r * r) & (d2 >= (0.55 * r) ** 2)
    if shape == "triangle":
        # vertices: (0,-r), (0.866r, 0.5r), (-0.866r, 0.5r); y grows downward
        s = np.sqrt(3.0)
        return (dy <= 0.5 * r) & (s * dx - dy <= r) & (-s * dx - dy <= r)
    raise ValueError(shape)


def coverage(shape, pos, size, n=IMAGE_SIZE, ss=SUPERSAMPLE):
    """Fraction of each pixel covered by the shape, [n, n] float32 (row = y, col = x)."""
    cx, cy = POSITIONS[pos]
    r = SIZES[size]
    sub = (np.arange(n * ss) + 0.5) / ss
    xs, ys = np.meshgrid(sub, sub)
    m = shape_inside(shape, xs - cx, ys - cy, r).astype(np.float32)
    return m.reshape(n, ss, n, ss).mean(axis=(1, 3))


def render(shape, color, pos, size, background):
    """uint8 [32, 32, 3] image."""
    c = coverage(shape, pos, size)[..., None]
    fg = np.array(PALETTE[color], np.float32)
    bg = np.array(PALETTE[background], np.float32)
    return np.clip(np.round(c * fg + (1 - c) * bg), 0, 255).astype(np.uint8)


def caption(shape, color, pos, size, background):
    return CAPTION_TEMPLATE.format(size=size, color=color, shape=shape, position=pos, background=background)


def all_triples():
    return [(s, c, b) for s in SHAPES for c in COLORS for b in COLORS if b != c]


def holdout_triples():
    """~10% of (shape, colour, background) triples, chosen so that every (shape, colour),
    (shape, background) and (colour, background) pair still occurs in training."""
    triples = all_triples()
    rng = random.Random(HOLDOUT_SEED)
    order = triples[:]
    rng.shuffle(order)
    target = int(round(HOLDOUT_FRACTION * len(triples)))
    held = []
    used_sc, used_sb, used_cb = set(), set(), set()
    for s, c, b in order:
        if len(held) >= target:
            break
        # keep pairs covered: at most one held-out triple per pair
        if (s, c) in used_sc or (s, b) in used_sb or (c, b) in used_cb:
            continue
        held.append((s, c, b))
        used_sc.add((s, c)); used_sb.add((s, b)); used_cb.add((c, b))
    return sorted(held, key=lambda t: (SHAPES.index(t[0]), COLORS.index(t[1]), COLORS.index(t[2])))


def vocab():
    words = ["a", "small", "large"] + COLORS + SHAPES + ["at", "the", "top", "bottom", "left", "right", "center", "on", "background"]
    out = ["[PAD]", "[UNK]"]
    for w in words:
        if w not in out:
            out.append(w)
    return out


VOCAB = vocab()
WORD2ID = {w: i for i, w in enumerate(VOCAB)}


def tokenize(text):
    """The same ids tokenizer/tokenizer.json gives (Lowercase, WhitespaceSplit, whole-word WordPiece;
    unknown word -> [UNK] = 1), truncated/padded with [PAD] = 0 to exactly 16."""
    ids = [WORD2ID.get(w, 1) for w in text.lower().split()]
    ids = ids[:MAX_TOKENS]
    return ids + [0] * (MAX_TOKENS - len(ids))


# ---------------------------------------------------------------- analyzer
SHAPE_THRESHOLD = 100.0  # Euclidean RGB distance (0..255 scale) from the background colour


def nearest_color(rgb):
    names = COLORS
    pal = np.array([PALETTE[n] for n in names], np.float32)
    d = ((pal - np.asarray(rgb, np.float32)[None]) ** 2).sum(1)
    return names[int(np.argmin(d))]


_TEMPLATES = {}


def template(shape, pos, size):
    key = (shape, pos, size)
    if key not in _TEMPLATES:
        _TEMPLATES[key] = coverage(shape, pos, size) >= 0.5
    return _TEMPLATES[key]


def analyze(img):
    """img: uint8 [32, 32, 3]. Returns dict(background, color, position, shape, size, n_shape_pixels)."""
    img = img.astype(np.float32)
    n = img.shape[0]
    border = np.concatenate([img[0], img[-1], img[1:-1, 0], img[1:-1, -1]], 0)
    bg_rgb = np.median(border, axis=0)
    background = nearest_color(bg_rgb)
    dist = np.sqrt(((img - bg_rgb[None, None]) ** 2).sum(-1))
    mask = dist > SHAPE_THRESHOLD
    res = {"background": background, "n_shape_pixels": int(mask.sum())}
    if mask.sum() == 0:
        res.update(color=None, position=None, shape=None, size=None)
        return res
    res["color"] = nearest_color(np.median(img[mask], axis=0))
    ys, xs = np.nonzero(mask)
    cx, cy = xs.mean() + 0.5, ys.mean() + 0.5
    res["position"] = min(POSITIONS, key=lambda p: (POSITIONS[p][0] - cx) ** 2 + (POSITIONS[p][1] - cy) ** 2)
    best = (-1.0, None, None)
    for s in SHAPES:
        for z in SIZES:
            t = template(s, res["position"], z)
            iou = float((t & mask).sum()) / float((t | mask).sum())
            if iou > best[0]:
                best = (iou, s, z)
    res["shape_iou"], res["shape"], res["size"] = best
    return res
