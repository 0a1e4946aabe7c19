// Fuzzes processing an UpdatePath (RFC 9420 §7.5, §7.6) against a fixed tree
// and private state (fuzz/inputs.h FixedTreeGroup): merge, parent-hash and
// signature checks, decryption and key derivation. On error the receiver's
// tree and keys must be unchanged.
#include "fuzz/driver.h"
#include "fuzz/inputs.h"
#include "fuzz/mutator.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mlsref;
  static const fuzz::FixedTreeGroup group;
  return fuzz::run(data, size, [](ByteView in) {
    UpdatePath path = decode<UpdatePath>(in);
    const conformance::Member& me = group.history.members().at(group.receiver.value);
    RatchetTree tree = me.tree;
    TreeKemPrivate priv = me.priv;
    GroupContext ctx = group.history.context();
    try {
      process_update_path(group.suite, tree, group.sender, path, ctx, priv, {});
    } catch (const Error&) {
      fuzz::require(encode(tree.to_nodes()) == encode(me.tree.to_nodes()),
                    "a rejected UpdatePath changed the tree");
      fuzz::require(priv.private_keys == me.priv.private_keys,
                    "a rejected UpdatePath changed the private keys");
      throw;
    }
  });
}

// Structure-aware mutation (fuzz/mutator.h).
extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size,
                                          unsigned seed) {
  return mlsref::fuzz::mutate<mlsref::UpdatePath>(data, size, max_size, seed);
}
