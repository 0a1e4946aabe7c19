// Seed corpora for the libFuzzer targets in fuzz/, made from the test vectors.
#pragma once

#include <filesystem>

namespace mlsref::conformance {

// Writes <out>/<target>/seed-<n> for each fuzz target; returns how many files.
size_t write_seed_corpora(const std::filesystem::path& vectors_root,
                          const std::filesystem::path& out);

}  // namespace mlsref::conformance
