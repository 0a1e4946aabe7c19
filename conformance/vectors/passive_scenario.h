// The group histories behind the generated passive-client vectors
// (passive-client-*.json and invalid-passive-client): members that are real
// Groups of ref/group.h, sending, processing and merging, and a passive
// client that joins from a recorded Welcome and follows every commit.
#pragma once

#include "conformance/vector_type.h"
#include "conformance/vectors/fields.h"
#include "ref/group.h"

namespace mlsref::conformance::passive {

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
  // For the must-reject generator (invalid_passive_client.cpp), which plays
  // the last epoch by hand.
  std::vector<Member>& members() { return members_; }
  Group& passive_group() { return *passive_group_; }
  const Joiner& passive() const { return passive_; }
  const GroupConfig& config() const { return config_; }
  const std::map<Bytes, SecureBytes>& psks() const { return psks_; }
  std::map<Bytes, SecureBytes>& psks() { return psks_; }
  const std::vector<Bytes>& psk_ids() const { return psk_ids_; }
  const CipherSuite& suite() const { return suite_; }
  Botan::RandomNumberGenerator& rng() { return rng_; }

  // `capabilities`: what every client's leaf lists (empty fields filled in
  // as usual); `extensions`: the new group's GroupContext extensions.
  Scenario(const CipherSuite& suite, Botan::RandomNumberGenerator& rng, bool handshake_private,
           bool tree_in_welcome, std::optional<Capabilities> capabilities = std::nullopt,
           std::vector<Extension> extensions = {})
      : suite_(suite), rng_(rng), capabilities_(std::move(capabilities)) {
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
        creator.signer,
        Group::create(config_, suite.id(), random_bytes(rng_, 16), creator.signer,
                      {creator.bundle.key_package.leaf_node.credential, creator.signer.public_key},
                      capabilities_
                          ? LeafNodeParameters::builder().with_capabilities(*capabilities_).build()
                          : LeafNodeParameters{},
                      std::move(extensions))});
    for (const auto& [id, psk] : psks_) {
      members_[0].group.add_external_psk(id, psk);
    }
  }

  Joiner joiner(const std::string& name) {
    Joiner j;
    j.signer = Signer::generate(suite_, rng_);
    KeyPackageOptions options;
    options.lifetime = Lifetime{kGeneratedAt - 3600, kGeneratedAt + 90ull * 24 * 3600};
    if (capabilities_) {
      options.capabilities = *capabilities_;
    }
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
    return opening(passive_, *bundle.welcome, tree, psks_,
                   Bytes(passive_group_->epoch_authenticator().view().begin(),
                         passive_group_->epoch_authenticator().view().end()));
  }

  // The opening fields of a passive-client case: the joiner `j`, the Welcome
  // it joins with, the tree out of band (if any), the external PSKs and the
  // epoch_authenticator of the group joined (none: the field is left out).
  json opening(const Joiner& j, const MLSMessage& welcome,
               const std::optional<RatchetTreeNodes>& tree,
               const std::map<Bytes, SecureBytes>& psks,
               const std::optional<Bytes>& initial_epoch_authenticator) const {
    json jpsks = json::array();
    for (const auto& [id, psk] : psks) {
      jpsks.push_back(json{{"psk_id", to_hex(id)}, {"psk", to_hex(psk)}});
    }
    json c{{"cipher_suite", suite_.id()},
           {"external_psks", jpsks},
           {"key_package", to_hex(encode(MLSMessage{mls10, j.bundle.key_package}))},
           {"signature_priv", to_hex(j.signer.private_key)},
           {"encryption_priv", to_hex(j.bundle.encryption_private_key)},
           {"init_priv", to_hex(j.bundle.init_private_key)},
           {"welcome", to_hex(encode(welcome))},
           {"ratchet_tree", tree ? json(to_hex(encode(*tree))) : json()}};
    if (initial_epoch_authenticator) {
      c["initial_epoch_authenticator"] = to_hex(*initial_epoch_authenticator);
    }
    return c;
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

 public:
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

 private:
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
  std::optional<Capabilities> capabilities_;
  GroupConfig config_;
  std::vector<Bytes> psk_ids_;
  std::map<Bytes, SecureBytes> psks_;
  std::vector<Member> members_;
  Joiner passive_;
  std::optional<Group> passive_group_;
  size_t counter_ = 0;
};

}  // namespace mlsref::conformance::passive
