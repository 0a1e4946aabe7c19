// Ratchet trees a hostile Welcome sender can choose, for the parent-hash
// check at join (RFC 9420 §7.9.2), which runs before any leaf signature is
// checked: shared by ratchet_tree_test (they are refused) and
// bench/tree_bench (how long refusing them takes).
#pragma once

#include "ref/ratchet_tree.h"
#include "ref/tree_math.h"

namespace mlsref {

// 2^k leaves under a root; nothing verifies.
// `hash_claims`: every leaf of the left half is of source commit and claims
// the root's parent hash, so each is a candidate D of §7.9.2 for the root.
// Otherwise the root lists every leaf of its right half as unmerged, which
// the original sibling tree hash must leave out.
inline RatchetTree hostile_parent_hash_tree(const CipherSuite& suite, uint32_t k,
                                            bool hash_claims) {
  const uint32_t leaves = 1u << k;
  RatchetTreeNodes nodes(2 * leaves - 1);
  std::vector<uint32_t> unmerged;
  for (uint32_t i = 0; i < leaves; ++i) {
    LeafNode leaf;
    leaf.leaf_node_source = LeafNodeSource::commit;
    leaf.encryption_key = Bytes{uint8_t(i), uint8_t(i >> 8), uint8_t(i >> 16)};
    nodes[2 * i] = Node{NodeType::leaf, leaf, {}};
    if (!hash_claims && i >= leaves / 2) {
      unmerged.push_back(i);
    }
  }
  const NodeIndex root = tree_math::root(LeafCount(leaves));
  nodes[root.value] = Node{NodeType::parent, {}, ParentNode{Bytes{0xee}, {}, unmerged}};
  if (hash_claims) {
    const Bytes ph =
        RatchetTree::from_nodes(nodes).parent_hash(suite, root, tree_math::right(root));
    for (uint32_t i = 0; i < leaves / 2; ++i) {
      nodes[2 * i]->leaf_node.parent_hash = ph;
    }
  }
  return RatchetTree::from_nodes(std::move(nodes));
}

}  // namespace mlsref
