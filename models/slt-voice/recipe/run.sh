#!/bin/bash
# Full recipe, in order. T = scratch dir (outside the repository), OUT = model folder, REPO = the repository root;
# each may be set in the environment (e.g. T=/work/voice-train OUT=$PWD/models/slt-voice REPO=$PWD).
set -e
T=${T:-/work/main/.train}; OUT=${OUT:-/work/main/models/slt-voice}; REPO=${REPO:-/work/main}; R=$OUT/recipe
mkdir -p $T
apt-get install -y festival festvox-us-slt-hts sox r-cran-janeaustenr python3-torch python3-onnx python3-scipy
cd $T && Rscript -e 'library(janeaustenr); writeLines(paste(austen_books()$text), "austen_lines.txt")'
/usr/bin/python3 $R/make_corpus.py $T 1800                       # -> sentences.txt
cd $REPO && node $R/phonemize.mjs $T/sentences.txt $T/phonemes.jsonl   # riff's espeak-ng (same as runtime)
$R/synthesize_teacher.sh $T                                       # festival slt HTS -> wav (22050) + segs
/usr/bin/python3 $R/align.py $T                                   # -> dataset.pt (ids, frames per token, log-mel)
taskset -c 1 /usr/bin/python3 $R/train.py $T 34                    # 34 wall-clock minutes, 1 CPU thread (2989 steps)
printf 'Hello world, this is a test.\nThe quick brown fox jumps over the lazy dog.\n' > $T/ref_sentences.txt
cd $REPO && node $R/phonemize.mjs $T/ref_sentences.txt $T/ref_phonemes.jsonl
/usr/bin/python3 $R/export_onnx.py $T $OUT                        # encoder.onnx decoder.onnx voice.json mel_filters.json reference.json
cd $REPO && node $R/check_onnx.mjs models/slt-voice           # ONNX (onnxruntime-node) vs Python reference
cd $REPO && node $R/calibrate_gain.mjs models/slt-voice        # audio.output_gain: the fixed stream gain (after npm run build)
/usr/bin/python3 $R/evaluate.py $T $OUT 30                         # MCD, duration error, RTF, sample.wav
