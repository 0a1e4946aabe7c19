#!/usr/bin/env bash
# The OSS-Fuzz build.sh for mlsref: builds every fuzz target with the
# $CXX, $CXXFLAGS and $LIB_FUZZING_ENGINE OSS-Fuzz provides, copies them to
# $OUT, and zips a seed corpus per target made from the test vectors.
set -euo pipefail
src=${SRC:-$(cd "$(dirname "$0")/.." && pwd)}/mlsref
[ -d "$src" ] || src=$(cd "$(dirname "$0")/.." && pwd)
cmake -S "$src" -B "$WORK/mlsref-build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DMLSREF_FUZZ=ON -DMLSREF_TESTS=OFF
cmake --build "$WORK/mlsref-build" -j"$(nproc)"
cp "$WORK"/mlsref-build/bin/fuzz_* "$OUT/"
if "$WORK/mlsref-build/bin/mlsref" seeds "$WORK/corpus"; then
  for dir in "$WORK"/corpus/*/; do
    name=$(basename "$dir")
    (cd "$dir" && zip -q -r "$OUT/${name}_seed_corpus.zip" .)
  done
fi
