#include "conformance/tree_history.h"

#include "ref/registries.h"

namespace mlsref::conformance {

TreeHistory::TreeHistory(const CipherSuite& suite, Botan::RandomNumberGenerator& rng,
                         Bytes group_id)
    : suite_(&suite), rng_(&rng), group_id_(std::move(group_id)) {
  Member founder;
  hpke::KeyPair enc;
  LeafNode leaf = new_leaf(founder.signature_priv, enc);
  founder.tree = RatchetTree(leaf);
  founder.priv.leaf = LeafIndex(0);
  founder.priv.private_keys[0] = enc.private_key;
  members_.emplace(0, std::move(founder));
}

GroupContext TreeHistory::context() const {
  return GroupContext{mls10,
                      suite_->id(),
                      group_id_,
                      epoch_,
                      tree().root_tree_hash(*suite_),
                      Bytes(suite_->hash_size(), 0xc7),
                      {}};
}

LeafNode TreeHistory::new_leaf(SecureBytes& signature_priv, hpke::KeyPair& encryption) const {
  signature_priv = suite_->generate_signature_key(*rng_);
  encryption = suite_->generate_key_pair(*rng_);
  LeafNode leaf;
  leaf.encryption_key = encryption.public_key;
  leaf.signature_key = suite_->signature_public_key(signature_priv);
  leaf.credential = Credential::basic(to_bytes("member " + std::to_string(next_name_)));
  leaf.capabilities = Capabilities{{mls10}, {suite_->id()}, {}, {}, {credential_type::basic}};
  leaf.leaf_node_source = LeafNodeSource::key_package;
  leaf.lifetime = Lifetime{0, UINT64_MAX};
  leaf.sign(*suite_, signature_priv);
  return leaf;
}

void TreeHistory::apply_to_all(const std::function<void(RatchetTree&)>& change) {
  for (auto& [index, m] : members_) {
    change(m.tree);
    m.priv.prune(m.tree);
    for (auto it = m.path_secrets.begin(); it != m.path_secrets.end();) {
      it = m.priv.private_keys.count(it->first) ? std::next(it) : m.path_secrets.erase(it);
    }
  }
}

size_t TreeHistory::lowest_above(const std::vector<NodeIndex>& path, LeafIndex leaf) {
  size_t i = 0;
  while (i < path.size() && !tree_math::is_ancestor(path[i], NodeIndex(leaf))) {
    ++i;
  }
  return i;
}

void TreeHistory::learn_path(Member& m, const std::vector<NodeIndex>& path,
                             TreeKemPathSecret secret, bool set_keys) const {
  // From the lowest path node above the member's leaf upwards (§7.4:
  // path_secret[n] = DeriveSecret(path_secret[n-1], "path")).
  for (size_t j = lowest_above(path, m.priv.leaf); j < path.size(); ++j) {
    if (set_keys) {
      m.priv.set_path_secret(*suite_, path[j], secret);
    }
    m.path_secrets[path[j].value] = secret;
    secret = next_path_secret(*suite_, secret);
  }
}

PathCommit TreeHistory::commit_path(LeafIndex committer, const std::set<uint32_t>& added) {
  Member& c = members_.at(committer.value);
  PathCommit out;
  out.committer = committer;
  out.nodes_before = c.tree.to_nodes();
  GroupContext ctx = context();
  ctx.epoch = epoch_ + 1;
  GroupContext created_ctx = ctx;
  CreatedPath created =
      create_update_path(*suite_, c.tree, committer, c.signature_priv, created_ctx, added, *rng_);
  out.filtered_direct_path = c.tree.filtered_direct_path(committer);
  out.path = created.update_path;
  out.commit_secret = created.commit_secret;
  c.priv = created.private_state;
  c.path_secrets.clear();
  for (size_t i = 0; i < out.filtered_direct_path.size(); ++i) {
    c.path_secrets[out.filtered_direct_path[i].value] = created.path_secrets[i];
  }
  for (auto& [index, m] : members_) {
    if (index == committer.value) {
      continue;
    }
    if (added.count(index)) {
      // The new member gets the tree and the path secret of the lowest path
      // node above it (GroupSecrets.path_secret of its Welcome, §12.4.3.1).
      m.tree = c.tree;
      size_t i = lowest_above(out.filtered_direct_path, m.priv.leaf);
      if (i < created.path_secrets.size()) {
        learn_path(m, out.filtered_direct_path, created.path_secrets[i], true);
      }
      continue;
    }
    GroupContext mctx = ctx;
    ProcessedPath got =
        process_update_path(*suite_, m.tree, committer, out.path, mctx, m.priv, added);
    if (got.commit_secret != created.commit_secret) {
      throw Error(ErrorKind::internal, "7.5", "members derived different commit secrets");
    }
    // Forget secrets of keys that are gone, then record the new ones.
    for (auto it = m.path_secrets.begin(); it != m.path_secrets.end();) {
      it = m.priv.private_keys.count(it->first) ? std::next(it) : m.path_secrets.erase(it);
    }
    learn_path(m, out.filtered_direct_path, got.path_secret, false);
  }
  ++epoch_;
  return out;
}

LeafIndex TreeHistory::add(LeafIndex committer, bool with_path) {
  Member m;
  hpke::KeyPair enc;
  ++next_name_;
  LeafNode leaf = new_leaf(m.signature_priv, enc);
  LeafIndex added(0);
  apply_to_all([&](RatchetTree& t) { added = t.add_leaf(leaf); });
  m.tree = members_.at(committer.value).tree;
  m.priv.leaf = added;
  m.priv.private_keys[NodeIndex(added).value] = enc.private_key;
  members_.emplace(added.value, std::move(m));
  if (with_path) {
    commit_path(committer, {added.value});
  } else {
    ++epoch_;
  }
  return added;
}

void TreeHistory::remove(LeafIndex committer, LeafIndex removed) {
  members_.erase(removed.value);
  apply_to_all([&](RatchetTree& t) { t.remove_leaf(removed); });
  commit_path(committer, {});
}

void TreeHistory::update(LeafIndex updater, LeafIndex committer) {
  Member& u = members_.at(updater.value);
  LeafNode leaf = u.tree.leaf(updater);
  hpke::KeyPair enc = suite_->generate_key_pair(*rng_);
  leaf.encryption_key = enc.public_key;
  leaf.leaf_node_source = LeafNodeSource::update;
  leaf.lifetime = {};
  leaf.sign(*suite_, u.signature_priv, group_id_, updater.value);
  apply_to_all([&](RatchetTree& t) { t.update_leaf(updater, leaf); });
  u.priv.private_keys[NodeIndex(updater).value] = enc.private_key;
  commit_path(committer, {});
}

PathCommit TreeHistory::self_update(LeafIndex committer) { return commit_path(committer, {}); }

void TreeHistory::check() const {
  Bytes hash = tree().root_tree_hash(*suite_);
  for (const auto& [index, m] : members_) {
    if (m.tree.root_tree_hash(*suite_) != hash) {
      throw Error(ErrorKind::internal, "7.8",
                  "member " + std::to_string(index) + " has a different tree hash");
    }
    m.priv.check_consistent(*suite_, m.tree);
  }
  tree().verify_parent_hashes(*suite_);
  tree().verify_leaves(*suite_, group_id_);
}

}  // namespace mlsref::conformance
