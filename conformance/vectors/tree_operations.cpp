// tree-operations.json (../shared/vectors/ietf/FORMAT.md "Tree Operations"),
// RFC 9420 §7.7, §7.8, §12.1.1-§12.1.3.
//
// Verification:
// * the tree hash of `tree_before` matches `tree_hash_before`
// * applying `proposal` (add, remove or update) sent by `proposal_sender` to
//   `tree_before` gives a tree that serializes to `tree_after`
// * whose tree hash matches `tree_hash_after`
#include "conformance/vector_type.h"
#include "conformance/vectors/fields.h"
#include "ref/proposals.h"
#include "ref/ratchet_tree.h"

namespace mlsref::conformance {

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
  // RFC 9420 §12.1: proposals come from members.
  expect_true("proposal_sender", tree.has_leaf(LeafIndex(sender)),
              "leaf " + std::to_string(sender) + " is blank or outside tree_before");
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

#include "conformance/tree_history.h"

namespace mlsref::conformance {

std::vector<RatchetTree> history_trees(const CipherSuite& suite, Botan::RandomNumberGenerator& rng,
                                       const Bytes& group_id);

json generate_tree_operations(const GenerateOptions& options) {
  return per_suite(
      options, "tree-operations",
      [&](const CipherSuite& suite, Botan::RandomNumberGenerator& rng, json& out) {
        uint16_t id = suite.id();
        Bytes group_id = random_bytes(rng, 16);
        std::vector<RatchetTree> trees = history_trees(suite, rng, group_id);
        for (size_t t = 0; t < trees.size(); t += 2) {
          const RatchetTree& before = trees[t];
          std::vector<uint32_t> members;
          for (uint32_t i = 0; i < before.leaf_count().value; ++i) {
            if (before.has_leaf(LeafIndex(i))) {
              members.push_back(i);
            }
          }
          uint32_t sender = members[random_below(rng, members.size())];
          for (int kind = 0; kind < 3; ++kind) {
            Proposal p;
            if (kind == 0) {
              hpke::KeyPair init;
              SecureBytes sk;
              p.body = Add{make_key_package(suite, rng, "new", init, sk)};
            } else if (kind == 1) {
              LeafNode leaf = before.leaf(LeafIndex(sender));
              leaf.leaf_node_source = LeafNodeSource::update;
              leaf.lifetime = {};
              leaf.encryption_key = suite.generate_key_pair(rng).public_key;
              p.body = Update{leaf};  // (its signature is not checked by this vector type)
            } else {
              uint32_t removed = members[random_below(rng, members.size())];
              if (removed == sender && members.size() > 1) {
                removed = members[(std::find(members.begin(), members.end(), removed) -
                                   members.begin() + 1) %
                                  members.size()];
              }
              p.body = Remove{removed};
            }
            RatchetTree after = before;
            apply_proposal(after, p, LeafIndex(sender));
            out.push_back(json{{"cipher_suite", id},
                               {"tree_before", to_hex(encode(before.to_nodes()))},
                               {"proposal", to_hex(encode(p))},
                               {"proposal_sender", sender},
                               {"tree_hash_before", to_hex(before.root_tree_hash(suite))},
                               {"tree_after", to_hex(encode(after.to_nodes()))},
                               {"tree_hash_after", to_hex(after.root_tree_hash(suite))}});
          }
        }
      });
}

}  // namespace mlsref::conformance
