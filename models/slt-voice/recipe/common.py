"""Shared definitions: phoneme_id_map (Piper en_US layout), token sequence, mel features."""
import json, math
import numpy as np
import torch

SR, N_FFT, HOP, WIN, N_MELS, FMIN, FMAX = 22050, 1024, 256, 1024, 80, 0.0, 8000.0
LOG_CLAMP = 1e-5

# Piper en_US (espeak) phoneme_id_map layout: symbol -> id.
_PIPER = ["_", "^", "$", " ", "!", "'", "(", ")", ",", "-", ".", ":", ";", "?",
          "a", "b", "c", "d", "e", "f", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q", "r", "s", "t", "u", "v", "w", "x", "y", "z",
          "æ", "ç", "ð", "ø", "ħ", "ŋ", "œ", "ǀ", "ǁ", "ǂ", "ǃ", "ɐ", "ɑ", "ɒ", "ɓ", "ɔ", "ɕ", "ɖ", "ɗ", "ɘ", "ə", "ɚ", "ɛ", "ɜ", "ɞ", "ɟ", "ɠ", "ɡ", "ɢ", "ɣ", "ɤ", "ɥ", "ɦ", "ɧ", "ɨ", "ɪ", "ɫ", "ɬ", "ɭ", "ɮ", "ɯ", "ɰ", "ɱ", "ɲ", "ɳ", "ɴ", "ɵ", "ɶ", "ɸ", "ɹ", "ɺ", "ɻ", "ɽ", "ɾ", "ʀ", "ʁ", "ʂ", "ʃ", "ʄ", "ʈ", "ʉ", "ʊ", "ʋ", "ʌ", "ʍ", "ʎ", "ʏ", "ʐ", "ʑ", "ʒ", "ʔ", "ʕ", "ʘ", "ʙ", "ʛ", "ʜ", "ʝ", "ʟ", "ʡ", "ʢ", "ʲ", "ˈ", "ˌ", "ː", "ˑ", "˞", "β", "θ", "χ", "ᵻ", "ⱱ",
          "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "\u0327", "\u0303", "\u032a", "\u032f", "\u0329", "ʰ", "ˤ", "ε", "↓", "#", "\"", "↑", "\u033a", "\u033b"]
PHONEME_ID_MAP = {s: [i] for i, s in enumerate(_PIPER)}
NUM_SYMBOLS = 256  # embedding table size (Piper also uses 256)
# tokens that never get frames (prosodic / modifier marks)
ZERO_DUR = set([" ", "ˈ", "ˌ", "ː", "ˑ", "\u0329", "\u0303", "\u032a", "\u032f", "\u0327", "ʰ", "ʲ", "$", "_", "-", "'"])


def tokens_from_clauses(clauses):
    """phonemize(text,'en-us') -> list of symbols. Rule (must match runtime):
    ['^'] + clause_1 + [',', ' '] + clause_2 + ... + clause_n + ['.'] + ['$'];
    each clause is split into Unicode code points; symbols missing from the map are dropped."""
    toks = ["^"]
    for k, c in enumerate(clauses):
        if k > 0:
            toks += [",", " "]
        toks += [ch for ch in c.strip() if ch in PHONEME_ID_MAP]
    toks += [".", "$"]
    return toks


def ids_from_tokens(toks):
    return [PHONEME_ID_MAP[t][0] for t in toks]


def hz_to_mel(f):  # slaney
    f = np.asarray(f, dtype=np.float64)
    f_sp = 200.0 / 3
    mels = f / f_sp
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = math.log(6.4) / 27.0
    return np.where(f >= min_log_hz, min_log_mel + np.log(np.maximum(f, 1e-10) / min_log_hz) / logstep, mels)


def mel_to_hz(m):
    m = np.asarray(m, dtype=np.float64)
    f_sp = 200.0 / 3
    freqs = f_sp * m
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = math.log(6.4) / 27.0
    return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), freqs)


def mel_filters():
    """librosa.filters.mel(sr, n_fft, n_mels, fmin, fmax, htk=False, norm='slaney') -> [n_mels, n_fft//2+1]"""
    n_bins = N_FFT // 2 + 1
    fftfreqs = np.linspace(0, SR / 2, n_bins)
    mel_f = mel_to_hz(np.linspace(hz_to_mel(FMIN), hz_to_mel(FMAX), N_MELS + 2))
    fdiff = np.diff(mel_f)
    ramps = mel_f[:, None] - fftfreqs[None, :]
    w = np.zeros((N_MELS, n_bins))
    for i in range(N_MELS):
        lower = -ramps[i] / fdiff[i]
        upper = ramps[i + 2] / fdiff[i + 1]
        w[i] = np.maximum(0, np.minimum(lower, upper))
    enorm = 2.0 / (mel_f[2:N_MELS + 2] - mel_f[:N_MELS])
    w *= enorm[:, None]
    return w.astype(np.float32)


_FB = None
def _fb():
    global _FB
    if _FB is None:
        _FB = torch.from_numpy(mel_filters())
    return _FB

WINDOW = torch.hann_window(WIN, periodic=True)

def log_mel(audio):
    """audio float32 [-1,1] numpy -> [frames, n_mels]; frames = 1 + len//HOP (center=True, reflect pad)."""
    x = torch.from_numpy(np.asarray(audio, dtype=np.float32))
    spec = torch.stft(x, N_FFT, HOP, WIN, WINDOW, center=True, pad_mode="reflect", return_complex=True)
    mag = spec.abs()  # [bins, frames]  (power 1: magnitude)
    mel = _fb() @ mag
    return torch.log(torch.clamp(mel, min=LOG_CLAMP)).T.numpy()


def griffin_lim(logmel, n_iter=60, seed=0):
    """Invert log-mel: mag = pinv(fb) @ exp(logmel), clamp>=0, then Griffin-Lim (with momentum 0.99)."""
    fb = _fb()
    mel = torch.exp(torch.from_numpy(np.asarray(logmel, dtype=np.float32)).T)
    mag = torch.clamp(torch.linalg.pinv(fb) @ mel, min=0.0)
    g = torch.Generator().manual_seed(seed)
    angles = torch.exp(2j * math.pi * torch.rand(mag.shape, generator=g))
    n = (mag.shape[1] - 1) * HOP
    prev = torch.zeros_like(angles)
    for _ in range(n_iter):
        y = torch.istft(mag * angles, N_FFT, HOP, WIN, WINDOW, center=True, length=n)
        reb = torch.stft(y, N_FFT, HOP, WIN, WINDOW, center=True, pad_mode="reflect", return_complex=True)
        a = reb - 0.99 * prev
        prev = reb
        angles = a / (a.abs() + 1e-8)
    y = torch.istft(mag * angles, N_FFT, HOP, WIN, WINDOW, center=True, length=n)
    return y.numpy()
