// RFC 9420 §13.5 GREASE and §7.2 capabilities: what our key packages, leaves
// and GroupInfos carry, what we refuse to send, and that GREASE values from
// others go through the same logic as any unknown value.
#include "ref/grease.h"

#include <algorithm>

#include "ref/group.h"
#include "ref/registries.h"
#include "ref/rule_switch.h"
#include "tests/members.h"
#include "tests/test_util.h"

namespace mlsref {
namespace {

constexpr CipherSuiteId kSuite = 1;

using testing::make_member;
using testing::Member;

template <class T>
size_t grease_count(const std::vector<T>& v) {
  return std::count_if(v.begin(), v.end(), [](T x) { return is_grease(x); });
}
size_t grease_count(const std::vector<Extension>& v) {
  return std::count_if(v.begin(), v.end(),
                       [](const Extension& e) { return is_grease(e.extension_type); });
}
bool lists(const std::vector<uint16_t>& v, uint16_t t) {
  return std::find(v.begin(), v.end(), t) != v.end();
}

TEST(Grease, OurKeyPackagesCarryItWhereTheRfcAllows) {
  Member alice = make_member("alice");
  auto kp =
      create_key_package(CipherSuite(kSuite), alice.signer, alice.credential, {}, system_rng());
  const LeafNode& leaf = kp.key_package.leaf_node;
  const Capabilities& caps = leaf.capabilities;
  EXPECT_GE(grease_count(caps.cipher_suites), 1u);
  EXPECT_GE(grease_count(caps.extensions), 1u);
  EXPECT_GE(grease_count(caps.proposals), 1u);
  EXPECT_GE(grease_count(caps.credentials), 1u);
  EXPECT_EQ(grease_count(caps.versions), 0u);
  EXPECT_EQ(grease_count(leaf.extensions), 1u);
  EXPECT_EQ(grease_count(kp.key_package.extensions), 1u);
  // Every extension the leaf and the KeyPackage carry is listed (§7.2, §10).
  for (const std::vector<Extension>* list :
       {&leaf.extensions, static_cast<const std::vector<Extension>*>(&kp.key_package.extensions)}) {
    for (const Extension& e : *list) {
      EXPECT_TRUE(lists(caps.extensions, e.extension_type)) << e.extension_type;
    }
  }
  // Every suite and both credential types we support; no default type.
  LeafNode real = without_grease(leaf);
  EXPECT_EQ(real.capabilities.cipher_suites.size(), cipher_suites().size());
  EXPECT_EQ(real.capabilities.credentials,
            (std::vector<CredentialType>{credential_type::basic, credential_type::x509}));
  for (const auto& row : extension_type_registry()) {
    if (row.is_default) {
      EXPECT_FALSE(lists(caps.extensions, row.value)) << row.name;
    }
  }
  EXPECT_NO_THROW(kp.key_package.validate(CipherSuite(kSuite), std::nullopt));

  // A group adds it, and the joiner joins: GREASE is ignored on both sides.
  Group a = Group::create({}, kSuite, to_bytes("g"), alice.signer, alice.credential);
  Member bob = make_member("bob");
  auto kb = create_key_package(CipherSuite(kSuite), bob.signer, bob.credential, {}, system_rng());
  KeyPackage kps[] = {kb.key_package};
  CommitBundle add = a.add_members(alice.signer, kps);
  a.merge_pending_commit();
  Group b = Group::join({}, std::get<Welcome>(add.welcome->body), kb);
  EXPECT_EQ(a.epoch_authenticator(), b.epoch_authenticator());
}

TEST(Grease, OurGroupInfosCarryAGreaseExtension) {
  Member alice = make_member("alice"), bob = make_member("bob");
  Group a = Group::create({}, kSuite, to_bytes("g"), alice.signer, alice.credential);
  GroupInfo gi = a.group_info(alice.signer, true);
  EXPECT_EQ(grease_count(gi.extensions), 1u);
  // The joiner ignores it.
  auto [b, commit] = Group::join_external({}, gi, std::nullopt, bob.signer, bob.credential);
  ProcessedMessage p = a.process_message(encode(commit));
  a.merge_staged_commit(std::get<StagedCommit>(std::move(p.content)));
  EXPECT_EQ(a.epoch_authenticator(), b.epoch_authenticator());
  // The Welcome's GroupInfo too (opened by the joiner, who ignores it).
  Member carol = make_member("carol");
  auto kc =
      create_key_package(CipherSuite(kSuite), carol.signer, carol.credential, {}, system_rng());
  KeyPackage kps[] = {kc.key_package};
  CommitBundle add = a.add_members(alice.signer, kps);
  EXPECT_EQ(grease_count(std::get<GroupInfo>(add.group_info.body).extensions), 1u);
}

TEST(Grease, CanBeSwitchedOff) {
  Member alice = make_member("alice");
  KeyPackageOptions options;
  options.grease = false;
  auto kp = create_key_package(CipherSuite(kSuite), alice.signer, alice.credential, options,
                               system_rng());
  EXPECT_EQ(kp.key_package.leaf_node, without_grease(kp.key_package.leaf_node));
  EXPECT_EQ(grease_count(kp.key_package.leaf_node.extensions), 0u);
  EXPECT_EQ(grease_count(kp.key_package.extensions), 0u);
  GroupConfig config;
  config.grease = false;
  Group a = Group::create(config, kSuite, to_bytes("g"), alice.signer, alice.credential);
  EXPECT_EQ(a.tree().leaf(LeafIndex(0)), without_grease(a.tree().leaf(LeafIndex(0))));
  EXPECT_EQ(grease_count(a.group_info(alice.signer, true).extensions), 0u);
}

// RFC 9420 §13.5: never in a proposal type, a credential type or GroupContext
// extensions.
TEST(Grease, NeverSentWhereItWouldBreakTheMessage) {
  Member alice = make_member("alice");
  Group a = Group::create({}, kSuite, to_bytes("g"), alice.signer, alice.credential);
  EXPECT_MLS_RULE(a.propose_custom(alice.signer, 0x2A2A, {}), ErrorKind::protocol, req::R13_5_3);
  EXPECT_MLS_RULE(a.propose_group_context_extensions(alice.signer, {Extension{0x4A4A, {}}}),
                  ErrorKind::protocol, req::R13_5_3);
  EXPECT_MLS_RULE(
      a.commit_builder().group_context_extensions({Extension{0x4A4A, {}}}).build(alice.signer),
      ErrorKind::protocol, req::R13_5_3);
  EXPECT_MLS_RULE(Group::create({}, kSuite, to_bytes("g2"), alice.signer, alice.credential, {},
                                {Extension{0x5A5A, {}}}),
                  ErrorKind::protocol, req::R13_5_3);
  CredentialWithKey odd = alice.credential;
  odd.credential.credential_type = 0x6A6A;
  EXPECT_MLS_RULE(create_key_package(CipherSuite(kSuite), alice.signer, odd, {}, system_rng()),
                  ErrorKind::protocol, req::R13_5_3);
  EXPECT_EQ(a.epoch(), 0u);
  EXPECT_TRUE(a.pending_proposals().empty());
}

TEST(Capabilities, OursListNoDefaultTypeAndOnlyWhatWeImplement) {
  Member alice = make_member("alice");
  CipherSuite suite(kSuite);
  KeyPackageOptions options;
  options.capabilities.extensions = {extension_type::ratchet_tree};
  EXPECT_MLS_RULE(create_key_package(suite, alice.signer, alice.credential, options, system_rng()),
                  ErrorKind::protocol, req::R7_2_1);
  options.capabilities = {};
  options.capabilities.proposals = {1};  // add
  EXPECT_MLS_RULE(create_key_package(suite, alice.signer, alice.credential, options, system_rng()),
                  ErrorKind::protocol, req::R7_2_1);
  options.capabilities = {};
  options.capabilities.cipher_suites = {kSuite, 0x0042};
  EXPECT_MLS_RULE(create_key_package(suite, alice.signer, alice.credential, options, system_rng()),
                  ErrorKind::unsupported, req::R13_4_2);
  options.capabilities = {};
  options.capabilities.versions = {2};
  EXPECT_MLS_RULE(create_key_package(suite, alice.signer, alice.credential, options, system_rng()),
                  ErrorKind::unsupported, req::R13_4_2);
  // An application's GREASE values are dropped and drawn afresh.
  options.capabilities = {};
  options.capabilities.cipher_suites = {kSuite, 0x0A0A};
  options.grease = false;
  auto kp = create_key_package(suite, alice.signer, alice.credential, options, system_rng());
  EXPECT_EQ(kp.key_package.leaf_node.capabilities.cipher_suites,
            std::vector<CipherSuiteId>{kSuite});
}

// RFC 9420 §13.5 [R13.5-7]: our leaf advertises GREASE, but we do not claim
// to support it when we compare it ourselves.
TEST(Grease, OurOwnCapabilitiesAreComparedWithoutIt) {
  Member alice = make_member("alice");
  Group a = Group::create({}, kSuite, to_bytes("g"), alice.signer, alice.credential);
  const LeafNode& own = a.tree().leaf(LeafIndex(0));
  ExtensionType advertised = 0;
  for (ExtensionType t : own.capabilities.extensions) {
    if (is_grease(t)) {
      advertised = t;
    }
  }
  ASSERT_NE(advertised, 0);
  GroupContext ctx = a.context();
  RequiredCapabilities required{{advertised}, {}, {}};
  ctx.extensions.push_back(Extension{extension_type::required_capabilities, encode(required)});
  // As another member sees our leaf, it supports the requirement ...
  EXPECT_NO_THROW(validate_leaf_in_group(a.tree(), ctx, LeafIndex(0)));
  // ... as we see ourselves, it does not.
  EXPECT_MLS_RULE(validate_own_leaf_in_group(a.tree(), ctx, LeafIndex(0)),
                  ErrorKind::unsupported_group_context_extensions, req::R7_3_4);
}

// RFC 9420 §13.5 [R13.5-7] with §12.2 [R12.2-15]: a Commit whose proposal
// type only our own leaf's GREASE lists (and the sender's leaf, whose GREASE
// happens to be the same value) is refused: we do not support it.
TEST(Grease, OurOwnGreaseProposalTypeIsNotSupportedInACommit) {
  Member alice = make_member("alice"), bob = make_member("bob");
  Group a = Group::create({}, kSuite, to_bytes("g"), alice.signer, alice.credential);
  const LeafNode& ours = a.tree().leaf(LeafIndex(0));
  // A KeyPackage of bob's whose GREASE shares a proposal type with alice's
  // leaf (15 GREASE values: a few tries).
  std::optional<KeyPackageBundle> kb;
  ProposalType shared = 0;
  for (int i = 0; i < 1000 && shared == 0; ++i) {
    kb = create_key_package(CipherSuite(kSuite), bob.signer, bob.credential, {}, system_rng());
    for (ProposalType t : kb->key_package.leaf_node.capabilities.proposals) {
      if (is_grease(t) && lists(ours.capabilities.proposals, t)) {
        shared = t;
      }
    }
  }
  ASSERT_NE(shared, 0);
  // An Add needs no path, so alice's leaf stays as it is.
  CommitBundle add = a.commit_builder().add(kb->key_package).build(alice.signer);
  a.merge_pending_commit();
  ASSERT_TRUE(lists(a.tree().leaf(LeafIndex(0)).capabilities.proposals, shared));
  Group b = Group::join({}, std::get<Welcome>(add.welcome->body), *kb);
  CommitBundle c;
  {
    // Bob sends it past the rules that would stop him: he is not under test.
    RuleSwitchedOff off({&req::R13_5_3, &req::R12_2_15});
    c = b.commit_builder().proposal(Proposal{CustomProposal{shared, {}}}).build(bob.signer);
  }
  EXPECT_MLS_RULE(a.process_message(encode(c.commit)), ErrorKind::protocol, req::R12_2_15);
}

// RFC 9420 §13.5 [R13.5-5, R13.5-6]: a GREASE value from another client is an
// unknown value like any other: a GroupContextExtensions proposal naming a
// GREASE extension type no member supports fails exactly as one naming an
// unknown non-GREASE type does, and unknown capability values and extensions
// in a KeyPackage are ignored either way.
TEST(Grease, FromOthersItIsJustAnUnknownValue) {
  Member alice = make_member("alice"), bob = make_member("bob");
  GroupConfig plain;
  plain.grease = false;  // so that no leaf happens to list the type below
  Group a = Group::create(plain, kSuite, to_bytes("g"), alice.signer, alice.credential);
  KeyPackageOptions options;
  options.grease = false;
  auto kb =
      create_key_package(CipherSuite(kSuite), bob.signer, bob.credential, options, system_rng());
  KeyPackage kps[] = {kb.key_package};
  CommitBundle add = a.add_members(alice.signer, kps);
  a.merge_pending_commit();
  Group b = Group::join(plain, std::get<Welcome>(add.welcome->body), kb);

  auto gce_from_bob = [&](ExtensionType type) {
    FramedContent content{b.group_id(),
                          b.epoch(),
                          Sender::member(1),
                          {},
                          ContentType::proposal,
                          {},
                          Proposal{GroupContextExtensions{{Extension{type, {}}}}},
                          {}};
    PublicMessage pm = protect_public(b.suite(), content, bob.signer.private_key, b.context(),
                                      b.state().secrets.membership_key);
    return encode(MLSMessage{mls10, pm});
  };
  // Received, stored, then committed by alice: refused when committing, as
  // no member supports the extension (§12.1.7).
  auto outcome = [&](ExtensionType type) -> std::string {
    Group copy = a;
    try {
      ProcessedMessage p = copy.process_message(gce_from_bob(type));
      copy.store_pending_proposal(std::get<QueuedProposal>(std::move(p.content)));
      copy.commit_to_pending_proposals(alice.signer);
    } catch (const Error& e) {
      return std::string(e.rule()) + " " + std::string(to_string(e.kind()));
    }
    return "";
  };
  std::string grease_error = outcome(0x7A7A), unknown_error = outcome(0x7A7B);
  EXPECT_FALSE(grease_error.empty());
  EXPECT_EQ(grease_error, unknown_error);

  // A KeyPackage listing GREASE and unknown values, with GREASE and unknown
  // extensions, hand-signed: accepted as any other.
  Member carol = make_member("carol");
  auto kc = create_key_package(CipherSuite(kSuite), carol.signer, carol.credential, options,
                               system_rng());
  KeyPackage odd = kc.key_package;
  odd.leaf_node.capabilities.cipher_suites.push_back(0x8A8A);
  odd.leaf_node.capabilities.cipher_suites.push_back(0x7777);
  odd.leaf_node.capabilities.proposals.push_back(0x9A9A);
  odd.leaf_node.capabilities.credentials.push_back(0xAAAA);
  odd.leaf_node.capabilities.extensions.push_back(0xBABA);
  odd.leaf_node.extensions.push_back(Extension{0xBABA, to_bytes("anything")});
  odd.extensions.push_back(Extension{0xCACA, to_bytes("anything")});
  odd.extensions.push_back(Extension{0x7778, to_bytes("anything")});
  odd.leaf_node.sign(CipherSuite(kSuite), carol.signer.private_key);
  odd.sign(CipherSuite(kSuite), carol.signer.private_key);
  EXPECT_NO_THROW(odd.validate(CipherSuite(kSuite), std::nullopt));
  KeyPackage more[] = {odd};
  EXPECT_NO_THROW(a.add_members(alice.signer, more));
}

}  // namespace
}  // namespace mlsref
