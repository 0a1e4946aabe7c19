// RFC 9420 §12 group evolution, model-based (rc::state), the workflows:
// adds inline or by proposal (with or without a path; the Welcome with or
// without the ratchet_tree extension), removes inline or by proposal,
// self-updates (with or without a new signer), Update proposals committed by
// another member, PSK commits (external and resumption), external joins
// (§12.4.3.2: with or without the tree in the GroupInfo, resyncs, PSKs),
// external proposals (§12.1.8: a new member's Add, an external sender's Add or
// Remove), ReInit (§11.2: proposal, commit, the new group joined with the
// reinit PSK), application messages in and out of order, and replays, on
// groups of up to 32 members
// with public or private handshake messages. The model predicts who is a
// member, at which leaf (§7.7: the leftmost blank leaf, or a new one), and
// the epoch. After every commit all members agree on the epoch,
// epoch_authenticator, tree hash and an exported secret; a removed member can
// no longer read; a rejected message (a tampered commit, a commit that
// arrives before the proposal it references, a replayed commit or
// application message, a message of an old epoch) changes no state, and no
// ratchet generation. group_model_props.cpp (group_props) drives random
// operations from random starting groups; this file adds the proposal,
// PSK, replay and out-of-order paths and the leaf placement.
// Public and private handshakes are one gtest each; RC_PARAMS overrides the
// small default number of cases (model_params).
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>
#include <rapidcheck/state.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <ostream>
#include <sstream>

#include "conformance/vector_type.h"
#include "ref/group.h"

namespace mlsref {
namespace {

constexpr CipherSuiteId kSuite = 1;
constexpr size_t kMaxMembers = 32;
const Bytes kExternalPskId = to_bytes("model external psk");

// ---------------------------------------------------------------- the model

struct Model {
  // leaves[i]: the client at leaf i, or blank; no trailing blanks.
  std::vector<std::optional<uint32_t>> leaves{0u};
  uint64_t epoch = 0;
  uint32_t next_client = 1;
  bool has_commit = false;       // a commit was sent (a replay candidate)
  bool has_application = false;  // an application message was sent

  std::vector<uint32_t> members() const {
    std::vector<uint32_t> out;
    for (const auto& l : leaves) {
      if (l) {
        out.push_back(*l);
      }
    }
    return out;
  }
  bool is_member(uint32_t client) const {
    for (const auto& l : leaves) {
      if (l == client) {
        return true;
      }
    }
    return false;
  }
  uint32_t leaf_of(uint32_t client) const {
    for (uint32_t i = 0; i < leaves.size(); ++i) {
      if (leaves[i] == client) {
        return i;
      }
    }
    throw std::logic_error("not a member");
  }
  // RFC 9420 §12.1.1: an Add goes into the leftmost blank leaf, or extends.
  void add(uint32_t client) {
    for (auto& l : leaves) {
      if (!l) {
        l = client;
        return;
      }
    }
    leaves.push_back(client);
  }
  void remove(uint32_t client) {
    leaves[leaf_of(client)].reset();
    while (!leaves.empty() && !leaves.back()) {
      leaves.pop_back();
    }
  }
};

// ---------------------------------------------------------------- the system

struct Member {
  Signer signer;
  CredentialWithKey credential;
  std::optional<Group> group;
};

struct Sut {
  CipherSuite suite{kSuite};
  std::unique_ptr<Botan::RandomNumberGenerator> rng;
  GroupConfig config;
  SecureBytes external_psk;
  std::map<uint32_t, Member> members;  // by client id
  Member server;                       // the group's one external sender (§12.1.8.1)
  uint32_t reinits = 0;
  Bytes last_commit;
  Bytes last_application;

  Sut(uint64_t seed, bool handshake_private, bool ratchet_tree_extension)
      : rng(conformance::seeded_rng(seed, "group model")) {
    config.handshake_private = handshake_private;
    config.ratchet_tree_extension = ratchet_tree_extension;
    config.rng = rng.get();
    external_psk = SecureBytes(32, 0x5a);
    server = new_client(1000);
    std::vector<ExternalSender> senders{
        ExternalSender{server.signer.public_key, server.credential.credential}};
    Member creator = new_client(0);
    creator.group.emplace(Group::create(
        config, kSuite, to_bytes("model group"), creator.signer, creator.credential, {},
        {Extension{extension_type::external_senders, encode(senders)}}));
    creator.group->add_external_psk(kExternalPskId, external_psk);
    members.emplace(0, std::move(creator));
  }

