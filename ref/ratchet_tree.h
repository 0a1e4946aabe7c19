// RFC 9420 §4.1.1 Resolution, §4.1.2 Filtered Direct Path, §7.3 Leaf Node
// Validation, §7.7 Adding and Removing Leaves, §7.8 Tree Hashes, §7.9 Parent
// Hashes (§7.9.2 Verifying Parent Hashes), §12.1.1-§12.1.3 applying Add,
// Update and Remove to the tree, §12.4.3.3 the ratchet_tree extension.
#pragma once

#include <algorithm>
#include <set>

#include "leaf_node.h"
#include "tree_math.h"

namespace mlsref {

// Local bounds on what a tree may cost (not RFC rules): a tree with more
// leaves is refused with Error{unsupported} when decoded or grown.
struct TreeLimits {
  // The most leaves the tree may have, counted as the tree has them (padded
  // to a power of 2). 2^20: a group of a million members; at most 2^31.
  uint32_t max_leaves = uint32_t{1} << 20;
  uint64_t effective_max_leaves() const { return std::min(max_leaves, kMaxLeaves); }
};

class RatchetTree {
 public:
  RatchetTree() = default;
  // A one-member tree.
  explicit RatchetTree(LeafNode first);

  // §12.4.3.3: the last node must be non-blank; the tree is padded with
  // blanks to 2^(d+1) - 1 nodes. Node types must match their positions
  // (leaves at even indices). §7.1, §12.4.3.1: every unmerged_leaves list
  // is sorted and names non-blank leaves below its node, each also listed by
  // every non-blank parent between them. Error{protocol} naming the rule
  // otherwise; Error{unsupported} above limits.max_leaves.
  static RatchetTree from_nodes(RatchetTreeNodes nodes, TreeLimits limits = {});
  // The extension form, without trailing blank nodes.
  RatchetTreeNodes to_nodes() const;

  const TreeLimits& limits() const { return limits_; }
  void set_limits(TreeLimits limits) { limits_ = limits; }

  LeafCount leaf_count() const { return LeafCount(static_cast<uint32_t>((nodes_.size() + 1) / 2)); }
  uint32_t node_count() const { return static_cast<uint32_t>(nodes_.size()); }
  bool blank(NodeIndex n) const { return !nodes_.at(n.value).has_value(); }
  const OptionalNode& node(NodeIndex n) const { return nodes_.at(n.value); }
  // Error{protocol, "7"} for a blank or absent leaf.
  const LeafNode& leaf(LeafIndex l) const;
  const ParentNode& parent(NodeIndex n) const;
  bool has_leaf(LeafIndex l) const;
  // The non-blank leaves whose signature_key is this one (§7.3 keeps them
  // unique in a valid tree, so at most one), left to right.
  std::vector<LeafIndex> leaves_with_signature_key(const Bytes& signature_key) const;
  // The encryption key of a non-blank node.
  const HPKEPublicKey& encryption_key(NodeIndex n) const;

  // §4.1.1 resolution of a node (node indices).
  std::vector<NodeIndex> resolution(NodeIndex n) const;
  // §4.1.2 filtered direct path of a leaf.
  std::vector<NodeIndex> filtered_direct_path(LeafIndex l) const;

  // §7.8 tree hash of a node, and of the root. Each node's hash is computed
  // once and kept until the node or a node below it changes (tree_hashes_),
  // so these are const but not safe to call on one tree from two threads.
  Bytes tree_hash(const CipherSuite& suite, NodeIndex n) const;
  Bytes root_tree_hash(const CipherSuite& suite) const;
  // §7.9 parent hash of non-blank parent P with copath child S: the hash of
  // ParentHashInput {P.encryption_key, P.parent_hash, original_sibling_tree_hash}.
  Bytes parent_hash(const CipherSuite& suite, NodeIndex p, NodeIndex s) const;
  // §7.9.2: every non-blank parent node is parent-hash valid, each through
  // exactly one descendant. Error{protocol, "7.9.2"} naming the node otherwise.
  void verify_parent_hashes(const CipherSuite& suite) const;
  // §7.3 for every leaf of a tree being joined: signatures (group_id and leaf
  // index as context where the source needs them), unique encryption and
  // signature keys, extensions covered by capabilities, credential types
  // supported by every member. Error naming the leaf and the rule.
  void verify_leaves(const CipherSuite& suite, ByteView group_id) const;

  // §12.1.1 / §7.7: leftmost blank leaf, else extend; the new leaf's index is
  // added to the unmerged_leaves of each non-blank parent above it.
  LeafIndex add_leaf(LeafNode leaf);
  // §12.1.2: replace the leaf and blank its direct path.
  void update_leaf(LeafIndex l, LeafNode leaf);
  // §12.1.3: blank the leaf and its direct path, then truncate.
  void remove_leaf(LeafIndex l);
  // Blank every node on the direct path of a leaf (§7.5, §12.1.2).
  void blank_direct_path(LeafIndex l);
  // Error{internal} for a parent node whose unmerged_leaves name a leaf not
  // below it (a tree from_nodes would refuse).
  void set_node(NodeIndex n, OptionalNode node);

 private:
  // §7.9 the tree hash of n in the tree with the leaves `excluded` blanked and
  // removed from every unmerged_leaves (the tree hash itself when none is below n).
  Bytes tree_hash_excluding(const CipherSuite& suite, NodeIndex n,
                            const std::set<uint32_t>& excluded) const;
  // The same from n's own LeafNodeHashInput / ParentNodeHashInput, not stored.
  Bytes compute_tree_hash(const CipherSuite& suite, NodeIndex n,
                          const std::set<uint32_t>& excluded) const;
  // Forgets the tree hashes that depend on node n: its own and its ancestors'.
  void changed(NodeIndex n);
  // Grows or truncates the tree to `size` nodes (2^(d+1) - 1).
  void resize(size_t size);
  void truncate();
  void check_unmerged_leaves() const;

  RatchetTreeNodes nodes_;  // always 2^(d+1) - 1 entries
  TreeLimits limits_;
  // §7.8 tree hash of each node under the suite tree_hash_suite_, or empty
  // when not computed since the node or a descendant last changed. A node's
  // subtree is the same nodes whatever the tree's size, so growing or
  // truncating the tree keeps the hashes of the nodes that remain.
  mutable std::vector<Bytes> tree_hashes_;
  mutable uint16_t tree_hash_suite_ = 0;
};

// Parent hashes along a filtered direct path, root first (§7.9): for path
// nodes p_0..p_k (leaf side first), sets p_i.parent_hash and returns the
// parent hash the leaf must carry. The path's parent nodes must be non-blank.
Bytes set_path_parent_hashes(const CipherSuite& suite, RatchetTree& tree, LeafIndex leaf,
                             const std::vector<NodeIndex>& filtered_direct_path);

}  // namespace mlsref
