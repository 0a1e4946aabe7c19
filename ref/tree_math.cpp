// RFC 9420 §4 Ratchet Tree Concepts, Appendix C Array-Based Trees
#include "tree_math.h"

#include <bit>

#include "error.h"

namespace mlsref::tree_math {

namespace {
void require(bool ok, const std::string& what) {
  if (!ok) {
    throw Error(ErrorKind::internal, "4", what);
  }
}
void require_size(LeafCount n) {
  require(n.value >= 1 && n.value <= kMaxLeaves,
          "tree of " + std::to_string(n.value) + " leaves is outside 1..2^31");
  // RFC 9420 §7.7: the tree always has a power-of-two number of leaves.
  require(std::has_single_bit(n.value),
          "tree of " + std::to_string(n.value) + " leaves: not a power of two");
}
}  // namespace

uint32_t level(NodeIndex x) {
  // The level is the number of trailing one bits.
  return static_cast<uint32_t>(std::countr_one(x.value));
}

bool is_leaf(NodeIndex x) { return x.value % 2 == 0; }

LeafIndex to_leaf(NodeIndex x) {
  require(is_leaf(x), "node " + std::to_string(x.value) + " is not a leaf");
  return LeafIndex(x.value / 2);
}

uint32_t node_width(LeafCount n) {
  require(n.value <= kMaxLeaves, "tree of more than 2^31 leaves");
  return n.value == 0 ? 0 : static_cast<uint32_t>(2 * uint64_t{n.value} - 1);
}

NodeIndex root(LeafCount n) {
  require_size(n);
  // The root of a complete tree of w nodes is (1 << log2(w)) - 1.
  uint32_t w = node_width(n);
  return NodeIndex(std::bit_floor(w) - 1);
}

NodeIndex left(NodeIndex x) {
  uint32_t k = level(x);
  require(k != 0, "leaf " + std::to_string(x.value) + " has no children");
  return NodeIndex(x.value ^ (uint32_t{1} << (k - 1)));
}

NodeIndex right(NodeIndex x) {
  uint32_t k = level(x);
  require(k != 0, "leaf " + std::to_string(x.value) + " has no children");
  return NodeIndex(x.value ^ (uint32_t{3} << (k - 1)));
}

bool in_tree(NodeIndex x, LeafCount n) { return x.value < node_width(n); }

NodeIndex parent(NodeIndex x, LeafCount n) {
  require_size(n);
  require(in_tree(x, n), "node " + std::to_string(x.value) + " is outside the tree");
  require(x != root(n), "the root has no parent");
  uint32_t k = level(x);
  uint64_t b = (uint64_t{x.value} >> (k + 1)) & 1;
  uint64_t p = (uint64_t{x.value} | (uint64_t{1} << k)) ^ (b << (k + 1));
  return NodeIndex(static_cast<uint32_t>(p));
}

NodeIndex sibling(NodeIndex x, LeafCount n) {
  NodeIndex p = parent(x, n);
  return x < p ? right(p) : left(p);
}

std::vector<NodeIndex> direct_path(NodeIndex x, LeafCount n) {
  require_size(n);
  require(in_tree(x, n), "node " + std::to_string(x.value) + " is outside the tree");
  std::vector<NodeIndex> d;
  NodeIndex r = root(n);
  while (x != r) {
    x = parent(x, n);
    d.push_back(x);
  }
  return d;
}

std::vector<NodeIndex> copath(NodeIndex x, LeafCount n) {
  std::vector<NodeIndex> d = direct_path(x, n);
  if (d.empty()) {
    return {};
  }
  // The path from x up to (but excluding) the root: x plus d minus the root.
  d.insert(d.begin(), x);
  d.pop_back();
  std::vector<NodeIndex> c;
  c.reserve(d.size());
  for (NodeIndex y : d) {
    c.push_back(sibling(y, n));
  }
  return c;
}

NodeIndex common_ancestor(NodeIndex x, NodeIndex y) {
  // Strip the bits below the highest differing bit of x and y.
  uint32_t lx = level(x) + 1;
  uint32_t ly = level(y) + 1;
  if (lx <= ly && (x.value >> ly) == (y.value >> ly)) {
    return y;
  }
  if (ly <= lx && (x.value >> lx) == (y.value >> lx)) {
    return x;
  }
  uint64_t xn = x.value;
  uint64_t yn = y.value;
  uint32_t k = 0;
  while (xn != yn) {
    xn >>= 1;
    yn >>= 1;
    ++k;
  }
  return NodeIndex(static_cast<uint32_t>((xn << k) + (uint64_t{1} << (k - 1)) - 1));
}

bool is_ancestor(NodeIndex ancestor, NodeIndex descendant) {
  return common_ancestor(ancestor, descendant) == ancestor;
}

NodeIndex copath_child(NodeIndex parent, NodeIndex descendant) {
  NodeIndex l = left(parent);
  return is_ancestor(l, descendant) ? right(parent) : l;
}

}  // namespace mlsref::tree_math
