// tree-math.json (../shared/vectors/ietf/FORMAT.md "Tree Math"), RFC 9420 Appendix C.
//
// Verification:
// * `n_nodes` is the number of nodes in the tree with `n_leaves` leaves
// * `root` is the root node index of the tree
// * `left[i]`, `right[i]`, `parent[i]`, `sibling[i]` are the left child, right
//   child, parent and sibling of node `i` (null where there is none)
#include "ref/tree_math.h"

#include "conformance/vector_type.h"

namespace mlsref::conformance {

namespace {

using namespace tree_math;

struct Expected {
  uint32_t n_nodes;
  uint32_t root;
  std::vector<std::optional<uint64_t>> left, right, parent, sibling;
};

Expected compute(LeafCount n) {
  Expected e;
  e.n_nodes = node_width(n);
  e.root = tree_math::root(n).value;
  for (uint32_t i = 0; i < e.n_nodes; ++i) {
    NodeIndex x(i);
    bool leaf = is_leaf(x);
    bool is_root = x == tree_math::root(n);
    e.left.push_back(leaf ? std::nullopt : std::optional<uint64_t>(tree_math::left(x).value));
    e.right.push_back(leaf ? std::nullopt : std::optional<uint64_t>(tree_math::right(x).value));
    e.parent.push_back(is_root ? std::nullopt
                               : std::optional<uint64_t>(tree_math::parent(x, n).value));
    e.sibling.push_back(is_root ? std::nullopt
                                : std::optional<uint64_t>(tree_math::sibling(x, n).value));
  }
  return e;
}

void check_array(const json& c, const std::string& name,
                 const std::vector<std::optional<uint64_t>>& actual) {
  const json& a = member(c, name);
  if (!a.is_array()) {
    malformed(name, name + " is not an array");
  }
  expect_uint(name + ".length", a.size(), actual.size());
  for (size_t i = 0; i < actual.size(); ++i) {
    std::string at = name + "[" + std::to_string(i) + "]";
    expect_uint(at, optional_uint(a[i], at), actual[i]);
  }
}

}  // namespace

void verify_tree_math(const json& c) {
  uint64_t n_leaves = uint_field(c, "n_leaves", kMaxLeaves);
  // RFC 9420 §7.7: the tree always has a power-of-two number of leaves.
  if (n_leaves == 0 || (n_leaves & (n_leaves - 1)) != 0) {
    malformed("n_leaves", std::to_string(n_leaves) + " is not a power of two");
  }
  if (n_leaves > (uint64_t{1} << 20)) {
    throw Error(ErrorKind::unsupported, "4",
                "verifying every node of a tree with more than 2^20 leaves is not supported");
  }
  Expected e = compute(LeafCount(static_cast<uint32_t>(n_leaves)));
  expect_uint("n_nodes", uint_field(c, "n_nodes"), e.n_nodes);
  expect_uint("root", uint_field(c, "root"), e.root);
  check_array(c, "left", e.left);
  check_array(c, "right", e.right);
  check_array(c, "parent", e.parent);
  check_array(c, "sibling", e.sibling);
}

json generate_tree_math(const GenerateOptions& options) {
  // Tree sizes 2^0 .. 2^9 as upstream, then three more sizes up to 2^12 drawn
  // from the seed.
  auto rng = seeded_rng(options.seed, "tree-math");
  std::vector<uint32_t> sizes;
  for (uint32_t k = 0; k <= 9; ++k) {
    sizes.push_back(uint32_t{1} << k);
  }
  for (int i = 0; i < 3; ++i) {
    sizes.push_back(uint32_t{1} << (10 + random_below(*rng, 3)));
  }
  json out = json::array();
  for (uint32_t n : sizes) {
    Expected e = compute(LeafCount(n));
    auto to_json = [](const std::vector<std::optional<uint64_t>>& v) {
      json a = json::array();
      for (const auto& x : v) {
        a.push_back(x ? json(*x) : json(nullptr));
      }
      return a;
    };
    out.push_back(json{{"n_leaves", n},
                       {"n_nodes", e.n_nodes},
                       {"root", e.root},
                       {"left", to_json(e.left)},
                       {"right", to_json(e.right)},
                       {"parent", to_json(e.parent)},
                       {"sibling", to_json(e.sibling)}});
  }
  return out;
}

}  // namespace mlsref::conformance
