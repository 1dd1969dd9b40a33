#!/usr/bin/python3
"""Export encoder.onnx / decoder.onnx, voice.json, mel_filters.json, reference.json. usage: export_onnx.py TRAIN_DIR OUT_DIR"""
import json, os, sys, math
import numpy as np, torch, torch.nn as nn
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import *
from model import Voice, GO_VALUE
from runtime import synthesize

T, OUT = sys.argv[1], sys.argv[2]
torch.set_num_threads(1)
model = Voice(); model.load_state_dict(torch.load(f"{T}/ckpt.pt")["model"]); model.eval()
D = model.enc.rnn.hidden_size * 2; DC = D + 2; H = model.dec.h; L = model.dec.layers
NOISE_DEFAULT = float(os.environ.get("NOISE_DEFAULT", "0.2"))


class EncWrap(nn.Module):
    def __init__(s, m): super().__init__(); s.m = m
    def forward(s, phoneme_ids): return s.m(phoneme_ids)


class DecWrap(nn.Module):
    def __init__(s, m): super().__init__(); s.m = m
    def forward(s, prev_frame, condition, state):
        y, st = s.m(prev_frame[:, None, :], condition[:, None, :], state)
        return y[:, 0, :], st


with torch.no_grad():
    torch.onnx.export(EncWrap(model.enc).eval(), (torch.tensor([[1, 20, 59, 2]]),), f"{OUT}/encoder.onnx", input_names=["phoneme_ids"],
                      output_names=["encodings", "log_durations"], dynamic_axes={"phoneme_ids": {1: "T"}, "encodings": {1: "T"}, "log_durations": {1: "T"}}, opset_version=15)
    torch.onnx.export(DecWrap(model.dec).eval(), (torch.zeros(1, N_MELS), torch.zeros(1, DC), torch.zeros(L, 1, H)), f"{OUT}/decoder.onnx",
                      input_names=["prev_frame", "condition", "state"], output_names=["frame", "next_state"], opset_version=15)

model.eval()  # torch.onnx.export restores the wrappers' (training) mode recursively
fb = mel_filters()
json.dump({"shape": list(fb.shape), "dtype": "float32", "layout": "row-major [n_mels][n_fft/2+1]; mel = fb @ magnitude",
           "data": [round(float(v), 9) for v in fb.reshape(-1)]}, open(f"{OUT}/mel_filters.json", "w"))

