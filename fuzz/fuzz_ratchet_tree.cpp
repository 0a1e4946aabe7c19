// Fuzzes decoding and fully validating a ratchet tree (RFC 9420 §12.4.3.3,
// §7.3, §7.8, §7.9.2): resolutions, tree hashes, parent hashes and leaf
// signatures. Validation may reject; it must not crash.
#include "fuzz/driver.h"
#include "fuzz/inputs.h"
#include "fuzz/mutator.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mlsref;
  return fuzz::run(data, size, [](ByteView in) {
    auto input = decode<fuzz::RatchetTreeInput>(in);
    CipherSuite suite(input.cipher_suite);
    RatchetTreeNodes nodes = decode<RatchetTreeNodes>(input.tree);
    RatchetTree tree = RatchetTree::from_nodes(nodes);
    fuzz::require(encode(tree.to_nodes()) == input.tree || !nodes.back().has_value(),
                  "a tree does not re-encode");
    for (uint32_t i = 0; i < tree.node_count(); ++i) {
      tree.resolution(NodeIndex(i));
    }
    tree.root_tree_hash(suite);
    tree.verify_parent_hashes(suite);
    tree.verify_leaves(suite, input.group_id);
  });
}

// Mutates the tree as RatchetTreeNodes (three times in four), else the
// suite and group_id: see fuzz/mutator.h.
extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size,
                                          unsigned seed) {
  using namespace mlsref;
  return fuzz::mutate<fuzz::RatchetTreeInput>(data, size, max_size, seed,
                                              [](fuzz::RatchetTreeInput& in, fuzz::Mutator& m) {
                                                return m.mutate_encoded<RatchetTreeNodes>(in.tree);
                                              });
}
