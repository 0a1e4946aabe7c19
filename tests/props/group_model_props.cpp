// RFC 9420 §12 the group state machine, model-based (rc::state): random
// sequences of adds (with and without a path), removes, self-updates, new
// signers, Update proposals committed by another member, application messages
// and tampered commits, on groups of up to 32 members. After every commit all
// members agree on the epoch, epoch_authenticator, tree hash and an exported
// secret; a removed member can no longer read; a rejected message changes no
// member's state.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>
#include <rapidcheck/state.h>

#include "conformance/vector_type.h"
#include "ref/group.h"

namespace mlsref {
namespace {

constexpr size_t kMaxMembers = 32;
constexpr CipherSuiteId kSuite = 1;

struct GroupModel {
  size_t members = 1;
  uint64_t epoch = 0;
};

struct Member {
  Signer signer;
  Group group;
};

// What a rejected message must leave untouched.
struct Snapshot {
  uint64_t epoch;
  EpochAuthenticator epoch_authenticator;
  Bytes tree_hash;
  size_t proposals;
  std::vector<uint32_t> generations;  // next generation of every ratchet
  explicit Snapshot(const Group& g)
      : epoch(g.epoch()),
        epoch_authenticator(g.epoch_authenticator()),
        tree_hash(g.tree_hash()),
        proposals(g.pending_proposals().size()) {
    SecretTree copy = *g.state().secret_tree;
    for (uint32_t i = 0; i < g.tree().leaf_count().value; ++i) {
      for (auto type : {RatchetType::handshake, RatchetType::application}) {
        generations.push_back(copy.ratchet(LeafIndex(i), type).next_generation());
      }
    }
  }
  bool operator==(const Snapshot&) const = default;
};

struct GroupSut {
  std::unique_ptr<Botan::RandomNumberGenerator> rng;
  CipherSuite suite{kSuite};
  GroupConfig config;
  std::vector<Member> members;
  size_t names = 0;

  explicit GroupSut(uint64_t seed, bool handshake_private)
      : rng(conformance::seeded_rng(seed, "group model")) {
    config.rng = rng.get();
    config.handshake_private = handshake_private;
    Signer s = Signer::generate(suite, *rng);
    members.push_back(Member{s, Group::create(config, kSuite, to_bytes("model"), s,
                                              {Credential::basic(to_bytes("m0")), s.public_key})});
  }

  std::pair<Signer, KeyPackageBundle> joiner() {
    Signer s = Signer::generate(suite, *rng);
    auto kp = create_key_package(
        suite, s, {Credential::basic(to_bytes("j" + std::to_string(names++))), s.public_key}, {},
        *rng);
    return {s, kp};
  }

  // Every member but the committer processes and merges the commit; the
  // removed ones are returned (and no longer members).
  std::vector<Member> deliver(size_t committer, const CommitBundle& b) {
    Bytes bytes = encode(b.commit);
    std::vector<Member> stay, gone;
    for (size_t j = 0; j < members.size(); ++j) {
      if (j != committer) {
        ProcessedMessage p = members[j].group.process_message(bytes);
        auto staged = std::get<StagedCommit>(std::move(p.content));
        bool removed = staged.self_removed();
        members[j].group.merge_staged_commit(std::move(staged));
        if (removed) {
          gone.push_back(std::move(members[j]));
          continue;
        }
      } else {
        members[j].group.merge_pending_commit();
      }
      stay.push_back(std::move(members[j]));
    }
    members = std::move(stay);
    return gone;
  }

