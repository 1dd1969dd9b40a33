#!/usr/bin/env bash
# riff: builds espeak-ng.wasm (espeak-ng compiled to standalone WebAssembly, with riff's glue) and
# espeak-ng-en.pack (its English data). See README.md.
#
#   packages/tts/espeak/build.sh [WORK_DIR]       (default WORK_DIR: /tmp/riff-espeak-build)
#
# Needs: emcc (Debian/Ubuntu: apt-get install emscripten; 3.1.6 is what built the committed
# files), git, node, npm, and either ESPEAK_NG_GIT (a clone or bare git directory of
# github.com/espeak-ng/espeak-ng that has ESPEAK_NG_COMMIT) or network access to clone it.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WORK="${1:-/tmp/riff-espeak-build}"
# espeak-ng 1.52.0 (tag). Its phonemes equal phonemizer 1.2.1's; master of early January 2025
# (1.52.0 plus fuzzing fixes) does not (it adds "ʲ" in e.g. "three apples").
ESPEAK_NG_COMMIT="${ESPEAK_NG_COMMIT:-4870adfa25b1a32b4361592f1be8a40337c58d6c}"
PHONEMIZER_VERSION=1.2.1

mkdir -p "$WORK"
cd "$WORK"

# 1. espeak-ng sources (only the library's; the dictionaries come with the data below).
if [ ! -d src/src/libespeak-ng ]; then
  if [ -z "${ESPEAK_NG_GIT:-}" ]; then
    git clone --bare --filter=blob:none https://github.com/espeak-ng/espeak-ng.git espeak-ng.git
    ESPEAK_NG_GIT="$WORK/espeak-ng.git"
  fi
  mkdir -p src
  git --git-dir="$ESPEAK_NG_GIT" archive "$ESPEAK_NG_COMMIT" src COPYING | tar x -C src
fi

# 2. The English data, exactly the compiled files phonemizer 1.2.1 ships (so its phonemes match).
if [ ! -f "package/dist/phonemizer.js" ]; then
  npm pack "phonemizer@$PHONEMIZER_VERSION" --silent >/dev/null
  tar xzf "phonemizer-$PHONEMIZER_VERSION.tgz"
fi
node "$HERE/pack-data.mjs" package/dist/phonemizer.js "$HERE/espeak-ng-en.pack"

# 3. The library: no async, audio device, klatt, mbrola, sonic or speechPlayer (compiledict.c only
#    for two helpers the dictionary lookup uses).
LIB=src/src/libespeak-ng
UCD=src/src/ucd-tools/src
mkdir -p gen
sed -e 's/#cmakedefine01 \(\w*\)/#define \1 0/' -e 's/\${PROJECT_VERSION}/1.52.0.1/' "$LIB/config.h.in" > gen/config.h

SOURCES=(common compiledict dictionary encoding error intonation langopts mnemonics numbers phoneme phonemelist
  readclause setlengths soundicon ssml synthdata synthesize tr_languages translate translateword voices
  wavegen espeak_api ieee80)
FLAGS=(-O2 -DLIBESPEAK_NG_EXPORT=1 '-DPATH_ESPEAK_DATA="/espeak-ng-data"' -Igen -Isrc/src/include
  -I"$UCD/include" -I"$LIB" -I"$HERE/glue" -include "$HERE/glue/memfs.h" -w)

OBJECTS=()
for name in "${SOURCES[@]}"; do
  emcc "${FLAGS[@]}" -c "$LIB/$name.c" -o "gen/$name.o"
  OBJECTS+=("gen/$name.o")
done
# speech.c's Synthesize() renders audio through WavegenFill; riff's glue drops it instead.
emcc "${FLAGS[@]}" -DWavegenFill=riff_wavegen_fill -c "$LIB/speech.c" -o gen/speech.o
OBJECTS+=(gen/speech.o)
for name in case categories ctype proplist scripts tostring; do
  emcc -O2 -I"$UCD/include" -Igen -c "$UCD/$name.c" -o "gen/ucd-$name.o"
  OBJECTS+=("gen/ucd-$name.o")
done
emcc "${FLAGS[@]}" -c "$HERE/glue/memfs.c" -o gen/memfs.o
emcc "${FLAGS[@]}" -c "$HERE/glue/riff_espeak.c" -o gen/riff_espeak.o

# 4. One standalone module: its imports are a few WASI calls that riff's loader answers.
emcc -O2 -sSTANDALONE_WASM --no-entry -sALLOW_MEMORY_GROWTH=1 -sINITIAL_MEMORY=4MB -sTOTAL_STACK=1MB \
  "${OBJECTS[@]}" gen/memfs.o gen/riff_espeak.o -o "$HERE/espeak-ng.wasm"

ls -l "$HERE/espeak-ng.wasm" "$HERE/espeak-ng-en.pack"
