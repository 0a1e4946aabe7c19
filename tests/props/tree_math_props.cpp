// Properties of RFC 9420 Appendix C tree math, for trees up to 2^20 leaves.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>

#include "ref/tree_math.h"

namespace mlsref {
namespace {

using namespace tree_math;

struct Tree {
  LeafCount n;
  NodeIndex x;
  NodeIndex y;
};

rc::Gen<Tree> gen_tree() {
  return rc::gen::mapcat(rc::gen::inRange<uint32_t>(0, 21), [](uint32_t k) {
    uint32_t n = uint32_t{1} << k;
    uint32_t w = 2 * n - 1;
    return rc::gen::map(
        rc::gen::pair(rc::gen::inRange<uint32_t>(0, w), rc::gen::inRange<uint32_t>(0, w)),
        [n](std::pair<uint32_t, uint32_t> p) {
          return Tree{LeafCount(n), NodeIndex(p.first), NodeIndex(p.second)};
        });
  });
}

RC_GTEST_PROP(TreeMathProps, ChildrenAndParentsAgree, ()) {
  Tree t = *gen_tree();
  if (!is_leaf(t.x)) {
    RC_ASSERT(left(t.x) < t.x);
    RC_ASSERT(t.x < right(t.x));
    RC_ASSERT(parent(left(t.x), t.n) == t.x);
    RC_ASSERT(parent(right(t.x), t.n) == t.x);
    RC_ASSERT(level(left(t.x)) + 1 == level(t.x));
  }
  if (t.x != root(t.n)) {
    NodeIndex s = sibling(t.x, t.n);
    RC_ASSERT(s != t.x);
    RC_ASSERT(sibling(s, t.n) == t.x);
    RC_ASSERT(parent(s, t.n) == parent(t.x, t.n));
    RC_ASSERT(level(parent(t.x, t.n)) == level(t.x) + 1);
  }
}

RC_GTEST_PROP(TreeMathProps, DirectPathEndsAtRoot, ()) {
  Tree t = *gen_tree();
  std::vector<NodeIndex> d = direct_path(t.x, t.n);
  std::vector<NodeIndex> c = copath(t.x, t.n);
  RC_ASSERT(d.size() == c.size());
  RC_ASSERT(d.size() == level(root(t.n)) - level(t.x));
  if (!d.empty()) {
    RC_ASSERT(d.back() == root(t.n));
    RC_ASSERT(d.front() == parent(t.x, t.n));
    RC_ASSERT(c.front() == sibling(t.x, t.n));
  }
  for (size_t i = 1; i < d.size(); ++i) {
    RC_ASSERT(d[i] == parent(d[i - 1], t.n));
    RC_ASSERT(c[i] == sibling(d[i - 1], t.n));
  }
  RC_ASSERT(level(root(t.n)) + 1 == static_cast<uint32_t>(std::bit_width(t.n.value)));
}

RC_GTEST_PROP(TreeMathProps, CommonAncestorIsLowestShared, ()) {
  Tree t = *gen_tree();
  NodeIndex a = common_ancestor(t.x, t.y);
  RC_ASSERT(a == common_ancestor(t.y, t.x));
  auto path_with_self = [&](NodeIndex z) {
    std::vector<NodeIndex> p = direct_path(z, t.n);
    p.insert(p.begin(), z);
    return p;
  };
  std::vector<NodeIndex> px = path_with_self(t.x), py = path_with_self(t.y);
  RC_ASSERT(std::find(px.begin(), px.end(), a) != px.end());
  RC_ASSERT(std::find(py.begin(), py.end(), a) != py.end());
  // Lowest: no shared node has a smaller level (common_ancestor_semantic of Appendix C).
  for (NodeIndex z : px) {
    if (std::find(py.begin(), py.end(), z) != py.end()) {
      RC_ASSERT(level(z) >= level(a));
    }
  }
}

}  // namespace
}  // namespace mlsref
