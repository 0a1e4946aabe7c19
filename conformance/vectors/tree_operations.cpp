// tree-operations.json (../shared/vectors/ietf/FORMAT.md "Tree Operations"),
// RFC 9420 §7.7, §7.8, §12.1.1-§12.1.3.
//
// Verification:
// * the tree hash of `tree_before` matches `tree_hash_before`
// * applying `proposal` (add, remove or update) sent by `proposal_sender` to
//   `tree_before` gives a tree that serializes to `tree_after`
// * whose tree hash matches `tree_hash_after`
#include "conformance/vector_type.h"
#include "ref/proposals.h"
#include "ref/ratchet_tree.h"

namespace mlsref::conformance {

RatchetTree tree_field(const json& c, const std::string& name);

void apply_proposal(RatchetTree& tree, const Proposal& p, LeafIndex sender) {
  if (const auto* add = std::get_if<Add>(&p.body)) {
    tree.add_leaf(add->key_package.leaf_node);
  } else if (const auto* update = std::get_if<Update>(&p.body)) {
    tree.update_leaf(sender, update->leaf_node);
  } else if (const auto* remove = std::get_if<Remove>(&p.body)) {
    tree.remove_leaf(LeafIndex(remove->removed));
  } else {
    throw Error(ErrorKind::unsupported, "12.1",
                "proposal type " + std::to_string(p.proposal_type()) + " does not change the tree");
  }
}

void verify_tree_operations(const json& c) {
  CipherSuite suite(static_cast<uint16_t>(uint_field(c, "cipher_suite", 0xffff)));
  RatchetTree tree = tree_field(c, "tree_before");
  expect_bytes("tree_hash_before", hex_field(c, "tree_hash_before"), tree.root_tree_hash(suite));
  Proposal p;
  try {
    p = decode<Proposal>(hex_field(c, "proposal"));
  } catch (const Error& e) {
    throw CheckFailure("proposal", "does not decode: " + e.message());
  }
  auto sender = static_cast<uint32_t>(uint_field(c, "proposal_sender", UINT32_MAX));
  try {
    apply_proposal(tree, p, LeafIndex(sender));
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::unsupported) {
      throw;
    }
    throw CheckFailure("proposal", "does not apply: " + e.message());
  }
  expect_bytes("tree_after", hex_field(c, "tree_after"), encode(tree.to_nodes()));
  expect_bytes("tree_hash_after", hex_field(c, "tree_hash_after"), tree.root_tree_hash(suite));
}

}  // namespace mlsref::conformance
