// tree-validation.json (../shared/vectors/ietf/FORMAT.md "Tree Validation"),
// RFC 9420 §4.1.1, §7.3, §7.8, §7.9.2.
//
// Verification:
// * the resolution of each node `i` matches `resolutions[i]`
// * the tree hash of each node `i` matches `tree_hashes[i]`
// * the parent hashes of `tree` verify as when joining the group
// * the signatures on all leaves verify with `group_id` as context
#include "conformance/vector_type.h"
#include "conformance/vectors/fields.h"
#include "ref/ratchet_tree.h"

namespace mlsref::conformance {

RatchetTree tree_field(const json& c, const std::string& name) {
  try {
    return RatchetTree::from_nodes(decode<RatchetTreeNodes>(hex_field(c, name)));
  } catch (const Error& e) {
    throw CheckFailure(name, "is not a valid ratchet tree: " + e.message());
  }
}

void verify_tree_validation(const json& c) {
  CipherSuite suite(static_cast<uint16_t>(uint_field(c, "cipher_suite", 0xffff)));
  RatchetTree tree = tree_field(c, "tree");
  const json& resolutions = member(c, "resolutions");
  const json& hashes = member(c, "tree_hashes");
  expect_uint("resolutions.length", resolutions.size(), tree.node_count());
  expect_uint("tree_hashes.length", hashes.size(), tree.node_count());
  for (uint32_t i = 0; i < tree.node_count(); ++i) {
    std::string at = "[" + std::to_string(i) + "]";
    std::vector<NodeIndex> r = tree.resolution(NodeIndex(i));
    const json& expected = resolutions[i];
    expect_uint("resolutions" + at + ".length", expected.size(), r.size());
    for (size_t k = 0; k < r.size(); ++k) {
      expect_uint("resolutions" + at + "[" + std::to_string(k) + "]",
                  optional_uint(expected[k], "resolutions"), r[k].value);
    }
    if (!hashes[i].is_string()) {
      malformed("tree_hashes" + at, "not a hex string");
    }
    expect_bytes("tree_hashes" + at, from_hex(hashes[i].get<std::string>()),
                 tree.tree_hash(suite, NodeIndex(i)));
  }
  try {
    tree.verify_parent_hashes(suite);
  } catch (const Error& e) {
    throw CheckFailure("tree (parent hashes)", e.message());
  }
  try {
    tree.verify_leaves(suite, hex_field(c, "group_id"));
  } catch (const Error& e) {
    throw CheckFailure("tree (leaves)", e.message());
  }
}

}  // namespace mlsref::conformance

#include "conformance/tree_history.h"

namespace mlsref::conformance {

namespace {
// get_tree(n) of FORMAT.md: leaf i commits adding leaf i + 1 (with a path).
TreeHistory get_tree(const CipherSuite& suite, Botan::RandomNumberGenerator& rng, uint32_t n,
                     const Bytes& group_id) {
  TreeHistory h(suite, rng, group_id);
  for (uint32_t i = 0; i + 1 < n; ++i) {
    h.add(LeafIndex(i), true);
  }
  return h;
}
}  // namespace

// The shapes of the upstream file, from real histories: full trees, trailing
// blanks (truncation), internal blanks, unmerged leaves, skipped blanks in
// parent-hash links, plus one random history per suite.
std::vector<RatchetTree> history_trees(const CipherSuite& suite, Botan::RandomNumberGenerator& rng,
                                       const Bytes& group_id) {
  std::vector<RatchetTree> out;
  for (uint32_t n : {2u, 3u, 4u, 5u, 8u}) {
    out.push_back(get_tree(suite, rng, n, group_id).tree());
  }
  {
    TreeHistory h = get_tree(suite, rng, 8, group_id);  // internal blanks
    h.remove(LeafIndex(0), LeafIndex(2));
    h.remove(LeafIndex(0), LeafIndex(3));
    h.add(LeafIndex(0), true);
    out.push_back(h.tree());
  }
  {
    TreeHistory h = get_tree(suite, rng, 8, group_id);  // blanks skipped in links
    for (uint32_t r : {1u, 2u, 3u}) {
      h.remove(LeafIndex(0), LeafIndex(r));
    }
    out.push_back(h.tree());
  }
  {
    TreeHistory h = get_tree(suite, rng, 7, group_id);  // unmerged leaves
    h.add(LeafIndex(0), false);
    h.add(LeafIndex(3), false);
    out.push_back(h.tree());
  }
  {
    TreeHistory h = get_tree(suite, rng, 5, group_id);  // updates and truncation
    h.update(LeafIndex(1), LeafIndex(2));
    h.remove(LeafIndex(1), LeafIndex(4));
    h.self_update(LeafIndex(3));
    out.push_back(h.tree());
  }
  return out;
}

json generate_tree_validation(const GenerateOptions& options) {
  return per_suite(options, "tree-validation",
                   [&](const CipherSuite& suite, Botan::RandomNumberGenerator& rng, json& out) {
                     uint16_t id = suite.id();
                     Bytes group_id = random_bytes(rng, 16);
                     for (const RatchetTree& tree : history_trees(suite, rng, group_id)) {
                       json resolutions = json::array(), hashes = json::array();
                       for (uint32_t i = 0; i < tree.node_count(); ++i) {
                         json r = json::array();
                         for (NodeIndex x : tree.resolution(NodeIndex(i))) {
                           r.push_back(x.value);
                         }
                         resolutions.push_back(r);
                         hashes.push_back(to_hex(tree.tree_hash(suite, NodeIndex(i))));
                       }
                       out.push_back(json{{"cipher_suite", id},
                                          {"tree", to_hex(encode(tree.to_nodes()))},
                                          {"group_id", to_hex(group_id)},
                                          {"resolutions", resolutions},
                                          {"tree_hashes", hashes}});
                     }
                   });
}

}  // namespace mlsref::conformance
