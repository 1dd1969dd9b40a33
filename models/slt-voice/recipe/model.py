"""riff-ar-mel: phoneme encoder + duration head + autoregressive GRU mel decoder."""
import math, torch, torch.nn as nn, torch.nn.functional as F
from common import N_MELS, NUM_SYMBOLS, LOG_CLAMP

GO_VALUE = math.log(LOG_CLAMP)  # initial prev_frame: every bin = ln(1e-5) (digital silence)


class Encoder(nn.Module):
    def __init__(self, d=192, k=5, n_conv=3):
        super().__init__()
        self.emb = nn.Embedding(NUM_SYMBOLS, d)
        self.convs = nn.ModuleList([nn.Conv1d(d, d, k, padding=k // 2) for _ in range(n_conv)])
        self.norms = nn.ModuleList([nn.LayerNorm(d) for _ in range(n_conv)])
        self.rnn = nn.GRU(d, d // 2, batch_first=True, bidirectional=True)
        self.dur = nn.Sequential(nn.Conv1d(d, 128, 3, padding=1), nn.ReLU(), nn.Conv1d(128, 128, 3, padding=1), nn.ReLU(), nn.Conv1d(128, 1, 1))
        self.drop = nn.Dropout(0.1)

    def forward(self, ids):  # ids [B,T] -> enc [B,T,D], log_dur [B,T] (predicts ln(1+frames))
        x = self.emb(ids)
        for c, n in zip(self.convs, self.norms):
            x = self.drop(n(F.relu(c(x.transpose(1, 2)).transpose(1, 2))))
        x, _ = self.rnn(x)
        ld = self.dur(x.transpose(1, 2)).squeeze(1)
        return x, ld


class Decoder(nn.Module):
    def __init__(self, d_cond, h=256, layers=2, prenet=96):
        super().__init__()
        self.register_buffer("mel_mean", torch.zeros(N_MELS))
        self.register_buffer("mel_std", torch.ones(N_MELS))
        self.prenet = nn.Sequential(nn.Linear(N_MELS, prenet), nn.ReLU(), nn.Linear(prenet, prenet), nn.ReLU())
        self.rnn = nn.GRU(prenet + d_cond, h, num_layers=layers, batch_first=True)
        self.out = nn.Sequential(nn.Linear(h + d_cond, 256), nn.ReLU(), nn.Linear(256, N_MELS))
        self.layers, self.h = layers, h

    def forward(self, prev, cond, state=None):  # prev raw log-mel [B,N,80], cond [B,N,Dc]
        p = self.prenet((prev - self.mel_mean) / self.mel_std)
        y, st = self.rnn(torch.cat([p, cond], -1), state)
        out = self.out(torch.cat([y, cond], -1)) * self.mel_std + self.mel_mean
        return out, st


def build_condition(enc, durs):
    """enc [T,D], durs [T] int frames -> cond [N,D+2] rows = concat(enc[p], (k+0.5)/n_p, ln(1+n_p))."""
    rows = []
    for p in range(enc.shape[0]):
        n = int(durs[p])
        if n <= 0: continue
        k = torch.arange(n, dtype=torch.float32)
        rows.append(torch.cat([enc[p].expand(n, -1), ((k + 0.5) / n)[:, None], torch.full((n, 1), math.log1p(n))], -1))
    return torch.cat(rows, 0)


class Voice(nn.Module):
    def __init__(self, d=192, h=256, layers=1):
        super().__init__()
        self.enc = Encoder(d)
        self.dec = Decoder(d + 2, h, layers)
