"""Caption encoder + small pixel-space U-Net (epsilon prediction) for shapes-diffusion.

Both are written with plain ops (no nn.MultiheadAttention / TransformerEncoderLayer fast paths)
so that torch.onnx.export gives a clean opset-14 graph.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class Attention(nn.Module):
    def __init__(self, dim, ctx_dim, heads):
        super().__init__()
        self.h = heads
        self.q = nn.Linear(dim, dim, bias=False)
        self.k = nn.Linear(ctx_dim, dim, bias=False)
        self.v = nn.Linear(ctx_dim, dim, bias=False)
        self.o = nn.Linear(dim, dim)

    def forward(self, x, ctx):  # x [B, N, C], ctx [B, M, Cc]
        B, N, C = x.shape
        M = ctx.shape[1]
        h = self.h
        d = C // h
        q = self.q(x).reshape(B, N, h, d).transpose(1, 2)
        k = self.k(ctx).reshape(B, M, h, d).transpose(1, 2)
        v = self.v(ctx).reshape(B, M, h, d).transpose(1, 2)
        a = torch.softmax(torch.matmul(q, k.transpose(2, 3)) * (1.0 / math.sqrt(d)), dim=-1)
        y = torch.matmul(a, v).transpose(1, 2).reshape(B, N, C)
        return self.o(y)


class TextBlock(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.n1 = nn.LayerNorm(d)
        self.att = Attention(d, d, heads)
        self.n2 = nn.LayerNorm(d)
        self.ff = nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d))

    def forward(self, x):
        h = self.n1(x)
        x = x + self.att(h, h)
        return x + self.ff(self.n2(x))


class TextEncoder(nn.Module):
    """input_ids [B, 16] int64 -> last_hidden_state [B, 16, D]."""

    def __init__(self, vocab_size, d=64, layers=2, heads=4, max_len=16):
        super().__init__()
        self.tok = nn.Embedding(vocab_size, d)
        self.pos = nn.Parameter(torch.zeros(1, max_len, d))
        nn.init.normal_(self.pos, std=0.02)
        self.blocks = nn.ModuleList([TextBlock(d, heads) for _ in range(layers)])
        self.norm = nn.LayerNorm(d)

    def forward(self, input_ids):
        x = self.tok(input_ids) + self.pos
        for b in self.blocks:
            x = b(x)
        return self.norm(x)


def timestep_embedding(t, dim):
    """t: [B] float in 0..999 (training-timestep units). Sinusoidal, as in DDPM."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half)
    a = t.float()[:, None] * freqs[None]
    return torch.cat([torch.sin(a), torch.cos(a)], dim=1)


def gn(c):
    return nn.GroupNorm(8, c)


class ResBlock(nn.Module):
    def __init__(self, cin, cout, emb):
        super().__init__()
        self.n1 = gn(cin)
        self.c1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.e = nn.Linear(emb, 2 * cout)  # FiLM: scale, shift
        self.n2 = gn(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, emb):
        h = self.c1(F.silu(self.n1(x)))
        s, b = self.e(emb)[:, :, None, None].chunk(2, dim=1)
        h = self.n2(h) * (1 + s) + b
        h = self.c2(F.silu(h))
        return h + self.skip(x)


def coord_features(size, freqs=(1, 2, 4)):
    """[1, 2 + 4*len(freqs), size, size]: x and y in [-1, 1] plus sin/cos of them at a few frequencies.
    Position words can only be obeyed if the network knows where each pixel is: convolutions are
    translation-equivariant and the caption otherwise reaches every pixel identically."""
    g = (torch.arange(size, dtype=torch.float32) + 0.5) / size * 2 - 1
    y, x = torch.meshgrid(g, g, indexing="ij")
    feats = [x, y]
    for f in freqs:
        for v in (x, y):
            feats += [torch.sin(math.pi * f * v), torch.cos(math.pi * f * v)]
    return torch.stack(feats)[None]


class CrossAttnBlock(nn.Module):
    """Cross-attention from the feature map (queries) to the caption states (keys/values).
    Projections on the feature map are 1x1 convolutions (fast on CPU); no spatial self-attention.
    With size > 0 the queries also get a projection of the pixel coordinates, so that a pixel can
    attend to the position words that name its own region."""

    def __init__(self, c, ctx_dim, heads=4, size=0):
        super().__init__()
        self.h = heads
        self.n = gn(c)
        self.q = nn.Conv2d(c, c, 1, bias=False)
        self.pq = None
        if size > 0:
            self.register_buffer("pe", coord_features(size), persistent=False)
            self.pq = nn.Conv2d(self.pe.shape[1], c, 1, bias=False)
        self.k = nn.Linear(ctx_dim, c, bias=False)
        self.v = nn.Linear(ctx_dim, c, bias=False)
        self.o = nn.Conv2d(c, c, 1)

    def forward(self, x, ctx):
        B, C, H, W = x.shape
        M = ctx.shape[1]
        h = self.h
        d = C // h
        q = self.q(self.n(x))
        if self.pq is not None:
            q = q + self.pq(self.pe)
        q = q.reshape(B, h, d, H * W).transpose(2, 3)                        # [B,h,HW,d]
        k = self.k(ctx).reshape(B, M, h, d).permute(0, 2, 3, 1)              # [B,h,d,M]
        v = self.v(ctx).reshape(B, M, h, d).transpose(1, 2)                  # [B,h,M,d]
        a = torch.softmax(torch.matmul(q, k) * (1.0 / math.sqrt(d)), dim=-1)  # [B,h,HW,M]
        y = torch.matmul(a, v).transpose(2, 3).reshape(B, C, H, W)
        return x + self.o(y)


