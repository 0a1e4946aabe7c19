// passive-client-welcome.json, passive-client-handling-commit.json,
// passive-client-random.json (../shared/vectors/ietf/FORMAT.md "Passive
// Client Scenarios"): RFC 9420 §12.4.3.1 joining, §12.4.2 processing commits.
//
// Verification:
// * Verify that `signature_priv`, `leaf_priv`, and `init_priv` correspond to
//   the public keys (`signature_key`, `encryption_key`, and `init_key`) in the
//   KeyPackage object described by `key_package`
// * Join the group using the Welcome message described by `welcome`, the
//   ratchet tree described by `ratchet_tree` (if given) and the pre-shared keys
//   described in `external_psks`
// * Verify that the locally computed `epoch_authenticator` value is equal to
//   the `initial_epoch_authenticator` value
// * For each entry in `epochs`:
//   * Apply the Commit from `commit`, using any values from `proposals` that
//     are incorporated by reference in the Commit
//   * Verify that the locally computed `epoch_authenticator` value is equal to
//     the `epoch_authenticator` value in the epoch object
//
// Lifetimes are checked, never skipped (RFC 9420 §7.3: a MUST for leaves we
// send, RECOMMENDED for leaves we receive, which may expire in transit). A
// recorded case is judged at the time it was recorded, taken as the
// `not_before` of the case's own KeyPackage, unless `mlsref verify --now`
// gives the clock.
#include "conformance/vector_type.h"
#include "conformance/vectors/fields.h"
#include "ref/group.h"

