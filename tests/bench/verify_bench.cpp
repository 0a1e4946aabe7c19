// Whole-file verification of each IETF vector file (BM_VerifyFile/<file>):
// what `mlsref verify FILE -j 1` spends on its cases, one thread, with the
// per-case cache. The README's before/after table and crypto floors
// (scripts/crypto-floor.py) are made from these and BM_Primitive.
// BM_LoadFile/<file> is the same run with every case's checks left out:
// reading, parsing and hashing the file and the runner's work per case.
// BM_ParseFile/<file> is the JSON reader alone, on the text in memory.
#include <benchmark/benchmark.h>

#include <filesystem>

#include "conformance/json_reader.h"
#include "conformance/runner.h"

namespace mlsref::conformance {
namespace {

[[maybe_unused]] const bool files_registered = [] {
  std::optional<std::filesystem::path> root = locate_vectors();
  if (!root) {
    return false;
  }
  for (const auto& file : default_vector_files(*root)) {
    std::string type = detect_type(file);
    const VectorType* t = find_vector_type(type);
    if (t == nullptr || file.parent_path().filename() != "ietf") {
      continue;
    }
    benchmark::RegisterBenchmark(("BM_VerifyFile/" + file.filename().string()).c_str(),
                                 [file, t](benchmark::State& state) {
                                   for (auto _ : state) {
                                     FileResult r = verify_file(file, *t, {});
                                     Totals totals;
                                     totals.add(r);
                                     if (totals.fail != 0) {
                                       state.SkipWithError("a case failed");
                                     }
                                   }
                                 })
        ->Unit(benchmark::kMillisecond)
        ->MinTime(0.5);
    VectorType load_only = *t;
    load_only.verify = [](const json&) {};
    load_only.verify_in = nullptr;
    benchmark::RegisterBenchmark(("BM_LoadFile/" + file.filename().string()).c_str(),
                                 [file, load_only](benchmark::State& state) {
                                   for (auto _ : state) {
                                     benchmark::DoNotOptimize(verify_file(file, load_only, {}));
                                   }
                                 })
        ->Unit(benchmark::kMillisecond)
        ->MinTime(0.5);
    std::string text = read_whole_file(file).value_or("");
    benchmark::RegisterBenchmark(("BM_ParseFile/" + file.filename().string()).c_str(),
                                 [text](benchmark::State& state) {
                                   for (auto _ : state) {
                                     benchmark::DoNotOptimize(read_json(text));
                                   }
                                 })
        ->Unit(benchmark::kMillisecond)
        ->MinTime(0.5);
  }
  return true;
}();

}  // namespace
}  // namespace mlsref::conformance