class UNet(nn.Module):
    """sample [B,3,32,32], timestep [B] float (0..999), encoder_hidden_states [B,16,D] -> [B,3,32,32]
    (epsilon or v, as trained).

    Three levels with channels (c, 2c, 2c) at size/patch, then halved twice (patch = 2: 16 -> 8 -> 4 after a
    2x2 space-to-depth); time embedding + mean-pooled caption embedding drive FiLM in every ResBlock.
    coord=False (the first model): cross-attention at the two lower levels only. coord=True: x/y channels at the
    input and position-aware cross-attention at every level, down and up.
    """

    def __init__(self, c=32, ctx_dim=64, emb=128, coord=False, size=32, patch=1):
        super().__init__()
        self.emb_dim = emb
        self.coord = coord
        self.patch = patch
        size //= patch
        s1, s2, s3 = (size, size // 2, size // 4) if coord else (0, 0, 0)
        if coord:
            self.register_buffer("xy", coord_features(size, freqs=()), persistent=False)
        self.t_mlp = nn.Sequential(nn.Linear(emb, emb), nn.SiLU(), nn.Linear(emb, emb))
        self.ctx_pool = nn.Linear(ctx_dim, emb)
        c1, c2, c3 = c, 2 * c, 2 * c
        cin = 3 * patch * patch
        self.inp = nn.Conv2d(cin + (2 if coord else 0), c1, 3, padding=1)
        self.d1 = ResBlock(c1, c1, emb)
        self.a1 = CrossAttnBlock(c1, ctx_dim, size=s1) if coord else None
        self.down1 = nn.Conv2d(c1, c2, 3, stride=2, padding=1)
        self.d2 = ResBlock(c2, c2, emb)
        self.a2 = CrossAttnBlock(c2, ctx_dim, size=s2)
        self.down2 = nn.Conv2d(c2, c3, 3, stride=2, padding=1)
        self.m1 = ResBlock(c3, c3, emb)
        self.am = CrossAttnBlock(c3, ctx_dim, size=s3)
        self.m2 = ResBlock(c3, c3, emb)
        self.up2 = nn.Conv2d(c3, c2, 3, padding=1)
        self.u2 = ResBlock(2 * c2, c2, emb)
        self.au = CrossAttnBlock(c2, ctx_dim, size=s2)
        self.up1 = nn.Conv2d(c2, c1, 3, padding=1)
        self.u1 = ResBlock(2 * c1, c1, emb)
        self.ua1 = CrossAttnBlock(c1, ctx_dim, size=s1) if coord else None
        self.out_n = gn(c1)
        self.out = nn.Conv2d(c1, cin, 3, padding=1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, sample, timestep, encoder_hidden_states):
        ctx = encoder_hidden_states
        e = self.t_mlp(timestep_embedding(timestep, self.emb_dim)) + self.ctx_pool(ctx.mean(dim=1))
        e = F.silu(e)
        p = self.patch
        if p > 1:
            # space-to-depth: the whole U-Net runs at 1/p resolution (4x less work for p = 2); the shapes are
            # simple enough that a 2x2 patch loses nothing the analyzer can see
            B, C, H, W = sample.shape
            sample = sample.reshape(-1, C, H // p, p, W // p, p).permute(0, 1, 3, 5, 2, 4).reshape(-1, C * p * p, H // p, W // p)
        if self.coord:
            sample = torch.cat([sample, self.xy.expand(sample.shape[0], -1, -1, -1)], 1)
        h1 = self.d1(self.inp(sample), e)                      # 32x32, c1
        if self.a1 is not None:
            h1 = self.a1(h1, ctx)
        h2 = self.a2(self.d2(self.down1(h1), e), ctx)          # 16x16, c2
        h = self.m1(self.down2(h2), e)                         # 8x8, c3
        h = self.m2(self.am(h, ctx), e)
        h = self.up2(F.interpolate(h, scale_factor=2.0, mode="nearest"))
        h = self.au(self.u2(torch.cat([h, h2], 1), e), ctx)    # 16x16
        h = self.up1(F.interpolate(h, scale_factor=2.0, mode="nearest"))
        h = self.u1(torch.cat([h, h1], 1), e)                  # 32x32
        if self.ua1 is not None:
            h = self.ua1(h, ctx)
        out = self.out(F.silu(self.out_n(h)))
        if p > 1:
            out = out.reshape(-1, C, p, p, H // p, W // p).permute(0, 1, 4, 2, 5, 3).reshape(-1, C, H, W)
        return out
