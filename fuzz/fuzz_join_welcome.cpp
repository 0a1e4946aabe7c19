// Fuzzes joining a group from a Welcome (RFC 9420 §12.4.3.1) with a fixed
// KeyPackage bundle (fuzz/group_fixture.h FixedJoiner): the input is a
// JoinInput, a Welcome and optionally the ratchet tree out of band. A group
// joined must be consistent: its tree matches the tree_hash, our leaf is the
// KeyPackage's, and we can send an application message.
#include "fuzz/driver.h"
#include "fuzz/group_fixture.h"
#include "fuzz/mutator.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mlsref;
  static const fuzz::FixedJoiner joiner;
  return fuzz::run(data, size, [](ByteView in) {
    Group g = joiner.join(decode<fuzz::JoinInput>(in));
    fuzz::require(g.tree().root_tree_hash(g.suite()) == g.tree_hash(),
                  "the joined tree does not match the GroupContext's tree_hash");
    fuzz::require(
        g.tree().leaf(g.own_leaf_index()) == joiner.client.key_package.key_package.leaf_node,
        "our leaf is not our KeyPackage's");
    (void)g.create_message(joiner.client.signer, to_bytes("joined"));
  });
}

// Structure-aware mutation (fuzz/mutator.h) of the JoinInput.
extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size,
                                          unsigned seed) {
  return mlsref::fuzz::mutate<mlsref::fuzz::JoinInput>(data, size, max_size, seed);
}
