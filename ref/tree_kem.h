// RFC 9420 §7.4 Ratchet Tree Evolution, §7.5 Synchronizing Views of the Tree,
// §7.6 Update Paths: creating an UpdatePath and processing one.
#pragma once

#include <map>
#include <optional>

#include "hpke.h"
#include "key_schedule.h"
#include "ratchet_tree.h"

namespace mlsref {

// A member's private view of the tree: its leaf and the private keys it
// holds for parent nodes (the tree invariant, §4.1).
struct TreeKemPrivate {
  LeafIndex leaf;
  std::map<uint32_t, SecureBytes> private_keys;  // node index -> HPKE private key

  // Sets the key of `node` from a path secret (§7.4: node_secret =
  // DeriveSecret(path_secret, "node"); KEM.DeriveKeyPair(node_secret)).
  void set_path_secret(const CipherSuite& suite, NodeIndex node,
                       const TreeKemPathSecret& path_secret);
  // §7.5: deletes the keys of nodes that are now blank or gone (after an
  // Update, a Remove or a truncation).
  void prune(const RatchetTree& tree);
  // Each key held matches a non-blank node's public key (Error{protocol, "4.1"}).
  void check_consistent(const CipherSuite& suite, const RatchetTree& tree) const;
};

// §7.4: path_secret[n] = DeriveSecret(path_secret[n-1], "path")
TreeKemPathSecret next_path_secret(const CipherSuite& suite, const TreeKemPathSecret& path_secret);
// node_priv[n], node_pub[n] = KEM.DeriveKeyPair(DeriveSecret(path_secret[n], "node"))
hpke::KeyPair node_key_pair(const CipherSuite& suite, const TreeKemPathSecret& path_secret);

struct CreatedPath {
  UpdatePath update_path;
  CommitSecret commit_secret;
  std::vector<TreeKemPathSecret> path_secrets;  // one per filtered direct path node
  TreeKemPrivate private_state;                 // the sender's, after the update
};

// Updates `sender`'s direct path in `tree` (§7.5) and encrypts the path
// secrets (§7.6). `context` is the provisional GroupContext; its tree_hash is
// set here to the new tree's. `excluded` are leaves added in the same commit.
// The new leaf keeps the old leaf's credential, keys and capabilities, with a
// fresh encryption key, source commit and the parent hash; it is signed with
// `signature_private_key`. `reused` replaces key pairs the path would derive
// or draw afresh: only the must-reject generator passes any (keys the tree
// already has, R12.4.2-13, R12.4.2-14, R12.2-19; one key given to two nodes of
// the path, R12.4.2-14), with the rule switched off.
struct ReusedPathKeys {
  std::optional<hpke::KeyPair> leaf;
  std::map<uint32_t, hpke::KeyPair> nodes;  // by node index, on the direct path
  // Node -> the node whose derived key pair it takes instead of its own (both
  // on the filtered direct path).
  std::map<uint32_t, uint32_t> copied;
};
CreatedPath create_update_path(const CipherSuite& suite, RatchetTree& tree, LeafIndex sender,
                               ByteView signature_private_key, GroupContext& context,
                               const std::set<uint32_t>& excluded,
                               Botan::RandomNumberGenerator& rng,
                               const ReusedPathKeys& reused = {});

struct ProcessedPath {
  TreeKemPathSecret path_secret;  // the one decrypted
  CommitSecret commit_secret;
};

// Merges `path` from `sender` into `tree` (§7.5: blank the direct path, set
// the filtered direct path's keys, check the leaf's parent hash and
// signature), sets context.tree_hash, then decrypts the path secret for `me`
// and derives the rest, checking each derived public key. On error nothing
// is changed.
ProcessedPath process_update_path(const CipherSuite& suite, RatchetTree& tree, LeafIndex sender,
                                  const UpdatePath& path, GroupContext& context, TreeKemPrivate& me,
                                  const std::set<uint32_t>& excluded);

// Only the merge half, for members without private state (Error as above).
void merge_update_path(const CipherSuite& suite, RatchetTree& tree, LeafIndex sender,
                       const UpdatePath& path, ByteView group_id);

}  // namespace mlsref