namespace mlsref::conformance {

namespace {

SecureBytes to_secure(const Bytes& b) { return SecureBytes(b.begin(), b.end()); }

// An HPKE private key of the vector. Some vectors write NIST scalars as
// integers without their leading zero bytes (a 65-byte P-521 key); RFC 9180
// §7.1.2 SerializePrivateKey is fixed-length (Nsk), so we left-pad.
SecureBytes hpke_private(const CipherSuite& suite, const json& c, const std::string& name) {
  Bytes b = hex_field(c, name);
  size_t nsk = suite.hpke().kem().private_key_size();
  if (b.size() < nsk && dh_is_nist(suite.hpke().kem().group())) {
    b.insert(b.begin(), nsk - b.size(), 0);
  }
  return to_secure(b);
}

// The latest not_before among the key_package leaves of the group being
// joined (the ratchet_tree of the case, else of the Welcome's GroupInfo).
uint64_t latest_not_before(const CipherSuite& suite, const Welcome& welcome,
                           const KeyPackageBundle& bundle,
                           const std::optional<RatchetTreeNodes>& tree,
                           const std::map<Bytes, SecureBytes>& psks) {
  std::optional<RatchetTreeNodes> nodes = tree;
  if (!nodes) {
    OpenedWelcome o = open_welcome(suite, welcome, bundle.key_package, bundle.init_private_key,
                                   [&](const PreSharedKeyID& id) {
                                     auto it = psks.find(id.psk_id);
                                     if (it == psks.end()) {
                                       throw Error(ErrorKind::protocol, "12.4.3.1", "unknown PSK");
                                     }
                                     return it->second;
                                   });
    for (const auto& e : o.group_info.extensions) {
      if (e.extension_type == extension_type::ratchet_tree) {
        nodes = decode<RatchetTreeNodes>(e.extension_data);
      }
    }
  }
  uint64_t latest = 0;
  if (nodes) {
    for (const auto& n : *nodes) {
      if (n && n->node_type == NodeType::leaf &&
          n->leaf_node.leaf_node_source == LeafNodeSource::key_package) {
        latest = std::max(latest, n->leaf_node.lifetime.not_before);
      }
    }
  }
  return latest;
}

}  // namespace

void verify_passive_client(const json& c, CaseContext& context) {
  CipherSuite suite(static_cast<uint16_t>(uint_field(c, "cipher_suite", 0xffff)));
  auto key_package = message_field<KeyPackage>(c, "key_package");
  auto welcome = message_field<Welcome>(c, "welcome");
  SecureBytes signature_priv = to_secure(hex_field(c, "signature_priv"));
  KeyPackageBundle bundle{key_package, hpke_private(suite, c, "init_priv"),
                          hpke_private(suite, c, "encryption_priv")};
  expect_bytes("signature_priv (public key)", key_package.leaf_node.signature_key,
               suite.signature_public_key(signature_priv));
  expect_bytes("encryption_priv (public key)", key_package.leaf_node.encryption_key,
               suite.hpke().kem().key_pair(bundle.encryption_private_key).public_key);
  expect_bytes("init_priv (public key)", key_package.init_key,
               suite.hpke().kem().key_pair(bundle.init_private_key).public_key);

  std::map<Bytes, SecureBytes> psks;
  for (const auto& p : member(c, "external_psks")) {
    psks[hex_field(p, "psk_id")] = to_secure(hex_field(p, "psk"));
  }
  std::optional<RatchetTreeNodes> tree;
  if (!member(c, "ratchet_tree").is_null()) {
    try {
      tree = decode<RatchetTreeNodes>(hex_field(c, "ratchet_tree"));
    } catch (const Error& e) {
      throw CheckFailure("ratchet_tree", "does not decode: " + e.message());
    }
  }

  // The clock: --now, else the time the case was recorded, the not_before of
  // its own KeyPackage.
  // AMBIGUITY: some recorders give their own KeyPackage the unbounded lifetime
  // [0, 2^64-1], which says nothing about when it was made. Then we take the
  // latest not_before of the key_package leaves in the group joined: the case
  // cannot have been recorded before its newest KeyPackage was made.
  uint64_t now = 0;
  const Lifetime& own = key_package.leaf_node.lifetime;
  if (context.now) {
    now = *context.now;
    context.clock = "--now " + std::to_string(now);
  } else if (own.not_before != 0 || own.not_after != UINT64_MAX) {
    now = own.not_before;
    context.clock = "recorded (not_before of the case's KeyPackage: " + std::to_string(now) + ")";
  } else {
    try {
      now = latest_not_before(suite, welcome, bundle, tree, psks);
    } catch (const Error& e) {
      throw CheckFailure("welcome", e.what());
    }
    context.clock = "recorded (latest not_before in the joined tree: " + std::to_string(now) + ")";
  }
  GroupConfig config;
  config.clock = [now] { return now; };

  std::optional<Group> group;
  try {
    group.emplace(Group::join(config, welcome, bundle, tree, psks));
  } catch (const Error& e) {
    throw CheckFailure("welcome", e.what());
  }
  expect_bytes("initial_epoch_authenticator", hex_field(c, "initial_epoch_authenticator"),
               group->epoch_authenticator().view());

  const json& epochs = member(c, "epochs");
  for (size_t i = 0; i < epochs.size(); ++i) {
    const json& epoch = epochs[i];
    std::string at = "epochs[" + std::to_string(i) + "]";
    const json& proposals = member(epoch, "proposals");
    for (size_t j = 0; j < proposals.size(); ++j) {
      std::string name = at + ".proposals[" + std::to_string(j) + "]";
      if (!proposals[j].is_string()) {
        malformed(name, "not a hex string");
      }
      try {
        ProcessedMessage m = group->process_message(from_hex(proposals[j].get<std::string>()));
        auto* q = std::get_if<QueuedProposal>(&m.content);
        if (q == nullptr) {
          throw CheckFailure(name, "is not a proposal");
        }
        group->store_pending_proposal(std::move(*q));
      } catch (const Error& e) {
        throw CheckFailure(name, e.what());
      }
    }
    try {
      ProcessedMessage m = group->process_message(hex_field(epoch, "commit"));
      auto* staged = std::get_if<StagedCommit>(&m.content);
      if (staged == nullptr) {
        throw CheckFailure(at + ".commit", "is not a commit");
      }
      group->merge_staged_commit(std::move(*staged));
    } catch (const Error& e) {
      throw CheckFailure(at + ".commit", e.what());
    }
    expect_bytes(at + ".epoch_authenticator", hex_field(epoch, "epoch_authenticator"),
                 group->epoch_authenticator().view());
  }
}

}  // namespace mlsref::conformance

