// Reinitialization (RFC 9420 §11.2, all three steps) and subgroup branching
// (§11.3): new groups linked to the old one by a resumption PSK.
#include "ref/group.h"
#include "ref/rule_switch.h"
#include "tests/test_util.h"

namespace mlsref {
namespace {

struct Member {
  Signer signer;
  CredentialWithKey credential;
};

Member make_member(const std::string& name, CipherSuiteId suite_id) {
  CipherSuite suite(suite_id);
  Member m;
  m.signer = Signer::generate(suite, system_rng());
  m.credential = CredentialWithKey{Credential::basic(to_bytes(name)), m.signer.public_key};
  return m;
}

KeyPackageBundle key_package(const Member& m, CipherSuiteId suite_id) {
  return create_key_package(CipherSuite(suite_id), m.signer, m.credential, {}, system_rng());
}

void apply(Group& g, const MLSMessage& commit) {
  ProcessedMessage p = g.process_message(encode(commit));
  g.merge_staged_commit(std::get<StagedCommit>(std::move(p.content)));
}

// alice, bob and charlie in suite 1.
struct Three {
  Member alice = make_member("alice", 1), bob = make_member("bob", 1),
         charlie = make_member("charlie", 1);
  Group a = Group::create({}, 1, to_bytes("old group"), alice.signer, alice.credential);
  std::optional<Group> b, c;
  Three() {
    auto kb = key_package(bob, 1), kc = key_package(charlie, 1);
    std::vector<KeyPackage> kps{kb.key_package, kc.key_package};
    CommitBundle bundle = a.add_members(alice.signer, kps);
    a.merge_pending_commit();
    b.emplace(Group::join({}, std::get<Welcome>(bundle.welcome->body), kb));
    c.emplace(Group::join({}, std::get<Welcome>(bundle.welcome->body), kc));
  }

