// Keeping a member's state across restarts, which §6.3.1 of RFC 9420 asks
// of a client ("a client MUST keep persistent state as to where in the key
// schedule it is"). Group::export_state writes everything a member holds of
// its group, and Group::import_state reads it back. The encoding is
// mlsref's own (the RFC defines none), in the RFC's presentation language:
//
//   struct { uint32 node; opaque private_key<V>; } NodePrivateKey;
//   struct { opaque id<V>; opaque secret<V>; } KeptSecret;  /* by id, ascending */
//   struct { uint64 epoch; opaque resumption_psk<V>; } KeptResumptionPsk;
//   struct {
//       opaque ref<V>; Proposal proposal; Sender sender;
//       opaque group_id<V>; optional<uint64> epoch;
//   } KeptProposal;
//   struct {
//       CipherSuite cipher_suite;
//       GroupContext context;
//       optional<Node> ratchet_tree<V>;
//       uint32 own_leaf;
//       NodePrivateKey private_keys<V>;            /* by node, ascending */
//       opaque joiner_secret<V>; ...               /* the 11 EpochSecrets, in order */
//       opaque interim_transcript_hash<V>;
//       opaque confirmation_tag<V>;
//       optional<SecretTreeState> secret_tree;     /* ref/secret_tree.cpp */
//       KeptProposal proposal_store<V>;
//       KeptSecret own_update_keys<V>;
//       KeptResumptionPsk resumption_psks<V>;      /* by epoch, ascending */
//       optional<struct { PreSharedKeyID id; opaque psk<V>; }> resumed;
//       KeptSecret external_psks<V>;
//       bool active;
//       optional<ReInit> reinit;
//   } KeptGroupState;
//   struct {
//       KeptProposal proposals<V>;
//       struct { uint32 leaf; LeafNode leaf_node; } updates<V>;
//       uint32 removed<V>;
//       struct { uint32 leaf; KeyPackage key_package; } added<V>;
//       PreSharedKeyID psks<V>;
//       optional<LeafNode> path_leaf_node;
//       uint32 committer;
//       bool self_removed;
//       optional<ReInit> reinit;
//       KeptGroupState next;
//   } KeptStagedCommit;
//   struct {
//       uint16 format;                             /* 1 */
//       KeptGroupState state;
//       optional<KeptStagedCommit> pending_commit;
//   } KeptGroup;
//
// followed by the SHA-256 of the KeptGroup, which catches a state damaged in
// storage. Nothing else is kept: GroupConfig is the application's to give
// again.
#include "group.h"

#include <set>

#include "transcript_hash.h"