// ---------------------------------------------------------------- generation
//
// Every case comes from a real group run through the API of ref/group.h: the
// members are Groups that send, process and merge; the passive client is one
// more Group, joined from the recorded Welcome, whose epoch_authenticator is
// written after each commit (and checked against every other member's).

namespace mlsref::conformance {

namespace {

// The fixed clock of generated cases (deterministic output); the key
// packages' not_before is an hour earlier, the time the verifier judges at.
constexpr uint64_t kGeneratedAt = 1'700'000'000;

enum class Op {
  self_update,
  new_signer,
  update_committed_by_other,
  pending_add_by_self_update,
  add_with_path,
  add_without_path,
  remove_by_value,
  remove_by_reference,
  external_psk,
  resumption_psk,
  group_context_extensions,
};
constexpr Op kAllOps[] = {Op::self_update,
                          Op::new_signer,
                          Op::update_committed_by_other,
                          Op::pending_add_by_self_update,
                          Op::add_with_path,
                          Op::add_without_path,
                          Op::remove_by_value,
                          Op::remove_by_reference,
                          Op::external_psk,
                          Op::resumption_psk,
                          Op::group_context_extensions};

struct Member {
  Signer signer;
  Group group;
};

struct Joiner {
  Signer signer;
  KeyPackageBundle bundle;
};

class Scenario {
 public:
  Scenario(const CipherSuite& suite, Botan::RandomNumberGenerator& rng, bool handshake_private,
           bool tree_in_welcome)
      : suite_(suite), rng_(rng) {
    config_.clock = [] { return kGeneratedAt; };
    config_.rng = &rng_;
    config_.handshake_private = handshake_private;
    config_.ratchet_tree_extension = tree_in_welcome;
    psk_ids_ = {to_bytes("external psk 0"), to_bytes("external psk 1")};
    for (const Bytes& id : psk_ids_) {
      Bytes v = random_bytes(rng_, suite.hash_size());
      psks_[id] = SecureBytes(v.begin(), v.end());
    }
    Joiner creator = joiner("member 0");
    members_.push_back(Member{
        creator.signer, Group::create(config_, suite.id(), random_bytes(rng_, 16), creator.signer,
                                      {creator.bundle.key_package.leaf_node.credential,
                                       creator.signer.public_key})});
    for (const auto& [id, psk] : psks_) {
      members_[0].group.add_external_psk(id, psk);
    }
  }

  Joiner joiner(const std::string& name) {
    Joiner j;
    j.signer = Signer::generate(suite_, rng_);
    KeyPackageOptions options;
    options.lifetime = Lifetime{kGeneratedAt - 3600, kGeneratedAt + 90ull * 24 * 3600};
    j.bundle = create_key_package(suite_, j.signer,
                                  {Credential::basic(to_bytes(name)), j.signer.public_key}, options,
                                  rng_, config_.clock);
    return j;
  }

  // Adds `n` members before the passive client joins (not recorded).
  void grow(size_t n, bool with_path) {
    std::vector<Joiner> js;
    std::vector<KeyPackage> kps;
    for (size_t i = 0; i < n; ++i) {
      js.push_back(joiner("member " + std::to_string(members_.size() + i)));
      kps.push_back(js.back().bundle.key_package);
    }
    CommitBundle b = with_path
                         ? members_[0].group.add_members(members_[0].signer, kps)
                         : members_[0].group.add_members_without_update(members_[0].signer, kps);
    deliver(b, 0);
    join_all(js, b);
  }

