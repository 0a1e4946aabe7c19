#!/usr/bin/env bash
# Runs every fuzz target in BUILD/bin for SECONDS each, seeded from the vectors.
# Fails on the first crash, leak or sanitizer report.
set -euo pipefail
build=${1:-build-fuzz}
seconds=${2:-30}
corpus="$build/corpus"
mlsref="$build/bin/mlsref"
rm -rf "$corpus"
"$mlsref" seeds "$corpus"
status=0
for target in "$build"/bin/fuzz_*; do
  name=$(basename "$target")
  mkdir -p "$corpus/$name" "$build/artifacts/$name"
  echo "fuzz-smoke: $name for ${seconds}s"
  if ! "$target" -max_total_time="$seconds" -print_final_stats=1 \
       -artifact_prefix="$build/artifacts/$name/" "$corpus/$name" > "$build/$name.log" 2>&1; then
    echo "fuzz-smoke: $name FAILED; last lines of $build/$name.log:"
    tail -n 40 "$build/$name.log"
    status=1
  else
    grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' "$build/$name.log" | sed 's/^/  /'
  fi
done
exit $status