namespace mlsref {

namespace {

constexpr uint16_t kStateFormat = 1;
constexpr size_t kDigestSize = 32;  // SHA-256

// RFC 9420 §6.3.1 [R6.3.1-3]: a kept state is checked for damage before use
//    Because the key schedule generates nonces deterministically, a client MUST
//    keep persistent state as to where in the key schedule it is; if this
//    persistent state is lost or corrupted, a client might reuse a generation
//    that has already been used, causing reuse of a key/nonce pair.
// Not switchable (ref/rule_switch.h), here and below: a kept state is the
// application's own storage, not a message; no must-reject vector is made of it.
[[noreturn]] void refuse(const std::string& what) {
  throw Error(ErrorKind::protocol, req::R6_3_1_3, "kept group state: " + what);
}

template <class Key, class Value>
void write_kept(Writer& w, const std::map<Key, Value>& kept) {
  w.put_prefixed([&](Writer& inner) {
    for (const auto& [key, secret] : kept) {
      encode_into(inner, key);
      encode_into(inner, secret);
    }
  });
}

// A map written in ascending key order: any other order, or a key twice, is
// no state export_state writes.
template <class Key, class Value>
void read_kept(Reader& r, std::map<Key, Value>& kept, const std::string& name) {
  kept.clear();
  r.for_each_element([&](Reader& e) {
    Key key{};
    decode_from(e, key);
    Value value{};
    decode_from(e, value);
    if (!kept.empty() && !(kept.rbegin()->first < key)) {
      refuse(name + " are not in ascending order");
    }
    kept.emplace(std::move(key), std::move(value));
  });
}

// struct { uint32 leaf; T value; } pairs<V>: a StagedCommit's updates and adds.
template <class T>
void write_leaf_pairs(Writer& w, const std::vector<std::pair<LeafIndex, T>>& pairs) {
  w.put_prefixed([&](Writer& inner) {
    for (const auto& [leaf, value] : pairs) {
      encode_into(inner, leaf.value);
      encode_into(inner, value);
    }
  });
}

template <class T>
void read_leaf_pairs(Reader& r, std::vector<std::pair<LeafIndex, T>>& pairs) {
  r.for_each_element([&](Reader& e) {
    uint32_t leaf = 0;
    decode_from(e, leaf);
    T value{};
    decode_from(e, value);
    pairs.emplace_back(LeafIndex(leaf), std::move(value));
  });
}

void write_proposal(Writer& w, const QueuedProposal& p) {
  encode_into(w, p.ref);
  encode_into(w, p.proposal);
  encode_into(w, p.sender);
  encode_into(w, p.group_id);
  encode_into(w, p.epoch);
}

QueuedProposal read_proposal(Reader& r) {
  QueuedProposal p;
  decode_field(r, "ref", p.ref);
  decode_field(r, "proposal", p.proposal);
  decode_field(r, "sender", p.sender);
  decode_field(r, "group_id", p.group_id);
  decode_field(r, "epoch", p.epoch);
  return p;
}

// `s` is an EpochSecrets, const or not.
template <class Secrets, class F>
void for_each_secret(Secrets& s, F&& f) {
  f("joiner_secret", s.joiner_secret);
  f("welcome_secret", s.welcome_secret);
  f("sender_data_secret", s.sender_data_secret);
  f("encryption_secret", s.encryption_secret);
  f("exporter_secret", s.exporter_secret);
  f("external_secret", s.external_secret);
  f("confirmation_key", s.confirmation_key);
  f("membership_key", s.membership_key);
  f("resumption_psk", s.resumption_psk);
  f("epoch_authenticator", s.epoch_authenticator);
  f("init_secret", s.init_secret);
}

void write_state(Writer& w, const GroupState& s) {
  encode_into(w, s.suite->id());
  encode_into(w, s.context);
  encode_into(w, s.tree.to_nodes());
  encode_into(w, s.own.leaf.value);
  write_kept(w, s.own.private_keys);
  for_each_secret(s.secrets, [&](std::string_view, const auto& secret) { encode_into(w, secret); });
  encode_into(w, s.interim_transcript_hash);
  encode_into(w, s.confirmation_tag);
  w.put_uint(s.secret_tree ? 1 : 0, 1);
  if (s.secret_tree) {
    s.secret_tree->write_state(w);
  }
  w.put_prefixed([&](Writer& inner) {
    for (const QueuedProposal& p : s.proposal_store) {
      write_proposal(inner, p);
    }
  });
  write_kept(w, s.own_update_keys);
  write_kept(w, s.resumption_psks);
  w.put_uint(s.resumed ? 1 : 0, 1);
  if (s.resumed) {
    encode_into(w, s.resumed->first);
    encode_into(w, s.resumed->second);
  }
  write_kept(w, s.external_psks);
  encode_into(w, s.active);
  encode_into(w, s.reinit);
}

// Refuses a state whose parts do not agree with each other. What can be
// recomputed is: the tree hash, each private key's public key, the
// confirmation tag and the interim transcript hash.
void check_state(const GroupState& s) {
  const CipherSuite& suite = *s.suite;
  if (s.context.version != mls10) {
    refuse("the GroupContext is of protocol version " + std::to_string(s.context.version) +
           ", not mls10");
  }
  if (s.context.cipher_suite != suite.id()) {
    refuse("the GroupContext is of cipher suite " + std::to_string(s.context.cipher_suite) +
           ", the state of cipher suite " + std::to_string(suite.id()));
  }
  if (s.tree.root_tree_hash(suite) != s.context.tree_hash) {
    refuse("the ratchet tree does not match the GroupContext's tree_hash");
  }
  // We hold keys for our leaf and the nodes above it only (§4.1: a member
  // knows the private keys of the nodes on its direct path); this also bounds
  // the work of checking them.
  const NodeIndex own_node(s.own.leaf);
  for (const auto& [node, sk] : s.own.private_keys) {
    // (Tree math is for nodes of a tree: an index outside it is refused first.)
    if (node >= s.tree.node_count() || own_node.value >= s.tree.node_count()) {
      refuse("a private key of node " + std::to_string(node) + " or our leaf " +
             std::to_string(s.own.leaf.value) + " outside the tree");
    }
    if (node != own_node.value && !tree_math::is_ancestor(NodeIndex(node), own_node)) {
      refuse("a private key of node " + std::to_string(node) + ", which is not on our leaf " +
             std::to_string(s.own.leaf.value) + "'s direct path");
    }
  }
  try {
    s.own.check_consistent(suite, s.tree);
  } catch (const Error& e) {
    // Rethrown with the rule that asked for the check; the kind is kept.
    // Not switchable (ref/rule_switch.h): as refuse() above.
    throw Error(e.kind(), req::R6_3_1_3, "kept group state: " + e.message());
  }
  const EpochSecrets& secrets = s.secrets;
  if (!s.active) {
    // What a Commit that removed us leaves (ref/commit.cpp): no secret at all.
    // (External PSKs are the application's, which add_external_psk may
    // still give it.)
    bool none = s.own.private_keys.empty() && !s.secret_tree && s.own_update_keys.empty() &&
                s.resumption_psks.empty() && !s.resumed;
    for_each_secret(secrets, [&](std::string_view, const auto& secret) {
      none = none && secret.empty();
    });
    if (!none) {
      refuse("a group we were removed from still holds secrets");
    }
    return;
  }
  if (!s.tree.has_leaf(s.own.leaf)) {
    refuse("our leaf " + std::to_string(s.own.leaf.value) + " is blank or outside the tree");
  }
  if (!s.own.private_keys.count(own_node.value)) {
    refuse("no private key for our leaf " + std::to_string(s.own.leaf.value));
  }
  if (!s.secret_tree) {
    refuse("a group we are a member of has no secret tree");
  }
  // §9.2: joiner_secret, welcome_secret and encryption_secret are deleted
  // once the epoch's secret tree is set up (EpochSecrets::delete_consumed).
  for_each_secret(secrets, [&](std::string_view name, const auto& secret) {
    bool consumed =
        name == "joiner_secret" || name == "welcome_secret" || name == "encryption_secret";
    size_t expected = consumed ? 0 : suite.hash_size();
    if (secret.size() != expected) {
      refuse(std::string(name) + " has " + std::to_string(secret.size()) + " bytes, not " +
             std::to_string(expected));
    }
  });
  try {
    verify_confirmation_tag(suite, s.secrets.confirmation_key,
                            s.context.confirmed_transcript_hash, s.confirmation_tag, "6.3.1");
  } catch (const Error& e) {
    // Not switchable (ref/rule_switch.h): as refuse() above.
    throw Error(e.kind(), req::R6_3_1_3, "kept group state: confirmation_tag: " + e.message());
  }
  if (s.interim_transcript_hash !=
      interim_transcript_hash(suite, s.context.confirmed_transcript_hash, s.confirmation_tag)) {
    refuse("the interim transcript hash does not follow from the confirmation tag");
  }
  for (const auto& [epoch, psk] : s.resumption_psks) {
    if (epoch > s.context.epoch) {
      refuse("a resumption PSK of epoch " + std::to_string(epoch) + ", after the group's epoch " +
             std::to_string(s.context.epoch));
    }
    if (psk.size() != suite.hash_size()) {
      refuse("the resumption PSK of epoch " + std::to_string(epoch) + " has " +
             std::to_string(psk.size()) + " bytes, not " + std::to_string(suite.hash_size()));
    }
  }
  // The proposal store as store_pending_proposal keeps it: of this group and
  // epoch, each ref once; and each Update of ours with the private key of its
  // new leaf, which is kept for nothing else (Group::propose_self_update).
  std::set<Bytes> refs, own_updates;
  for (const QueuedProposal& p : s.proposal_store) {
    if (p.epoch && (*p.epoch != s.context.epoch || p.group_id != s.context.group_id)) {
      refuse("a stored proposal of another group or epoch");
    }
    if (!refs.insert(p.ref).second) {
      refuse("a proposal stored twice");
    }
    const auto* update = std::get_if<Update>(&p.proposal.body);
    if (update && p.sender == Sender::member(s.own.leaf.value)) {
      own_updates.insert(update->leaf_node.encryption_key);
    }
  }
  for (const auto& [public_key, sk] : s.own_update_keys) {
    if (!own_updates.erase(public_key) ||
        suite.hpke().kem().key_pair(sk).public_key != public_key) {
      refuse("a kept Update key that is not the private key of a stored Update of ours");
    }
  }
  if (!own_updates.empty()) {
    refuse("a stored Update of ours without the private key of its leaf");
  }
}

GroupState read_state(Reader& r, const GroupConfig& config,
                      const std::shared_ptr<const CipherSuite>& same_suite) {
  GroupState s;
  CipherSuiteId suite_id = 0;
  decode_field(r, "cipher_suite", suite_id);
  if (same_suite && same_suite->id() != suite_id) {
    refuse("the pending commit's cipher suite is not the group's");
  }
  s.suite = same_suite ? same_suite : std::make_shared<const CipherSuite>(suite_id);
  const CipherSuite& suite = *s.suite;
  decode_field(r, "context", s.context);
  RatchetTreeNodes nodes;
  decode_field(r, "ratchet_tree", nodes);
  s.tree = RatchetTree::from_nodes(std::move(nodes));
  decode_field(r, "own_leaf", s.own.leaf.value);
  read_kept(r, s.own.private_keys, "private keys");
  for_each_secret(s.secrets, [&](std::string_view name, auto& secret) {
    decode_field(r, name, secret);
  });
  decode_field(r, "interim_transcript_hash", s.interim_transcript_hash);
  decode_field(r, "confirmation_tag", s.confirmation_tag);
  if (r.get_presence()) {
    Reader::Scope scope(r, "secret_tree");
    s.secret_tree.emplace(
        SecretTree::read_state(r, suite, s.tree.leaf_count(), config.ratchet_limits));
  }
  s.proposal_store.clear();
  {
    Reader::Scope scope(r, "proposal_store");
    r.for_each_element([&](Reader& e) { s.proposal_store.push_back(read_proposal(e)); });
  }
  read_kept(r, s.own_update_keys, "own Update keys");
  read_kept(r, s.resumption_psks, "resumption PSKs");
  std::optional<PreSharedKeyID> resumed_id;
  decode_field(r, "resumed", resumed_id);
  if (resumed_id) {
    ResumptionPsk psk;
    decode_field(r, "resumed.psk", psk);
    s.resumed.emplace(std::move(*resumed_id), std::move(psk));
  }
  read_kept(r, s.external_psks, "external PSKs");
  decode_field(r, "active", s.active);
  decode_field(r, "reinit", s.reinit);
  check_state(s);
  return s;
}

}  // namespace

// A pending commit is one we made (Group::build_commit) in a group we can
// still send in, for the next epoch, which it leaves us a member of.
void Group::check_pending_commit(const GroupState& s, const StagedCommit& c) {
  const GroupState& next = *c.next_;
  if (!s.active || s.reinit) {
    refuse("a pending commit in a group we no longer send in");
  }
  if (next.context.group_id != s.context.group_id || next.context.epoch != s.context.epoch + 1) {
    refuse("the pending commit does not begin the epoch after the group's");
  }
  if (c.committer_ != s.own.leaf || next.own.leaf != s.own.leaf || c.self_removed_ ||
      !next.active) {
    refuse("the pending commit is not ours, or removes us");
  }
  if (c.reinit_ != next.reinit) {
    refuse("the pending commit's ReInit is not the one of its next epoch");
  }
  if (c.path_leaf_ && *c.path_leaf_ != next.tree.leaf(c.committer_)) {
    refuse("the pending commit's path leaf is not our leaf in its next epoch");
  }
}

SecureBytes Group::export_state() const {
  Writer w = Writer::zeroizing();
  encode_into(w, kStateFormat);
  write_state(w, state_);
  w.put_uint(pending_commit_ ? 1 : 0, 1);
  if (pending_commit_) {
    const StagedCommit& c = *pending_commit_;
    w.put_prefixed([&](Writer& inner) {
      for (const QueuedProposal& p : c.proposals_) {
        write_proposal(inner, p);
      }
    });
    write_leaf_pairs(w, c.updates_);
    w.put_prefixed([&](Writer& inner) {
      for (LeafIndex leaf : c.removed_) {
        encode_into(inner, leaf.value);
      }
    });
    write_leaf_pairs(w, c.added_);
    encode_into(w, c.psks_);
    encode_into(w, c.path_leaf_);
    encode_into(w, c.committer_.value);
    encode_into(w, c.self_removed_);
    encode_into(w, c.reinit_);
    write_state(w, *c.next_);
  }
  SecureBytes out = w.take_secure();
  Bytes digest = hash(HashAlg::sha256, out);
  out.insert(out.end(), digest.begin(), digest.end());
  return out;
}

Group Group::import_state(GroupConfig config, ByteView kept) {
  if (kept.size() < kDigestSize) {
    refuse("shorter than its SHA-256");
  }
  ByteView body = kept.first(kept.size() - kDigestSize);
  if (!constant_time_equal(hash(HashAlg::sha256, body), kept.last(kDigestSize))) {
    refuse("its SHA-256 does not match: it was damaged or is not a state export_state wrote");
  }
  Reader r(body);
  uint16_t format = 0;
  decode_field(r, "format", format);
  // Not switchable (ref/rule_switch.h): another format is not read at all.
  if (format != kStateFormat) {
    throw Error(ErrorKind::unsupported, req::R6_3_1_3,
                "kept group state of format " + std::to_string(format) + " (mlsref reads " +
                    std::to_string(kStateFormat) + ")");
  }
  GroupState state;
  {
    Reader::Scope scope(r, "state");
    state = read_state(r, config, nullptr);
  }
  std::optional<StagedCommit> pending;
  if (r.get_presence()) {
    Reader::Scope scope(r, "pending_commit");
    StagedCommit c;
    r.for_each_element([&](Reader& e) { c.proposals_.push_back(read_proposal(e)); });
    read_leaf_pairs(r, c.updates_);
    r.for_each_element([&](Reader& e) {
      uint32_t leaf = 0;
      decode_from(e, leaf);
      c.removed_.push_back(LeafIndex(leaf));
    });
    read_leaf_pairs(r, c.added_);
    decode_field(r, "psks", c.psks_);
    decode_field(r, "path_leaf_node", c.path_leaf_);
    decode_field(r, "committer", c.committer_.value);
    decode_field(r, "self_removed", c.self_removed_);
    decode_field(r, "reinit", c.reinit_);
    c.next_ = std::make_shared<GroupState>(read_state(r, config, state.suite));
    check_pending_commit(state, c);
    pending = std::move(c);
  }
  r.expect_done();
  Group g(std::move(config), std::move(state));
  g.pending_commit_ = std::move(pending);
  return g;
}

}  // namespace mlsref
