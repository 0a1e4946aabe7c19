// RFC 9420 §4 Ratchet Tree Concepts (§4.1 Ratchet Tree Terminology),
// Appendix C Array-Based Trees
//
// Nodes are numbered left to right; leaves sit at even indices and the tree is
// always complete (a power-of-two number of leaves). Supports up to 2^31 leaves.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mlsref {

struct NodeIndex;

// Index of a leaf among the leaves. No implicit conversion to NodeIndex.
struct LeafIndex {
  uint32_t value = 0;
  constexpr explicit LeafIndex(uint32_t v = 0) : value(v) {}
  auto operator<=>(const LeafIndex&) const = default;
};

// Index of a node in the array representation (Appendix C).
struct NodeIndex {
  uint32_t value = 0;
  constexpr explicit NodeIndex(uint32_t v = 0) : value(v) {}
  constexpr explicit NodeIndex(LeafIndex leaf) : value(2 * leaf.value) {}
  auto operator<=>(const NodeIndex&) const = default;
};

// Number of leaves of a tree; a separate type so sizes and indices are not mixed.
struct LeafCount {
  uint32_t value = 0;
  constexpr explicit LeafCount(uint32_t v = 0) : value(v) {}
  auto operator<=>(const LeafCount&) const = default;
};

inline constexpr uint32_t kMaxLeaves = uint32_t{1} << 31;

namespace tree_math {

// The level of a node: 0 for leaves, k for a node 2^k-1 mod 2^(k+1).
uint32_t level(NodeIndex x);
bool is_leaf(NodeIndex x);
// Leaf index of a leaf node; Error{internal} for a parent node.
LeafIndex to_leaf(NodeIndex x);
// Number of nodes needed for n leaves (2n - 1, 0 for n = 0).
uint32_t node_width(LeafCount n);
// The root of a tree with n leaves (n >= 1).
NodeIndex root(LeafCount n);
// Children of a parent node; Error{internal} for a leaf.
NodeIndex left(NodeIndex x);
NodeIndex right(NodeIndex x);
// Parent / sibling within a tree of n leaves; Error{internal} for the root.
NodeIndex parent(NodeIndex x, LeafCount n);
NodeIndex sibling(NodeIndex x, LeafCount n);
// The direct path: the parents from x up to and including the root,
// excluding x itself.
std::vector<NodeIndex> direct_path(NodeIndex x, LeafCount n);
// The siblings of x and of each node on its direct path but the root.
std::vector<NodeIndex> copath(NodeIndex x, LeafCount n);
// The lowest node whose subtree contains both x and y.
NodeIndex common_ancestor(NodeIndex x, NodeIndex y);
// True when x is in the tree of n leaves.
bool in_tree(NodeIndex x, LeafCount n);
// True when `ancestor`'s subtree contains `descendant`.
bool is_ancestor(NodeIndex ancestor, NodeIndex descendant);
// The child of `parent` (a parent node above `descendant`) whose subtree
// does not contain `descendant`: the copath node below `parent`.
NodeIndex copath_child(NodeIndex parent, NodeIndex descendant);

}  // namespace tree_math
}  // namespace mlsref
