// RFC 9420 §4.1 ratchet tree concepts, §7.3, §7.7-§7.9, §12.1.1-§12.1.3, §12.4.3.3
#include "ratchet_tree.h"

#include <algorithm>
#include <bit>
#include <functional>
#include <map>

#include "registries.h"
#include "rule_switch.h"

namespace mlsref {

namespace {
// Its callers check enforced() for their rule (ref/rule_switch.h).
[[noreturn]] void tree_error(const Requirement& rule, const std::string& message) {
  throw Error(ErrorKind::protocol, rule, message);
}
std::string node_name(NodeIndex n) { return "node " + std::to_string(n.value); }
std::string leaf_name(LeafIndex l) { return "leaf " + std::to_string(l.value); }
}  // namespace

RatchetTree::RatchetTree(LeafNode first) {
  nodes_.push_back(Node{NodeType::leaf, std::move(first), {}});
}

RatchetTree RatchetTree::from_nodes(RatchetTreeNodes nodes, TreeLimits limits) {
  // RFC 9420 §12.4.3.3 [R12.4.3.3-2]
  //    The receiver MUST check that the last node in `ratchet_tree` is non-blank
  // (an empty ratchet_tree has no last node to be non-blank).
  // Not switchable (ref/rule_switch.h): an empty tree has no members to go on with.
  if (nodes.empty()) {
    tree_error(req::R12_4_3_3_2, "ratchet_tree is empty");
  }
  if (!nodes.back().has_value() && enforced(req::R12_4_3_3_2)) {
    tree_error(req::R12_4_3_3_2, "the last node of ratchet_tree is blank");
  }
  // RFC 9420 §12.4.3.3 [R12.4.3.3-i1]: leaves at even positions, parent nodes at odd ones
  //    Each node is listed between its left subtree and its right subtree.
  // Not switchable (ref/rule_switch.h): the list has no tree's shape.
  if (nodes.size() % 2 == 0) {
    tree_error(req::R12_4_3_3_i1, "ratchet_tree ends with a parent node position (" +
                                      std::to_string(nodes.size()) + " nodes)");
  }
  // Not an RFC rule: a local bound on the work and memory a tree may cost.
  uint64_t leaves = std::bit_ceil((nodes.size() + 1) / 2);
  if (leaves > limits.effective_max_leaves()) {
    throw Error(ErrorKind::unsupported, "12.4.3.3",
                "ratchet_tree has " + std::to_string(leaves) +
                    " leaves (padded to a power of 2), more than the configured maximum of " +
                    std::to_string(limits.effective_max_leaves()) + " (TreeLimits::max_leaves)");
  }
  for (size_t i = 0; i < nodes.size(); ++i) {
    // R12.4.3.3-i1, as above. Not switchable (ref/rule_switch.h): a node of the
    // wrong type for its position has no place in the tree.
    if (nodes[i] && (nodes[i]->node_type == NodeType::leaf) != (i % 2 == 0)) {
      tree_error(req::R12_4_3_3_i1, node_name(NodeIndex(static_cast<uint32_t>(i))) + " is a " +
                                        (i % 2 == 0 ? "parent node in a leaf position"
                                                    : "leaf node in a parent position"));
    }
  }
  // ... and then extend the tree to the right until it has a length of the
  // form 2^(d+1) - 1
  nodes.resize(2 * leaves - 1);
  RatchetTree t;
  t.nodes_ = std::move(nodes);
  t.limits_ = limits;
  t.check_unmerged_leaves();
  return t;
}

void RatchetTree::check_unmerged_leaves() const {
  LeafCount n = leaf_count();
  // RFC 9420 §7.1 [R7.1-1]
  //    The entries in the `unmerged_leaves` vector MUST be sorted in increasing order.
  // (Sorted first, for every node, so that the walk below can search each list.)
  for (uint32_t i = 1; i < nodes_.size(); i += 2) {
    if (!nodes_[i]) {
      continue;
    }
    const std::vector<uint32_t>& u = nodes_[i]->parent_node.unmerged_leaves;
    if (std::adjacent_find(u.begin(), u.end(), std::greater_equal<uint32_t>()) != u.end() &&
        enforced(req::R7_1_1)) {
      tree_error(req::R7_1_1,
                 node_name(NodeIndex(i)) + ": unmerged_leaves is not sorted in increasing order");
    }
  }
  for (uint32_t i = 1; i < nodes_.size(); i += 2) {
    if (!nodes_[i]) {
      continue;
    }
    NodeIndex p(i);
    for (uint32_t l : nodes_[i]->parent_node.unmerged_leaves) {
      // RFC 9420 §12.4.3.1 [R12.4.3.1-9]
      //    Verify the integrity of the ratchet tree.
      //    [...]
      //    For each non-empty parent node and each entry in the node's
      //    `unmerged_leaves` field:
      //
      //    * Verify that the entry represents a non-blank leaf node that is a
      //      descendant of the parent node.
      // Not switchable (ref/rule_switch.h): the entry may name no leaf of the tree.
      if (l >= n.value || !tree_math::is_ancestor(p, NodeIndex(LeafIndex(l)))) {
        tree_error(req::R12_4_3_1_9, node_name(p) + " lists unmerged leaf " + std::to_string(l) +
                                         ", which is not a leaf below it");
      }
      if (blank(NodeIndex(LeafIndex(l))) && enforced(req::R12_4_3_1_9)) {
        tree_error(req::R12_4_3_1_9,
                   node_name(p) + " lists unmerged leaf " + std::to_string(l) + ", which is blank");
      }
      //    [...]
      //    * Verify that every non-blank intermediate node between the leaf node and the
      //      parent node also has an entry for the leaf node in its `unmerged_leaves`.
      for (NodeIndex q = tree_math::parent(NodeIndex(LeafIndex(l)), n); q != p;
           q = tree_math::parent(q, n)) {
        if (blank(q)) {
          continue;
        }
        const std::vector<uint32_t>& u = nodes_[q.value]->parent_node.unmerged_leaves;
        if (!std::binary_search(u.begin(), u.end(), l) && enforced(req::R12_4_3_1_9)) {
          tree_error(req::R12_4_3_1_9, node_name(p) + " lists unmerged leaf " + std::to_string(l) +
                                           " but " + node_name(q) + ", between them, does not");
        }
      }
    }
  }
}

RatchetTreeNodes RatchetTree::to_nodes() const {
  RatchetTreeNodes out = nodes_;
  // RFC 9420 §12.4.3.3 [R12.4.3.3-1]
  //    The `ratchet_tree` vector logically has this number of entries, but the sender MUST NOT
  //    include blank nodes after the last non-blank node.
  while (!out.empty() && !out.back().has_value()) {
    out.pop_back();
  }
  return out;
}

bool RatchetTree::has_leaf(LeafIndex l) const {
  return l.value < leaf_count().value && !blank(NodeIndex(l));
}

std::vector<LeafIndex> RatchetTree::leaves_with_signature_key(const Bytes& signature_key) const {
  std::vector<LeafIndex> found;
  for (uint32_t i = 0; i < leaf_count().value; ++i) {
    const LeafIndex l(i);
    if (has_leaf(l) && leaf(l).signature_key == signature_key) {
      found.push_back(l);
    }
  }
  return found;
}

// The accessors' precondition: callers that take an index from a message check
// it first under the rule of that message (R6.1-2, R6.3.2-2, R12.4.3.1-6, ...).
const LeafNode& RatchetTree::leaf(LeafIndex l) const {
  if (!has_leaf(l)) {
    throw Error(ErrorKind::usage, "7", leaf_name(l) + " is blank or outside the tree");
  }
  return nodes_[NodeIndex(l).value]->leaf_node;
}

const ParentNode& RatchetTree::parent(NodeIndex n) const {
  if (n.value >= nodes_.size() || blank(n) || tree_math::is_leaf(n)) {
    throw Error(ErrorKind::usage, "7", node_name(n) + " is not a non-blank parent node");
  }
  return nodes_[n.value]->parent_node;
}

const HPKEPublicKey& RatchetTree::encryption_key(NodeIndex n) const {
  if (tree_math::is_leaf(n)) {
    return leaf(tree_math::to_leaf(n)).encryption_key;
  }
  return parent(n).encryption_key;
}

std::vector<NodeIndex> RatchetTree::resolution(NodeIndex n) const {
  // RFC 9420 §4.1.1
  if (!blank(n)) {
    // The resolution of a non-blank node comprises the node itself, followed
    // by its list of unmerged leaves, if any.
    std::vector<NodeIndex> r{n};
    if (!tree_math::is_leaf(n)) {
      for (uint32_t l : nodes_[n.value]->parent_node.unmerged_leaves) {
        r.push_back(NodeIndex(LeafIndex(l)));
      }
    }
    return r;
  }
  if (tree_math::is_leaf(n)) {
    return {};  // The resolution of a blank leaf node is the empty list.
  }
  // ... of a blank intermediate node: left's resolution, then right's.
  std::vector<NodeIndex> r = resolution(tree_math::left(n));
  std::vector<NodeIndex> right = resolution(tree_math::right(n));
  r.insert(r.end(), right.begin(), right.end());
  return r;
}

std::vector<NodeIndex> RatchetTree::filtered_direct_path(LeafIndex l) const {
  // RFC 9420 §4.1.2: the direct path, minus each node whose child on the
  // copath has an empty resolution.
  LeafCount n = leaf_count();
  std::vector<NodeIndex> dp = tree_math::direct_path(NodeIndex(l), n);
  std::vector<NodeIndex> cp = tree_math::copath(NodeIndex(l), n);
  std::vector<NodeIndex> out;
  for (size_t i = 0; i < dp.size(); ++i) {
    if (!resolution(cp[i]).empty()) {
      out.push_back(dp[i]);
    }
  }
  return out;
}

// ---------------------------------------------------------------- §7.8 tree hashes

Bytes RatchetTree::tree_hash_excluding(const CipherSuite& suite, NodeIndex n,
                                       const std::set<uint32_t>& excluded) const {
  // With no excluded leaf below n, n's subtree is not modified (a node's
  // unmerged_leaves only name leaves below it): its tree hash, computed once.
  // The leaves below n are the leaf indices lo..hi, so one search of the
  // sorted set tells (not a scan of it at each node: quadratic in a tree
  // whose parent lists many unmerged leaves).
  const uint64_t half = (uint64_t{1} << tree_math::level(n)) - 1;
  const uint64_t lo = (n.value - half) / 2;
  const uint64_t hi = (n.value + half) / 2;
  auto first = excluded.lower_bound(static_cast<uint32_t>(lo));
  if (first == excluded.end() || *first > hi) {
    return tree_hash(suite, n);
  }
  return compute_tree_hash(suite, n, excluded);
}

Bytes RatchetTree::compute_tree_hash(const CipherSuite& suite, NodeIndex n,
                                     const std::set<uint32_t>& excluded) const {
  Writer w;
  if (tree_math::is_leaf(n)) {
    // struct { uint32 leaf_index; optional<LeafNode> leaf_node; } LeafNodeHashInput;
    uint32_t index = tree_math::to_leaf(n).value;
    encode_into(w, NodeType::leaf);
    encode_into(w, index);
    // RFC 9420 §7.8 [R7.8-1]
    //    For both parent and leaf nodes, the optional node value MUST be absent if the node is
    //    blank and present if the node contains a value.
    std::optional<LeafNode> leaf;
    if (!blank(n) && !excluded.count(index)) {
      leaf = nodes_[n.value]->leaf_node;
    }
    encode_into(w, leaf);
  } else {
    // struct { optional<ParentNode> parent_node; opaque left_hash<V>;
    //          opaque right_hash<V>; } ParentNodeHashInput;
    encode_into(w, NodeType::parent);
    // RFC 9420 §7.8 [R7.8-1]
    //    For both parent and leaf nodes, the optional node value MUST be absent if the node is
    //    blank [...]
    std::optional<ParentNode> parent;
    if (!blank(n)) {
      parent = nodes_[n.value]->parent_node;
      auto& u = parent->unmerged_leaves;
      u.erase(std::remove_if(u.begin(), u.end(), [&](uint32_t l) { return excluded.count(l); }),
              u.end());
    }
    encode_into(w, parent);
    encode_into(w, tree_hash_excluding(suite, tree_math::left(n), excluded));
    encode_into(w, tree_hash_excluding(suite, tree_math::right(n), excluded));
  }
  return suite.hash(w.bytes());
}

Bytes RatchetTree::tree_hash(const CipherSuite& suite, NodeIndex n) const {
  if (tree_hash_suite_ != suite.id() || tree_hashes_.size() != nodes_.size()) {
    tree_hashes_.assign(nodes_.size(), Bytes{});
    tree_hash_suite_ = suite.id();
  }
  if (tree_hashes_.at(n.value).empty()) {
    tree_hashes_[n.value] = compute_tree_hash(suite, n, {});
  }
  return tree_hashes_[n.value];
}

Bytes RatchetTree::root_tree_hash(const CipherSuite& suite) const {
  return tree_hash(suite, tree_math::root(leaf_count()));
}

// ---------------------------------------------------------------- §7.9 parent hashes

Bytes RatchetTree::parent_hash(const CipherSuite& suite, NodeIndex p, NodeIndex s) const {
  const ParentNode& pn = parent(p);
  // original_sibling_tree_hash: the tree hash of S with each leaf in
  // P.unmerged_leaves blanked and removed from every unmerged_leaves set.
  std::set<uint32_t> excluded(pn.unmerged_leaves.begin(), pn.unmerged_leaves.end());
  // struct { HPKEPublicKey encryption_key; opaque parent_hash<V>;
  //          opaque original_sibling_tree_hash<V>; } ParentHashInput;
  Writer w;
  encode_into(w, pn.encryption_key);
  encode_into(w, pn.parent_hash);
  encode_into(w, tree_hash_excluding(suite, s, excluded));
  return suite.hash(w.bytes());
}

void RatchetTree::verify_parent_hashes(const CipherSuite& suite) const {
  for (uint32_t i = 1; i < nodes_.size(); i += 2) {
    NodeIndex p(i);
    if (blank(p)) {
      continue;
    }
    const ParentNode& pn = nodes_[i]->parent_node;
    size_t valid = 0;
    for (bool left_side : {true, false}) {
      NodeIndex c = left_side ? tree_math::left(p) : tree_math::right(p);
      NodeIndex s = left_side ? tree_math::right(p) : tree_math::left(p);
      Bytes expected = parent_hash(suite, p, s);
      std::vector<NodeIndex> res = resolution(c);
      // P's unmerged leaves inside C's subtree.
      std::set<uint32_t> unmerged_in_c;
      for (uint32_t l : pn.unmerged_leaves) {
        if (tree_math::is_ancestor(c, NodeIndex(LeafIndex(l)))) {
          unmerged_in_c.insert(NodeIndex(LeafIndex(l)).value);
        }
      }
      // D is in the resolution of C, and the intersection of P's
      // unmerged_leaves with the subtree under C is equal to the resolution
      // of C with D removed: D is the one node of the resolution outside
      // that intersection, and every node of the intersection is in the
      // resolution. (Found once per side, not by building the rest of the
      // resolution for each candidate D: quadratic in a hostile tree.)
      std::set<uint32_t> distinct;
      std::optional<NodeIndex> outside;
      size_t outside_count = 0;
      for (NodeIndex x : res) {
        if (!distinct.insert(x.value).second) {
          continue;
        }
        if (!unmerged_in_c.count(x.value)) {
          outside = x;
          ++outside_count;
        }
      }
      if (outside_count != 1 || distinct.size() != unmerged_in_c.size() + 1) {
        continue;
      }
      const Node& dn = *nodes_[outside->value];
      const Bytes* d_hash = nullptr;
      if (dn.node_type == NodeType::parent) {
        d_hash = &dn.parent_node.parent_hash;
      } else if (dn.leaf_node.leaf_node_source == LeafNodeSource::commit) {
        d_hash = &dn.leaf_node.parent_hash;
      }
      if (d_hash != nullptr && *d_hash == expected) {
        ++valid;
      }
    }
    // RFC 9420 §7.9.2 [R7.9.2-1]
    //    When joining a group, the new member MUST authenticate that each non-blank
    //    parent node P is parent-hash valid.
    //    [...] verifying that there is exactly one descendant of each non-blank
    //    parent node for which the parent node is parent-hash valid.
    if (valid != 1 && enforced(req::R7_9_2_1)) {
      tree_error(req::R7_9_2_1, node_name(p) + " is not parent-hash valid (" +
                                    std::to_string(valid) +
                                    " descendants link to it, need exactly one)");
    }
  }
}

Bytes set_path_parent_hashes(const CipherSuite& suite, RatchetTree& tree, LeafIndex leaf,
                             const std::vector<NodeIndex>& fdp) {
  // Computed from root to leaf; the root's parent_hash is empty.
  Bytes above;
  for (size_t i = fdp.size(); i-- > 0;) {
    Node n = *tree.node(fdp[i]);
    n.parent_node.parent_hash = above;
    tree.set_node(fdp[i], n);
    // The child of fdp[i] toward the leaf, and the other (copath) child.
    NodeIndex toward = i == 0 ? NodeIndex(leaf) : fdp[i - 1];
    NodeIndex c = tree_math::is_ancestor(tree_math::left(fdp[i]), toward)
                      ? tree_math::left(fdp[i])
                      : tree_math::right(fdp[i]);
    NodeIndex s = c == tree_math::left(fdp[i]) ? tree_math::right(fdp[i]) : tree_math::left(fdp[i]);
    above = tree.parent_hash(suite, fdp[i], s);
  }
  return above;
}

// ---------------------------------------------------------------- §7.3 leaf validation

void RatchetTree::verify_leaves(const CipherSuite& suite, ByteView group_id) const {
  std::map<Bytes, uint32_t> encryption_keys, signature_keys;
  std::vector<LeafIndex> members;
  // For each credential type, the number of members whose capabilities list it.
  std::map<CredentialType, size_t> supporters;
  for (uint32_t i = 0; i < leaf_count().value; ++i) {
    if (has_leaf(LeafIndex(i))) {
      members.push_back(LeafIndex(i));
      std::set<CredentialType> listed(leaf(LeafIndex(i)).capabilities.credentials.begin(),
                                      leaf(LeafIndex(i)).capabilities.credentials.end());
      for (CredentialType t : listed) {
        ++supporters[t];
      }
    }
  }
  // RFC 9420 §16.7 [R16.7-1]
  //    The encryption and signature keys stored in the `encryption_key` and
  //    `signature_key` fields of ratchet tree nodes MUST be distinct from one another.
  // RFC 9420 §12.4.3.1 [R12.4.3.1-9]
  //    Verify the integrity of the ratchet tree.
  //    [...]
  //    * Verify that the encryption key in the parent node does not appear in any
  //      other node of the tree.
  for (uint32_t i = 1; i < nodes_.size(); i += 2) {
    if (!blank(NodeIndex(i))) {
      const Bytes& k = nodes_[i]->parent_node.encryption_key;
      if (!encryption_keys.emplace(k, i).second && enforced(req::R16_7_1)) {
        tree_error(req::R16_7_1, node_name(NodeIndex(i)) + " repeats an encryption_key");
      }
    }
  }
  for (LeafIndex l : members) {
    const LeafNode& ln = leaf(l);
    // The checks of the leaf on its own (signature, extensions, source).
    ln.validate(suite, ln.leaf_node_source, group_id, l.value, std::nullopt);
    // RFC 9420 §7.3 [R7.3-14]
    //    Verify that the following fields are unique among the members of the group:
    //        * `signature_key`
    //        * `encryption_key`
    // (An encryption_key equal to a parent node's breaks §16.7 [R16.7-1], above.)
    if (!signature_keys.emplace(ln.signature_key, l.value).second && enforced(req::R7_3_14)) {
      tree_error(req::R7_3_14, leaf_name(l) + " repeats a signature_key");
    }
    // (keyed by node index: a parent's key is at an odd one)
    auto [seen, fresh] = encryption_keys.emplace(ln.encryption_key, NodeIndex(l).value);
    const bool of_parent = !fresh && !tree_math::is_leaf(NodeIndex(seen->second));
    if (!fresh && enforced(of_parent ? req::R16_7_1 : req::R7_3_14)) {
      tree_error(of_parent ? req::R16_7_1 : req::R7_3_14,
                 leaf_name(l) + " repeats an encryption_key" +
                     (of_parent ? " of " + node_name(NodeIndex(seen->second)) : ""));
    }
    // RFC 9420 §7.3 [R7.3-5]
    //    Verify that the credential type is supported by all members of the group, as
    //    specified by the `capabilities` field of each member's LeafNode, and that the
    //    `capabilities` field of this LeafNode indicates support for all the credential
    //    types currently in use by other members.
    // (Counted once per type, not compared pair by pair: quadratic in the
    // leaves of a tree being joined. The member that lacks it is looked for
    // only to name it.)
    if (supporters[ln.credential.credential_type] != members.size() && enforced(req::R7_3_5)) {
      for (LeafIndex other : members) {
        const auto& creds = leaf(other).capabilities.credentials;
        if (std::find(creds.begin(), creds.end(), ln.credential.credential_type) == creds.end()) {
          tree_error(req::R7_3_5, leaf_name(l) + " credential type " +
                                      std::to_string(ln.credential.credential_type) +
                                      " is not supported by " + leaf_name(other));
        }
      }
    }
  }
  // RFC 9420 §16.7 [R16.7-1]: no signature_key equal to an encryption_key,
  // of a leaf (its own included) or of a parent node
  //    The encryption and signature keys stored in the `encryption_key` and
  //    `signature_key` fields of ratchet tree nodes MUST be distinct from one another.
  for (LeafIndex l : members) {
    auto seen = encryption_keys.find(leaf(l).signature_key);
    if (seen != encryption_keys.end() && enforced(req::R16_7_1)) {
      tree_error(req::R16_7_1, leaf_name(l) + "'s signature_key is the encryption_key of " +
                                   node_name(NodeIndex(seen->second)));
    }
  }
}

// ---------------------------------------------------------------- §7.7, §12.1 evolution

void RatchetTree::changed(NodeIndex n) {
  if (tree_hashes_.empty()) {
    return;  // nothing computed
  }
  NodeIndex root = tree_math::root(leaf_count());
  for (NodeIndex x = n;; x = tree_math::parent(x, leaf_count())) {
    tree_hashes_.at(x.value).clear();
    if (x == root) {
      break;
    }
  }
}

void RatchetTree::resize(size_t size) {
  nodes_.resize(size);
  if (!tree_hashes_.empty()) {
    tree_hashes_.resize(size);
  }
}

void RatchetTree::set_node(NodeIndex n, OptionalNode node) {
  // Not a rule switch (ref/rule_switch.h) can lift: what a caller of ref/
  // must not do, since tree_hash_excluding relies on it (from_nodes refuses
  // such a tree under §12.4.3.1 whatever the switches).
  if (node && node->node_type == NodeType::parent) {
    for (uint32_t l : node->parent_node.unmerged_leaves) {
      if (!tree_math::is_ancestor(n, NodeIndex(LeafIndex(l)))) {
        throw Error(ErrorKind::internal, "7.1",
                    node_name(n) + " given unmerged leaf " + std::to_string(l) + ", not below it");
      }
    }
  }
  nodes_.at(n.value) = std::move(node);
  changed(n);
}

void RatchetTree::blank_direct_path(LeafIndex l) {
  std::vector<NodeIndex> dp = tree_math::direct_path(NodeIndex(l), leaf_count());
  for (NodeIndex p : dp) {
    nodes_[p.value].reset();
  }
  if (!dp.empty()) {
    changed(dp.front());  // and so every node above it
  }
}

LeafIndex RatchetTree::add_leaf(LeafNode leaf_node) {
  uint32_t n = leaf_count().value;
  uint32_t index = 0;
  while (index < n && !blank(NodeIndex(LeafIndex(index)))) {
    ++index;
  }
  if (nodes_.empty()) {
    resize(1);
  } else if (index == n) {
    // Extend: a new blank root whose left subtree is the existing tree.
    if (uint64_t{n} * 2 > limits_.effective_max_leaves()) {
      throw Error(ErrorKind::unsupported, "7.7",
                  "the tree cannot grow past the configured maximum of " +
                      std::to_string(limits_.effective_max_leaves()) +
                      " leaves (TreeLimits::max_leaves)");
    }
    resize(2 * (2 * uint64_t{n}) - 1);
  }
  LeafIndex l(index);
  // For each non-blank intermediate node along the path from the leaf L to
  // the root, add L's leaf index to the unmerged_leaves list for the node.
  for (NodeIndex p : tree_math::direct_path(NodeIndex(l), leaf_count())) {
    if (!blank(p)) {
      // RFC 9420 §7.1 [R7.1-1]: a leaf to the left of one already listed
      // (a blank leaf under a non-blank parent) goes before it
      //    The entries in the `unmerged_leaves` vector MUST be sorted in increasing order.
      std::vector<uint32_t>& u = nodes_[p.value]->parent_node.unmerged_leaves;
      u.insert(std::upper_bound(u.begin(), u.end(), l.value), l.value);
    }
  }
  nodes_[NodeIndex(l).value] = Node{NodeType::leaf, std::move(leaf_node), {}};
  changed(NodeIndex(l));
  return l;
}

void RatchetTree::update_leaf(LeafIndex l, LeafNode leaf_node) {
  if (!has_leaf(l)) {
    // Framing has checked that the Update's sender is a member (R6.1-2, R6.3.2-2).
    throw Error(ErrorKind::usage, "12.1.2", "Update for " + leaf_name(l) + ", which is blank");
  }
  // RFC 9420 §12.1.2 [R12.1.2-2]
  //    Replace the sender's LeafNode with the one contained in the Update proposal.
  nodes_[NodeIndex(l).value] = Node{NodeType::leaf, std::move(leaf_node), {}};
  changed(NodeIndex(l));
  // RFC 9420 §12.1.2 [R12.1.2-3]
  //    Blank the intermediate nodes along the path from the sender's leaf to the root.
  blank_direct_path(l);
}

void RatchetTree::remove_leaf(LeafIndex l) {
  // RFC 9420 §12.1.3 [R12.1.3-1, R12.1.3-2]
  //    A Remove proposal is invalid if the `removed` field does not identify a non-blank
  //    leaf node.
  //    [...]
  //    Identify the leaf node matching `removed`.
  // (A leaf outside the tree is refused even with the rule switched off: there
  // is nothing to blank.)
  if (!has_leaf(l) && (l.value >= leaf_count().value || enforced(req::R12_1_3_1))) {
    tree_error(req::R12_1_3_1,
               "Remove of " + leaf_name(l) + ", which is blank or outside the tree");
  }
  // RFC 9420 §12.1.3 [R12.1.3-3]
  //    Replace the leaf node L with a blank node.
  nodes_[NodeIndex(l).value].reset();
  changed(NodeIndex(l));
  // RFC 9420 §12.1.3 [R12.1.3-4]
  //    Blank the intermediate nodes along the path from L to the root.
  blank_direct_path(l);
  // RFC 9420 §12.1.3 [R12.1.3-5]
  //    Truncate the tree by removing the right subtree until there is at least one non-blank leaf
  //    node in the right subtree.
  truncate();
}

void RatchetTree::truncate() {
  // Remove the right subtree until there is at least one non-blank leaf node
  // in the right subtree.
  while (leaf_count().value > 1) {
    uint32_t half = leaf_count().value / 2;
    bool right_blank = true;
    for (uint32_t i = half; i < leaf_count().value && right_blank; ++i) {
      right_blank = blank(NodeIndex(LeafIndex(i)));
    }
    if (!right_blank) {
      break;
    }
    resize(2 * half - 1);
  }
}

}  // namespace mlsref
