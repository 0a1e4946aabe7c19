#!/usr/bin/env bash
# A fuzzing campaign over every target: `make fuzz-campaign`, or
#
#   FUZZ_SECONDS=3600 FUZZ_JOBS=2 scripts/fuzz-campaign.sh [BUILD] [TARGET...]
#
# BUILD (default build-fuzz) holds the libFuzzer targets (`make fuzz`).
# For each target, for FUZZ_SECONDS (default 3600) on FUZZ_JOBS cores
# (default nproc) with libFuzzer's -fork:
#   - fuzzes from BUILD/corpus/<target> (kept between campaigns, git-ignored)
#     plus the seed corpus, with fuzz/dict/<target>.dict;
#   - merges what it found into BUILD/corpus/<target> (-merge=1);
#   - minimises each crash (-minimize_crash=1) into fuzz/regressions/<target>/,
#     one per distinct sanitizer summary, for ctest to replay, and prints its stack.
# Then builds the replay mains with clang source-based coverage (build-cov),
# runs every kept corpus through them and prints line coverage per ref/ file.
# Logs: BUILD/campaign/<target>.log. Exits 1 when any target crashed.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath -m "${1:-build-fuzz}")
shift || true
seconds=${FUZZ_SECONDS:-3600}
jobs=${FUZZ_JOBS:-$(nproc)}
cov="$top/build-cov"
campaign="$build/campaign"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for t in "$build"/bin/fuzz_*; do targets+=("$(basename "$t")"); done
fi
say() { echo "fuzz-campaign [$(date -u +%H:%M:%S)]: $*"; }

rm -rf "$campaign" "$build/seeds"
mkdir -p "$campaign"
"$build/bin/mlsref" seeds "$build/seeds" >/dev/null
say "${#targets[@]} targets, ${seconds}s each on $jobs jobs"

found=0
for name in "${targets[@]}"; do
  bin="$build/bin/$name"
  kept="$build/corpus/$name"
  new="$campaign/$name/new"
  crashes="$campaign/$name/crashes"
  log="$campaign/$name.log"
  mkdir -p "$kept" "$new" "$crashes" "$build/seeds/$name"
  dict=()
  [ -f "$top/fuzz/dict/$name.dict" ] && dict=(-dict="$top/fuzz/dict/$name.dict")
  say "$name: fuzzing for ${seconds}s from $(ls "$kept" | wc -l) kept + $(ls "$build/seeds/$name" | wc -l) seed inputs"
  # New inputs go to the first corpus folder; crashes do not stop the run.
  # The status line per finished fork job is the progress output.
  "$bin" -fork="$jobs" -ignore_crashes=1 -max_total_time="$seconds" "${dict[@]}" \
    -artifact_prefix="$crashes/" "$new" "$kept" "$build/seeds/$name" 2>&1 |
    tee "$log" | grep --line-buffered -E '^#[0-9]+: cov' | sed -u "s/^/  $name /" || true
  last=$(grep -E '^#[0-9]+: cov' "$log" | tail -n 1 || true)

  # -merge=1 into a fresh folder keeps a minimal set covering everything.
  rm -rf "$kept.next" && mkdir -p "$kept.next"
  "$bin" -merge=1 "$kept.next" "$kept" "$new" "$build/seeds/$name" >"$campaign/$name.merge.log" 2>&1
  rm -rf "$kept" && mv "$kept.next" "$kept"

  # One crash per distinct sanitizer summary (addresses dropped) is
  # minimised and kept; the others are the same bug again.
  summaries=()
  n=0
  for crash in "$crashes"/crash-* "$crashes"/leak-*; do
    [ -f "$crash" ] || continue
    n=$((n + 1))
    summary=$("$bin" "$crash" 2>&1 | grep -m1 -E '^SUMMARY:|fuzz property failed' |
      sed -E 's/0x[0-9a-f]+//g' || true)
    case " ${summaries[*]:-} " in *"|$summary|"*) continue ;; esac
    summaries+=("|$summary|")
    small="$campaign/$name/min-$(basename "$crash")"
    "$bin" -minimize_crash=1 -max_total_time=30 -exact_artifact_path="$small" "$crash" \
      >"$small.log" 2>&1 || true
    [ -f "$small" ] || cp "$crash" "$small"
    mkdir -p "$top/fuzz/regressions/$name"
    dest="$top/fuzz/regressions/$name/$(sha1sum "$small" | cut -c1-16)"
    cp "$small" "$dest"
    say "$name: CRASH ($summary), minimised to $(wc -c <"$small") bytes: $dest"
    "$bin" "$small" 2>&1 | grep -E '^ +#[0-9]+ ' | head -n 12 | sed 's/^/    /'
  done
  [ $n -eq 0 ] || found=1
  say "$name: done: ${last:-no status line} | kept corpus $(ls "$kept" | wc -l) inputs | $n crash artifacts"
done

say "coverage: building the replay mains with -fprofile-instr-generate -fcoverage-mapping"
flags="-fprofile-instr-generate -fcoverage-mapping"
# ccache's base_dir would record relative source paths in the coverage map.
export CCACHE_BASEDIR=
CXX=clang++ cmake -S "$top" -B "$cov" -DCMAKE_BUILD_TYPE=Debug -DMLSREF_TESTS=ON \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" >"$campaign/cov-cmake.log"
objects=()
rm -rf "$cov/profiles" && mkdir -p "$cov/profiles"
for name in "${targets[@]}"; do
  cmake --build "$cov" --target "${name}_replay" -j"$jobs" >>"$campaign/cov-build.log"
  LLVM_PROFILE_FILE="$cov/profiles/$name.profraw" "$cov/bin/${name}_replay" \
    "$build/corpus/$name" >/dev/null 2>>"$campaign/cov-replay.log" ||
    say "coverage: ${name}_replay failed on its corpus (see $campaign/cov-replay.log)"
  objects+=(-object "$cov/bin/${name}_replay")
done
llvm-profdata-14 merge -sparse "$cov"/profiles/*.profraw -o "$cov/campaign.profdata"
say "line coverage of ref/ by the kept corpora:"
llvm-cov-14 report "${objects[@]:1}" -instr-profile="$cov/campaign.profdata" \
  "$top"/ref/*.cpp "$top"/ref/*.h 2>/dev/null |
  awk 'NR == 1 { print "File", "Lines", "Missed", "Cover" } NF == 13 && NR > 1 { print $1, $8, $9, $10 }' |
  sed -e "s|^$top/||" | column -t
exit $found