  // The passive client joins; returns the case's opening fields.
  json add_passive(bool with_path, bool with_psk) {
    passive_ = joiner("passive client");
    size_t committer = random_below(rng_, members_.size());
    CommitBuilder b = members_[committer].group.commit_builder();
    b.add(passive_.bundle.key_package).force_self_update(with_path);
    if (with_psk) {
      b.psk(PreSharedKeyID{
          PSKType::external, psk_ids_[0], {}, {}, 0, random_bytes(rng_, suite_.hash_size())});
    }
    CommitBundle bundle = b.build(members_[committer].signer);
    deliver(bundle, committer);
    const auto& welcome = std::get<Welcome>(bundle.welcome.value().body);
    std::optional<RatchetTreeNodes> tree;
    if (!config_.ratchet_tree_extension) {
      tree = members_[committer].group.tree().to_nodes();
    }
    passive_group_.emplace(Group::join(config_, welcome, passive_.bundle, tree, psks_));
    check_agreement();
    json psks = json::array();
    for (const auto& [id, psk] : psks_) {
      psks.push_back(json{{"psk_id", to_hex(id)}, {"psk", to_hex(psk)}});
    }
    return json{
        {"cipher_suite", suite_.id()},
        {"external_psks", psks},
        {"key_package", to_hex(encode(MLSMessage{mls10, passive_.bundle.key_package}))},
        {"signature_priv", to_hex(passive_.signer.private_key)},
        {"encryption_priv", to_hex(passive_.bundle.encryption_private_key)},
        {"init_priv", to_hex(passive_.bundle.init_private_key)},
        {"welcome", to_hex(encode(*bundle.welcome))},
        {"ratchet_tree", tree ? json(to_hex(encode(*tree))) : json()},
        {"initial_epoch_authenticator", to_hex(passive_group_->epoch_authenticator().view())}};
  }

