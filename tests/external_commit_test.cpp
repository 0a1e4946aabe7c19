// External commits (RFC 9420 §12.4.3.2): joining from a GroupInfo, with the
// tree in it or out of band, with resync and PSKs; members process them, and
// a broken one changes nothing. External proposals (§12.1.8).
#include "ref/group.h"
#include "ref/registries.h"
#include "tests/members.h"
#include "tests/test_util.h"

namespace mlsref {
namespace {

constexpr CipherSuiteId kSuite = 1;

using testing::apply;
using testing::make_member;
using testing::Member;

// alice and bob in one group (bob joined by Welcome).
struct TwoMembers {
  Member alice = make_member("alice"), bob = make_member("bob");
  Group a = Group::create({}, kSuite, to_bytes("group"), alice.signer, alice.credential);
  std::optional<Group> b;
  TwoMembers() {
    CipherSuite suite(kSuite);
    auto kp = create_key_package(suite, bob.signer, bob.credential, {}, system_rng());
    std::vector<KeyPackage> kps{kp.key_package};
    CommitBundle bundle = a.add_members(alice.signer, kps);
    a.merge_pending_commit();
    b.emplace(Group::join({}, std::get<Welcome>(bundle.welcome->body), kp));
  }
};

// The joiner's signature over a changed external Commit, so that the change
// itself is what a member judges.
MLSMessage resigned(MLSMessage m, const Group& g, const Signer& signer) {
  auto& pm = std::get<PublicMessage>(m.body);
  pm.auth.signature = g.suite().sign_with_label(
      signer.private_key, signature_label::framed_content_tbs,
      framed_content_tbs(wire_format::mls_public_message, pm.content, g.context()));
  return m;
}

TEST(ExternalCommit, AJoinerFromAGroupInfoAndTheMembersAgree) {
  TwoMembers t;
  Member charlie = make_member("charlie");
  GroupInfo gi = t.a.group_info(t.alice.signer, true);
  auto [c, commit] = Group::join_external({}, gi, std::nullopt, charlie.signer, charlie.credential);
  EXPECT_EQ(std::get<PublicMessage>(commit.body).content.sender.sender_type,
            SenderType::new_member_commit);
  apply(t.a, commit);
  apply(*t.b, commit);
  EXPECT_EQ(c.epoch(), 2u);
  EXPECT_EQ(c.epoch_authenticator(), t.a.epoch_authenticator());
  EXPECT_EQ(c.epoch_authenticator(), t.b->epoch_authenticator());
  EXPECT_EQ(c.own_leaf_index(), LeafIndex(2));
  // The new member can send, and the others read it.
  MLSMessage m = c.create_message(charlie.signer, to_bytes("hello"));
  auto got = t.b->process_message(encode(m));
  EXPECT_EQ(std::get<ApplicationMessage>(got.content).data, to_bytes("hello"));
}

// The GroupInfo of a commit's bundle is the new epoch's, ready to publish:
// an outsider joins from it once the commit is merged.
TEST(ExternalCommit, ACommitsGroupInfoLetsAnOutsiderJoinTheNewEpoch) {
  TwoMembers t;
  CommitBundle bundle = t.a.self_update(t.alice.signer);
  t.a.merge_pending_commit();
  apply(*t.b, bundle.commit);
  Member charlie = make_member("charlie");
  const auto& gi = std::get<GroupInfo>(bundle.group_info.body);
  auto [c, commit] = Group::join_external({}, gi, std::nullopt, charlie.signer, charlie.credential);
  apply(t.a, commit);
  apply(*t.b, commit);
  EXPECT_EQ(c.epoch(), 3u);
  EXPECT_EQ(c.epoch_authenticator(), t.a.epoch_authenticator());
  EXPECT_EQ(c.epoch_authenticator(), t.b->epoch_authenticator());
}

TEST(ExternalCommit, TreeOutOfBandResyncAndPsk) {
  TwoMembers t;
  // bob comes back with a new leaf, removing his old one, with a PSK.
  Bytes psk_id = to_bytes("psk");
  SecureBytes secret(32, 7);
  t.a.add_external_psk(psk_id, secret);
  Member bob2 = make_member("bob");
  GroupInfo gi = t.a.group_info(t.alice.signer, false);
  ExternalJoinOptions o;
  o.remove_prior = LeafIndex(1);
  o.psks[psk_id] = secret;
  auto [b2, commit] = Group::join_external({}, gi, t.a.tree().to_nodes(), bob2.signer,
                                           bob2.credential, o);
  auto p = t.a.process_message(encode(commit));
  const StagedCommit& sc = std::get<StagedCommit>(p.content);
  ASSERT_EQ(sc.removed().size(), 1u);
  EXPECT_EQ(sc.removed()[0], LeafIndex(1));
  EXPECT_EQ(sc.psks().size(), 1u);
  EXPECT_EQ(sc.committer(), LeafIndex(1));  // the leftmost free leaf: bob's old one
  t.a.merge_staged_commit(sc);
  EXPECT_EQ(b2.epoch_authenticator(), t.a.epoch_authenticator());
  // Without the tree (neither in the GroupInfo nor given) there is no join.
  EXPECT_MLS_RULE(Group::join_external({}, gi, std::nullopt, bob2.signer, bob2.credential),
                  ErrorKind::protocol, req::R12_4_3_1_1);
}

TEST(ExternalCommit, AGroupInfoWithoutExternalPubIsRefused) {
  TwoMembers t;
  Member charlie = make_member("charlie");
  GroupInfo gi = t.a.group_info(t.alice.signer, true);
  std::erase_if(gi.extensions,
                [](const Extension& e) { return e.extension_type == extension_type::external_pub; });
  gi.sign(t.a.suite(), t.alice.signer.private_key);
  EXPECT_MLS_ERROR(Group::join_external({}, gi, std::nullopt, charlie.signer, charlie.credential),
                   ErrorKind::protocol, "12.4.3.2");
}

// A GroupInfo at the last epoch: the join cannot begin another, and must not
// wrap to epoch 0 (ref/commit.cpp next_epoch).
TEST(ExternalCommit, AGroupAtTheLastEpochCannotAdvance) {
  TwoMembers t;
  Member charlie = make_member("charlie");
  GroupInfo gi = t.a.group_info(t.alice.signer, true);
  gi.group_context.epoch = UINT64_MAX;
  gi.sign(t.a.suite(), t.alice.signer.private_key);
  EXPECT_MLS_ERROR(Group::join_external({}, gi, std::nullopt, charlie.signer, charlie.credential),
                   ErrorKind::unsupported, "8.1");
}

TEST(ExternalCommit, ABrokenExternalCommitChangesNothing) {
  TwoMembers t;
  Member charlie = make_member("charlie");
  GroupInfo gi = t.a.group_info(t.alice.signer, true);
  auto [c, commit] = Group::join_external({}, gi, std::nullopt, charlie.signer, charlie.credential);
  auto auth_before = t.b->epoch_authenticator();
  // A second ExternalInit: not a valid external list (§12.2).
  MLSMessage two = commit;
  auto& pm = std::get<PublicMessage>(two.body);
  pm.content.commit.proposals.push_back(pm.content.commit.proposals.front());
  EXPECT_MLS_RULE(t.b->process_message(encode(resigned(two, *t.b, charlie.signer))),
                  ErrorKind::protocol, req::R12_2_17);
  // A proposal by reference (§12.4.3.2).
  MLSMessage by_ref = commit;
  std::get<PublicMessage>(by_ref.body)
      .content.commit.proposals.push_back(ProposalOrRef{ProposalOrRefType::reference, {}, Bytes(32, 1)});
  EXPECT_MLS_RULE(t.b->process_message(encode(resigned(by_ref, *t.b, charlie.signer))),
                  ErrorKind::protocol, req::R12_4_3_2_2);
  // A proposal from a new_member_commit sender (§6.1 R6.1-6: only a Commit);
  // the Commit's path kept, so the signature key is there.
  MLSMessage as_proposal = commit;
  auto& content = std::get<PublicMessage>(as_proposal.body).content;
  content.content_type = ContentType::proposal;
  content.proposal = Proposal{Remove{0}};
  EXPECT_MLS_RULE(t.b->process_message(encode(resigned(as_proposal, *t.b, charlie.signer))),
                  ErrorKind::protocol, req::R6_1_6);
  // A signature that does not verify.
  MLSMessage forged = commit;
  std::get<PublicMessage>(forged.body).auth.signature[0] ^= 1;
  EXPECT_THROW(t.b->process_message(encode(forged)), Error);
  EXPECT_EQ(t.b->epoch(), 1u);
  EXPECT_EQ(t.b->epoch_authenticator(), auth_before);
  // The real one still applies.
  apply(*t.b, commit);
  EXPECT_EQ(t.b->epoch_authenticator(), c.epoch_authenticator());
}

// RFC 9420 §12.2 [R12.2-10]: a list is invalid if "It contains multiple
// PreSharedKey proposals that reference the same PreSharedKeyID." Charlie's
// external Commit injects a PSK bob holds; its PreSharedKey proposal is
// repeated (signed again by charlie), and bob refuses the list.
TEST(ExternalCommit, AnExternalCommitWithOnePskTwiceIsRefused) {
  TwoMembers t;
  Bytes psk_id = to_bytes("psk");
  SecureBytes secret(32, 7);
  t.b->add_external_psk(psk_id, secret);
  Member charlie = make_member("charlie");
  GroupInfo gi = t.a.group_info(t.alice.signer, true);
  ExternalJoinOptions o;
  o.psks[psk_id] = secret;
  auto [c, commit] =
      Group::join_external({}, gi, std::nullopt, charlie.signer, charlie.credential, o);
  auto& proposals = std::get<PublicMessage>(commit.body).content.commit.proposals;
  auto psk = std::find_if(proposals.begin(), proposals.end(), [](const ProposalOrRef& p) {
    return p.proposal && std::holds_alternative<PreSharedKey>(p.proposal->body);
  });
  ASSERT_NE(psk, proposals.end());
  MLSMessage twice = commit;
  std::get<PublicMessage>(twice.body).content.commit.proposals.push_back(*psk);
  const EpochAuthenticator before = t.b->epoch_authenticator();
  EXPECT_MLS_RULE_AT(t.b->process_message(encode(resigned(twice, *t.b, charlie.signer))),
                     ErrorKind::protocol, req::R12_2_10,
                     "two PreSharedKey proposals for the same PSK");
  EXPECT_EQ(t.b->epoch(), 1u);
  EXPECT_EQ(t.b->epoch_authenticator(), before);
  apply(*t.b, commit);
  EXPECT_EQ(t.b->epoch_authenticator(), c.epoch_authenticator());
}

TEST(ExternalProposals, FromANewMemberAndFromAnExternalSender) {
  TwoMembers t;
  CipherSuite suite(kSuite);
  // A server that may propose, listed in the external_senders extension.
  Member server = make_member("server");
  std::vector<ExternalSender> senders{
      ExternalSender{server.signer.public_key, server.credential.credential}};
  std::vector<Extension> ext{Extension{extension_type::external_senders, encode(senders)}};
  CommitBundle gce = t.a.commit_builder().group_context_extensions(ext).build(t.alice.signer);
  t.a.merge_pending_commit();
  apply(*t.b, gce.commit);

  // charlie asks to be added; the server asks to add diana.
  Member charlie = make_member("charlie"), diana = make_member("diana");
  auto kc = create_key_package(suite, charlie.signer, charlie.credential, {}, system_rng());
  auto kd = create_key_package(suite, diana.signer, diana.credential, {}, system_rng());
  MLSMessage from_charlie = new_member_add_proposal(t.a.context(), kc.key_package, charlie.signer);
  MLSMessage from_server =
      external_sender_proposal(t.a.context(), 0, Proposal{Add{kd.key_package}}, server.signer);
  for (Group* g : {&t.a, &*t.b}) {
    for (const MLSMessage* m : {&from_charlie, &from_server}) {
      ProcessedMessage p = g->process_message(encode(*m));
      g->store_pending_proposal(std::get<QueuedProposal>(std::move(p.content)));
    }
  }
  CommitBundle adds = t.b->commit_to_pending_proposals(t.bob.signer);
  t.b->merge_pending_commit();
  apply(t.a, adds.commit);
  EXPECT_EQ(t.a.tree().leaf_count().value, 4u);
  EXPECT_EQ(t.a.epoch_authenticator(), t.b->epoch_authenticator());
  Group c = Group::join({}, std::get<Welcome>(adds.welcome->body), kc);
  EXPECT_EQ(c.epoch_authenticator(), t.a.epoch_authenticator());

  // The server may not send an Update (§12.1.8), nor sign for another index.
  EXPECT_MLS_RULE(external_sender_proposal(t.a.context(), 0, Proposal{Update{}}, server.signer),
                  ErrorKind::protocol, req::R12_1_8_2);
  EXPECT_THROW(external_sender_proposal(t.a.context(), 1, Proposal{Remove{1}}, server.signer),
               Error);
  // A proposal signed by someone who is not the listed sender is refused by members.
  MLSMessage forged = external_sender_proposal(t.a.context(), 0, Proposal{Remove{1}}, server.signer);
  std::get<PublicMessage>(forged.body).auth.signature[0] ^= 1;
  EXPECT_THROW(t.a.process_message(encode(forged)), Error);
}

// RFC 9420 §5.3.1: an external sender's credential is validated with the AS
// when the external_senders extension is added and when it is updated.
TEST(ExternalProposals, ExternalSendersCredentialsAreValidated) {
  Member alice = make_member("alice");
  GroupConfig config;
  config.credential_validator = [](const Credential& c, ByteView) {
    return c.identity != to_bytes("rogue");
  };
  Group a = Group::create(config, kSuite, to_bytes("group"), alice.signer, alice.credential);
  Member server = make_member("server"), rogue = make_member("rogue");
  auto senders_ext = [](std::vector<ExternalSender> senders) {
    return std::vector<Extension>{Extension{extension_type::external_senders, encode(senders)}};
  };
  ExternalSender good{server.signer.public_key, server.credential.credential};
  ExternalSender bad{rogue.signer.public_key, rogue.credential.credential};
  EXPECT_MLS_RULE(a.commit_builder().group_context_extensions(senders_ext({bad})).build(alice.signer),
                  ErrorKind::protocol, req::R5_3_1_7);
  a.commit_builder().group_context_extensions(senders_ext({good})).build(alice.signer);
  a.merge_pending_commit();
  EXPECT_MLS_RULE(
      a.commit_builder().group_context_extensions(senders_ext({good, bad})).build(alice.signer),
      ErrorKind::protocol, req::R5_3_1_8);
  EXPECT_EQ(a.epoch(), 1u);
}

// RFC 9420 §12.2: in a resync, the joiner's credential must be acceptable to
// the application for the member it removes.
TEST(ExternalCommit, AResyncNeedsACredentialAcceptableForTheRemovedMember) {
  TwoMembers t;
  GroupConfig strict;
  strict.resync_validator = [](const Credential& removed, const Credential& joiner) {
    return removed.identity == joiner.identity;
  };
  Group a(Group::create(strict, kSuite, to_bytes("strict"), t.alice.signer, t.alice.credential));
  Member bob = make_member("bob");
  auto kb = create_key_package(CipherSuite(kSuite), bob.signer, bob.credential, {}, system_rng());
  KeyPackage kps[] = {kb.key_package};
  CommitBundle add = a.add_members(t.alice.signer, kps);
  a.merge_pending_commit();
  GroupInfo gi = a.group_info(t.alice.signer, true);
  ExternalJoinOptions resync;
  resync.remove_prior = LeafIndex(1);
  Member mallory = make_member("mallory");
  auto [m, bad] =
      Group::join_external({}, gi, std::nullopt, mallory.signer, mallory.credential, resync);
  EpochAuthenticator before = a.epoch_authenticator();
  EXPECT_MLS_RULE(a.process_message(encode(bad)), ErrorKind::protocol, req::R12_2_20);
  EXPECT_EQ(a.epoch_authenticator(), before);
  Member bob2 = make_member("bob");
  auto [b2, good] = Group::join_external({}, gi, std::nullopt, bob2.signer, bob2.credential, resync);
  apply(a, good);
  EXPECT_EQ(a.epoch_authenticator(), b2.epoch_authenticator());
}

// The same without a resync_validator: anyone who holds a GroupInfo must not
// be able to remove a member by an external Commit. The default accepts only
// the removed leaf's credential, unchanged.
TEST(ExternalCommit, ByDefaultAResyncKeepsTheRemovedMembersCredential) {
  TwoMembers t;
  GroupInfo gi = t.a.group_info(t.alice.signer, true);
  ExternalJoinOptions resync;
  resync.remove_prior = LeafIndex(1);
  Member mallory = make_member("mallory");
  auto [m, bad] =
      Group::join_external({}, gi, std::nullopt, mallory.signer, mallory.credential, resync);
  EXPECT_MLS_RULE(t.a.process_message(encode(bad)), ErrorKind::protocol, req::R12_2_20);
  Member bob_again = make_member("bob");
  auto [b2, good] =
      Group::join_external({}, gi, std::nullopt, bob_again.signer, bob_again.credential, resync);
  apply(t.a, good);
  EXPECT_EQ(t.a.epoch_authenticator(), b2.epoch_authenticator());
}

// Anyone holding a GroupInfo can send an external Commit, signed with a key
// of their own, and its proposal list is validated before any PSK is looked
// up (§12.4.2). Many distinct PreSharedKey proposals (§12.2: "Zero or more")
// pass the repeat check (R12.2-10) and are refused for the first unknown PSK,
// leaving the group as it was. How long the refusal takes as the list grows
// (a scan per proposal once made it quadratic) is BM_RefuseExternalCommitPsks
// in tests/bench/group_bench.cpp.
TEST(ExternalCommit, ManyDistinctPskProposalsAreRefusedForTheFirstUnknownPsk) {
  TwoMembers t;
  Member charlie = make_member("charlie");
  GroupInfo gi = t.a.group_info(t.alice.signer, true);
  auto [c, commit] = Group::join_external({}, gi, std::nullopt, charlie.signer, charlie.credential);
  auto& pm = std::get<PublicMessage>(commit.body);
  for (uint32_t i = 0; i < 2000; ++i) {
    PreSharedKeyID id{PSKType::external, encode(i), {}, {}, 0, Bytes(t.a.suite().hash_size(), 1)};
    pm.content.commit.proposals.push_back(
        ProposalOrRef{ProposalOrRefType::proposal, Proposal{PreSharedKey{id}}, {}});
  }
  const EpochAuthenticator before = t.b->epoch_authenticator();
  EXPECT_MLS_RULE(t.b->process_message(encode(resigned(commit, *t.b, charlie.signer))),
                  ErrorKind::protocol, req::R12_4_2_5);
  EXPECT_EQ(t.b->epoch(), 1u);
  EXPECT_EQ(t.b->epoch_authenticator(), before);
}

}  // namespace
}  // namespace mlsref
