// Checks fuzz/mutator.h on the fuzz_ratchet_tree seeds (the folder given on
// the command line): mutants must still decode (the point of the mutator),
// differ from their input, and among them must be trees with an unmerged
// leaf at or beyond the leaf count (the class of issue 8's crash).
// Built with the replay main's LLVMFuzzerMutate, which changes nothing, so
// only the structure-aware mutations are measured.
#include "fuzz/mutator.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "fuzz/inputs.h"

extern "C" size_t LLVMFuzzerMutate(uint8_t*, size_t size, size_t) { return size; }

int main(int argc, char** argv) {
  using namespace mlsref;
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s SEED_FOLDER\n", argv[0]);
    return 2;
  }
  size_t mutants = 0, decoded = 0, changed = 0, leaf_out_of_range = 0;
  for (const auto& entry : std::filesystem::directory_iterator(argv[1])) {
    std::ifstream in(entry.path(), std::ios::binary);
    Bytes seed((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (unsigned s = 0; s < 200; ++s) {
      Bytes data = seed;
      data.resize(seed.size() + 4096);
      data.resize(
          fuzz::mutate<fuzz::RatchetTreeInput>(data.data(), seed.size(), data.size(), s,
                                               [](fuzz::RatchetTreeInput& t, fuzz::Mutator& m) {
                                                 return m.mutate_encoded<RatchetTreeNodes>(t.tree);
                                               }));
      ++mutants;
      changed += data != seed;
      try {
        auto input = decode<fuzz::RatchetTreeInput>(data);
        RatchetTreeNodes nodes = decode<RatchetTreeNodes>(input.tree);
        ++decoded;
        uint32_t leaves = static_cast<uint32_t>((nodes.size() + 1) / 2);
        for (const auto& node : nodes) {
          if (node.has_value() && node->node_type == NodeType::parent) {
            for (uint32_t l : node->parent_node.unmerged_leaves) {
              leaf_out_of_range += l >= leaves;
            }
          }
        }
      } catch (const Error&) {
      }
    }
  }
  std::printf("%zu mutants: %zu decode, %zu changed, %zu unmerged leaves out of range\n", mutants,
              decoded, changed, leaf_out_of_range);
  // One mutation in eight goes to LLVMFuzzerMutate (here: no change).
  bool ok = mutants > 0 && decoded * 100 >= mutants * 90 && changed * 100 >= mutants * 75 &&
            leaf_out_of_range > 0;
  std::printf("%s\n", ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