  // One recorded epoch doing `op`. Returns false when `op` does not apply.
  bool step(Op op, json& epochs) {
    size_t n = members_.size();
    size_t committer = random_below(rng_, n);
    size_t other = n > 1 ? (committer + 1 + random_below(rng_, n - 1)) % n : committer;
    Member& c = members_[committer];
    std::vector<MLSMessage> proposals;
    std::vector<Joiner> joiners;
    std::optional<CommitBundle> bundle;
    std::optional<Signer> next_signer;
    switch (op) {
      case Op::self_update:
        bundle = c.group.self_update(c.signer);
        break;
      case Op::new_signer: {
        Signer s = Signer::generate(suite_, rng_);
        CredentialWithKey cred{Credential::basic(to_bytes("renamed " + std::to_string(n))),
                               s.public_key};
        bundle = c.group.self_update_with_new_signer(c.signer, NewSignerBundle{s, cred});
        next_signer = s;
        break;
      }
      case Op::update_committed_by_other:
        if (other == committer) {
          return false;
        }
        proposals.push_back(
            send(other, [&](Member& m) { return m.group.propose_self_update(m.signer).first; }));
        bundle = c.group.commit_to_pending_proposals(c.signer);
        break;
      case Op::pending_add_by_self_update:
        joiners.push_back(joiner("member " + std::to_string(counter_++ + 100)));
        proposals.push_back(send(other, [&](Member& m) {
          return m.group.propose_add_member(m.signer, joiners.back().bundle.key_package).first;
        }));
        bundle = c.group.self_update(c.signer);
        break;
      case Op::add_with_path:
      case Op::add_without_path: {
        std::vector<KeyPackage> kps;
        for (uint64_t i = 0, k = 1 + random_below(rng_, 2); i < k; ++i) {
          joiners.push_back(joiner("member " + std::to_string(counter_++ + 100)));
          kps.push_back(joiners.back().bundle.key_package);
        }
        bundle = op == Op::add_with_path ? c.group.add_members(c.signer, kps)
                                         : c.group.add_members_without_update(c.signer, kps);
        break;
      }
      case Op::remove_by_value:
      case Op::remove_by_reference: {
        if (n < 3) {
          return false;
        }
        size_t victim = (committer + 1 + random_below(rng_, n - 1)) % n;
        LeafIndex leaf = members_[victim].group.own_leaf_index();
        if (op == Op::remove_by_value) {
          LeafIndex leaves[] = {leaf};
          bundle = c.group.remove_members(c.signer, leaves);
        } else {
          size_t proposer = victim == other ? committer : other;
          proposals.push_back(send(proposer, [&](Member& m) {
            return m.group.propose_remove_member(m.signer, leaf).first;
          }));
          bundle = c.group.commit_to_pending_proposals(c.signer);
        }
        break;
      }
      case Op::external_psk:
      case Op::resumption_psk: {
        PreSharedKeyID id{PSKType::external,
                          psk_ids_[random_below(rng_, psk_ids_.size())],
                          ResumptionPSKUsage::application,
                          {},
                          0,
                          random_bytes(rng_, suite_.hash_size())};
        if (op == Op::resumption_psk) {
          // An earlier epoch every member (the passive client included) kept.
          uint64_t first = std::max(passive_group_->state().resumption_psks.begin()->first,
                                    c.group.state().resumption_psks.begin()->first);
          for (const auto& m : members_) {
            first = std::max(first, m.group.state().resumption_psks.begin()->first);
          }
          uint64_t epoch = c.group.epoch();
          id = PreSharedKeyID{PSKType::resumption,
                              {},
                              ResumptionPSKUsage::application,
                              c.group.group_id(),
                              first + random_below(rng_, epoch - first + 1),
                              random_bytes(rng_, suite_.hash_size())};
        }
        if (random_below(rng_, 2) == 0) {
          bundle = c.group.commit_builder().psk(id).build(c.signer);
        } else {
          proposals.push_back(
              send(other, [&](Member& m) { return m.group.propose_psk(m.signer, id).first; }));
          bundle = c.group.commit_to_pending_proposals(c.signer);
        }
        break;
      }
      case Op::group_context_extensions: {
        // A default GroupContext extension every leaf supports (§7.2).
        std::vector<ExternalSender> senders{
            {random_bytes(rng_, 32), Credential::basic(to_bytes("delivery service"))}};
        std::vector<Extension> ext{{extension_type::external_senders, encode(senders)}};
        bundle = c.group.commit_builder().group_context_extensions(ext).build(c.signer);
        break;
      }
    }
    json hex_proposals = json::array();
    for (const auto& p : proposals) {
      hex_proposals.push_back(to_hex(encode(p)));
    }
    deliver(*bundle, committer);
    if (next_signer) {
      members_[committer].signer = *next_signer;
    }
    join_all(joiners, *bundle);
    check_agreement();
    epochs.push_back(
        json{{"proposals", hex_proposals},
             {"commit", to_hex(encode(bundle->commit))},
             {"epoch_authenticator", to_hex(passive_group_->epoch_authenticator().view())}});
    return true;
  }

 private:
  // Member `i` sends a proposal that every other member (and the passive
  // client) receives and stores.
  template <class F>
  MLSMessage send(size_t i, F&& make) {
    MLSMessage m = make(members_[i]);
    for (size_t j = 0; j < members_.size(); ++j) {
      if (j != i) {
        store(members_[j].group, m);
      }
    }
    if (passive_group_) {
      store(*passive_group_, m);
    }
    return m;
  }

  static void store(Group& g, const MLSMessage& m) {
    ProcessedMessage p = g.process_message(encode(m));
    g.store_pending_proposal(std::get<QueuedProposal>(std::move(p.content)));
  }

  // Every member but the committer (and the passive client) processes the
  // commit; removed members leave; the committer merges its own.
  void deliver(const CommitBundle& b, size_t committer) {
    Bytes bytes = encode(b.commit);
    std::vector<bool> removed(members_.size(), false);
    for (size_t j = 0; j < members_.size(); ++j) {
      if (j == committer) {
        continue;
      }
      ProcessedMessage p = members_[j].group.process_message(bytes);
      StagedCommit staged = std::get<StagedCommit>(std::move(p.content));
      removed[j] = staged.self_removed();
      members_[j].group.merge_staged_commit(std::move(staged));
    }
    members_[committer].group.merge_pending_commit();
    if (passive_group_) {
      ProcessedMessage p = passive_group_->process_message(bytes);
      passive_group_->merge_staged_commit(std::get<StagedCommit>(std::move(p.content)));
    }
    std::vector<Member> stay;
    for (size_t j = 0; j < members_.size(); ++j) {
      if (!removed[j]) {
        stay.push_back(std::move(members_[j]));
      }
    }
    members_ = std::move(stay);
  }

