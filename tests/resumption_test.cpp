// Reinitialization (RFC 9420 §11.2, all three steps) and subgroup branching
// (§11.3): new groups linked to the old one by a resumption PSK.
#include "ref/group.h"
#include "ref/rule_switch.h"
#include "tests/members.h"
#include "tests/test_util.h"

namespace mlsref {
namespace {

using testing::apply;
using testing::key_package;
using testing::make_member;
using testing::Member;

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

  // A branch of alice's of the old group with `group_id`, for the holders
  // of `key_packages`.
  std::pair<Group, MLSMessage> alice_branches(const std::string& group_id,
                                              std::vector<KeyPackage> key_packages,
                                              bool force_path = false) {
    return Group::branch(a, {}, to_bytes(group_id), alice.signer, alice.credential, key_packages,
                         {}, force_path);
  }

  // The Welcome for `kb` into a new group of alice's that names no
  // resumption PSK.
  Welcome unlinked_welcome(const std::string& group_id, const KeyPackageBundle& kb) {
    Group g = Group::create({}, 1, to_bytes(group_id), alice.signer, alice.credential);
    std::vector<KeyPackage> kps{kb.key_package};
    return std::get<Welcome>(g.add_members(alice.signer, kps).welcome->body);
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

// §12.4.2: a member that merged a Commit covering a ReInit "MUST wait for a
// Welcome message from the committer meeting the requirements of
// {{reinitialization}}", which (§11.2 R11.2-6) names the old group's
// resumption PSK with usage reinit and "the epoch after the Commit covering
// the ReInit". Given the old group, a join refuses any other Welcome.
TEST(Reinit, TheWelcomeMustNameTheOldGroupAfterTheReInit) {
  Three t;
  // A branch Welcome from the old group before the ReInit (bob keeps a copy).
  auto kb_branch = key_package(t.bob, 1);
  auto [side, branch_welcome] = t.alice_branches("side group", {kb_branch.key_package});
  t.reinit_committed_by(t.a, t.alice.signer, ReInit{to_bytes("new group"), mls10, 1, {}});
  auto kb = key_package(t.bob, 1), kc = key_package(t.charlie, 1);
  std::vector<KeyPackage> kps{kb.key_package, kc.key_package};
  auto [na, reinit_welcome] = Group::reinit(t.a, {}, t.alice.signer, t.alice.credential, kps);
  const Welcome& w = std::get<Welcome>(reinit_welcome.body);

  // The PSK names an epoch other than the one after the ReInit: here the old
  // group, as bob knows it, went one epoch further.
  ResumedGroup later = ResumedGroup::of(*t.b);
  later.epoch += 1;
  EXPECT_MLS_RULE(Group::join({}, w, kb, std::nullopt, {}, later), ErrorKind::protocol,
                  req::R11_2_6);
  // A branch of the old group is no reinitialization of it.
  EXPECT_MLS_RULE(
      Group::join({}, std::get<Welcome>(branch_welcome.body), kb_branch, std::nullopt, {}, &*t.b),
      ErrorKind::protocol, req::R11_2_6);
  // A group with the ReInit's parameters that names no PSK of the old group.
  auto kb2 = key_package(t.bob, 1);
  EXPECT_MLS_RULE(
      Group::join({}, t.unlinked_welcome("new group", kb2), kb2, std::nullopt, {}, &*t.b),
      ErrorKind::protocol, req::R11_2_6);
  // The Welcome of Group::reinit is accepted.
  Group nb = Group::join({}, w, kb, std::nullopt, {}, &*t.b);
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
  auto [na, welcome] = t.alice_branches("side group", {kb.key_package});
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
  auto [na, welcome] = t.alice_branches("side group", {kb.key_package, kd.key_package});
  EXPECT_MLS_RULE(Group::join({}, std::get<Welcome>(welcome.body), kb, std::nullopt, {}, &*t.b),
                  ErrorKind::protocol, req::R11_3_8);
}

// §11.3: a branch's initial Commit "contains a PreSharedKey proposal of type
// resumption with usage branch" (R11.3-2): joined as a branch of the old
// group, a Welcome that names no such PSK of it is refused.
TEST(Branch, TheWelcomeMustNameTheOldGroup) {
  Three t;
  auto kb = key_package(t.bob, 1);
  const Welcome plain = t.unlinked_welcome("side group", kb);
  EXPECT_MLS_RULE(Group::join({}, plain, kb, std::nullopt, {}, &*t.b), ErrorKind::protocol,
                  req::R11_3_2);
  EXPECT_NO_THROW(Group::join({}, plain, kb));
}

// mls_client.proto's CreateBranchRequest.force_path and
// ReInitWelcomeRequest.force_path: the initial Commit gets an UpdatePath, so
// the Welcome carries a path_secret and the creator's direct path has keys.
TEST(Branch, AndReinitWithAForcedPath) {
  Three t;
  auto kb = key_package(t.bob, 1);
  auto [plain, plain_welcome] = t.alice_branches("side group", {kb.key_package});
  const NodeIndex root = tree_math::root(LeafCount(2));
  EXPECT_TRUE(plain.tree().blank(root));
  auto kb2 = key_package(t.bob, 1);
  auto [forced, forced_welcome] =
      t.alice_branches("side group 2", {kb2.key_package}, /*force_path=*/true);
  EXPECT_FALSE(forced.tree().blank(root));
  Group nb = Group::join({}, std::get<Welcome>(forced_welcome.body), kb2, std::nullopt, {}, &*t.b);
  EXPECT_EQ(nb.epoch_authenticator(), forced.epoch_authenticator());
  EXPECT_TRUE(nb.state().own.private_keys.count(root.value) == 1);

  t.reinit_committed_by(t.a, t.alice.signer, ReInit{to_bytes("new group"), mls10, 1, {}});
  auto kb3 = key_package(t.bob, 1), kc3 = key_package(t.charlie, 1);
  std::vector<KeyPackage> kps3{kb3.key_package, kc3.key_package};
  auto [na, welcome] =
      Group::reinit(t.a, {}, t.alice.signer, t.alice.credential, kps3, /*force_path=*/true);
  EXPECT_FALSE(na.tree().blank(tree_math::root(na.tree().leaf_count())));
  Group nc = Group::join({}, std::get<Welcome>(welcome.body), kc3, std::nullopt, {}, &*t.c);
  EXPECT_EQ(nc.epoch_authenticator(), na.epoch_authenticator());
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
