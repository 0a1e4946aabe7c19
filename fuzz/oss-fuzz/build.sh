#!/bin/bash -eu
# The OSS-Fuzz build.sh for mlsref (projects/mlsref/build.sh in
# google/oss-fuzz, with project.yaml and Dockerfile from this folder).
# Builds every fuzz target with the $CXX, $CXXFLAGS and $LIB_FUZZING_ENGINE
# OSS-Fuzz provides and puts in $OUT, for each target:
#   <target>                  the fuzzer
#   <target>_seed_corpus.zip  seeds made from the IETF test vectors (`mlsref seeds`)
#   <target>.dict             fuzz/dict/<target>.dict
# Botan 2 is built from $SRC/botan as a static library when the Dockerfile
# cloned it; without it (a local run) the system Botan is used. To try it
# outside Docker:
#   SRC=/tmp/src WORK=/tmp/work OUT=/tmp/out CC=clang CXX=clang++ \
#   CXXFLAGS='-fsanitize=address,fuzzer-no-link' LIB_FUZZING_ENGINE=-fsanitize=fuzzer \
#   fuzz/oss-fuzz/build.sh
here=$(cd "$(dirname "$0")" && pwd)
if [ -d "$SRC/mlsref/fuzz" ]; then
  src=$SRC/mlsref
else
  src=$(cd "$here/../.." && pwd)
fi
mkdir -p "$WORK" "$OUT"

cmake_args=()
if [ -d "$SRC/botan" ]; then
  deps=$WORK/deps
  (cd "$SRC/botan" &&
    python3 configure.py --cc=clang --cc-bin="$CXX" --disable-shared --without-documentation \
      --prefix="$deps" --libdir=lib &&
    make -j"$(nproc)" && make install)
  export PKG_CONFIG_PATH=$deps/lib/pkgconfig
  # Static Botan and OpenSSL: the runner image has neither shared library.
  cmake_args+=(-DOPENSSL_USE_STATIC_LIBS=TRUE "-DCMAKE_CXX_STANDARD_LIBRARIES=-pthread -ldl -lrt")
fi

cmake -S "$src" -B "$WORK/mlsref-build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DMLSREF_FUZZ=ON -DMLSREF_TESTS=OFF -DMLSREF_INTEROP=OFF "${cmake_args[@]}"
cmake --build "$WORK/mlsref-build" -j"$(nproc)"

for bin in "$WORK"/mlsref-build/bin/fuzz_*; do
  name=$(basename "$bin")
  cp "$bin" "$OUT/"
  if [ -f "$src/fuzz/dict/$name.dict" ]; then
    cp "$src/fuzz/dict/$name.dict" "$OUT/"
  fi
done

# Seed corpora from the vectors: $SRC/mls-implementations (the Dockerfile's
# clone) or wherever `mlsref vectors-path` finds them.
if [ -d "$SRC/mls-implementations/test-vectors" ]; then
  mkdir -p "$WORK/vectors"
  ln -sfn "$SRC/mls-implementations/test-vectors" "$WORK/vectors/ietf"
  export MLSREF_VECTORS=$WORK/vectors
fi
rm -rf "$WORK/corpus"
"$WORK/mlsref-build/bin/mlsref" seeds "$WORK/corpus"
for dir in "$WORK"/corpus/*/; do
  name=$(basename "$dir")
  rm -f "$OUT/${name}_seed_corpus.zip"
  (cd "$dir" && zip -q -r "$OUT/${name}_seed_corpus.zip" .)
done
