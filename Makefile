# The quick start: `make verify`, `make test`. Everything else is CMake.
JOBS ?= 2
BUILD ?= build
CMAKE ?= cmake

.PHONY: deps build verify invalid-vectors test test-asan fuzz fuzz-smoke fuzz-campaign bench vectors clean format

deps:
	@scripts/install-deps.sh

$(BUILD)/CMakeCache.txt: | deps
	$(CMAKE) -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release

build: deps $(BUILD)/CMakeCache.txt
	$(CMAKE) --build $(BUILD) -j$(JOBS)

# Verifies the default vector set (see README "Test vectors").
verify: build
	$(BUILD)/bin/mlsref verify

# The must-reject suite (README "Must-reject vectors"): every rule, every
# cipher suite, one file per rule under vectors/invalid/<section>/, then
# verified by mlsref itself.
invalid-vectors: build
	rm -rf vectors/invalid
	$(BUILD)/bin/mlsref generate invalid-passive-client -o vectors/invalid
	$(BUILD)/bin/mlsref verify vectors/invalid

# Fails, saying how to get them, when no vectors are found.
vectors: build
	@$(BUILD)/bin/mlsref vectors-path >/dev/null

test: build vectors
	ctest --test-dir $(BUILD) --output-on-failure -j$(JOBS)

# Sanitizer and fuzz builds: line tables only (-g1), enough for the file and
# line of every frame of a report, and much quicker to compile than full -g
# (README "Continuous integration").
SANITIZER_FLAGS = -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG"

# The whole test suite under AddressSanitizer and UndefinedBehaviorSanitizer,
# compiled with clang as the fuzz targets are: GCC takes twice as long to
# compile with the sanitizers on (README "Continuous integration").
test-asan: deps
	CXX=clang++ $(CMAKE) -S . -B build-asan $(SANITIZER_FLAGS) -DMLSREF_SANITIZE=ON
	$(CMAKE) --build build-asan -j$(JOBS)
	@build-asan/bin/mlsref vectors-path >/dev/null
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir build-asan --output-on-failure -j$(JOBS)

# libFuzzer targets with clang, into build-fuzz/bin/. No gRPC interop: no
# target uses it, and it was a third of this build's compile time (README
# "Continuous integration").
fuzz: deps
	CXX=clang++ $(CMAKE) -S . -B build-fuzz $(SANITIZER_FLAGS) -DMLSREF_FUZZ=ON \
	  -DMLSREF_TESTS=OFF -DMLSREF_INTEROP=OFF
	$(CMAKE) --build build-fuzz -j$(JOBS)

FUZZ_SECONDS ?= 30
# Runs each fuzz target for FUZZ_SECONDS from the seed corpora; fails on any crash.
fuzz-smoke: fuzz
	scripts/fuzz-smoke.sh build-fuzz $(FUZZ_SECONDS)

# A campaign: every target for FUZZ_SECONDS (default 3600 here) with -fork on
# FUZZ_JOBS cores (default: all), corpora kept in build-fuzz/corpus/, crashes
# minimised into fuzz/regressions/, then line coverage per ref/ file.
FUZZ_JOBS ?= $(shell nproc)
CAMPAIGN_SECONDS = $(if $(filter file,$(origin FUZZ_SECONDS)),3600,$(FUZZ_SECONDS))
fuzz-campaign: fuzz
	FUZZ_SECONDS=$(CAMPAIGN_SECONDS) FUZZ_JOBS=$(FUZZ_JOBS) scripts/fuzz-campaign.sh build-fuzz

bench: deps
	$(CMAKE) -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DMLSREF_BENCH=ON -DMLSREF_TESTS=OFF
	$(CMAKE) --build build-bench -j$(JOBS)
	build-bench/bin/mlsref_bench

clean:
	rm -rf build build-asan build-fuzz build-bench build-cov