  void join_all(const std::vector<Joiner>& js, const CommitBundle& b) {
    if (js.empty()) {
      return;
    }
    const auto& welcome = std::get<Welcome>(b.welcome.value().body);
    std::optional<RatchetTreeNodes> tree;
    if (!config_.ratchet_tree_extension) {
      tree = members_[0].group.tree().to_nodes();
    }
    for (const Joiner& j : js) {
      Group g = Group::join(config_, welcome, j.bundle, tree, psks_);
      members_.push_back(Member{j.signer, std::move(g)});
    }
  }

  void check_agreement() const {
    const Group& ref = passive_group_ ? *passive_group_ : members_[0].group;
    for (const auto& m : members_) {
      if (m.group.epoch_authenticator() != ref.epoch_authenticator() ||
          m.group.tree_hash() != ref.tree_hash()) {
        throw Error(ErrorKind::internal, "12.4.2", "generated group members disagree");
      }
    }
  }

  const CipherSuite& suite_;
  Botan::RandomNumberGenerator& rng_;
  GroupConfig config_;
  std::vector<Bytes> psk_ids_;
  std::map<Bytes, SecureBytes> psks_;
  std::vector<Member> members_;
  Joiner passive_;
  std::optional<Group> passive_group_;
  size_t counter_ = 0;
};

json passive_case(const CipherSuite& suite, Botan::RandomNumberGenerator& rng, bool priv,
                  bool tree_in_welcome, size_t before, bool join_path, bool join_psk,
                  std::span<const Op> ops) {
  Scenario s(suite, rng, priv, tree_in_welcome);
  if (before > 0) {
    s.grow(before, true);
  }
  json c = s.add_passive(join_path, join_psk);
  json epochs = json::array();
  for (Op op : ops) {
    if (!s.step(op, epochs)) {
      s.step(Op::self_update, epochs);
    }
  }
  c["epochs"] = epochs;
  return c;
}

}  // namespace

json generate_passive_client_welcome(const GenerateOptions& options) {
  return per_suite(options, "passive-client-welcome",
                   [&](const CipherSuite& suite, Botan::RandomNumberGenerator& rng, json& out) {
                     // Tree in the Welcome or out of band, a path secret or not,
                     // a PSK or not, groups of 1 to 5 members.
                     for (int i = 0; i < 8; ++i) {
                       out.push_back(passive_case(suite, rng, i & 4, i & 1, random_below(rng, 5),
                                                  i & 2, random_below(rng, 2) == 0, {}));
                     }
                   });
}

json generate_passive_client_handling_commit(const GenerateOptions& options) {
  return per_suite(options, "passive-client-handling-commit",
                   [&](const CipherSuite& suite, Botan::RandomNumberGenerator& rng, json& out) {
                     // One case per operation, each after a self-update, as PublicMessage
                     // and as PrivateMessage.
                     for (bool priv : {false, true}) {
                       for (Op op : kAllOps) {
                         Op ops[] = {Op::self_update, op, op};
                         out.push_back(passive_case(suite, rng, priv, true, 3, true, false, ops));
                       }
                     }
                   });
}

json generate_passive_client_random(const GenerateOptions& options) {
  return per_suite(options, "passive-client-random",
                   [&](const CipherSuite& suite, Botan::RandomNumberGenerator& rng, json& out) {
                     for (bool priv : {false, true}) {
                       std::vector<Op> ops;
                       for (int i = 0; i < 40; ++i) {
                         ops.push_back(kAllOps[random_below(rng, std::size(kAllOps))]);
                       }
                       out.push_back(passive_case(suite, rng, priv, random_below(rng, 2) == 0,
                                                  2 + random_below(rng, 4), true, true, ops));
                     }
                   });
}

}  // namespace mlsref::conformance
