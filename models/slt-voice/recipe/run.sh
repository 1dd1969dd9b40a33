#!/bin/bash
# Full recipe, in order. T = scratch dir (outside the repository), OUT = model folder, REPO = the repository root;
# each may be set in the environment (e.g. T=/work/voice-train OUT=$PWD/models/slt-voice REPO=$PWD).
set -e
T=${T:-/work/main/.train}; OUT=${OUT:-/work/main/models/slt-voice}; REPO=${REPO:-/work/main}; R=$OUT/recipe
mkdir -p $T
apt-get install -y festival festvox-us-slt-hts sox r-cran-janeaustenr python3-torch python3-onnx python3-scipy
cd $T && Rscript -e 'library(janeaustenr); writeLines(paste(austen_books()$text), "austen_lines.txt")'
/usr/bin/python3 $R/make_corpus.py $T 4800                       # -> sentences.txt
cd $REPO && node $R/phonemize.mjs $T/sentences.txt $T/phonemes.jsonl   # riff's espeak-ng (same as runtime)
$R/synthesize_teacher.sh $T                                       # festival slt HTS -> wav (22050) + segs
/usr/bin/python3 $R/align.py $T                                   # -> dataset.pt (ids, frames per token, log-mel)
# the 2989-step weights: taskset -c 1 /usr/bin/python3 $R/train.py $T 34 on the first 1800 sentences (34 min, OpenBLAS).
# now: rebuilt from their ONNX and continued 62.9 min on 4800 sentences (8742 steps, torch 2.13 CPU wheel in a venv):
/usr/bin/python3 $R/ckpt_from_onnx.py $OUT $T/init.pt              # (before export overwrites the ONNX files)
INIT=$T/init.pt LR_MAX=5e-4 LR_MIN=1e-5 taskset -c 1 /work/venv/bin/python $R/train.py $T 62.85
printf 'Hello world, this is a test.\nThe quick brown fox jumps over the lazy dog.\n' > $T/ref_sentences.txt
cd $REPO && node $R/phonemize.mjs $T/ref_sentences.txt $T/ref_phonemes.jsonl
/usr/bin/python3 $R/export_onnx.py $T $OUT                        # encoder.onnx decoder.onnx voice.json mel_filters.json reference.json
cd $REPO && node $R/check_onnx.mjs models/slt-voice           # ONNX (onnxruntime-node) vs Python reference
cd $REPO && node $R/calibrate_gain.mjs models/slt-voice        # audio.output_gain: the fixed stream gain (after npm run build)
/work/venv/bin/python $R/evaluate.py $T $OUT 30                         # MCD, duration error, RTF, sample.wav
