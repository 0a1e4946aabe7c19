// RFC 9420 §7.4-§7.6 TreeKEM
#include "tree_kem.h"

#include <algorithm>

#include "registries.h"
#include "rule_switch.h"

namespace mlsref {

TreeKemPathSecret next_path_secret(const CipherSuite& suite, const TreeKemPathSecret& path_secret) {
  // path_secret[n] = DeriveSecret(path_secret[n-1], "path")
  return TreeKemPathSecret(suite.derive_secret(path_secret.view(), "path"));
}

hpke::KeyPair node_key_pair(const CipherSuite& suite, const TreeKemPathSecret& path_secret) {
  // node_secret[n] = DeriveSecret(path_secret[n], "node")
  SecureBytes node_secret = suite.derive_secret(path_secret.view(), "node");
  return suite.derive_key_pair(node_secret);
}

void TreeKemPrivate::set_path_secret(const CipherSuite& suite, NodeIndex node,
                                     const TreeKemPathSecret& path_secret) {
  private_keys[node.value] = node_key_pair(suite, path_secret).private_key;
}

void TreeKemPrivate::prune(const RatchetTree& tree) {
  for (auto it = private_keys.begin(); it != private_keys.end();) {
    NodeIndex n(it->first);
    if (n.value >= tree.node_count() || tree.blank(n)) {
      it = private_keys.erase(it);
    } else {
      ++it;
    }
  }
}

void TreeKemPrivate::check_consistent(const CipherSuite& suite, const RatchetTree& tree) const {
  for (const auto& [index, sk] : private_keys) {
    NodeIndex n(index);
    // RFC 9420 §12.4.3.1 [R12.4.3.1-12]
    //    The private key MUST be the private key
    //    that corresponds to the public key in the node.
    // (A blank node has no public key for a private key to correspond to.)
    // Not switchable (ref/rule_switch.h): there is no node to place the path secret at.
    if (n.value >= tree.node_count() || tree.blank(n)) {
      throw Error(ErrorKind::protocol, req::R12_4_3_1_12,
                  "private key held for node " + std::to_string(index) + ", which is blank");
    }
    if (suite.hpke().kem().key_pair(sk).public_key != tree.encryption_key(n) &&
        enforced(req::R12_4_3_1_12)) {
      throw Error(ErrorKind::protocol, req::R12_4_3_1_12,
                  "private key for node " + std::to_string(index) +
                      " does not match the tree's public key");
    }
  }
}

namespace {

// The copath child of fdp node `p` for the path from `leaf`.
std::vector<NodeIndex> resolution_without(const RatchetTree& tree, NodeIndex n,
                                          const std::set<uint32_t>& excluded) {
  std::vector<NodeIndex> r;
  for (NodeIndex x : tree.resolution(n)) {
    if (!(tree_math::is_leaf(x) && excluded.count(tree_math::to_leaf(x).value))) {
      r.push_back(x);
    }
  }
  return r;
}

// The shared merge of §7.5: returns the filtered direct path it set.
std::vector<NodeIndex> merge(const CipherSuite& suite, RatchetTree& tree, LeafIndex sender,
                             const UpdatePath& path, ByteView group_id) {
  if (!tree.has_leaf(sender)) {
    throw Error(ErrorKind::usage, "7.5",
                "UpdatePath from blank leaf " + std::to_string(sender.value));
  }
  const LeafNode& leaf = path.leaf_node;
  // RFC 9420 §7.3 [R7.3-13]
  //    If the LeafNode appears in the `leaf_node` value of the UpdatePath in
  //    a Commit, verify that `leaf_node_source` is set to `commit`.
  // RFC 9420 §12.4.2 [R12.4.2-12]
  //    The `leaf_node_source` field MUST be set to `commit`.
  if (leaf.leaf_node_source != LeafNodeSource::commit && enforced(req::R7_3_13)) {
    throw Error(ErrorKind::protocol, req::R7_3_13, "UpdatePath leaf_node_source is not commit");
  }
  // Verify that the signature on the LeafNode is valid using `signature_key`
  // (LeafNode::verify, R7.3-2).
  leaf.verify(suite, group_id, sender.value);
  // 1. Blank all nodes on the direct path of the sender's leaf.
  tree.blank_direct_path(sender);
  std::vector<NodeIndex> fdp = tree.filtered_direct_path(sender);
  // RFC 9420 §7.6 [R7.6-i1]: one UpdatePathNode per node of the filtered direct path
  //    [...] each Commit message may optionally contain an
  //    UpdatePath, with a new LeafNode and set of parent nodes for the sender's
  //    filtered direct path. [...] The parent nodes are kept in the same
  //    order as the filtered direct path.
  // Not switchable (ref/rule_switch.h): the nodes cannot be matched to the path.
  if (path.nodes.size() != fdp.size()) {
    throw Error(ErrorKind::protocol, req::R7_6_i1,
                "UpdatePath has " + std::to_string(path.nodes.size()) +
                    " nodes, the filtered direct path " + std::to_string(fdp.size()));
  }
  // 2. For all nodes on the filtered direct path of the sender's leaf, set
  //    the public key to the public key in the UpdatePath and the list of
  //    unmerged leaves to the empty list.
  for (size_t i = 0; i < fdp.size(); ++i) {
    tree.set_node(fdp[i],
                  Node{NodeType::parent, {}, ParentNode{path.nodes[i].encryption_key, {}, {}}});
  }
  // 3. Compute parent hashes [...] and verify that the parent_hash field of
  //    the leaf node matches the parent hash for the first node in its
  //    filtered direct path.
  // RFC 9420 §7.9.2 [R7.9.2-2]
  //    When processing a Commit message that includes an UpdatePath, clients MUST
  //    recompute the expected value of `parent_hash` for the committer's new leaf and
  //    verify that it matches the `parent_hash` value in the supplied `leaf_node`.
  Bytes expected = set_path_parent_hashes(suite, tree, sender, fdp);
  if (leaf.parent_hash != expected && enforced(req::R7_9_2_2)) {
    throw Error(ErrorKind::protocol, req::R7_9_2_2,
                "UpdatePath leaf_node parent_hash does not match the path");
  }
  tree.set_node(NodeIndex(sender), Node{NodeType::leaf, leaf, {}});
  return fdp;
}

}  // namespace

void merge_update_path(const CipherSuite& suite, RatchetTree& tree, LeafIndex sender,
                       const UpdatePath& path, ByteView group_id) {
  RatchetTree work = tree;
  merge(suite, work, sender, path, group_id);
  tree = std::move(work);
}

CreatedPath create_update_path(const CipherSuite& suite, RatchetTree& tree, LeafIndex sender,
                               ByteView signature_private_key, GroupContext& context,
                               const std::set<uint32_t>& excluded,
                               Botan::RandomNumberGenerator& rng, const ReusedPathKeys& reused) {
  RatchetTree work = tree;
  LeafNode leaf = work.leaf(sender);
  CreatedPath out;
  out.private_state.leaf = sender;

  // Blank all the nodes on the direct path from the leaf to the root.
  work.blank_direct_path(sender);
  std::vector<NodeIndex> fdp = work.filtered_direct_path(sender);
  // path_secret[0] is sampled at random;
  // path_secret[n] = DeriveSecret(path_secret[n-1], "path")
  SecureBytes random(suite.hash_size());
  rng.randomize(random.data(), random.size());
  TreeKemPathSecret secret(std::move(random));
  std::vector<hpke::KeyPair> keys;
  for (NodeIndex n : fdp) {
    out.path_secrets.push_back(secret);
    auto kept = reused.nodes.find(n.value);
    keys.push_back(kept != reused.nodes.end() ? kept->second : node_key_pair(suite, secret));
    secret = next_path_secret(suite, secret);
  }
  auto position = [&](uint32_t n) {
    auto at = std::find(fdp.begin(), fdp.end(), NodeIndex(n));
    if (at == fdp.end()) {
      throw Error(ErrorKind::usage, "7.5",
                  "node " + std::to_string(n) + " is not on the filtered direct path");
    }
    return static_cast<size_t>(at - fdp.begin());
  };
  for (const auto& [n, from] : reused.copied) {
    keys[position(n)] = keys[position(from)];
  }
  for (size_t i = 0; i < fdp.size(); ++i) {
    out.private_state.private_keys[fdp[i].value] = keys[i].private_key;
    work.set_node(fdp[i], Node{NodeType::parent, {}, ParentNode{keys[i].public_key, {}, {}}});
  }
  // RFC 9420 §12.4.1: commit_secret is "the value path_secret[n+1] derived
  // from the last path secret value (path_secret[n])".
  out.commit_secret = CommitSecret(secret.bytes());

  // Generate a fresh HPKE key pair for the leaf; set the leaf's source,
  // parent hash, and re-sign it.
  hpke::KeyPair leaf_pair = reused.leaf ? *reused.leaf : suite.generate_key_pair(rng);
  out.private_state.private_keys[NodeIndex(sender).value] = leaf_pair.private_key;
  leaf.encryption_key = leaf_pair.public_key;
  leaf.leaf_node_source = LeafNodeSource::commit;
  leaf.lifetime = {};
  leaf.parent_hash = set_path_parent_hashes(suite, work, sender, fdp);
  // RFC 9420 §7.2 [R7.2-7]: the leaf was changed above
  //    Each modification of LeafNode content MUST be reflected by a change in its signature.
  leaf.sign(suite, signature_private_key, context.group_id, sender.value);
  work.set_node(NodeIndex(sender), Node{NodeType::leaf, leaf, {}});
  context.tree_hash = work.root_tree_hash(suite);

  out.update_path.leaf_node = leaf;
  Bytes ctx = encode(context);
  for (size_t i = 0; i < fdp.size(); ++i) {
    UpdatePathNode node{keys[i].public_key, {}};
    // RFC 9420 §7.5 [R7.5-3, R7.5-4]: `excluded` holds the leaves added in this Commit
    //    Compute the resolution of the node's child that is on the copath of the sender (the child
    //    that is not in the direct path of the sender). Any new member (from an Add proposal)
    //    added in the same Commit MUST be excluded from this resolution.
    for (NodeIndex r :
         resolution_without(work, tree_math::copath_child(fdp[i], NodeIndex(sender)), excluded)) {
      // RFC 9420 §7.5 [R7.5-5]
      //    For each node in the resolution, encrypt the path secret for the direct path node using
      //    the public key of the resolution node, as defined in {{update-paths}}.
      node.encrypted_path_secret.push_back(
          suite.encrypt_with_label(work.encryption_key(r), encryption_label::update_path_node, ctx,
                                   out.path_secrets[i].view(), rng));
    }
    out.update_path.nodes.push_back(std::move(node));
  }
  tree = std::move(work);
  return out;
}

ProcessedPath process_update_path(const CipherSuite& suite, RatchetTree& tree, LeafIndex sender,
                                  const UpdatePath& path, GroupContext& context, TreeKemPrivate& me,
                                  const std::set<uint32_t>& excluded) {
  if (me.leaf == sender) {
    throw Error(ErrorKind::usage, "7.5", "cannot process our own UpdatePath");
  }
  RatchetTree work = tree;
  std::vector<NodeIndex> fdp = merge(suite, work, sender, path, context.group_id);
  GroupContext ctx = context;
  ctx.tree_hash = work.root_tree_hash(suite);

  // 1. Identify a node in the filtered direct path for which the recipient
  //    is in the subtree of the non-updated child.
  size_t i = 0;
  while (i < fdp.size() &&
         !tree_math::is_ancestor(tree_math::copath_child(fdp[i], NodeIndex(sender)),
                                 NodeIndex(me.leaf))) {
    ++i;
  }
  // RFC 9420 §7.5 [R7.5-i1]
  //    1. Identify a node in the filtered direct path for which the recipient
  //       is in the subtree of the non-updated child.
  // Not switchable (ref/rule_switch.h): there is no path secret for us.
  if (i == fdp.size()) {
    throw Error(ErrorKind::protocol, req::R7_5_i1, "no node of the UpdatePath covers our leaf");
  }
  // RFC 9420 §7.6 [R7.6-1, R7.6-2]
  //    For each UpdatePathNode, the resolution of the corresponding copath node MUST
  //    exclude all new leaf nodes added as part of the current Commit. The length of
  //    the `encrypted_path_secret` vector MUST be equal to the length of the resolution
  //    of the copath node (excluding new leaf nodes), with each ciphertext being the
  //    encryption to the respective resolution node.
  // Every node is checked, not only node i: a node whose copath resolution
  // holds only leaves added in this Commit is decrypted by no existing member.
  // Not switchable for node i (ref/rule_switch.h): its ciphertexts could not be
  // matched to the resolution.
  for (size_t j = 0; j < fdp.size(); ++j) {
    size_t n =
        resolution_without(tree, tree_math::copath_child(fdp[j], NodeIndex(sender)), excluded)
            .size();
    if (path.nodes[j].encrypted_path_secret.size() != n && (j == i || enforced(req::R7_6_2))) {
      throw Error(ErrorKind::protocol, req::R7_6_2,
                  "UpdatePath node " + std::to_string(j) + " has " +
                      std::to_string(path.nodes[j].encrypted_path_secret.size()) +
                      " ciphertexts for a resolution of " + std::to_string(n));
    }
  }
  // 2. Identify a node in the resolution of the copath node for which the
  //    recipient has a private key.
  std::vector<NodeIndex> res =
      resolution_without(tree, tree_math::copath_child(fdp[i], NodeIndex(sender)), excluded);
  size_t k = 0;
  while (k < res.size() && !me.private_keys.count(res[k].value)) {
    ++k;
  }
  // RFC 9420 §7.5 [R7.5-i2]
  //    2. Identify a node in the resolution of the copath node for
  //       which the recipient has a private key.
  // Not switchable (ref/rule_switch.h): there is no key to decrypt with.
  if (k == res.size()) {
    throw Error(ErrorKind::protocol, req::R7_5_i2,
                "we hold no private key in the copath resolution");
  }
  // 3. Decrypt the path secret [...] using the private key from the resolution node.
  const HPKECiphertext& ct = path.nodes[i].encrypted_path_secret[k];
  ProcessedPath out;
  SecureBytes decrypted;
  try {
    decrypted = suite.decrypt_with_label(me.private_keys.at(res[k].value),
                                         encryption_label::update_path_node, encode(ctx),
                                         ct.kem_output, ct.ciphertext);
  } catch (const Error& e) {
    // Rethrown with the rule that asked for the decryption; the kind is kept.
    // RFC 9420 §12.4.2 [R12.4.2-17]
    //    Decrypt the path secrets for UpdatePath as described in
    //    {{synchronizing-views-of-the-tree}}, using the provisional GroupContext as
    //    the context for HPKE decryption.
    // Not switchable (ref/rule_switch.h): there is no path secret to go on with.
    throw Error(e.kind(), req::R12_4_2_17, "path secret does not decrypt: " + e.message());
  }
  out.path_secret = TreeKemPathSecret(std::move(decrypted));
  // 4-6. Derive the path secrets of the ancestors, the node key pairs, and
  // verify the derived public keys match the UpdatePath.
  TreeKemPrivate next = me;
  for (NodeIndex n : tree_math::direct_path(NodeIndex(sender), work.leaf_count())) {
    // RFC 9420 §7.5 [R7.5-6, R7.5-8]: `me` is replaced by `next` below
    //    After processing the update, each recipient MUST delete outdated key material,
    //    specifically: [...] Each outdated node key pair that was replaced by the update.
    next.private_keys.erase(n.value);  // outdated keys of blanked nodes
  }
  TreeKemPathSecret secret = out.path_secret;
  for (size_t j = i; j < fdp.size(); ++j) {
    hpke::KeyPair kp = node_key_pair(suite, secret);
    // RFC 9420 §12.4.2 [R12.4.2-17]
    //    Decrypt the path secrets for UpdatePath as described in
    //    {{synchronizing-views-of-the-tree}} [...]
    // RFC 9420 §7.5: decrypting the path secrets, step 6
    //    6. Verify that the derived public keys are the same as the corresponding public
    //       keys sent in the UpdatePath.
    if (kp.public_key != path.nodes[j].encryption_key && enforced(req::R12_4_2_17)) {
      throw Error(ErrorKind::protocol, req::R12_4_2_17,
                  "derived public key for node " + std::to_string(fdp[j].value) +
                      " differs from the UpdatePath's");
    }
    // 7. Store the derived private keys in the corresponding ratchet tree nodes.
    next.private_keys[fdp[j].value] = kp.private_key;
    // RFC 9420 §7.5 [R7.5-7]: each path secret is overwritten by the next, the
    // node secret dies in node_key_pair, and both are zeroizing
    //    The path secrets and node secrets used to derive each updated node key pair.
    secret = next_path_secret(suite, secret);
  }
  out.commit_secret = CommitSecret(secret.bytes());  // path_secret[n+1]
  tree = std::move(work);
  context = ctx;
  me = std::move(next);
  return out;
}

}  // namespace mlsref
