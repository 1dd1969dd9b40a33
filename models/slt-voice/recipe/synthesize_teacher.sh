#!/bin/bash
# Teacher audio: Festival + festvox-us-slt-hts (32 kHz) -> sox resample to 22050 Hz mono 16-bit.
# Writes .train/wav32/NNNNN.wav, .train/segs/NNNNN.segs (phone end times), .train/wav/NNNNN.wav
set -e
T=${1:-/work/main/.train}
mkdir -p $T/wav32 $T/segs $T/wav
/usr/bin/python3 - "$T" <<'PY'
import sys
T = sys.argv[1]
lines = [l.strip() for l in open(f"{T}/sentences.txt") if l.strip()]
with open(f"{T}/synth.scm", "w") as f:
    f.write("(voice_cmu_us_slt_arctic_hts)\n")
    for i, s in enumerate(lines):
        s = s.replace("\\", "").replace('"', "")
        f.write(f'(set! utt (Utterance Text "{s}"))\n(utt.synth utt)\n'
                f'(utt.save.wave utt "{T}/wav32/{i:05d}.wav" \'riff)\n(utt.save.segs utt "{T}/segs/{i:05d}.segs")\n')
PY
festival -b $T/synth.scm
for f in $T/wav32/*.wav; do
  sox "$f" -r 22050 -b 16 -c 1 "$T/wav/$(basename $f)"
done
echo teacher done
