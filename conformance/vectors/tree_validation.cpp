// tree-validation.json (../shared/vectors/ietf/FORMAT.md "Tree Validation"),
// RFC 9420 §4.1.1, §7.3, §7.8, §7.9.2.
//
// Verification:
// * the resolution of each node `i` matches `resolutions[i]`
// * the tree hash of each node `i` matches `tree_hashes[i]`
// * the parent hashes of `tree` verify as when joining the group
// * the signatures on all leaves verify with `group_id` as context
#include "conformance/vector_type.h"
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