  void check_agreement(uint64_t epoch) const {
    const Group& a = members[0].group;
    RC_ASSERT(a.epoch() == epoch);
    for (const auto& m : members) {
      RC_ASSERT(m.group.epoch() == a.epoch());
      RC_ASSERT(m.group.epoch_authenticator() == a.epoch_authenticator());
      RC_ASSERT(m.group.tree_hash() == a.tree_hash());
      RC_ASSERT(m.group.tree_hash() == m.group.tree().root_tree_hash(suite));
      RC_ASSERT(m.group.export_secret("model", {}, 16) == a.export_secret("model", {}, 16));
    }
  }
};

using Command = rc::state::Command<GroupModel, GroupSut>;

struct AddMembers : Command {
  size_t committer = *rc::gen::arbitrary<size_t>();
  size_t count = *rc::gen::inRange<size_t>(1, 5);
  bool with_path = *rc::gen::arbitrary<bool>();
  void checkPreconditions(const GroupModel& m) const override {
    RC_PRE(m.members + count <= kMaxMembers);
  }
  void apply(GroupModel& m) const override {
    m.members += count;
    ++m.epoch;
  }
  void run(const GroupModel& m, GroupSut& sut) const override {
    size_t c = committer % sut.members.size();
    std::vector<std::pair<Signer, KeyPackageBundle>> js;
    std::vector<KeyPackage> kps;
    for (size_t i = 0; i < count; ++i) {
      js.push_back(sut.joiner());
      kps.push_back(js.back().second.key_package);
    }
    Member& cm = sut.members[c];
    CommitBundle b = with_path ? cm.group.add_members(cm.signer, kps)
                               : cm.group.add_members_without_update(cm.signer, kps);
    sut.deliver(c, b);
    for (auto& [s, kp] : js) {
      sut.members.push_back(
          Member{s, Group::join(sut.config, std::get<Welcome>(b.welcome.value().body), kp)});
    }
    sut.check_agreement(m.epoch + 1);
  }
  void show(std::ostream& os) const override {
    os << "AddMembers(" << committer << ", " << count << (with_path ? ", path)" : ")");
  }
};

struct RemoveMember : Command {
  size_t victim = *rc::gen::arbitrary<size_t>();
  size_t offset = *rc::gen::arbitrary<size_t>();
  void checkPreconditions(const GroupModel& m) const override { RC_PRE(m.members >= 2); }
  void apply(GroupModel& m) const override {
    --m.members;
    ++m.epoch;
  }
  void run(const GroupModel& m, GroupSut& sut) const override {
    size_t n = sut.members.size();
    size_t v = victim % n;
    size_t c = (v + 1 + offset % (n - 1)) % n;
    Member& cm = sut.members[c];
    LeafIndex leaves[] = {sut.members[v].group.own_leaf_index()};
    CommitBundle b = cm.group.remove_members(cm.signer, leaves);
    std::vector<Member> gone = sut.deliver(c, b);
    RC_ASSERT(gone.size() == 1u);
    RC_ASSERT(!gone[0].group.active());
    sut.check_agreement(m.epoch + 1);
    // The removed member can no longer read.
    Member& sender = sut.members[0];
    MLSMessage app = sender.group.create_message(sender.signer, to_bytes("after removal"));
    RC_ASSERT_THROWS_AS(gone[0].group.process_message(encode(app)), Error);
    for (size_t j = 1; j < sut.members.size(); ++j) {
      auto p = sut.members[j].group.process_message(encode(app));
      RC_ASSERT(std::get<ApplicationMessage>(p.content).data == to_bytes("after removal"));
    }
  }
  void show(std::ostream& os) const override {
    os << "RemoveMember(" << victim << ", " << offset << ")";
  }
};

struct SelfUpdate : Command {
  size_t who = *rc::gen::arbitrary<size_t>();
  bool new_signer = *rc::gen::arbitrary<bool>();
  void apply(GroupModel& m) const override { ++m.epoch; }
  void run(const GroupModel& m, GroupSut& sut) const override {
    size_t c = who % sut.members.size();
    Member& cm = sut.members[c];
    CommitBundle b;
    std::optional<Signer> next;
    if (new_signer) {
      next = Signer::generate(sut.suite, *sut.rng);
      b = cm.group.self_update_with_new_signer(
          cm.signer,
          NewSignerBundle{*next, {Credential::basic(to_bytes("renamed")), next->public_key}});
    } else {
      b = cm.group.self_update(cm.signer);
    }
    sut.deliver(c, b);
    if (next) {
      sut.members[c].signer = *next;
    }
    sut.check_agreement(m.epoch + 1);
  }
  void show(std::ostream& os) const override {
    os << "SelfUpdate(" << who << (new_signer ? ", new signer)" : ")");
  }
};

struct UpdateCommittedByOther : Command {
  size_t proposer = *rc::gen::arbitrary<size_t>();
  size_t offset = *rc::gen::arbitrary<size_t>();
  void checkPreconditions(const GroupModel& m) const override { RC_PRE(m.members >= 2); }
  void apply(GroupModel& m) const override { ++m.epoch; }
  void run(const GroupModel& m, GroupSut& sut) const override {
    size_t n = sut.members.size();
    size_t p = proposer % n;
    size_t c = (p + 1 + offset % (n - 1)) % n;
    auto [msg, ref] = sut.members[p].group.propose_self_update(sut.members[p].signer);
    for (size_t j = 0; j < n; ++j) {
      if (j != p) {
        auto q = sut.members[j].group.process_message(encode(msg));
        sut.members[j].group.store_pending_proposal(std::get<QueuedProposal>(q.content));
      }
    }
    Member& cm = sut.members[c];
    CommitBundle b = cm.group.commit_to_pending_proposals(cm.signer);
    sut.deliver(c, b);
    sut.check_agreement(m.epoch + 1);
  }
  void show(std::ostream& os) const override {
    os << "UpdateCommittedByOther(" << proposer << ", " << offset << ")";
  }
};

struct Application : Command {
  size_t who = *rc::gen::arbitrary<size_t>();
  Bytes data = *rc::gen::container<Bytes>(rc::gen::arbitrary<uint8_t>());
  void run(const GroupModel&, GroupSut& sut) const override {
    size_t s = who % sut.members.size();
    MLSMessage m = sut.members[s].group.create_message(sut.members[s].signer, data);
    for (size_t j = 0; j < sut.members.size(); ++j) {
      if (j != s) {
        auto p = sut.members[j].group.process_message(encode(m));
        RC_ASSERT(std::get<ApplicationMessage>(p.content).data == data);
      }
    }
  }
  void show(std::ostream& os) const override { os << "Application(" << who << ")"; }
};

struct TamperedCommit : Command {
  size_t who = *rc::gen::arbitrary<size_t>();
  size_t position = *rc::gen::arbitrary<size_t>();
  uint8_t mask = *rc::gen::inRange<uint8_t>(1, 255);
  void checkPreconditions(const GroupModel& m) const override { RC_PRE(m.members >= 2); }
  void run(const GroupModel&, GroupSut& sut) const override {
    size_t c = who % sut.members.size();
    Member& cm = sut.members[c];
    CommitBundle b = cm.group.self_update(cm.signer);
    Bytes bad = encode(b.commit);
    bad[position % bad.size()] ^= mask;
    for (size_t j = 0; j < sut.members.size(); ++j) {
      if (j == c) {
        continue;
      }
      Snapshot before(sut.members[j].group);
      RC_ASSERT_THROWS_AS(sut.members[j].group.process_message(bad), Error);
      RC_ASSERT(Snapshot(sut.members[j].group) == before);
    }
    cm.group.clear_pending_commit();
  }
  void show(std::ostream& os) const override {
    os << "TamperedCommit(" << who << ", byte " << position << ")";
  }
};

RC_GTEST_PROP(GroupModelProps, RandomOperationsKeepMembersInAgreement, ()) {
  GroupSut sut(*rc::gen::arbitrary<uint64_t>(), *rc::gen::arbitrary<bool>());
  GroupModel model;
  // A group of up to 28 members to start from, added in one commit without a
  // path (so its parents keep unmerged leaves).
  size_t initial = *rc::gen::inRange<size_t>(1, 29);
  if (initial > 1) {
    std::vector<std::pair<Signer, KeyPackageBundle>> js;
    std::vector<KeyPackage> kps;
    for (size_t i = 1; i < initial; ++i) {
      js.push_back(sut.joiner());
      kps.push_back(js.back().second.key_package);
    }
    CommitBundle b = sut.members[0].group.add_members_without_update(sut.members[0].signer, kps);
    sut.deliver(0, b);
    for (auto& [signer, kp] : js) {
      sut.members.push_back(
          Member{signer, Group::join(sut.config, std::get<Welcome>(b.welcome.value().body), kp)});
    }
    model = GroupModel{initial, 1};
  }
  // Short sequences keep each run to a second or two; the groups still grow
  // to the 32-member bound through adds of up to four members.
  auto commands = *rc::gen::resize(
      30, rc::state::gen::commands(
              model, rc::state::gen::execOneOfWithArgs<AddMembers, AddMembers, RemoveMember,
                                                       SelfUpdate, UpdateCommittedByOther,
                                                       Application, TamperedCommit>()));
  rc::state::runAll(commands, model, sut);
  RC_TAG(sut.members.size() >= 16 ? "ended with 16-32 members" : "ended with 1-15 members");
}

}  // namespace
}  // namespace mlsref