cfg = {
 "model_type": "riff-ar-mel", "version": 1,
 "audio": {"sample_rate": SR, "n_fft": N_FFT, "hop_length": HOP, "win_length": WIN, "window": "hann (periodic)", "n_mels": N_MELS,
           "fmin": FMIN, "fmax": FMAX, "mel_scale": "slaney", "mel_norm": "slaney", "spectrum": "magnitude (power 1)",
           "stft_center": True, "stft_pad_mode": "reflect", "log": "natural log", "log_clamp_min": LOG_CLAMP,
           "mel_filters_file": "mel_filters.json", "mel_filters_shape": list(fb.shape),
           "vocoder": {"type": "streaming-pghi-fgla", "magnitude": "clamp(pinv(mel_filters) @ exp(mel), 0)", "initial_phase": "real-time phase gradient heap integration (Hann gamma = 0.25645 * n_fft^2), continuing the previous settled frame", "iterations": 2, "momentum": 0.99, "block_frames": 32, "lookahead_frames": 2, "pghi_tolerance_db": 100, "output_samples": "(N_frames - 1) * hop_length (istft, center=true)", "previous_default": {"type": "griffin-lim", "iterations": 60, "momentum": 0.99, "initial_phase": "random"}}},
 "phoneme_id_map": PHONEME_ID_MAP, "num_symbols": NUM_SYMBOLS,
 "phoneme_source": {"package": "phonemizer", "language": "en-us", "call": "phonemize(text, 'en-us') -> string[] (one IPA string per clause)"},
 "phonemes_to_ids": ["symbols = ['^'] + clause_1 + [',', ' '] + clause_2 + ... + [',', ' '] + clause_n + ['.'] + ['$']",
                     "each clause is trimmed and split into Unicode code points; symbols not in phoneme_id_map are dropped",
                     "NO pad '_' is interspersed (unlike Piper)", "ids = phoneme_id_map[symbol][0] for each symbol"],
 "inference": {"noise_scale": NOISE_DEFAULT, "length_scale": 1.0},
 "io": {"encoder": {"file": "encoder.onnx", "inputs": {"phoneme_ids": {"dtype": "int64", "shape": [1, "T"]}},
                    "outputs": {"encodings": {"dtype": "float32", "shape": [1, "T", D]}, "log_durations": {"dtype": "float32", "shape": [1, "T"], "meaning": "ln(1 + frames)"}}},
        "decoder": {"file": "decoder.onnx", "inputs": {"prev_frame": {"dtype": "float32", "shape": [1, N_MELS]}, "condition": {"dtype": "float32", "shape": [1, DC]},
                                                       "state": {"dtype": "float32", "shape": [L, 1, H]}},
                    "outputs": {"frame": {"dtype": "float32", "shape": [1, N_MELS]}, "next_state": {"dtype": "float32", "shape": [L, 1, H]}}}},
 "decoder": {"n_mels": N_MELS, "state_shape": [L, 1, H], "encoding_dim": D, "condition_dim": DC, "initial_prev_frame": GO_VALUE,
             "initial_state": "zeros",
             "condition": "concat(encodings[0, p, :] (D floats), (k + 0.5) / n_p, ln(1 + n_p)) for frame k (0-based) of phone p with n_p frames",
             "frames_are": "raw log-mel (natural log), same scale as the training features"},
 "runtime_algorithm": [
   "1. clauses = await phonemize(text, 'en-us'); build ids as in phonemes_to_ids",
   "2. run encoder.onnx on phoneme_ids [1,T] -> encodings [1,T,D], log_durations [1,T]",
   "3. n_p = max(0, floor((exp(log_durations[p]) - 1) * length_scale + 0.5)) for every token p (modifier symbols like ˈ ː and ' ' usually get 0); if all n_p == 0 set n_0 = 1",
   "4. prev_frame = [initial_prev_frame] * n_mels (every value ln(1e-5) = -11.512925); state = zeros(state_shape)",
   "5. for p in 0..T-1, for k in 0..n_p-1: condition = concat(encodings[p], (k+0.5)/n_p, ln(1+n_p)); (frame, next_state) = decoder(prev_frame, condition, state); append frame to mel; state = next_state; prev_frame = frame + noise_scale * N(0,1) per element (noise only on the fed-back copy, NOT on the emitted frame)",
   "6. mel [N, n_mels] -> vocoder per audio.vocoder: streaming-pghi-fgla hands each frame to the vocoder as it is made; every block_frames frames (plus lookahead_frames) get PGHI phases and `iterations` Fast Griffin-Lim iterations with the settled frames before them fixed, then the block is settled and its finished samples emitted (the plain griffin-lim type vocodes the whole sentence at the end); float32 audio at sample_rate, one fixed gain for the whole stream (set from the first chunk with sound), soft-limited to (-1, 1)"],
 "reference": "reference.json (noise_scale 0, length_scale 1)",
}
json.dump(cfg, open(f"{OUT}/voice.json", "w"), ensure_ascii=False, indent=1)

ref = {"noise_scale": 0.0, "length_scale": 1.0, "sentences": []}
for l in open(f"{T}/ref_phonemes.jsonl"):
    d = json.loads(l)
    ids = ids_from_tokens(tokens_from_clauses(d["clauses"]))
    mel, durs, ld = synthesize(model, ids, 0.0, 1.0)
    ref["sentences"].append({"text": d["text"], "clauses": d["clauses"], "phoneme_ids": ids, "log_durations": [round(float(v), 5) for v in ld],
                             "durations": [int(v) for v in durs], "n_frames": int(mel.shape[0]),
                             "first_frames_first8": [[round(float(v), 5) for v in mel[t, :8]] for t in range(3)],
                             "mel_mean": round(float(mel.mean()), 5)})
json.dump(ref, open(f"{OUT}/reference.json", "w"), ensure_ascii=False, indent=1)
print(json.dumps(ref["sentences"][0]["first_frames_first8"]), ref["sentences"][0]["n_frames"])