  Member new_client(uint32_t id) {
    Member m;
    m.signer = Signer::generate(suite, *rng);
    m.credential = CredentialWithKey{Credential::basic(to_bytes("client " + std::to_string(id))),
                                     m.signer.public_key};
    return m;
  }
  Group& group(uint32_t client) { return *members.at(client).group; }
};

// What a rejected message must leave as it was.
struct Snapshot {
  uint64_t epoch;
  EpochAuthenticator epoch_authenticator;
  Bytes tree_hash;
  std::vector<Bytes> pending;
  bool has_pending_commit;
  std::vector<uint32_t> generations;  // the next generation of every ratchet
  explicit Snapshot(const Group& g)
      : epoch(g.epoch()),
        epoch_authenticator(g.epoch_authenticator()),
        tree_hash(g.tree_hash()),
        has_pending_commit(g.pending_commit().has_value()) {
    for (const auto& q : g.pending_proposals()) {
      pending.push_back(q.ref);
    }
    SecretTree copy = *g.state().secret_tree;
    for (uint32_t i = 0; i < g.tree().leaf_count().value; ++i) {
      for (auto type : {RatchetType::handshake, RatchetType::application}) {
        generations.push_back(copy.ratchet(LeafIndex(i), type).next_generation());
      }
    }
  }
  bool operator==(const Snapshot&) const = default;
};

// `message` must be rejected with an mlsref::Error and leave `g` as it was.
void expect_rejected(Group& g, ByteView message, const char* what) {
  Snapshot before(g);
  bool rejected = false;
  try {
    g.process_message(message);
  } catch (const Error&) {
    rejected = true;
  }
  if (!rejected) {
    RC_FAIL(std::string(what) + " was accepted");
  }
  if (!(Snapshot(g) == before)) {
    RC_FAIL(std::string(what) + " was rejected but changed the group");
  }
}

// Every member is where the model says, and all agree on the epoch's secrets.
void check_agreement(const Model& m, Sut& sut) {
  RC_ASSERT(sut.members.size() == m.members().size());
  const Group& first = sut.group(m.members().front());
  SecureBytes exported = first.export_secret("model", to_bytes("check"), 32);
  for (uint32_t client : m.members()) {
    const Group& g = sut.group(client);
    RC_ASSERT(g.active());
    RC_ASSERT(g.epoch() == m.epoch);
    RC_ASSERT(g.own_leaf_index().value == m.leaf_of(client));
    RC_ASSERT(g.epoch_authenticator() == first.epoch_authenticator());
    RC_ASSERT(g.tree_hash() == first.tree_hash());
    RC_ASSERT(g.tree().root_tree_hash(g.suite()) == g.tree_hash());
    RC_ASSERT(g.export_secret("model", to_bytes("check"), 32) == exported);
    RC_ASSERT(g.pending_proposals().empty());
  }
}

// A tampered copy of a commit in flight: one byte XORed with a non-zero mask.
struct Tamper {
  bool enabled = false;
  uint32_t position = 0;
  uint8_t mask = 1;
  static Tamper generate() {
    Tamper t;
    t.enabled = *rc::gen::weightedElement<bool>({{1, true}, {2, false}});
    t.position = *rc::gen::arbitrary<uint32_t>();
    t.mask = *rc::gen::inRange<uint8_t>(1, 255);
    return t;
  }
  void show(std::ostream& os) const {
    if (enabled) {
      os << " tamper@" << position << "^" << int(mask);
    }
  }
};

// Every member but the committer processes `bundle.commit` and merges it
// (first rejecting a tampered copy when asked); new members join from the
// Welcome; the committer merges its pending commit. Returns the staged
// commits by client.
std::map<uint32_t, StagedCommit> deliver_commit(const Model& before, Sut& sut, uint32_t committer,
                                                const CommitBundle& bundle,
                                                const std::vector<uint32_t>& joiners,
                                                const std::vector<KeyPackageBundle>& key_packages,
                                                const Tamper& tamper) {
  Bytes wire = encode(bundle.commit);
  std::map<uint32_t, StagedCommit> staged;
  for (uint32_t client : before.members()) {
    if (client == committer) {
      continue;
    }
    Group& g = sut.group(client);
    if (tamper.enabled) {
      Bytes bad = wire;
      bad[tamper.position % bad.size()] ^= tamper.mask;
      expect_rejected(g, bad, "a tampered commit");
    }
    ProcessedMessage pm = g.process_message(wire);
    auto* sc = std::get_if<StagedCommit>(&pm.content);
    RC_ASSERT(sc != nullptr);
    RC_ASSERT(sc->committer().value == before.leaf_of(committer));
    RC_ASSERT(sc->epoch() == before.epoch + 1);
    staged.emplace(client, *sc);
    g.merge_staged_commit(std::move(*sc));
  }
  sut.group(committer).merge_pending_commit();
  RC_ASSERT(joiners.size() == key_packages.size());
  RC_ASSERT(bundle.welcome.has_value() == !joiners.empty());
  for (size_t i = 0; i < joiners.size(); ++i) {
    Member& m = sut.members.at(joiners[i]);
    Bytes welcome_wire = encode(*bundle.welcome);
    MLSMessage w = decode<MLSMessage>(welcome_wire);
    std::optional<RatchetTreeNodes> tree;
    if (!sut.config.ratchet_tree_extension) {
      tree = sut.group(committer).tree().to_nodes();  // out of band
    }
    m.group.emplace(Group::join(sut.config, std::get<Welcome>(w.body), key_packages[i], tree,
                                {{kExternalPskId, sut.external_psk}}));
  }
  sut.last_commit = std::move(wire);
  return staged;
}

// A proposal sent by `proposer` that every other member receives and stores.
// (`only`, when set, receives it alone).
void deliver_proposal(const Model& m, Sut& sut, uint32_t proposer, const MLSMessage& proposal,
                      const Bytes& ref, std::optional<uint32_t> skip = std::nullopt,
                      std::optional<uint32_t> only = std::nullopt) {
  Bytes wire = encode(proposal);
  for (uint32_t client : m.members()) {
    if (client == proposer || client == skip || (only && client != *only)) {
      continue;
    }
    Group& g = sut.group(client);
    ProcessedMessage pm = g.process_message(wire);
    auto* q = std::get_if<QueuedProposal>(&pm.content);
    RC_ASSERT(q != nullptr);
    RC_ASSERT(q->ref == ref);
    RC_ASSERT(q->sender.leaf_index == m.leaf_of(proposer));
    g.store_pending_proposal(*q);
  }
}

// Every member but `sender` (and `skip`) processes the external commit or
// proposal `message`; commits are merged, proposals stored. Returns the
// staged commits by client.
std::map<uint32_t, StagedCommit> deliver_external(const Model& m, Sut& sut,
                                                  const MLSMessage& message,
                                                  std::optional<uint32_t> skip,
                                                  const Tamper& tamper) {
  Bytes wire = encode(message);
  std::map<uint32_t, StagedCommit> staged;
  for (uint32_t client : m.members()) {
    if (client == skip) {
      continue;
    }
    Group& g = sut.group(client);
    if (tamper.enabled) {
      Bytes bad = wire;
      bad[tamper.position % bad.size()] ^= tamper.mask;
      expect_rejected(g, bad, "a tampered external message");
    }
    ProcessedMessage pm = g.process_message(wire);
    if (auto* q = std::get_if<QueuedProposal>(&pm.content)) {
      RC_ASSERT(q->sender.sender_type != SenderType::member);
      g.store_pending_proposal(*q);
    } else {
      auto* sc = std::get_if<StagedCommit>(&pm.content);
      RC_ASSERT(sc != nullptr);
      RC_ASSERT(pm.sender.sender_type == SenderType::new_member_commit);
      staged.emplace(client, *sc);
      g.merge_staged_commit(std::move(*sc));
    }
  }
  return staged;
}

using Command = rc::state::Command<Model, Sut>;

uint32_t any_member(const Model& m) { return *rc::gen::elementOf(m.members()); }

// ---------------------------------------------------------------- commands

struct AddMembers : Command {
  uint32_t committer, proposer;
  size_t count;
  bool with_path, by_proposal;
  Tamper tamper = Tamper::generate();
  explicit AddMembers(const Model& m)
      : committer(any_member(m)),
        proposer(any_member(m)),
        count(*rc::gen::inRange<size_t>(1, 9)),
        with_path(*rc::gen::arbitrary<bool>()),
        by_proposal(*rc::gen::arbitrary<bool>()) {}
  void checkPreconditions(const Model& m) const override {
    RC_PRE(m.is_member(committer) && m.is_member(proposer));
    RC_PRE(m.members().size() + count <= kMaxMembers);
  }
  void apply(Model& m) const override {
    for (size_t i = 0; i < count; ++i) {
      m.add(m.next_client++);
    }
    ++m.epoch;
    m.has_commit = true;
  }
  void run(const Model& m, Sut& sut) const override {
    std::vector<uint32_t> joiners;
    std::vector<KeyPackageBundle> bundles;
    std::vector<KeyPackage> kps;
    for (size_t i = 0; i < count; ++i) {
      uint32_t id = m.next_client + static_cast<uint32_t>(i);
      Member c = sut.new_client(id);
      bundles.push_back(create_key_package(sut.suite, c.signer, c.credential, {}, *sut.rng));
      kps.push_back(bundles.back().key_package);
      joiners.push_back(id);
      sut.members.emplace(id, std::move(c));
    }
    Group& g = sut.group(committer);
    CommitBundle bundle;
    if (by_proposal) {
      for (const auto& kp : kps) {
        auto [msg, ref] =
            sut.group(proposer).propose_add_member(sut.members.at(proposer).signer, kp);
        deliver_proposal(m, sut, proposer, msg, ref);
      }
      bundle = with_path ? g.self_update(sut.members.at(committer).signer)
                         : g.commit_to_pending_proposals(sut.members.at(committer).signer);
    } else {
      bundle = with_path ? g.add_members(sut.members.at(committer).signer, kps)
                         : g.add_members_without_update(sut.members.at(committer).signer, kps);
    }
    auto staged = deliver_commit(m, sut, committer, bundle, joiners, bundles, tamper);
    for (auto& [client, sc] : staged) {
      RC_ASSERT(sc.added().size() == count);
      RC_ASSERT(sc.has_path() == with_path);
    }
    check_agreement(nextState(m), sut);
  }
  void show(std::ostream& os) const override {
    os << "AddMembers(" << count << " by " << committer;
    if (by_proposal) {
      os << ", proposed by " << proposer;
    }
    os << (with_path ? ", path" : ", no path");
    tamper.show(os);
    os << ")";
  }
};

struct RemoveMember : Command {
  uint32_t committer, proposer, target;
  bool by_proposal;
  Tamper tamper = Tamper::generate();
  explicit RemoveMember(const Model& m)
      : committer(any_member(m)),
        proposer(any_member(m)),
        target(any_member(m)),
        by_proposal(*rc::gen::arbitrary<bool>()) {}
  void checkPreconditions(const Model& m) const override {
    RC_PRE(m.is_member(committer) && m.is_member(target) && committer != target);
    RC_PRE(!by_proposal || (m.is_member(proposer) && proposer != target));
  }
  void apply(Model& m) const override {
    m.remove(target);
    ++m.epoch;
    m.has_commit = true;
  }
  void run(const Model& m, Sut& sut) const override {
    Group& g = sut.group(committer);
    const Signer& signer = sut.members.at(committer).signer;
    LeafIndex leaf(m.leaf_of(target));
    CommitBundle bundle;
    if (by_proposal) {
      auto [msg, ref] =
          sut.group(proposer).propose_remove_member(sut.members.at(proposer).signer, leaf);
      deliver_proposal(m, sut, proposer, msg, ref);
      bundle = g.commit_to_pending_proposals(signer);
    } else {
      LeafIndex leaves[] = {leaf};
      bundle = g.remove_members(signer, leaves);
    }
    Group before_removal = sut.group(target);
    auto staged = deliver_commit(m, sut, committer, bundle, {}, {}, tamper);
    // The removed member saw itself removed and is no longer active.
    RC_ASSERT(staged.at(target).self_removed());
    RC_ASSERT(!sut.group(target).active());
    for (auto& [client, sc] : staged) {
      RC_ASSERT(sc.removed() == std::vector<LeafIndex>{leaf});
      RC_ASSERT(sc.self_removed() == (client == target));
    }
    Member removed = std::move(sut.members.at(target));
    sut.members.erase(target);
    check_agreement(nextState(m), sut);
    // A removed member can no longer read: neither the merged state nor the
    // state it had before the commit reads the next epoch's messages.
    MLSMessage next = g.create_message(signer, to_bytes("after the removal"));
    Bytes wire = encode(next);
    RC_ASSERT_THROWS_AS(removed.group->process_message(wire), Error);
    RC_ASSERT_THROWS_AS(before_removal.process_message(wire), Error);
    for (uint32_t client : nextState(m).members()) {
      if (client != committer) {
        auto pm = sut.group(client).process_message(wire);
        RC_ASSERT(std::get<ApplicationMessage>(pm.content).data == to_bytes("after the removal"));
      }
    }
  }
  void show(std::ostream& os) const override {
    os << "RemoveMember(" << target << " by " << committer;
    if (by_proposal) {
      os << ", proposed by " << proposer;
    }
    tamper.show(os);
    os << ")";
  }
};

struct SelfUpdate : Command {
  uint32_t committer;
  bool new_signer;
  Tamper tamper = Tamper::generate();
  explicit SelfUpdate(const Model& m)
      : committer(any_member(m)), new_signer(*rc::gen::arbitrary<bool>()) {}
  void checkPreconditions(const Model& m) const override { RC_PRE(m.is_member(committer)); }
  void apply(Model& m) const override {
    ++m.epoch;
    m.has_commit = true;
  }
  void run(const Model& m, Sut& sut) const override {
    Member& me = sut.members.at(committer);
    Bytes old_key = me.group->tree().leaf(me.group->own_leaf_index()).encryption_key;
    CommitBundle bundle;
    std::optional<NewSignerBundle> fresh;
    if (new_signer) {
      Member c = sut.new_client(committer);
      fresh = NewSignerBundle{c.signer, c.credential};
      bundle = me.group->self_update_with_new_signer(me.signer, *fresh);
    } else {
      bundle = me.group->self_update(me.signer);
    }
    auto staged = deliver_commit(m, sut, committer, bundle, {}, {}, tamper);
    const LeafNode& leaf = me.group->tree().leaf(me.group->own_leaf_index());
    RC_ASSERT(leaf.encryption_key != old_key);
    for (auto& [client, sc] : staged) {
      RC_ASSERT(sc.has_path());
      RC_ASSERT(sc.path_leaf_node()->encryption_key == leaf.encryption_key);
    }
    if (fresh) {
      RC_ASSERT(leaf.signature_key == fresh->signer.public_key);
      me.signer = fresh->signer;
      me.credential = fresh->credential_with_key;
    }
    check_agreement(nextState(m), sut);
  }
  void show(std::ostream& os) const override {
    os << "SelfUpdate(" << committer << (new_signer ? ", new signer" : "");
    tamper.show(os);
    os << ")";
  }
};

// propose_self_update by one member, committed by another. When `late` is
// set, that member gets the commit before the proposal it references: it
// must reject it (after decrypting it, with private handshakes) without a
// trace, then accept it once the proposal arrived.
struct ProposeUpdate : Command {
  uint32_t proposer, committer;
  std::optional<uint32_t> late;
  Tamper tamper = Tamper::generate();
  explicit ProposeUpdate(const Model& m)
      : proposer(any_member(m)),
        committer(any_member(m)),
        late(*rc::gen::arbitrary<bool>() ? std::optional(any_member(m)) : std::nullopt) {}
  void checkPreconditions(const Model& m) const override {
    RC_PRE(m.is_member(proposer) && m.is_member(committer) && proposer != committer);
    RC_PRE(!late || (m.is_member(*late) && *late != proposer && *late != committer));
  }
  void apply(Model& m) const override {
    ++m.epoch;
    m.has_commit = true;
  }
  void run(const Model& m, Sut& sut) const override {
    Member& p = sut.members.at(proposer);
    auto [msg, ref] = p.group->propose_self_update(p.signer);
    const auto& update = std::get<Update>(p.group->pending_proposals().back().proposal.body);
    Bytes new_key = update.leaf_node.encryption_key;
    deliver_proposal(m, sut, proposer, msg, ref, late);
    CommitBundle bundle =
        sut.group(committer).commit_to_pending_proposals(sut.members.at(committer).signer);
    if (late) {
      expect_rejected(sut.group(*late), encode(bundle.commit), "a commit before its proposal");
      deliver_proposal(m, sut, proposer, msg, ref, std::nullopt, late);
    }
    auto staged = deliver_commit(m, sut, committer, bundle, {}, {}, tamper);
    LeafIndex leaf(m.leaf_of(proposer));
    for (auto& [client, sc] : staged) {
      RC_ASSERT(sc.update_proposals().size() == 1u);
      RC_ASSERT(sc.update_proposals()[0].first == leaf);
    }
    // The proposer's new key is in use, in every member's tree.
    for (uint32_t client : nextState(m).members()) {
      RC_ASSERT(sut.group(client).tree().leaf(leaf).encryption_key == new_key);
    }
    check_agreement(nextState(m), sut);
  }
  void show(std::ostream& os) const override {
    os << "ProposeUpdate(" << proposer << ", committed by " << committer;
    if (late) {
      os << ", " << *late << " late";
    }
    tamper.show(os);
    os << ")";
  }
};

// A commit with a PreSharedKey proposal: the external PSK every member has,
// or the resumption PSK of the current epoch.
struct PskCommit : Command {
  uint32_t committer;
  bool external;
  Tamper tamper = Tamper::generate();
  explicit PskCommit(const Model& m)
      : committer(any_member(m)), external(*rc::gen::arbitrary<bool>()) {}
  void checkPreconditions(const Model& m) const override { RC_PRE(m.is_member(committer)); }
  void apply(Model& m) const override {
    ++m.epoch;
    m.has_commit = true;
  }
  void run(const Model& m, Sut& sut) const override {
    Group& g = sut.group(committer);
    PreSharedKeyID id;
    if (external) {
      id.psktype = PSKType::external;
      id.psk_id = kExternalPskId;
    } else {
      id.psktype = PSKType::resumption;
      id.usage = ResumptionPSKUsage::application;
      id.psk_group_id = g.group_id();
      id.psk_epoch = g.epoch();
    }
    CommitBundle bundle = g.commit_builder().psk(id).build(sut.members.at(committer).signer);
    auto staged = deliver_commit(m, sut, committer, bundle, {}, {}, tamper);
    for (auto& [client, sc] : staged) {
      // The group drew a fresh psk_nonce of KDF.Nh bytes (RFC 9420 §8.4).
      RC_ASSERT(sc.psks().size() == 1u);
      PreSharedKeyID got = sc.psks()[0];
      RC_ASSERT(got.psk_nonce.size() == sut.suite.hash_size());
      got.psk_nonce.clear();
      RC_ASSERT(got == id);
    }
    check_agreement(nextState(m), sut);
  }
  void show(std::ostream& os) const override {
    os << "PskCommit(" << committer << (external ? ", external" : ", resumption");
    tamper.show(os);
    os << ")";
  }
};

// Application messages from one member that every other member reads, in
// order or in reverse order (the out-of-order window, §9.2).
struct Application : Command {
  uint32_t sender;
  size_t count;
  bool reverse;
  explicit Application(const Model& m)
      : sender(any_member(m)),
        count(*rc::gen::inRange<size_t>(1, 4)),
        reverse(*rc::gen::arbitrary<bool>()) {}
  void checkPreconditions(const Model& m) const override {
    RC_PRE(m.is_member(sender) && m.members().size() > 1);
  }
  void apply(Model& m) const override { m.has_application = true; }
  void run(const Model& m, Sut& sut) const override {
    Member& s = sut.members.at(sender);
    std::vector<std::pair<Bytes, Bytes>> sent;  // data, wire
    for (size_t i = 0; i < count; ++i) {
      Bytes data = conformance::random_bytes(*sut.rng, 1 + i * 7);
      sent.emplace_back(data, encode(s.group->create_message(s.signer, data, to_bytes("aad"))));
    }
    if (reverse) {
      std::reverse(sent.begin(), sent.end());
    }
    for (uint32_t client : m.members()) {
      if (client == sender) {
        continue;
      }
      for (const auto& [data, wire] : sent) {
        ProcessedMessage pm = sut.group(client).process_message(wire);
        RC_ASSERT(pm.sender.leaf_index == m.leaf_of(sender));
        RC_ASSERT(pm.authenticated_data == to_bytes("aad"));
        RC_ASSERT(std::get<ApplicationMessage>(pm.content).data == data);
      }
    }
    sut.last_application = sent.back().second;
  }
  void show(std::ostream& os) const override {
    os << "Application(" << count << " from " << sender << (reverse ? ", reversed" : "") << ")";
  }
};

// §12.4.3.2: a new client (or, resyncing, a member with a fresh state) joins
// by an external Commit from a member's GroupInfo, optionally injecting the
// external PSK.
struct ExternalJoin : Command {
  uint32_t publisher, resyncer;
  bool resync, with_psk;
  Tamper tamper = Tamper::generate();
  explicit ExternalJoin(const Model& m)
      : publisher(any_member(m)),
        resyncer(any_member(m)),
        resync(*rc::gen::weightedElement<bool>({{1, true}, {2, false}})),
        with_psk(*rc::gen::arbitrary<bool>()) {}
  void checkPreconditions(const Model& m) const override {
    RC_PRE(m.is_member(publisher));
    bool ok = resync ? m.is_member(resyncer) : m.members().size() < kMaxMembers;
    RC_PRE(ok);
  }
  uint32_t joiner(const Model& m) const { return resync ? resyncer : m.next_client; }
  void apply(Model& m) const override {
    uint32_t j = joiner(m);
    if (resync) {
      m.remove(j);
    } else {
      ++m.next_client;
    }
    m.add(j);
    ++m.epoch;
    m.has_commit = true;
  }
  void run(const Model& m, Sut& sut) const override {
    uint32_t j = joiner(m);
    if (!resync) {
      sut.members.emplace(j, sut.new_client(j));
    }
    Member& me = sut.members.at(j);
    GroupInfo gi = sut.group(publisher).group_info(sut.members.at(publisher).signer,
                                                   sut.config.ratchet_tree_extension);
    std::optional<RatchetTreeNodes> tree;
    if (!sut.config.ratchet_tree_extension) {
      tree = sut.group(publisher).tree().to_nodes();  // out of band
    }
    ExternalJoinOptions options;
    if (resync) {
      options.remove_prior = LeafIndex(m.leaf_of(j));
    }
    if (with_psk) {
      options.psks = {{kExternalPskId, sut.external_psk}};
    }
    auto [joined, commit] = Group::join_external(sut.config, decode<GroupInfo>(encode(gi)), tree,
                                                 me.signer, me.credential, options);
    uint32_t new_leaf = nextState(m).leaf_of(j);
    RC_ASSERT(joined.own_leaf_index().value == new_leaf);
    // The resyncing member's old state sees itself removed; the others see
    // the new member commit.
    std::optional<uint32_t> skip;
    if (resync) {
      skip = j;
      ProcessedMessage pm = sut.group(j).process_message(encode(commit));
      RC_ASSERT(std::get<StagedCommit>(pm.content).self_removed());
    }
    auto staged = deliver_external(m, sut, commit, skip, tamper);
    for (auto& [client, sc] : staged) {
      RC_ASSERT(sc.committer().value == new_leaf);
      RC_ASSERT(sc.psks().size() == (with_psk ? 1u : 0u));
      RC_ASSERT(sc.removed().size() == (resync ? 1u : 0u));
    }
    me.group.emplace(std::move(joined));
    me.group->add_external_psk(kExternalPskId, sut.external_psk);
    sut.last_commit = encode(commit);
    check_agreement(nextState(m), sut);
  }
  void show(std::ostream& os) const override {
    os << "ExternalJoin(" << (resync ? "resync of " + std::to_string(resyncer) : "new client")
       << " from " << publisher << "'s GroupInfo" << (with_psk ? ", psk" : "");
    tamper.show(os);
    os << ")";
  }
};

// §12.1.8: an Add from a new client (new_member_proposal) or an Add or Remove
// from the group's external sender, committed by a member.
struct ExternalProposal : Command {
  enum Kind { new_member_add, server_add, server_remove };
  Kind kind;
  uint32_t committer, target;
  Tamper tamper = Tamper::generate();
  explicit ExternalProposal(const Model& m)
      : kind(*rc::gen::element(new_member_add, server_add, server_remove)),
        committer(any_member(m)),
        target(any_member(m)) {}
  void checkPreconditions(const Model& m) const override {
    RC_PRE(m.is_member(committer));
    if (kind == server_remove) {
      RC_PRE(m.is_member(target) && target != committer);
    } else {
      RC_PRE(m.members().size() < kMaxMembers);
    }
  }
  void apply(Model& m) const override {
    if (kind == server_remove) {
      m.remove(target);
    } else {
      m.add(m.next_client++);
    }
    ++m.epoch;
    m.has_commit = true;
  }
  void run(const Model& m, Sut& sut) const override {
    const GroupContext& context = sut.group(committer).context();
    MLSMessage proposal;
    std::vector<uint32_t> joiners;
    std::vector<KeyPackageBundle> bundles;
    if (kind == server_remove) {
      proposal = external_sender_proposal(context, 0, Proposal{Remove{m.leaf_of(target)}},
                                          sut.server.signer);
    } else {
      uint32_t id = m.next_client;
      Member c = sut.new_client(id);
      bundles.push_back(create_key_package(sut.suite, c.signer, c.credential, {}, *sut.rng));
      joiners.push_back(id);
      proposal = kind == new_member_add
                     ? new_member_add_proposal(context, bundles[0].key_package, c.signer)
                     : external_sender_proposal(context, 0, Proposal{Add{bundles[0].key_package}},
                                                sut.server.signer);
      sut.members.emplace(id, std::move(c));
    }
    deliver_external(m, sut, proposal, std::nullopt, tamper);
    Group& g = sut.group(committer);
    // The committer stored it too (deliver_external reaches every member).
    CommitBundle bundle = g.commit_to_pending_proposals(sut.members.at(committer).signer);
    auto staged = deliver_commit(m, sut, committer, bundle, joiners, bundles, {});
    for (auto& [client, sc] : staged) {
      RC_ASSERT(sc.proposals().size() == 1u);
      RC_ASSERT(sc.proposals()[0].sender.sender_type ==
                (kind == new_member_add ? SenderType::new_member_proposal : SenderType::external));
    }
    if (kind == server_remove) {
      RC_ASSERT(!sut.group(target).active());
      sut.members.erase(target);
    }
    check_agreement(nextState(m), sut);
  }
  void show(std::ostream& os) const override {
    const char* names[] = {"a new member's Add", "the external sender's Add",
                           "the external sender's Remove of "};
    os << "ExternalProposal(" << names[kind] << (kind == server_remove ? std::to_string(target) : "")
       << ", committed by " << committer;
    tamper.show(os);
    os << ")";
  }
};

// §11.2: a member proposes ReInit (a new group id, the same suite and
// extensions), another commits it; the committer creates the new group and
// the others join it from the Welcome with the old group's resumption PSK.
// The new group has the committer at leaf 0 and the others after it in
// their old leaf order, at epoch 1.
struct Reinit : Command {
  uint32_t proposer, committer;
  explicit Reinit(const Model& m) : proposer(any_member(m)), committer(any_member(m)) {}
  void checkPreconditions(const Model& m) const override {
    RC_PRE(m.is_member(proposer) && m.is_member(committer));
    RC_PRE(m.members().size() >= 2u);  // Group::reinit welcomes the others
  }
  void apply(Model& m) const override {
    std::vector<std::optional<uint32_t>> leaves{committer};
    for (uint32_t c : m.members()) {
      if (c != committer) {
        leaves.push_back(c);
      }
    }
    m.leaves = std::move(leaves);
    m.epoch = 1;
    m.has_commit = true;
  }
  void run(const Model& m, Sut& sut) const override {
    Group& p = sut.group(proposer);
    ReInit r{to_bytes("model group, reinit " + std::to_string(++sut.reinits)), mls10, kSuite,
             p.context().extensions};
    auto [msg, ref] = p.propose_reinit(sut.members.at(proposer).signer, r);
    deliver_proposal(m, sut, proposer, msg, ref);
    Group& c = sut.group(committer);
    CommitBundle bundle = c.commit_to_pending_proposals(sut.members.at(committer).signer);
    auto staged = deliver_commit(m, sut, committer, bundle, {}, {}, {});
    for (auto& [client, sc] : staged) {
      RC_ASSERT(sc.reinit() == std::optional<ReInit>(r));
    }
    // The old group sends no more (§11.2, §12.4.2).
    for (uint32_t client : m.members()) {
      Member& mem = sut.members.at(client);
      RC_ASSERT_THROWS_AS(mem.group->create_message(mem.signer, to_bytes("old")), Error);
    }
    // Step 3: the committer creates the new group, the others join it.
    std::vector<uint32_t> others;
    std::vector<KeyPackageBundle> bundles;
    std::vector<KeyPackage> kps;
    for (uint32_t client : m.members()) {
      if (client != committer) {
        Member& mem = sut.members.at(client);
        others.push_back(client);
        bundles.push_back(create_key_package(sut.suite, mem.signer, mem.credential, {}, *sut.rng));
        kps.push_back(bundles.back().key_package);
      }
    }
    Member& creator = sut.members.at(committer);
    auto [fresh, welcome] =
        Group::reinit(*creator.group, sut.config, creator.signer, creator.credential, kps);
    RC_ASSERT(fresh.group_id() == r.group_id);
    std::optional<RatchetTreeNodes> tree;
    if (!sut.config.ratchet_tree_extension) {
      tree = fresh.tree().to_nodes();  // out of band
    }
    MLSMessage w = decode<MLSMessage>(encode(welcome));
    for (size_t i = 0; i < others.size(); ++i) {
      Member& mem = sut.members.at(others[i]);
      Group joined = Group::join(sut.config, std::get<Welcome>(w.body), bundles[i], tree,
                                 {{kExternalPskId, sut.external_psk}}, &*mem.group);
      mem.group.emplace(std::move(joined));
    }
    creator.group.emplace(std::move(fresh));
    creator.group->add_external_psk(kExternalPskId, sut.external_psk);
    check_agreement(nextState(m), sut);
  }
  void show(std::ostream& os) const override {
    os << "Reinit(proposed by " << proposer << ", committed by " << committer << ")";
  }
};

// A replay of the last commit (now of an old epoch) and of the last
// application message (its key is consumed, or its epoch is over).
struct Replay : Command {
  uint32_t receiver;
  explicit Replay(const Model& m) : receiver(any_member(m)) {}
  void checkPreconditions(const Model& m) const override {
    RC_PRE(m.is_member(receiver) && (m.has_commit || m.has_application));
  }
  void run(const Model& m, Sut& sut) const override {
    Group& g = sut.group(receiver);
    if (m.has_commit) {
      expect_rejected(g, sut.last_commit, "a replayed commit");
    }
    if (m.has_application) {
      expect_rejected(g, sut.last_application, "a replayed application message");
    }
    check_agreement(m, sut);
  }
  void show(std::ostream& os) const override { os << "Replay(to " << receiver << ")"; }
};

void run_model(bool handshake_private) {
  uint64_t seed = *rc::gen::arbitrary<uint64_t>();
  bool ratchet_tree_extension = *rc::gen::arbitrary<bool>();
  Sut sut(seed, handshake_private, ratchet_tree_extension);
  rc::state::check(Model{}, sut,
                   rc::state::gen::execOneOfWithArgs<AddMembers, AddMembers, AddMembers,
                                                     RemoveMember, SelfUpdate, ProposeUpdate,
                                                     PskCommit, ExternalJoin, ExternalProposal,
                                                     Reinit, Application, Replay>());
}

// RapidCheck's defaults (100 cases up to size 100) take minutes here; CI runs
// a few cases of moderate length unless RC_PARAMS asks for more.
rc::detail::TestParams model_params() {
  rc::detail::TestParams params = rc::detail::configuration().testParams;
  if (std::getenv("RC_PARAMS") == nullptr) {
    params.maxSuccess = 6;
    params.maxSize = 50;
  }
  return params;
}

void check_model(bool handshake_private) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  rc::detail::TestMetadata metadata;
  metadata.id = std::string(info->test_suite_name()) + "/" + info->name();
  metadata.description = info->name();
  auto result =
      rc::detail::checkTestable([=] { run_model(handshake_private); }, metadata, model_params());
  std::ostringstream out;
  rc::detail::printResultMessage(result, out);
  EXPECT_TRUE(result.template is<rc::detail::SuccessResult>()) << out.str();
}

TEST(GroupWorkflowModel, PublicHandshake) { check_model(false); }
TEST(GroupWorkflowModel, PrivateHandshake) { check_model(true); }

}  // namespace
}  // namespace mlsref