  // Steps 1 and 2 of a reinit: bob proposes `r`, `committer` (alice or
  // charlie) commits it, everyone merges.
  void reinit_committed_by(Group& committer, const Signer& signer, const ReInit& r) {
    auto [proposal, ref] = b->propose_reinit(bob.signer, r);
    for (Group* g : {&a, &*c}) {
      ProcessedMessage p = g->process_message(encode(proposal));
      g->store_pending_proposal(std::get<QueuedProposal>(std::move(p.content)));
    }
    CommitBundle commit = committer.commit_to_pending_proposals(signer);
    committer.merge_pending_commit();
    for (Group* g : {&a, &*b, &*c}) {
      if (g != &committer) {
        apply(*g, commit.commit);
      }
    }
  }
};

TEST(Reinit, AllThreeStepsToAnotherSuiteAndGroupId) {
  Three t;
  // Steps 1 and 2: bob proposes, charlie commits, everyone merges.
  t.reinit_committed_by(*t.c, t.charlie.signer, ReInit{to_bytes("new group"), mls10, 3, {}});
  // Step 3: alice creates the new group in suite 3 with new key packages.
  Member alice3 = make_member("alice", 3), bob3 = make_member("bob", 3),
         charlie3 = make_member("charlie", 3);
  auto kb = key_package(bob3, 3), kc = key_package(charlie3, 3);
  std::vector<KeyPackage> kps{kb.key_package, kc.key_package};
  auto [na, welcome] = Group::reinit(t.a, {}, alice3.signer, alice3.credential, kps);
  EXPECT_EQ(na.group_id(), to_bytes("new group"));
  EXPECT_EQ(na.suite().id(), 3);
  EXPECT_EQ(na.epoch(), 1u);
  const Welcome& w = std::get<Welcome>(welcome.body);
  Group nb = Group::join({}, w, kb, std::nullopt, {}, &*t.b);
  Group nc = Group::join({}, w, kc, std::nullopt, {}, &*t.c);
  EXPECT_EQ(nb.epoch_authenticator(), na.epoch_authenticator());
  EXPECT_EQ(nc.epoch_authenticator(), na.epoch_authenticator());
  // Without the old group the resumption PSK is missing (§12.4.3.1).
  EXPECT_MLS_RULE(Group::join({}, w, kb), ErrorKind::protocol, req::R12_4_3_1_4);
  // The old group takes no more messages; the new one works.
  EXPECT_THROW(t.a.self_update(t.alice.signer), Error);
  MLSMessage m = nb.create_message(bob3.signer, to_bytes("in the new group"));
  EXPECT_EQ(std::get<ApplicationMessage>(na.process_message(encode(m)).content).data,
            to_bytes("in the new group"));
}

// §12.4.1: the new group has "the same members as the original group"; a
// joiner checks (§12.4.3.1) "that all the members of the old group are also
// members of the new group".
TEST(Reinit, EveryMemberOfTheOldGroupComesAlong) {
  Three t;
  t.reinit_committed_by(t.a, t.alice.signer, ReInit{to_bytes("new group"), mls10, 1, {}});
  Member diana = make_member("diana", 1);
  auto kb = key_package(t.bob, 1), kc = key_package(t.charlie, 1), kd = key_package(diana, 1);
  std::vector<KeyPackage> without_charlie{kb.key_package};
  EXPECT_MLS_RULE(Group::reinit(t.a, {}, t.alice.signer, t.alice.credential, without_charlie),
                  ErrorKind::usage, req::R12_4_1_16);
  std::vector<KeyPackage> with_diana{kb.key_package, kc.key_package, kd.key_package};
  EXPECT_MLS_RULE(Group::reinit(t.a, {}, t.alice.signer, t.alice.credential, with_diana),
                  ErrorKind::usage, req::R12_4_1_16);
  std::optional<std::pair<Group, MLSMessage>> partial;
  {
    RuleSwitchedOff off(req::R12_4_1_16);
    partial.emplace(Group::reinit(t.a, {}, t.alice.signer, t.alice.credential, without_charlie));
  }
  EXPECT_MLS_RULE(
      Group::join({}, std::get<Welcome>(partial->second.body), kb, std::nullopt, {}, &*t.b),
      ErrorKind::protocol, req::R12_4_3_1_i3);
  auto [na, welcome] = Group::reinit(t.a, {}, t.alice.signer, t.alice.credential,
                                     std::vector<KeyPackage>{kb.key_package, kc.key_package});
  Group nb = Group::join({}, std::get<Welcome>(welcome.body), kb, std::nullopt, {}, &*t.b);
  EXPECT_EQ(nb.epoch_authenticator(), na.epoch_authenticator());
}

TEST(Reinit, NeedsAMergedReInitCommit) {
  Three t;
  auto kb = key_package(t.bob, 1);
  std::vector<KeyPackage> kps{kb.key_package};
  EXPECT_MLS_ERROR(Group::reinit(t.a, {}, t.alice.signer, t.alice.credential, kps),
                   ErrorKind::usage, "11.2");
}

// RFC 9420 §12.2: other proposals of the epoch go first; the ReInit waits.
TEST(Reinit, OtherProposalsArePreferredOverAReInit) {
  Three t;
  ReInit r{to_bytes("new group"), mls10, 1, {}};
  auto [reinit, reinit_ref] = t.b->propose_reinit(t.bob.signer, r);
  auto [remove, remove_ref] = t.c->propose_remove_member(t.charlie.signer, LeafIndex(1));
  for (const MLSMessage* m : {&reinit, &remove}) {
    ProcessedMessage p = t.a.process_message(encode(*m));
    t.a.store_pending_proposal(std::get<QueuedProposal>(std::move(p.content)));
  }
  CommitBundle commit = t.a.commit_to_pending_proposals(t.alice.signer);
  const StagedCommit& staged = *t.a.pending_commit();
  ASSERT_EQ(staged.proposals().size(), 1u);
  EXPECT_EQ(staged.proposals()[0].ref, remove_ref);
  EXPECT_FALSE(staged.reinit().has_value());
  t.a.merge_pending_commit();
  EXPECT_NO_THROW(t.a.create_message(t.alice.signer, to_bytes("still in use")));
  // Alone, it is committed.
  auto [again, again_ref] = t.a.propose_reinit(t.alice.signer, r);
  t.a.commit_to_pending_proposals(t.alice.signer);
  EXPECT_TRUE(t.a.pending_commit()->reinit().has_value());
}

TEST(Branch, ASubgroupOfTwo) {
  Three t;
  auto kb = key_package(t.bob, 1);
  std::vector<KeyPackage> kps{kb.key_package};
  auto [na, welcome] =
      Group::branch(t.a, {}, to_bytes("side group"), t.alice.signer, t.alice.credential, kps);
  Group nb = Group::join({}, std::get<Welcome>(welcome.body), kb, std::nullopt, {}, &*t.b);
  EXPECT_EQ(nb.epoch_authenticator(), na.epoch_authenticator());
  EXPECT_EQ(nb.epoch(), 1u);
  EXPECT_EQ(nb.tree().leaf_count().value, 2u);
  // The old group goes on.
  CommitBundle c = t.a.self_update(t.alice.signer);
  t.a.merge_pending_commit();
  apply(*t.b, c.commit);
  EXPECT_EQ(t.a.epoch_authenticator(), t.b->epoch_authenticator());
}

TEST(Branch, EveryMemberMustComeFromTheOldGroup) {
  Three t;
  Member diana = make_member("diana", 1);
  auto kb = key_package(t.bob, 1), kd = key_package(diana, 1);
  std::vector<KeyPackage> kps{kb.key_package, kd.key_package};
  auto [na, welcome] =
      Group::branch(t.a, {}, to_bytes("side group"), t.alice.signer, t.alice.credential, kps);
  EXPECT_MLS_RULE(Group::join({}, std::get<Welcome>(welcome.body), kb, std::nullopt, {}, &*t.b),
                  ErrorKind::protocol, req::R11_3_8);
}

TEST(Branch, AResumptionPskOfUsageBranchOutsideABranchIsInvalid) {
  Three t;
  PreSharedKeyID id;
  id.psktype = PSKType::resumption;
  id.usage = ResumptionPSKUsage::branch;
  id.psk_group_id = t.a.group_id();
  id.psk_epoch = t.a.epoch();
  id.psk_nonce = Bytes(t.a.suite().hash_size(), 1);
  EXPECT_MLS_RULE(t.a.propose_psk(t.alice.signer, id), ErrorKind::protocol, req::R12_1_4_2);
}

}  // namespace
}  // namespace mlsref
