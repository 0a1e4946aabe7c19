// Real group histories for the tree generators and properties: members who
// each keep their own copy of the ratchet tree and their private TreeKEM
// state, changed only by RFC 9420 operations (Add with and without a path,
// Update proposals, Remove, self-updating commits).
#pragma once

#include <functional>
#include <map>

#include "ref/tree_kem.h"

namespace mlsref::conformance {

struct Member {
  SecureBytes signature_priv;
  TreeKemPrivate priv;
  RatchetTree tree;
  // The path secrets behind priv's parent keys (kept only by this simulator,
  // for writing vectors; a real client deletes them, §7.5).
  std::map<uint32_t, TreeKemPathSecret> path_secrets;
};

struct PathCommit {
  LeafIndex committer;
  UpdatePath path;
  CommitSecret commit_secret;
  std::vector<NodeIndex> filtered_direct_path;  // as it was before the commit
  RatchetTreeNodes nodes_before;                // the committer's tree before the path
};

class TreeHistory {
 public:
  TreeHistory(const CipherSuite& suite, Botan::RandomNumberGenerator& rng, Bytes group_id);

  const CipherSuite& suite() const { return *suite_; }
  const std::map<uint32_t, Member>& members() const { return members_; }
  // Any member's tree: after every step they are all equal (checked).
  const RatchetTree& tree() const { return members_.begin()->second.tree; }
  GroupContext context() const;

  // A new member, added by `committer`. With a path, the commit carries an
  // UpdatePath (the new member gets its path secret as from a Welcome);
  // without, the new leaf stays unmerged in the parents above it.
  LeafIndex add(LeafIndex committer, bool with_path);
  void remove(LeafIndex committer, LeafIndex removed);
  // `updater` sends an Update proposal; `committer` commits it with a path.
  void update(LeafIndex updater, LeafIndex committer);
  // A commit with only an UpdatePath.
  PathCommit self_update(LeafIndex committer);

  // Every member's tree hash equals, the tree is parent-hash valid, and each
  // private state matches its tree. Error otherwise.
  void check() const;

 private:
  PathCommit commit_path(LeafIndex committer, const std::set<uint32_t>& added);
  LeafNode new_leaf(SecureBytes& signature_priv, hpke::KeyPair& encryption) const;
  // The index of the first node of `path` above `leaf` (path.size() if none).
  static size_t lowest_above(const std::vector<NodeIndex>& path, LeafIndex leaf);
  // Records (and with set_keys, derives the keys of) the path secrets from
  // the lowest path node above m's leaf upwards, starting from `secret`.
  void learn_path(Member& m, const std::vector<NodeIndex>& path, TreeKemPathSecret secret,
                  bool set_keys) const;
  void apply_to_all(const std::function<void(RatchetTree&)>& change);

  const CipherSuite* suite_;
  Botan::RandomNumberGenerator* rng_;
  Bytes group_id_;
  uint64_t epoch_ = 0;
  std::map<uint32_t, Member> members_;
  uint32_t next_name_ = 0;
};

}  // namespace mlsref::conformance
