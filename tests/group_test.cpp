// The group state machine (ref/group.h) through its API: creation, joining,
// each key-update call and workflow, proposals by value and reference,
// commits with and without a path, PSKs, GroupContext extensions, removal,
// application messages, rejected messages changing nothing.
#include "ref/group.h"

#include <functional>
#include <set>

#include "conformance/vector_type.h"
#include "ref/grease.h"
#include "ref/registries.h"
#include "ref/rule_switch.h"
#include "ref/transcript_hash.h"
#include "ref/tree_kem.h"
#include "tests/test_util.h"

namespace mlsref {
namespace {

constexpr CipherSuiteId kSuite = 1;
constexpr ExtensionType kCustomExtension = 0xff00;

struct Client {
  Signer signer;
  CredentialWithKey credential;
  KeyPackageBundle key_package;
};

// A client whose KeyPackage lists `capabilities` (empty lists filled in).
Client client_with(const std::string& name, Capabilities capabilities) {
  CipherSuite suite(kSuite);
  Client c;
  c.signer = Signer::generate(suite, system_rng());
  c.credential = CredentialWithKey{Credential::basic(to_bytes(name)), c.signer.public_key};
  KeyPackageOptions options;
  options.capabilities = std::move(capabilities);
  c.key_package = create_key_package(suite, c.signer, c.credential, options, system_rng());
  return c;
}

Client make_client(const std::string& name, std::vector<ExtensionType> extensions = {}) {
  Capabilities capabilities;
  capabilities.extensions = std::move(extensions);
  return client_with(name, std::move(capabilities));
}

Bytes encode_message(const MLSMessage& m) { return encode(m); }

const Welcome& welcome_of(const CommitBundle& b) {
  return std::get<Welcome>(b.welcome.value().body);
}

// Every member agrees on the epoch, its authenticator, the tree and an exported secret.
void expect_agree(const std::vector<const Group*>& groups) {
  ASSERT_FALSE(groups.empty());
  const Group& a = *groups[0];
  for (const Group* g : groups) {
    EXPECT_EQ(g->epoch(), a.epoch());
    EXPECT_EQ(g->epoch_authenticator(), a.epoch_authenticator());
    EXPECT_EQ(g->tree_hash(), a.tree_hash());
    EXPECT_EQ(g->tree().root_tree_hash(g->suite()), g->tree_hash());
    EXPECT_EQ(g->export_secret("test", to_bytes("ctx"), 32),
              a.export_secret("test", to_bytes("ctx"), 32));
  }
}

// Processes a commit and merges it.
StagedCommit apply_commit(Group& g, const MLSMessage& commit) {
  ProcessedMessage m = g.process_message(encode_message(commit));
  auto* staged = std::get_if<StagedCommit>(&m.content);
  EXPECT_NE(staged, nullptr);
  StagedCommit copy = *staged;
  g.merge_staged_commit(std::move(*staged));
  return copy;
}

QueuedProposal receive_proposal(Group& g, const MLSMessage& proposal) {
  ProcessedMessage m = g.process_message(encode_message(proposal));
  auto* q = std::get_if<QueuedProposal>(&m.content);
  EXPECT_NE(q, nullptr);
  return *q;
}

// What a rejected message must leave untouched.
struct Snapshot {
  uint64_t epoch;
  EpochAuthenticator epoch_authenticator;
  Bytes tree_hash;
  size_t proposals;
  Bytes tree;
  explicit Snapshot(const Group& g)
      : epoch(g.epoch()),
        epoch_authenticator(g.epoch_authenticator()),
        tree_hash(g.tree_hash()),
        proposals(g.pending_proposals().size()),
        tree(encode(g.tree().to_nodes())) {}
  bool operator==(const Snapshot&) const = default;
};

struct TwoMembers {
  Client alice = make_client("alice");
  Client bob = make_client("bob");
  std::optional<Group> a, b;
  explicit TwoMembers(GroupConfig config = {}) {
    a.emplace(Group::create(config, kSuite, to_bytes("group"), alice.signer, alice.credential));
    KeyPackage kps[] = {bob.key_package.key_package};
    CommitBundle bundle = a->add_members(alice.signer, kps);
    a->merge_pending_commit();
    b.emplace(Group::join(config, welcome_of(bundle), bob.key_package));
  }
};

// A leaf's extensions without the GREASE extension we add (RFC 9420 §13.5).
std::vector<Extension> extensions_without_grease(const LeafNode& leaf) {
  std::vector<Extension> out;
  for (const Extension& e : leaf.extensions) {
    if (!is_grease(e.extension_type)) {
      out.push_back(e);
    }
  }
  return out;
}

// Alice, Bob and Carol (leaves 0, 1, 2); Carol joined by Alice's commit.
struct ThreeMembers : TwoMembers {
  Client carol = make_client("carol");
  std::optional<Group> c;
  ThreeMembers() {
    KeyPackage kps[] = {carol.key_package.key_package};
    CommitBundle add = a->add_members(alice.signer, kps);
    apply_commit(*b, add.commit);
    a->merge_pending_commit();
    c.emplace(Group::join({}, welcome_of(add), carol.key_package));
  }
};

// ---------------------------------------------------------------- creation and joining

TEST(Group, CreateIsEpochZeroWithOneMember) {
  Client alice = make_client("alice");
  Group g = Group::create({}, kSuite, to_bytes("g"), alice.signer, alice.credential);
  EXPECT_EQ(g.epoch(), 0u);
  EXPECT_EQ(g.tree().leaf_count().value, 1u);
  EXPECT_EQ(g.own_leaf_index(), LeafIndex(0));
  EXPECT_EQ(g.epoch_authenticator().size(), g.suite().hash_size());
}

TEST(Group, CreateWithRequiredCapabilities) {
  Client alice = make_client("alice");
  RequiredCapabilities req{{kCustomExtension}, {}, {credential_type::basic}};
  std::vector<Extension> ext{{extension_type::required_capabilities, encode(req)}};
  // The creator's leaf must support them.
  EXPECT_MLS_RULE(Group::create({}, kSuite, to_bytes("g"), alice.signer, alice.credential, {}, ext),
                  ErrorKind::unsupported_group_context_extensions, req::R7_3_4);
  Capabilities caps{{mls10}, {kSuite}, {kCustomExtension}, {}, {credential_type::basic}};
  Group g = Group::create({}, kSuite, to_bytes("g"), alice.signer, alice.credential,
                          LeafNodeParameters::builder().with_capabilities(caps).build(), ext);
  EXPECT_EQ(g.context().extensions, ext);
  // A KeyPackage without the required extension cannot be added.
  Client bob = make_client("bob");
  KeyPackage kps[] = {bob.key_package.key_package};
  EXPECT_MLS_RULE(g.add_members(alice.signer, kps), ErrorKind::unsupported_group_context_extensions,
                  req::R7_3_4);
  EXPECT_EQ(g.epoch(), 0u);
  Client carol = make_client("carol", {kCustomExtension});
  KeyPackage ok[] = {carol.key_package.key_package};
  CommitBundle b = g.add_members(alice.signer, ok);
  g.merge_pending_commit();
  Group c = Group::join({}, welcome_of(b), carol.key_package);
  expect_agree({&g, &c});
}

// A client of suite kSuite whose KeyPackage lists `proposals` and
// `credentials` in its capabilities (an empty list of credential types would
// stand for every one mlsref has).
Client make_capable_client(const std::string& name, std::vector<ProposalType> proposals,
                           std::vector<CredentialType> credentials = {credential_type::basic}) {
  Capabilities capabilities;
  capabilities.proposals = std::move(proposals);
  capabilities.credentials = std::move(credentials);
  return client_with(name, std::move(capabilities));
}

// RFC 9420 §7.3 [R7.3-4]: "If the GroupContext has a `required_capabilities`
// extension, then the required extensions, proposals, and credential types
// MUST be listed in the LeafNode's `capabilities` field." The group requires
// a proposal type of its own; alice adds carol, who does not list it (her
// commit built with the rule switched off), and bob refuses the Commit.
TEST(Group, AnAddedLeafWithoutARequiredProposalTypeIsRefused) {
  constexpr ProposalType kCustom = 0xff01;
  Client alice = make_capable_client("alice", {kCustom});
  Client bob = make_capable_client("bob", {kCustom});
  Client carol = make_capable_client("carol", {});
  RequiredCapabilities required{{}, {kCustom}, {}};
  std::vector<Extension> ext{{extension_type::required_capabilities, encode(required)}};
  Capabilities caps{{mls10}, {kSuite}, {}, {kCustom}, {credential_type::basic}};
  Group a = Group::create({}, kSuite, to_bytes("g"), alice.signer, alice.credential,
                          LeafNodeParameters::builder().with_capabilities(caps).build(), ext);
  KeyPackage bobs[] = {bob.key_package.key_package};
  CommitBundle add_bob = a.add_members(alice.signer, bobs);
  a.merge_pending_commit();
  Group b = Group::join({}, welcome_of(add_bob), bob.key_package);
  KeyPackage carols[] = {carol.key_package.key_package};
  EXPECT_MLS_RULE_AT(a.add_members(alice.signer, carols),
                     ErrorKind::unsupported_group_context_extensions, req::R7_3_4,
                     "does not support required proposal type");
  CommitBundle add_carol = [&] {
    RuleSwitchedOff off(req::R7_3_4);  // alice's own check of what she sends
    return a.add_members(alice.signer, carols);
  }();
  Snapshot before(b);
  EXPECT_MLS_RULE_AT(b.process_message(encode_message(add_carol.commit)),
                     ErrorKind::unsupported_group_context_extensions, req::R7_3_4,
                     "does not support required proposal type");
  EXPECT_EQ(Snapshot(b), before);
}

// RFC 9420 §12.1.7 [R12.1.7-1]: "A GroupContextExtensions proposal is invalid
// if it includes a `required_capabilities` extension and some members of the
// group do not support some of the required capabilities (including those
// added in the same Commit, and excluding those removed)." Alice lists the
// x509 credential type and bob does not; her GroupContextExtensions requires
// it (her commit built with the rule switched off), and bob refuses the Commit.
TEST(Group, ExtensionsRequiringACredentialTypeAMemberLacksAreRefused) {
  Client alice = make_capable_client("alice", {}, {credential_type::basic, credential_type::x509});
  Client bob = make_capable_client("bob", {});
  Capabilities caps{{mls10}, {kSuite}, {}, {}, {credential_type::basic, credential_type::x509}};
  Group a = Group::create({}, kSuite, to_bytes("g"), alice.signer, alice.credential,
                          LeafNodeParameters::builder().with_capabilities(caps).build());
  KeyPackage bobs[] = {bob.key_package.key_package};
  CommitBundle add_bob = a.add_members(alice.signer, bobs);
  a.merge_pending_commit();
  Group b = Group::join({}, welcome_of(add_bob), bob.key_package);
  RequiredCapabilities required{{}, {}, {credential_type::x509}};
  std::vector<Extension> ext{{extension_type::required_capabilities, encode(required)}};
  EXPECT_MLS_RULE_AT(a.commit_builder().group_context_extensions(ext).build(alice.signer),
                     ErrorKind::unsupported_group_context_extensions, req::R12_1_7_1,
                     "does not support required credential type");
  CommitBundle c = [&] {
    RuleSwitchedOff off(req::R12_1_7_1);  // alice's own check of what she sends
    return a.commit_builder().group_context_extensions(ext).build(alice.signer);
  }();
  Snapshot before(b);
  EXPECT_MLS_RULE_AT(b.process_message(encode_message(c.commit)),
                     ErrorKind::unsupported_group_context_extensions, req::R12_1_7_1,
                     "leaf 1 does not support required credential type");
  EXPECT_EQ(Snapshot(b), before);
}

TEST(Group, KeyPackageCreationAndValidation) {
  CipherSuite suite(kSuite);
  Client bob = make_client("bob");
  const KeyPackage& kp = bob.key_package.key_package;
  EXPECT_NO_THROW(kp.validate(suite, system_now()));
  EXPECT_EQ(suite.hpke().kem().key_pair(bob.key_package.init_private_key).public_key, kp.init_key);
  EXPECT_MLS_ERROR(kp.validate(suite, kp.leaf_node.lifetime.not_after + 1), ErrorKind::protocol,
                   "7.3");
  // The clock is injectable.
  KeyPackageBundle at = create_key_package(suite, bob.signer, bob.credential, {}, system_rng(),
                                           [] { return uint64_t{1'000'000}; });
  EXPECT_EQ(at.key_package.leaf_node.lifetime.not_before, 1'000'000u - 3600);
  Client other = make_client("other");
  EXPECT_MLS_ERROR(create_key_package(suite, other.signer, bob.credential, {}, system_rng()),
                   ErrorKind::usage, "10");
  // Another cipher suite than the group's.
  EXPECT_MLS_RULE(kp.validate(CipherSuite(3), std::nullopt), ErrorKind::protocol, req::R10_1_1);
  // init_key equal to the leaf's encryption_key, signed again.
  KeyPackage same_keys = kp;
  same_keys.init_key = kp.leaf_node.encryption_key;
  same_keys.sign(suite, bob.signer.private_key);
  EXPECT_MLS_RULE(same_keys.validate(suite, std::nullopt), ErrorKind::protocol, req::R10_1_4);
  // A signature over other content.
  KeyPackage tampered = kp;
  tampered.init_key = at.key_package.init_key;
  EXPECT_MLS_RULE(tampered.validate(suite, std::nullopt), ErrorKind::crypto, req::R10_1_3);
}

// RFC 9420 §7.2 [R7.2-5]: "Applications MUST define a maximum total lifetime
// that is acceptable for a LeafNode, and reject any LeafNode where the total
// lifetime is longer than this duration" (GroupConfig::max_leaf_lifetime): in
// an Add, and in the tree of a group joined.
TEST(Group, ALeafLivingLongerThanTheApplicationsMaximumIsRefused) {
  GroupConfig day;
  day.max_leaf_lifetime = 24 * 3600;
  Client alice = make_client("alice"), bob = make_client("bob"), carol = make_client("carol");
  // bob's KeyPackage lives 90 days (and an hour).
  Group strict = Group::create(day, kSuite, to_bytes("strict"), alice.signer, alice.credential);
  KeyPackage bobs[] = {bob.key_package.key_package};
  EXPECT_MLS_RULE(strict.add_members(alice.signer, bobs), ErrorKind::protocol, req::R7_2_5);
  KeyPackageOptions short_lived;
  const uint64_t now = system_now();
  short_lived.lifetime = Lifetime{now - 60, now + 3600};
  KeyPackageBundle brief = create_key_package(CipherSuite(kSuite), bob.signer, bob.credential,
                                              short_lived, system_rng());
  KeyPackage briefs[] = {brief.key_package};
  EXPECT_NO_THROW(strict.add_members(alice.signer, briefs));
  // A group without the limit adds bob's long-lived leaf; carol, with it,
  // will not join a tree that holds it.
  Group lax = Group::create({}, kSuite, to_bytes("lax"), alice.signer, alice.credential);
  KeyPackage both[] = {bob.key_package.key_package, carol.key_package.key_package};
  CommitBundle add = lax.add_members(alice.signer, both);
  EXPECT_MLS_RULE(Group::join(day, welcome_of(add), carol.key_package), ErrorKind::protocol,
                  req::R7_2_5);
  EXPECT_NO_THROW(Group::join({}, welcome_of(add), carol.key_package));
}

// RFC 9420 §12.4.3 [R12.4.3-3]: "New members MUST verify that `group_id` is
// unique among the groups they are currently participating in"
// (GroupConfig::group_id_in_use), by Welcome and by external Commit.
TEST(Group, AJoinToAGroupIdAlreadyInUseIsRefused) {
  Client alice = make_client("alice"), bob = make_client("bob"), carol = make_client("carol");
  std::set<Bytes> bobs_groups{to_bytes("group")};
  GroupConfig bobs;
  bobs.group_id_in_use = [&](const Bytes& id) { return bobs_groups.contains(id); };
  Group a = Group::create({}, kSuite, to_bytes("group"), alice.signer, alice.credential);
  KeyPackage kps[] = {bob.key_package.key_package};
  CommitBundle add = a.add_members(alice.signer, kps);
  a.merge_pending_commit();
  EXPECT_MLS_RULE(Group::join(bobs, welcome_of(add), bob.key_package), ErrorKind::protocol,
                  req::R12_4_3_3);
  GroupInfo gi = a.group_info(alice.signer, true);
  EXPECT_MLS_RULE(Group::join_external(bobs, gi, std::nullopt, carol.signer, carol.credential),
                  ErrorKind::protocol, req::R12_4_3_3);
  bobs_groups.clear();
  EXPECT_NO_THROW(Group::join(bobs, welcome_of(add), bob.key_package));
  EXPECT_NO_THROW(Group::join_external(bobs, gi, std::nullopt, carol.signer, carol.credential));
}

// RFC 9420 §7.3 [R7.3-8]: checking the lifetimes of a joined tree's leaves is
// RECOMMENDED, and on by default; GroupConfig::check_tree_lifetimes switches
// it off for an application whose members may go long without updating. Bob
// joined from a 90-day KeyPackage and never updated; 100 days on, carol
// (whose KeyPackage lives 200 days) joins.
TEST(Group, AnExpiredLeafInTheTreeRefusesTheJoinUnlessTheApplicationAllowsIt) {
  Client alice = make_client("alice"), bob = make_client("bob"), carol = make_client("carol");
  const uint64_t now = system_now();
  KeyPackageOptions long_lived;
  long_lived.lifetime = Lifetime{now - 60, now + 200 * 24 * 3600};
  KeyPackageBundle carols = create_key_package(CipherSuite(kSuite), carol.signer,
                                               carol.credential, long_lived, system_rng());
  Group a = Group::create({}, kSuite, to_bytes("g"), alice.signer, alice.credential);
  KeyPackage kps[] = {bob.key_package.key_package, carols.key_package};
  CommitBundle add = a.add_members(alice.signer, kps);
  GroupConfig later;
  later.clock = [now] { return now + 100 * 24 * 3600; };
  EXPECT_MLS_RULE(Group::join(later, welcome_of(add), carols), ErrorKind::protocol, req::R7_3_6);
  later.check_tree_lifetimes = false;
  EXPECT_NO_THROW(Group::join(later, welcome_of(add), carols));
}

TEST(Group, JoinWithTheTreeOutOfBand) {
  GroupConfig config;
  config.ratchet_tree_extension = false;
  Client alice = make_client("alice"), bob = make_client("bob");
  Group a = Group::create(config, kSuite, to_bytes("g"), alice.signer, alice.credential);
  RatchetTreeNodes old_tree = a.tree().to_nodes();
  KeyPackage kps[] = {bob.key_package.key_package};
  CommitBundle bundle = a.add_members(alice.signer, kps);
  a.merge_pending_commit();
  // Without the tree the Welcome cannot be processed.
  EXPECT_MLS_RULE(Group::join(config, welcome_of(bundle), bob.key_package), ErrorKind::protocol,
                  req::R12_4_3_1_1);
  // A tree whose hash is not the GroupInfo's tree_hash (the tree of epoch 0).
  EXPECT_MLS_RULE(Group::join(config, welcome_of(bundle), bob.key_package, old_tree),
                  ErrorKind::protocol, req::R12_4_3_1_9);
  // A Welcome with no secrets for our KeyPackage.
  Client carol = make_client("carol");
  EXPECT_MLS_RULE(Group::join(config, welcome_of(bundle), carol.key_package, a.tree().to_nodes()),
                  ErrorKind::protocol, req::R12_4_3_1_2);
  Group b = Group::join(config, welcome_of(bundle), bob.key_package, a.tree().to_nodes());
  expect_agree({&a, &b});
}

// `w`, for `joiner`, rebuilt around its GroupInfo changed by `change`: then,
// as the committer would, the confirmation_tag and the signature are computed
// again, and the GroupInfo is sealed for the joiner with the same
// joiner_secret and path_secret (a Welcome without PSKs).
Welcome resealed(const Welcome& w, const KeyPackageBundle& joiner, const Signer& committer,
                 const std::function<void(GroupInfo&)>& change) {
  CipherSuite suite(w.cipher_suite);
  OpenedWelcome o = open_welcome(suite, w, joiner.key_package, joiner.init_private_key, {});
  GroupInfo gi = o.group_info;
  change(gi);
  EpochSecrets e =
      derive_epoch_from_joiner(suite, o.secrets.joiner_secret, o.psk_secret, gi.group_context);
  gi.confirmation_tag =
      confirmation_tag(suite, e.confirmation_key, gi.group_context.confirmed_transcript_hash);
  gi.sign(suite, committer.private_key);
  std::vector<WelcomeRecipient> to{{joiner.key_package, std::nullopt}};
  if (o.secrets.path_secret) {
    to[0].path_secret = o.secrets.path_secret->path_secret;
  }
  return make_welcome(suite, gi, o.secrets.joiner_secret, {}, to, system_rng());
}

// RFC 9420 §12.4.3.1 [R12.4.3.1-6]: "Verify the signature on the GroupInfo
// object. ... The public key is taken from the LeafNode of the ratchet tree
// with leaf index `signer`. If the node is blank or if signature verification
// fails, return an error." Alice removes bob and carol and adds erin, who
// takes bob's leaf: leaf 2 is blank, dave's leaf 3 the last. Her GroupInfo,
// signed by her again, names leaf 2, or a leaf past the end, as its signer.
TEST(Group, AGroupInfoWhoseSignerIsABlankOrMissingLeafIsRefused) {
  Client alice = make_client("alice"), bob = make_client("bob"), carol = make_client("carol"),
         dave = make_client("dave"), erin = make_client("erin");
  Group a = Group::create({}, kSuite, to_bytes("g"), alice.signer, alice.credential);
  KeyPackage kps[] = {bob.key_package.key_package, carol.key_package.key_package,
                      dave.key_package.key_package};
  a.add_members(alice.signer, kps);
  a.merge_pending_commit();
  CommitBundle c = a.commit_builder()
                       .remove(LeafIndex(1))
                       .remove(LeafIndex(2))
                       .add(erin.key_package.key_package)
                       .build(alice.signer);
  a.merge_pending_commit();
  ASSERT_EQ(a.tree().leaf_count().value, 4u);
  ASSERT_FALSE(a.tree().has_leaf(LeafIndex(2)));
  // Resealed unchanged, the Welcome is accepted.
  Welcome same = resealed(welcome_of(c), erin.key_package, alice.signer, [](GroupInfo&) {});
  Group e = Group::join({}, same, erin.key_package);
  expect_agree({&a, &e});
  for (uint32_t signer : {2u, 4u, 0xffffffffu}) {
    SCOPED_TRACE(signer);
    Welcome w = resealed(welcome_of(c), erin.key_package, alice.signer,
                         [&](GroupInfo& gi) { gi.signer = signer; });
    EXPECT_MLS_RULE_AT(Group::join({}, w, erin.key_package), ErrorKind::protocol, req::R12_4_3_1_6,
                       "is blank or outside the tree");
  }
}

// RFC 9420 §12.4.3.1 [R12.4.3.1-2]: "Identify an entry in the `secrets` array
// where the `new_member` value corresponds to one of this client's
// KeyPackages, using the hash indicated by the `cipher_suite` field. If no
// such field exists, or if the cipher suite indicated in the KeyPackage does
// not match the one in the Welcome message, return an error." Bob's
// KeyPackage is of suite 1; the Welcome's cipher_suite field is changed to 3
// (the same KEM and hash, another AEAD).
TEST(Group, AWelcomeOfAnotherCipherSuiteThanTheKeyPackageIsRefused) {
  Client alice = make_client("alice"), bob = make_client("bob");
  Group a = Group::create({}, kSuite, to_bytes("g"), alice.signer, alice.credential);
  KeyPackage kps[] = {bob.key_package.key_package};
  CommitBundle add = a.add_members(alice.signer, kps);
  Welcome w = welcome_of(add);
  w.cipher_suite = 3;
  EXPECT_MLS_RULE_AT(Group::join({}, w, bob.key_package), ErrorKind::protocol, req::R12_4_3_1_2,
                     "Welcome cipher suite 3 does not match the KeyPackage's 1");
  EXPECT_NO_THROW(Group::join({}, welcome_of(add), bob.key_package));
}

TEST(Group, AddMembersAlwaysHasAPathWithoutUpdateOnlyWhenNeeded) {
  TwoMembers t;
  Client carol = make_client("carol"), dave = make_client("dave");
  KeyPackage c[] = {carol.key_package.key_package};
  CommitBundle with = t.a->add_members(t.alice.signer, c);
  EXPECT_TRUE(t.a->pending_commit()->has_path());
  StagedCommit s = apply_commit(*t.b, with.commit);
  EXPECT_TRUE(s.has_path());
  ASSERT_EQ(s.added().size(), 1u);
  EXPECT_EQ(s.added()[0].second, carol.key_package.key_package);
  t.a->merge_pending_commit();
  Group gc = Group::join({}, welcome_of(with), carol.key_package);
  expect_agree({&*t.a, &*t.b, &gc});

  KeyPackage d[] = {dave.key_package.key_package};
  CommitBundle without = t.a->add_members_without_update(t.alice.signer, d);
  EXPECT_FALSE(t.a->pending_commit()->has_path());
  EXPECT_FALSE(apply_commit(*t.b, without.commit).has_path());
  apply_commit(gc, without.commit);
  t.a->merge_pending_commit();
  Group gd = Group::join({}, welcome_of(without), dave.key_package);
  expect_agree({&*t.a, &*t.b, &gc, &gd});
}

// A caller's request that cannot be carried out is a usage error, before
// anything is built: a signer whose key is not the credential's (creating,
// joining externally, asking to join), a KeyPackage of another cipher suite
// than the group's, an Update signed by the old key naming a new one, a
// reinitialized or branched group with no one to welcome, a ReInit to a
// protocol version mlsref does not implement, and a transcript hash over
// anything but a Commit.
TEST(Group, RequestsThatCannotBeCarriedOutAreUsageErrors) {
  TwoMembers t;
  Client carol = make_client("carol");
  EXPECT_MLS_ERROR(Group::create({}, kSuite, to_bytes("g"), t.bob.signer, t.alice.credential),
                   ErrorKind::usage, "11");
  GroupInfo gi = t.a->group_info(t.alice.signer, true);
  EXPECT_MLS_ERROR(Group::join_external({}, gi, std::nullopt, t.bob.signer, carol.credential),
                   ErrorKind::usage, "12.4.3.2");
  EXPECT_MLS_ERROR(
      new_member_add_proposal(t.a->context(), carol.key_package.key_package, t.bob.signer),
      ErrorKind::usage, "12.1.8");
  CipherSuite other(3);
  Signer dave = Signer::generate(other, system_rng());
  KeyPackageBundle daves = create_key_package(
      other, dave, {Credential::basic(to_bytes("dave")), dave.public_key}, {}, system_rng());
  EXPECT_MLS_ERROR(new_member_add_proposal(t.a->context(), daves.key_package, dave),
                   ErrorKind::usage, "10.1");
  EXPECT_NO_THROW(
      new_member_add_proposal(t.a->context(), carol.key_package.key_package, carol.signer));
  auto new_key =
      LeafNodeParameters::builder()
          .with_credential({Credential::basic(to_bytes("alice")), carol.signer.public_key})
          .build();
  EXPECT_MLS_ERROR(t.a->propose_self_update(t.alice.signer, new_key), ErrorKind::usage, "12.1.2");
  EXPECT_TRUE(t.a->pending_proposals().empty());
  EXPECT_MLS_ERROR(Group::branch(*t.a, {}, to_bytes("sub"), t.alice.signer, t.alice.credential, {}),
                   ErrorKind::usage, "11.3");
  // (a reinit of a group of two needs the other's KeyPackage first, R12.4.1-16)
  for (ProtocolVersion version : {mls10, ProtocolVersion{2}}) {
    Group solo = Group::create({}, kSuite, to_bytes("solo"), carol.signer, carol.credential);
    ReInit r{to_bytes("solo v2"), version, kSuite, {}};
    solo.commit_builder().proposal(Proposal{r}).build(carol.signer);
    solo.merge_pending_commit();
    if (version == mls10) {
      EXPECT_MLS_ERROR(Group::reinit(solo, {}, carol.signer, carol.credential, {}),
                       ErrorKind::usage, "11.2");
    } else {  // a version mlsref does not implement
      EXPECT_MLS_ERROR(Group::reinit(solo, {}, carol.signer, carol.credential, {}),
                       ErrorKind::unsupported, "11.2");
    }
  }
  CommitBundle update = t.a->self_update(t.alice.signer);
  const auto& commit = std::get<PublicMessage>(update.commit.body);
  AuthenticatedContent proposal{wire_format::mls_public_message, commit.content, commit.auth};
  proposal.content.content_type = ContentType::proposal;
  proposal.content.proposal = Proposal{Remove{1}};
  EXPECT_MLS_ERROR(confirmed_transcript_hash(t.a->suite(), Bytes(32, 0), proposal),
                   ErrorKind::usage, "8.2");
  // A commit framed without its confirmation_tag (§6.1).
  EXPECT_MLS_ERROR(protect_public(t.a->suite(), commit.content, t.alice.signer.private_key,
                                  t.a->context(), t.a->state().secrets.membership_key),
                   ErrorKind::usage, "6.1");
  // An external join from a GroupInfo of a protocol version mlsref does not
  // implement.
  GroupInfo v2 = t.a->group_info(t.alice.signer, true);
  v2.group_context.version = 2;
  EXPECT_MLS_ERROR(Group::join_external({}, v2, std::nullopt, carol.signer, carol.credential),
                   ErrorKind::unsupported, "12.4.3.2");
}

// ---------------------------------------------------------------- key updates

TEST(Group, SelfUpdateChangesOnlyTheEncryptionKey) {
  TwoMembers t;
  LeafNode before = t.a->tree().leaf(LeafIndex(0));
  CommitBundle bundle = t.a->self_update(t.alice.signer);
  EXPECT_FALSE(bundle.welcome.has_value());
  EXPECT_EQ(t.a->epoch(), 1u);  // nothing changes until the merge
  StagedCommit s = apply_commit(*t.b, bundle.commit);
  ASSERT_TRUE(s.has_path());
  EXPECT_NE(s.path_leaf_node()->encryption_key, before.encryption_key);
  t.a->merge_pending_commit();
  const LeafNode& after = t.a->tree().leaf(LeafIndex(0));
  EXPECT_NE(after.encryption_key, before.encryption_key);
  EXPECT_EQ(after.signature_key, before.signature_key);
  EXPECT_EQ(after.credential, before.credential);
  EXPECT_EQ(after.capabilities, before.capabilities);
  expect_agree({&*t.a, &*t.b});
  // The GroupInfo of the bundle is signed by the committer and verifies.
  const auto& gi = std::get<GroupInfo>(bundle.group_info.body);
  EXPECT_NO_THROW(gi.verify(t.a->suite(), after.signature_key));
  EXPECT_EQ(gi.group_context, t.a->context());
}

TEST(Group, SelfUpdateWithLeafNodeParameters) {
  TwoMembers t;
  Capabilities caps = t.a->tree().leaf(LeafIndex(0)).capabilities;
  caps.extensions.push_back(kCustomExtension);
  std::vector<Extension> leaf_ext{{kCustomExtension, to_bytes("x")}};
  auto params =
      LeafNodeParameters::builder().with_capabilities(caps).with_extensions(leaf_ext).build();
  CommitBundle bundle = t.a->self_update(t.alice.signer, params);
  apply_commit(*t.b, bundle.commit);
  t.a->merge_pending_commit();
  // What we asked for, and GREASE values drawn afresh (RFC 9420 §13.5).
  LeafNode want;
  want.capabilities = caps;
  const LeafNode& got = t.b->tree().leaf(LeafIndex(0));
  EXPECT_EQ(without_grease(got).capabilities, without_grease(want).capabilities);
  EXPECT_EQ(extensions_without_grease(got), leaf_ext);
  EXPECT_NE(got.capabilities, without_grease(got).capabilities);
  expect_agree({&*t.a, &*t.b});
}

TEST(Group, SelfUpdateCoversAPendingAddAndReturnsAWelcome) {
  TwoMembers t;
  Client charlie = make_client("charlie");
  // Bob proposes to add Charlie; Alice stores the proposal.
  auto [proposal, ref] = t.b->propose_add_member(t.bob.signer, charlie.key_package.key_package);
  QueuedProposal q = receive_proposal(*t.a, proposal);
  EXPECT_EQ(q.ref, ref);
  t.a->store_pending_proposal(q);
  // Alice's self-update covers it: a Welcome for Charlie.
  CommitBundle bundle = t.a->self_update(t.alice.signer);
  ASSERT_TRUE(bundle.welcome.has_value());
  StagedCommit s = apply_commit(*t.b, bundle.commit);
  ASSERT_EQ(s.added().size(), 1u);
  EXPECT_EQ(s.proposals().at(0).ref, ref);
  t.a->merge_pending_commit();
  Group c = Group::join({}, welcome_of(bundle), charlie.key_package);
  expect_agree({&*t.a, &*t.b, &c});
  EXPECT_TRUE(t.a->pending_proposals().empty());  // the store empties with the epoch
  EXPECT_TRUE(t.b->pending_proposals().empty());
}

TEST(Group, NewSignerSignsTheNextCommit) {
  TwoMembers t;
  CipherSuite suite(kSuite);
  Signer next = Signer::generate(suite, system_rng());
  NewSignerBundle bundle{next, {Credential::basic(to_bytes("alice-2")), next.public_key}};
  // The parameters may not carry a credential too; the signer must match its key.
  EXPECT_MLS_ERROR(
      t.a->self_update_with_new_signer(
          t.alice.signer, bundle,
          LeafNodeParameters::builder().with_credential(bundle.credential_with_key).build()),
      ErrorKind::usage, "5.3");
  NewSignerBundle mismatched{t.bob.signer, bundle.credential_with_key};
  EXPECT_MLS_ERROR(t.a->self_update_with_new_signer(t.alice.signer, mismatched),
                   ErrorKind::usage, "5.3");
  EXPECT_FALSE(t.a->pending_commit().has_value());

  CommitBundle c = t.a->self_update_with_new_signer(t.alice.signer, bundle);
  apply_commit(*t.b, c.commit);
  t.a->merge_pending_commit();
  EXPECT_EQ(t.b->tree().leaf(LeafIndex(0)).signature_key, next.public_key);
  EXPECT_EQ(t.b->tree().leaf(LeafIndex(0)).credential, Credential::basic(to_bytes("alice-2")));
  expect_agree({&*t.a, &*t.b});
  // From now on the new signer signs; the old one is refused.
  EXPECT_MLS_RULE(t.a->self_update(t.alice.signer), ErrorKind::protocol, req::R6_1_1);
  CommitBundle d = t.a->self_update(next);
  apply_commit(*t.b, d.commit);
  t.a->merge_pending_commit();
  expect_agree({&*t.a, &*t.b});
}

// The path's leaf is signed by the current signer unless a new one is given,
// so parameters naming another signature key are refused by every way of
// building the commit, before anything is staged (receivers would reject the
// leaf's signature, R7.3-2). A new credential with the same key is fine.
TEST(Group, SelfUpdateCannotNameAKeyItsSignerLacks) {
  TwoMembers t;
  CipherSuite suite(kSuite);
  Signer next = Signer::generate(suite, system_rng());
  CredentialWithKey foreign{Credential::basic(to_bytes("alice")), next.public_key};
  auto params = LeafNodeParameters::builder().with_credential(foreign).build();
  EXPECT_MLS_ERROR(t.a->self_update(t.alice.signer, params), ErrorKind::usage, "5.3");
  EXPECT_MLS_ERROR(t.a->commit_builder().leaf_node_parameters(params).build(t.alice.signer),
                   ErrorKind::usage, "5.3");
  NewSignerBundle bundle{next, {Credential::basic(to_bytes("alice-2")), next.public_key}};
  EXPECT_MLS_ERROR(
      t.a->commit_builder().new_signer(bundle).leaf_node_parameters(params).build(t.alice.signer),
      ErrorKind::usage, "5.3");
  NewSignerBundle mismatched{t.bob.signer, bundle.credential_with_key};
  EXPECT_MLS_ERROR(t.a->commit_builder().new_signer(mismatched).build(t.alice.signer),
                   ErrorKind::usage, "5.3");
  EXPECT_FALSE(t.a->pending_commit().has_value());

  CredentialWithKey renamed{Credential::basic(to_bytes("alice-renamed")), t.alice.signer.public_key};
  CommitBundle c = t.a->self_update(t.alice.signer,
                                    LeafNodeParameters::builder().with_credential(renamed).build());
  apply_commit(*t.b, c.commit);
  t.a->merge_pending_commit();
  EXPECT_EQ(t.b->tree().leaf(LeafIndex(0)).credential, renamed.credential);
  expect_agree({&*t.a, &*t.b});
}

TEST(Group, UpdateProposalCommittedByAnotherMember) {
  TwoMembers t;
  auto [proposal, ref] = t.b->propose_self_update(t.bob.signer);
  QueuedProposal q = receive_proposal(*t.a, proposal);
  const LeafNode proposed = std::get<Update>(q.proposal.body).leaf_node;
  t.a->store_pending_proposal(q);
  CommitBundle bundle = t.a->commit_to_pending_proposals(t.alice.signer);
  StagedCommit s = apply_commit(*t.b, bundle.commit);
  ASSERT_EQ(s.update_proposals().size(), 1u);
  EXPECT_EQ(s.update_proposals()[0].first, LeafIndex(1));
  EXPECT_EQ(s.update_proposals()[0].second, proposed);
  t.a->merge_pending_commit();
  // Bob's new key is in use: his leaf is the proposed one, and he decrypts
  // the next path encrypted to it.
  EXPECT_EQ(t.b->tree().leaf(LeafIndex(1)), proposed);
  expect_agree({&*t.a, &*t.b});
  CommitBundle next = t.a->self_update(t.alice.signer);
  apply_commit(*t.b, next.commit);
  t.a->merge_pending_commit();
  expect_agree({&*t.a, &*t.b});
}

TEST(Group, OwnUpdateProposalIsCommittedAsAPath) {
  TwoMembers t;
  auto [proposal, ref] = t.a->propose_self_update(t.alice.signer);
  EXPECT_EQ(t.a->pending_proposals().size(), 1u);
  t.b->store_pending_proposal(receive_proposal(*t.b, proposal));
  CommitBundle bundle = t.a->commit_to_pending_proposals(t.alice.signer);
  StagedCommit s = apply_commit(*t.b, bundle.commit);
  EXPECT_TRUE(s.has_path());
  EXPECT_TRUE(s.proposals().empty());
  t.a->merge_pending_commit();
  expect_agree({&*t.a, &*t.b});
}

// Committing your own Update proposals yourself: the path's leaf carries what
// the most recent of them proposed (credential, capabilities, extensions), as
// it would have had another member committed it.
TEST(Group, OwnUpdateProposalKeepsWhatItProposed) {
  TwoMembers t;
  Capabilities caps = t.a->tree().leaf(LeafIndex(0)).capabilities;
  caps.extensions.push_back(kCustomExtension);
  std::vector<Extension> first_ext{{kCustomExtension, to_bytes("first")}};
  auto [first, first_ref] = t.a->propose_self_update(
      t.alice.signer,
      LeafNodeParameters::builder().with_capabilities(caps).with_extensions(first_ext).build());
  CredentialWithKey renamed{Credential::basic(to_bytes("alice-renamed")), t.alice.signer.public_key};
  std::vector<Extension> second_ext{{kCustomExtension, to_bytes("second")}};
  auto [second, second_ref] =
      t.a->propose_self_update(t.alice.signer, LeafNodeParameters::builder()
                                                   .with_credential(renamed)
                                                   .with_capabilities(caps)
                                                   .with_extensions(second_ext)
                                                   .build());
  t.b->store_pending_proposal(receive_proposal(*t.b, first));
  t.b->store_pending_proposal(receive_proposal(*t.b, second));
  CommitBundle bundle = t.a->commit_to_pending_proposals(t.alice.signer);
  StagedCommit s = apply_commit(*t.b, bundle.commit);
  EXPECT_TRUE(s.proposals().empty());
  t.a->merge_pending_commit();
  const LeafNode& leaf = t.b->tree().leaf(LeafIndex(0));
  EXPECT_EQ(leaf.credential, renamed.credential);
  LeafNode want;
  want.capabilities = caps;
  EXPECT_EQ(without_grease(leaf).capabilities, without_grease(want).capabilities);
  EXPECT_EQ(extensions_without_grease(leaf), second_ext);
  expect_agree({&*t.a, &*t.b});
}

// Our own leaf, built from the application's LeafNodeParameters, passes the
// checks its receivers make of a LeafNode (§7.3) before anything is sent: in
// a new group, a Commit's path, an Update and an external join. Here a leaf
// whose extensions repeat a type (§13.4 R13.4-5; the types it carries are
// listed in its capabilities by mlsref, so R7.3-9 cannot be broken this way).
TEST(Group, AnOwnLeafThatItsReceiversWouldRefuseIsNeverSent) {
  TwoMembers t;
  Capabilities caps = without_grease(t.a->tree().leaf(LeafIndex(0))).capabilities;
  caps.extensions.push_back(kCustomExtension);
  std::vector<Extension> twice{{kCustomExtension, to_bytes("1")},
                               {kCustomExtension, to_bytes("2")}};
  auto repeated =
      LeafNodeParameters::builder().with_capabilities(caps).with_extensions(twice).build();

  Snapshot before(*t.a);
  EXPECT_MLS_RULE(t.a->self_update(t.alice.signer, repeated), ErrorKind::protocol, req::R13_4_5);
  EXPECT_MLS_RULE(
      t.a->commit_builder().leaf_node_parameters(repeated).force_self_update().build(t.alice.signer),
      ErrorKind::protocol, req::R13_4_5);
  EXPECT_MLS_RULE(t.a->propose_self_update(t.alice.signer, repeated), ErrorKind::protocol,
                  req::R13_4_5);
  EXPECT_EQ(Snapshot(*t.a), before);
  EXPECT_FALSE(t.a->pending_commit().has_value());

  Client carol = make_client("carol");
  EXPECT_MLS_RULE(
      Group::create({}, kSuite, to_bytes("g2"), carol.signer, carol.credential, repeated),
      ErrorKind::protocol, req::R13_4_5);
  ExternalJoinOptions o;
  o.leaf = repeated;
  EXPECT_MLS_RULE(Group::join_external({}, t.a->group_info(t.alice.signer, true), std::nullopt,
                                       carol.signer, carol.credential, o),
                  ErrorKind::protocol, req::R13_4_5);
  // With the extension once, the same update goes through and Bob accepts it.
  std::vector<Extension> once{{kCustomExtension, to_bytes("1")}};
  CommitBundle ok = t.a->self_update(
      t.alice.signer,
      LeafNodeParameters::builder().with_capabilities(caps).with_extensions(once).build());
  apply_commit(*t.b, ok.commit);
  t.a->merge_pending_commit();
  EXPECT_EQ(t.a->epoch_authenticator(), t.b->epoch_authenticator());
}

TEST(Group, UpdatedLeafMustSupportGroupContextExtensions) {
  Client alice = make_client("alice", {kCustomExtension});
  Client bob = make_client("bob", {kCustomExtension});
  Capabilities caps{{mls10}, {kSuite}, {kCustomExtension}, {}, {credential_type::basic}};
  std::vector<Extension> ext{{kCustomExtension, to_bytes("group data")}};
  Group a = Group::create({}, kSuite, to_bytes("g"), alice.signer, alice.credential,
                          LeafNodeParameters::builder().with_capabilities(caps).build(), ext);
  KeyPackage kps[] = {bob.key_package.key_package};
  CommitBundle add = a.add_members(alice.signer, kps);
  a.merge_pending_commit();
  Group b = Group::join({}, welcome_of(add), bob.key_package);

  Capabilities lacking{{mls10}, {kSuite}, {}, {}, {credential_type::basic}};
  auto params = LeafNodeParameters::builder().with_capabilities(lacking).build();
  Snapshot before(a);
  EXPECT_MLS_RULE(a.self_update(alice.signer, params),
                  ErrorKind::unsupported_group_context_extensions, req::R13_4_7);
  EXPECT_MLS_RULE(a.propose_self_update(alice.signer, params),
                  ErrorKind::unsupported_group_context_extensions, req::R13_4_7);
  EXPECT_EQ(Snapshot(a), before);
  EXPECT_FALSE(a.pending_commit().has_value());

  // A receiver rejects such an Update with the same kind: Bob signs one by hand.
  LeafNode leaf = b.tree().leaf(LeafIndex(1));
  leaf.capabilities = lacking;
  leaf.extensions.clear();  // its GREASE extension would need listing (R7.3-9)
  leaf.encryption_key = b.suite().generate_key_pair(system_rng()).public_key;
  leaf.leaf_node_source = LeafNodeSource::update;
  leaf.lifetime = {};
  leaf.sign(b.suite(), bob.signer.private_key, b.group_id(), 1);
  FramedContent content{b.group_id(),          b.epoch(), Sender::member(1),      {},
                        ContentType::proposal, {},        Proposal{Update{leaf}}, {}};
  PublicMessage pm = protect_public(b.suite(), content, bob.signer.private_key, b.context(),
                                    b.state().secrets.membership_key);
  EXPECT_MLS_RULE(a.process_message(MLSMessage{mls10, pm}),
                  ErrorKind::unsupported_group_context_extensions, req::R13_4_7);
  EXPECT_EQ(Snapshot(a), before);
}

// ---------------------------------------------------------------- other proposals

TEST(Group, RemoveMemberByValueAndByReference) {
  ThreeMembers t;
  Group& c = *t.c;
  const Client& carol = t.carol;

  // Carol proposes removing Bob; Alice commits it by reference.
  auto [proposal, ref] = c.propose_remove_member(carol.signer, LeafIndex(1));
  t.a->store_pending_proposal(receive_proposal(*t.a, proposal));
  t.b->store_pending_proposal(receive_proposal(*t.b, proposal));
  CommitBundle remove = t.a->commit_to_pending_proposals(t.alice.signer);
  StagedCommit s = apply_commit(c, remove.commit);
  ASSERT_EQ(s.removed().size(), 1u);
  EXPECT_EQ(s.removed()[0], LeafIndex(1));
  EXPECT_TRUE(s.has_path());  // Remove requires a path
  // Bob learns he is removed.
  ProcessedMessage m = t.b->process_message(encode_message(remove.commit));
  auto& staged = std::get<StagedCommit>(m.content);
  EXPECT_TRUE(staged.self_removed());
  t.b->merge_staged_commit(staged);
  EXPECT_FALSE(t.b->active());
  // §12.4.2 (R12.4.2-27): the removed member's group state keeps no secret.
  const GroupState& left = t.b->state();
  EXPECT_TRUE(left.secrets.init_secret.empty());
  EXPECT_TRUE(left.secrets.epoch_authenticator.empty());
  EXPECT_TRUE(left.secrets.exporter_secret.empty());
  EXPECT_FALSE(left.secret_tree.has_value());
  EXPECT_TRUE(left.own.private_keys.empty());
  EXPECT_TRUE(left.resumption_psks.empty());
  t.a->merge_pending_commit();
  expect_agree({&*t.a, &c});
  // Bob can no longer read, nor send.
  MLSMessage app = t.a->create_message(t.alice.signer, to_bytes("secret"));
  EXPECT_MLS_RULE(t.b->process_message(encode_message(app)), ErrorKind::protocol, req::R12_4_2_27);
  EXPECT_MLS_RULE(t.b->create_message(t.bob.signer, to_bytes("hi")), ErrorKind::protocol,
                  req::R12_4_2_27);
  ProcessedMessage got = c.process_message(encode_message(app));
  EXPECT_EQ(std::get<ApplicationMessage>(got.content).data, to_bytes("secret"));
  // A removed index is blank; removing it again is invalid.
  LeafIndex gone[] = {LeafIndex(1)};
  EXPECT_MLS_RULE(t.a->remove_members(t.alice.signer, gone), ErrorKind::protocol, req::R12_1_3_1);
}

// Removing a member whose Update, or a Remove of whom, is in the store: the
// caller's Remove is committed and the stored proposal for that leaf left out
// (§12.2: a valid list has one Update or Remove per leaf, and a committer
// SHOULD prefer the Remove), rather than the commit failing.
TEST(Group, RemoveMembersWhileAnUpdateOrRemoveOfThemIsStored) {
  for (bool stored_remove : {false, true}) {
    SCOPED_TRACE(stored_remove ? "a stored Remove of bob" : "bob's stored Update");
    ThreeMembers t;
    Group& c = *t.c;
    const Client& carol = t.carol;
    MLSMessage stored = stored_remove
                            ? c.propose_remove_member(carol.signer, LeafIndex(1)).first
                            : t.b->propose_self_update(t.bob.signer).first;
    t.a->store_pending_proposal(receive_proposal(*t.a, stored));
    c.store_pending_proposal(receive_proposal(c, stored));
    LeafIndex bob[] = {LeafIndex(1)};
    CommitBundle remove = t.a->remove_members(t.alice.signer, bob);
    StagedCommit s = apply_commit(c, remove.commit);
    ASSERT_EQ(s.proposals().size(), 1u);
    EXPECT_TRUE(s.proposals()[0].ref.empty());  // the caller's, by value
    ASSERT_EQ(s.removed().size(), 1u);
    EXPECT_EQ(s.removed()[0], LeafIndex(1));
    t.a->merge_pending_commit();
    expect_agree({&*t.a, &c});
  }
}

TEST(Group, ExternalAndResumptionPsks) {
  GroupConfig config;
  config.handshake_private = true;  // a rejection after decryption must give the key back
  TwoMembers t(config);
  Bytes id = to_bytes("psk-1");
  SecureBytes psk(32, 7);
  CipherSuite suite(kSuite);
  PreSharedKeyID ext{PSKType::external, id, {}, {}, 0, Bytes(suite.hash_size(), 1)};
  // Bob does not have the PSK yet: Alice's commit is rejected, and then
  // accepted once he has it (the rejection consumed nothing).
  t.a->add_external_psk(id, psk);
  CommitBundle c = t.a->commit_builder().psk(ext).build(t.alice.signer);
  Snapshot before(*t.b);
  EXPECT_MLS_RULE(t.b->process_message(encode_message(c.commit)), ErrorKind::protocol,
                  req::R12_4_2_5);
  EXPECT_EQ(Snapshot(*t.b), before);
  t.b->add_external_psk(id, psk);
  StagedCommit s = apply_commit(*t.b, c.commit);
  EXPECT_EQ(s.psks().size(), 1u);
  EXPECT_FALSE(s.has_path());  // psk does not require a path
  t.a->merge_pending_commit();
  expect_agree({&*t.a, &*t.b});

  // A resumption PSK of an earlier epoch both members kept.
  PreSharedKeyID res{PSKType::resumption, {}, ResumptionPSKUsage::application,
                     t.a->group_id(),     1,  Bytes(suite.hash_size(), 2)};
  CommitBundle r = t.a->commit_builder().psk(res).build(t.alice.signer);
  apply_commit(*t.b, r.commit);
  t.a->merge_pending_commit();
  expect_agree({&*t.a, &*t.b});
  // A new member gets the external PSK with the Welcome.
  Client carol = make_client("carol");
  CommitBundle add =
      t.a->commit_builder().add(carol.key_package.key_package).psk(ext).build(t.alice.signer);
  apply_commit(*t.b, add.commit);
  t.a->merge_pending_commit();
  EXPECT_MLS_RULE(Group::join({}, welcome_of(add), carol.key_package), ErrorKind::protocol,
                  req::R12_4_3_1_4);
  Group c2 = Group::join({}, welcome_of(add), carol.key_package, std::nullopt, {{id, psk}});
  expect_agree({&*t.a, &*t.b, &c2});
  // A PSK nonce of the wrong length is invalid.
  PreSharedKeyID short_nonce = ext;
  short_nonce.psk_nonce.pop_back();
  EXPECT_MLS_RULE(t.a->commit_builder().psk(short_nonce).build(t.alice.signer), ErrorKind::protocol,
                  req::R12_1_4_3);
  // The same PreSharedKeyID twice in one list is invalid.
  EXPECT_MLS_RULE(t.a->commit_builder().psk(ext).psk(ext).build(t.alice.signer),
                  ErrorKind::protocol, req::R12_2_10);
  // Resumption PSKs with usage reinit or branch only in a reinitialization or
  // a branch, which a PreSharedKey proposal never is.
  PreSharedKeyID reinit_psk = res;
  reinit_psk.usage = ResumptionPSKUsage::reinit;
  EXPECT_MLS_RULE(t.a->commit_builder().psk(reinit_psk).build(t.alice.signer), ErrorKind::protocol,
                  req::R12_1_4_1);
  PreSharedKeyID branch_psk = res;
  branch_psk.usage = ResumptionPSKUsage::branch;
  EXPECT_MLS_RULE(t.a->commit_builder().psk(branch_psk).build(t.alice.signer), ErrorKind::protocol,
                  req::R12_1_4_2);
  EXPECT_FALSE(t.a->pending_commit().has_value());
}

// RFC 9420 §8.4: a Welcome's GroupSecrets "MUST indicate the same set of
// PSKs, in the same order" as the Commit, whose PreSharedKey proposals name
// each PreSharedKeyID once (§12.2) with a psk_nonce of KDF.Nh octets
// (§12.1.4). A committer that broke either rule (switched off here) sends a
// Welcome that no valid Commit could have produced: the joiner refuses it.
TEST(Group, AWelcomeNamesEachPskOnceWithANonceOfKdfNh) {
  TwoMembers t;
  Bytes id = to_bytes("psk-1");
  SecureBytes psk(32, 7);
  CipherSuite suite(kSuite);
  t.a->add_external_psk(id, psk);
  PreSharedKeyID ext{PSKType::external, id, {}, {}, 0, Bytes(suite.hash_size(), 1)};
  Client carol = make_client("carol");
  std::optional<CommitBundle> twice;
  {
    RuleSwitchedOff off(req::R12_2_10);
    twice = t.a->commit_builder().add(carol.key_package.key_package).psk(ext).psk(ext).build(
        t.alice.signer);
  }
  t.a->clear_pending_commit();
  EXPECT_MLS_RULE(
      Group::join({}, welcome_of(*twice), carol.key_package, std::nullopt, {{id, psk}}),
      ErrorKind::protocol, req::R8_4_i2);
  PreSharedKeyID short_nonce = ext;
  short_nonce.psk_nonce.resize(5);
  Client dave = make_client("dave");
  std::optional<CommitBundle> shorter;
  {
    RuleSwitchedOff off(req::R12_1_4_3);
    shorter = t.a->commit_builder().add(dave.key_package.key_package).psk(short_nonce).build(
        t.alice.signer);
  }
  t.a->clear_pending_commit();
  EXPECT_MLS_RULE(
      Group::join({}, welcome_of(*shorter), dave.key_package, std::nullopt, {{id, psk}}),
      ErrorKind::protocol, req::R12_1_4_3);
  // The same PSK once, with a nonce of KDF.Nh octets, is the valid Welcome.
  Client erin = make_client("erin");
  CommitBundle once =
      t.a->commit_builder().add(erin.key_package.key_package).psk(ext).build(t.alice.signer);
  t.a->merge_pending_commit();
  Group e = Group::join({}, welcome_of(once), erin.key_package, std::nullopt, {{id, psk}});
  EXPECT_EQ(e.epoch_authenticator(), t.a->epoch_authenticator());
}

// RFC 9420 §8.5: a member removed from the group has deleted the epoch's
// secrets (§12.4.2); an exporter of nothing would be a value anyone computes.
TEST(Group, NoExporterAfterBeingRemoved) {
  ThreeMembers t;
  LeafIndex bob[] = {LeafIndex(1)};
  CommitBundle remove = t.a->remove_members(t.alice.signer, bob);
  apply_commit(*t.b, remove.commit);
  ASSERT_FALSE(t.b->active());
  EXPECT_MLS_ERROR(t.b->export_secret("test", to_bytes("ctx"), 32), ErrorKind::usage, "8.5");
  t.a->merge_pending_commit();
  EXPECT_NO_THROW(t.a->export_secret("test", to_bytes("ctx"), 32));
}

TEST(Group, GroupContextExtensions) {
  Client alice = make_client("alice", {kCustomExtension});
  Client bob = make_client("bob", {kCustomExtension});
  Capabilities caps{{mls10}, {kSuite}, {kCustomExtension}, {}, {credential_type::basic}};
  Group a = Group::create({}, kSuite, to_bytes("g"), alice.signer, alice.credential,
                          LeafNodeParameters::builder().with_capabilities(caps).build());
  KeyPackage kps[] = {bob.key_package.key_package};
  CommitBundle add = a.add_members(alice.signer, kps);
  a.merge_pending_commit();
  Group b = Group::join({}, welcome_of(add), bob.key_package);
  std::vector<Extension> ext{{kCustomExtension, to_bytes("v2")}};
  CommitBundle c = a.commit_builder().group_context_extensions(ext).build(alice.signer);
  EXPECT_TRUE(a.pending_commit()->has_path());  // group_context_extensions requires a path
  apply_commit(b, c.commit);
  a.merge_pending_commit();
  EXPECT_EQ(b.context().extensions, ext);
  expect_agree({&a, &b});
  // Two GroupContextExtensions proposals in one list are invalid.
  EXPECT_MLS_RULE(
      a.commit_builder().group_context_extensions(ext).group_context_extensions(ext).build(
          alice.signer),
      ErrorKind::protocol, req::R12_2_11);
}

// RFC 9420 §12.1, §12.2: a proposal type the application defines is usable
// once every member lists it in capabilities.proposals; by reference and by
// value; it requires a path (no registry entry says otherwise).
TEST(Group, CustomProposalTypesListedInCapabilities) {
  constexpr ProposalType kCustom = 0xff01;
  CipherSuite suite(kSuite);
  auto client = [&](const std::string& name, std::vector<ProposalType> proposals) {
    Client c;
    c.signer = Signer::generate(suite, system_rng());
    c.credential = CredentialWithKey{Credential::basic(to_bytes(name)), c.signer.public_key};
    KeyPackageOptions options;
    options.capabilities.proposals = std::move(proposals);
    c.key_package = create_key_package(suite, c.signer, c.credential, options, system_rng());
    return c;
  };
  Client alice = client("alice", {kCustom});
  Client bob = client("bob", {kCustom});
  Client carol = client("carol", {});
  Capabilities caps{{mls10}, {kSuite}, {}, {kCustom}, {credential_type::basic}};
  Group a = Group::create({}, kSuite, to_bytes("g"), alice.signer, alice.credential,
                          LeafNodeParameters::builder().with_capabilities(caps).build());
  KeyPackage kps[] = {bob.key_package.key_package};
  CommitBundle add = a.add_members(alice.signer, kps);
  a.merge_pending_commit();
  Group b = Group::join({}, welcome_of(add), bob.key_package);

  // By reference: Bob proposes, Alice commits it.
  auto [proposal, ref] = b.propose_custom(bob.signer, kCustom, to_bytes("payload"));
  a.store_pending_proposal(receive_proposal(a, proposal));
  b.store_pending_proposal(receive_proposal(b, proposal));
  CommitBundle c = a.commit_to_pending_proposals(alice.signer);
  EXPECT_TRUE(a.pending_commit()->has_path());
  StagedCommit staged = apply_commit(b, c.commit);
  a.merge_pending_commit();
  ASSERT_EQ(staged.proposals().size(), 1u);
  const auto* custom = std::get_if<CustomProposal>(&staged.proposals()[0].proposal.body);
  ASSERT_NE(custom, nullptr);
  EXPECT_EQ(custom->proposal_type, kCustom);
  EXPECT_EQ(custom->proposal_data, to_bytes("payload"));
  expect_agree({&a, &b});

  // By value.
  CommitBundle v = a.commit_builder()
                       .proposal(Proposal{CustomProposal{kCustom, to_bytes("inline")}})
                       .build(alice.signer);
  apply_commit(b, v.commit);
  a.merge_pending_commit();
  expect_agree({&a, &b});

  // Once Carol, who does not list the type, is a member, it is refused.
  KeyPackage carol_kps[] = {carol.key_package.key_package};
  CommitBundle add_carol = a.add_members(alice.signer, carol_kps);
  apply_commit(b, add_carol.commit);
  a.merge_pending_commit();
  EXPECT_MLS_RULE(a.commit_builder()
                      .proposal(Proposal{CustomProposal{kCustom, to_bytes("x")}})
                      .build(alice.signer),
                  ErrorKind::protocol, req::R12_2_15);
}

// RFC 9420 §12.1.5: a ReInit may not lower the protocol version.
TEST(Group, ReInitToALowerVersionIsInvalid) {
  TwoMembers t;
  ProposalCheck check{t.a->suite(), t.a->context(), t.a->tree(), std::nullopt, nullptr};
  Proposal lower{ReInit{to_bytes("group v2"), 0, kSuite, {}}};
  EXPECT_MLS_RULE(validate_proposal(check, lower, Sender::member(1)), ErrorKind::protocol,
                  req::R12_1_5_1);
  Proposal same{ReInit{to_bytes("group v2"), mls10, kSuite, {}}};
  EXPECT_NO_THROW(validate_proposal(check, same, Sender::member(1)));
}

// RFC 9420 §13.4 [R13.4-5]: "Any field containing a list of extensions MUST
// NOT have more than one extension of any given type": ReInit.extensions
// (the new group's GroupContext extensions) and those a group is created with.
TEST(Group, ExtensionListsInReInitAndCreateHaveOneOfEachType) {
  TwoMembers t;
  Extension required{extension_type::required_capabilities, encode(RequiredCapabilities{})};
  ReInit twice{to_bytes("group v2"), mls10, kSuite, {required, required}};
  EXPECT_MLS_RULE(t.b->propose_reinit(t.bob.signer, twice), ErrorKind::protocol, req::R13_4_5);
  std::optional<std::pair<MLSMessage, Bytes>> sent;
  {
    RuleSwitchedOff off(req::R13_4_5);
    sent = t.b->propose_reinit(t.bob.signer, twice);
  }
  EXPECT_MLS_RULE(t.a->process_message(encode(sent->first)), ErrorKind::protocol, req::R13_4_5);
  EXPECT_MLS_RULE(Group::create({}, kSuite, to_bytes("g"), t.alice.signer, t.alice.credential, {},
                                {required, required}),
                  ErrorKind::protocol, req::R13_4_5);
  EXPECT_NO_THROW(
      Group::create({}, kSuite, to_bytes("g"), t.alice.signer, t.alice.credential, {}, {required}));
}

// RFC 9420 §11.2 steps 1 and 2: a ReInit proposal and the commit covering
// it; afterwards the group is used no more (§12.4.2).
TEST(Group, ReInitCommitEndsTheGroup) {
  TwoMembers t;
  ReInit reinit{to_bytes("group v2"), mls10, kSuite, {}};
  auto [proposal, ref] = t.b->propose_reinit(t.bob.signer, reinit);
  t.a->store_pending_proposal(receive_proposal(*t.a, proposal));
  t.b->store_pending_proposal(receive_proposal(*t.b, proposal));
  // A ReInit with any other proposal is invalid (§12.2). (A stored ReInit is
  // left out when there are others, R12.2-13, so this one is by value.)
  EXPECT_MLS_RULE(t.a->commit_builder()
                      .consume_proposal_store(false)
                      .proposal(Proposal{reinit})
                      .remove(LeafIndex(1))
                      .build(t.alice.signer),
                  ErrorKind::protocol, req::R12_2_12);
  EXPECT_FALSE(t.a->pending_commit().has_value());
  CommitBundle c = t.a->commit_to_pending_proposals(t.alice.signer);
  StagedCommit staged = apply_commit(*t.b, c.commit);
  t.a->merge_pending_commit();
  ASSERT_TRUE(staged.reinit().has_value());
  EXPECT_EQ(*staged.reinit(), reinit);
  expect_agree({&*t.a, &*t.b});
  EXPECT_MLS_RULE(t.b->create_message(t.bob.signer, to_bytes("hi")), ErrorKind::protocol,
                  req::R12_4_2_25);
  EXPECT_MLS_RULE(t.a->self_update(t.alice.signer), ErrorKind::protocol, req::R12_4_2_25);
  EXPECT_MLS_RULE(t.b->process_message(encode(c.commit)), ErrorKind::protocol, req::R12_4_2_25);
}

// RFC 9420 §12.4: proposals observed in an epoch are committed before any
// application data is sent.
TEST(Group, NoApplicationDataWhileProposalsAreUncommitted) {
  TwoMembers t;
  auto [proposal, ref] = t.b->propose_self_update(t.bob.signer);
  EXPECT_MLS_RULE(t.b->create_message(t.bob.signer, to_bytes("hi")), ErrorKind::protocol,
                  req::R12_4_1);
  t.a->store_pending_proposal(receive_proposal(*t.a, proposal));
  EXPECT_MLS_RULE(t.a->create_message(t.alice.signer, to_bytes("hi")), ErrorKind::protocol,
                  req::R12_4_1);
  CommitBundle c = t.a->commit_to_pending_proposals(t.alice.signer);
  apply_commit(*t.b, c.commit);
  t.a->merge_pending_commit();
  MLSMessage m = t.a->create_message(t.alice.signer, to_bytes("hi"));
  EXPECT_EQ(std::get<ApplicationMessage>(t.b->process_message(encode(m)).content).data,
            to_bytes("hi"));
}

TEST(Group, CustomProposalCodec) {
  Proposal p{CustomProposal{0xff01, {1, 2, 3}}};
  EXPECT_EQ(p.proposal_type(), 0xff01);
  Bytes wire = encode(p);
  EXPECT_EQ(wire, (Bytes{0xff, 0x01, 0x03, 1, 2, 3}));
  EXPECT_EQ(decode<Proposal>(wire), p);
  EXPECT_MLS_ERROR(decode<Proposal>(Bytes{0x00, 0x00, 0x00}), ErrorKind::decode, "2.1");
}

TEST(Group, KeysAreUniqueAmongMembers) {
  TwoMembers t;
  CipherSuite suite(kSuite);
  // Carol's KeyPackage, signed by her, with Bob's encryption_key.
  Client carol = make_client("carol");
  KeyPackage copy = carol.key_package.key_package;
  copy.leaf_node.encryption_key = t.b->tree().leaf(LeafIndex(1)).encryption_key;
  copy.leaf_node.sign(suite, carol.signer.private_key);
  copy.sign(suite, carol.signer.private_key);
  ASSERT_NO_THROW(copy.validate(suite, std::nullopt));
  EXPECT_MLS_RULE(t.a->commit_builder().add(copy).build(t.alice.signer), ErrorKind::protocol,
                  req::R7_3_14);
  EXPECT_FALSE(t.a->pending_commit().has_value());
}

// RFC 9420 §7.3 [R7.3-14]: "Verify that the following fields are unique among
// the members of the group: `signature_key` `encryption_key`" Bob proposes an
// Update whose leaf has carol's signature_key (and a fresh encryption_key),
// the leaf signed with carol's key and the proposal with bob's: the leaf
// verifies, and only the uniqueness rule is broken.
TEST(Group, AnUpdateToAnotherMembersSignatureKeyIsRefused) {
  ThreeMembers t;
  const CipherSuite& suite = t.b->suite();
  LeafNode leaf = t.b->tree().leaf(LeafIndex(1));
  leaf.leaf_node_source = LeafNodeSource::update;
  leaf.lifetime = {};
  leaf.signature_key = t.carol.signer.public_key;
  leaf.encryption_key = make_client("fresh").key_package.key_package.leaf_node.encryption_key;
  leaf.sign(suite, t.carol.signer.private_key, t.b->group_id(), 1);
  FramedContent content{t.b->group_id(),       t.b->epoch(), Sender::member(1),      {},
                        ContentType::proposal, {},           Proposal{Update{leaf}}, {}};
  MLSMessage update{mls10, protect_public(suite, content, t.bob.signer.private_key, t.b->context(),
                                          t.b->state().secrets.membership_key)};
  Snapshot before(*t.a);
  EXPECT_MLS_RULE_AT(t.a->process_message(encode_message(update)), ErrorKind::protocol,
                     req::R7_3_14, "leaf 1 has the signature_key of leaf 2");
  EXPECT_EQ(Snapshot(*t.a), before);
}

// RFC 9420 §16.7 [R16.7-1]: "The encryption and signature keys stored in the
// `encryption_key` and `signature_key` fields of ratchet tree nodes MUST be
// distinct from one another." Carol's KeyPackage, signed by her, has the
// root's encryption_key as its leaf's; alice adds it without a path, so the
// root keeps its key (her commit built with the rule switched off), and bob
// refuses the Commit.
TEST(Group, AnAddedLeafWhoseEncryptionKeyIsAParentNodeKeyIsRefused) {
  TwoMembers t;
  CipherSuite suite(kSuite);
  const NodeIndex root(1);
  ASSERT_FALSE(t.a->tree().blank(root));
  Client carol = make_client("carol");
  KeyPackage copy = carol.key_package.key_package;
  copy.leaf_node.encryption_key = t.a->tree().encryption_key(root);
  copy.leaf_node.sign(suite, carol.signer.private_key);
  copy.sign(suite, carol.signer.private_key);
  ASSERT_NO_THROW(copy.validate(suite, std::nullopt));
  KeyPackage kps[] = {copy};
  EXPECT_MLS_RULE_AT(t.a->add_members_without_update(t.alice.signer, kps), ErrorKind::protocol,
                     req::R16_7_1, "has the encryption_key of parent node 1");
  CommitBundle forged = [&] {
    RuleSwitchedOff off(req::R16_7_1);  // alice's own check of what she sends
    return t.a->add_members_without_update(t.alice.signer, kps);
  }();
  Snapshot before(*t.b);
  EXPECT_MLS_RULE_AT(t.b->process_message(encode_message(forged.commit)), ErrorKind::protocol,
                     req::R16_7_1, "leaf 2 has the encryption_key of parent node 1");
  EXPECT_EQ(Snapshot(*t.b), before);
}

TEST(Group, ProposalListRules) {
  TwoMembers t;
  // Removing the committer.
  EXPECT_MLS_RULE(t.a->commit_builder().remove(LeafIndex(0)).build(t.alice.signer),
                  ErrorKind::protocol, req::R12_2_5);
  // Two Removes of the same leaf.
  EXPECT_MLS_RULE(
      t.a->commit_builder().remove(LeafIndex(1)).remove(LeafIndex(1)).build(t.alice.signer),
      ErrorKind::protocol, req::R12_2_6);
  // Adding a client already in the group.
  EXPECT_MLS_RULE(t.a->commit_builder().add(t.bob.key_package.key_package).build(t.alice.signer),
                  ErrorKind::protocol, req::R12_2_9);
  // Two Adds of the same client.
  Client carol = make_client("carol");
  EXPECT_MLS_RULE(t.a->commit_builder()
                      .add(carol.key_package.key_package)
                      .add(carol.key_package.key_package)
                      .build(t.alice.signer),
                  ErrorKind::protocol, req::R12_2_8);
  // An ExternalInit in a regular commit.
  EXPECT_MLS_RULE(
      t.a->commit_builder().proposal(Proposal{ExternalInit{to_bytes("x")}}).build(t.alice.signer),
      ErrorKind::protocol, req::R12_2_14);
  EXPECT_FALSE(t.a->pending_commit().has_value());
  EXPECT_EQ(t.a->epoch(), 1u);
  // The committer's own Update proposal (the builder leaves it out and puts the
  // new leaf in the path instead, so the list is checked directly).
  t.a->propose_self_update(t.alice.signer, {});
  ASSERT_EQ(t.a->pending_proposals().size(), 1u);
  ProposalCheck check{t.a->suite(), t.a->context(), t.a->tree(), std::nullopt, nullptr};
  EXPECT_MLS_RULE(validate_proposal_list(check, LeafIndex(0), t.a->pending_proposals()),
                  ErrorKind::protocol, req::R12_2_4);
  // Bob may commit it.
  EXPECT_NO_THROW(validate_proposal_list(check, LeafIndex(1), t.a->pending_proposals()));
}

TEST(Group, CommitAndProposalRulesOnReceipt) {
  TwoMembers t;
  // A commit by reference to a proposal Bob never received cannot be checked.
  Client carol = make_client("carol");
  t.a->propose_add_member(t.alice.signer, carol.key_package.key_package);
  CommitBundle c = t.a->commit_to_pending_proposals(t.alice.signer);
  Snapshot before(*t.b);
  EXPECT_MLS_RULE(t.b->process_message(encode_message(c.commit)), ErrorKind::protocol,
                  req::R12_4_2);
  EXPECT_EQ(Snapshot(*t.b), before);
  t.a->clear_pending_commit();

  // An Update that keeps the encryption_key of the leaf it replaces.
  LeafNode leaf = t.b->tree().leaf(LeafIndex(1));
  leaf.leaf_node_source = LeafNodeSource::update;
  leaf.lifetime = {};
  leaf.sign(t.b->suite(), t.bob.signer.private_key, t.b->group_id(), 1);
  FramedContent content{t.b->group_id(),       t.b->epoch(), Sender::member(1),      {},
                        ContentType::proposal, {},           Proposal{Update{leaf}}, {}};
  PublicMessage pm = protect_public(t.b->suite(), content, t.bob.signer.private_key, t.b->context(),
                                    t.b->state().secrets.membership_key);
  EXPECT_MLS_RULE(t.a->process_message(MLSMessage{mls10, pm}), ErrorKind::protocol, req::R7_3_12);

  // A PublicMessage from a leaf that is not in the tree.
  FramedContent stranger = content;
  stranger.sender = Sender::member(5);
  EXPECT_MLS_RULE(t.a->process_message(MLSMessage{
                      mls10, protect_public(t.b->suite(), stranger, t.bob.signer.private_key,
                                            t.b->context(), t.b->state().secrets.membership_key)}),
                  ErrorKind::protocol, req::R6_1_2);

  // A resumption PSK of an epoch nobody kept.
  PreSharedKeyID gone{PSKType::resumption, {}, ResumptionPSKUsage::application,
                      t.a->group_id(),     99, Bytes(t.a->suite().hash_size(), 2)};
  EXPECT_MLS_RULE(t.a->commit_builder().psk(gone).build(t.alice.signer), ErrorKind::protocol,
                  req::R12_4_2_5);
  EXPECT_FALSE(t.a->pending_commit().has_value());
}

// Alice's commit, changed by `change` and signed again by her, as Bob receives it.
MLSMessage altered_commit(TwoMembers& t, const CommitBundle& c,
                          const std::function<void(FramedContent&)>& change) {
  const auto& pm = std::get<PublicMessage>(c.commit.body);
  FramedContent content = pm.content;
  change(content);
  return MLSMessage{
      mls10, protect_public(t.a->suite(), content, t.alice.signer.private_key, t.a->context(),
                            t.a->state().secrets.membership_key, pm.auth.confirmation_tag)};
}

TEST(Group, CommitPathRules) {
  TwoMembers t;
  CommitBundle c = t.a->self_update(t.alice.signer);
  Snapshot before(*t.b);
  // An empty commit without a path.
  EXPECT_MLS_RULE(
      t.b->process_message(altered_commit(t, c, [](FramedContent& f) { f.commit.path.reset(); })),
      ErrorKind::protocol, req::R12_4_2_7);
  // A path leaf that keeps the committer's encryption_key (signed again, so
  // that only this rule is broken).
  EXPECT_MLS_RULE(t.b->process_message(altered_commit(
                      t, c,
                      [&](FramedContent& f) {
                        LeafNode& leaf = f.commit.path->leaf_node;
                        leaf.encryption_key = t.a->tree().leaf(LeafIndex(0)).encryption_key;
                        leaf.sign(t.a->suite(), t.alice.signer.private_key, t.a->group_id(), 0);
                      })),
                  ErrorKind::protocol, req::R12_4_2_13);
  // A path node with a public key already in the tree (Bob's).
  EXPECT_MLS_RULE(
      t.b->process_message(altered_commit(t, c,
                                          [&](FramedContent& f) {
                                            f.commit.path->nodes.at(0).encryption_key =
                                                t.b->tree().leaf(LeafIndex(1)).encryption_key;
                                          })),
      ErrorKind::protocol, req::R12_4_2_14);
  // A confirmation_tag that is not the new epoch's.
  const auto& pm = std::get<PublicMessage>(c.commit.body);
  Bytes bad_tag = pm.auth.confirmation_tag;
  bad_tag[0] ^= 1;
  MLSMessage wrong_tag{
      mls10, protect_public(t.a->suite(), pm.content, t.alice.signer.private_key, t.a->context(),
                            t.a->state().secrets.membership_key, bad_tag)};
  EXPECT_MLS_RULE(t.b->process_message(wrong_tag), ErrorKind::crypto, req::R12_4_2_23);
  EXPECT_EQ(Snapshot(*t.b), before);
  // The commit as sent is fine.
  apply_commit(*t.b, c.commit);
  t.a->merge_pending_commit();
  expect_agree({&*t.a, &*t.b});
}

// RFC 9420 §12.2 [R12.2-6]: a list is invalid if "It contains multiple Update
// and/or Remove proposals that apply to the same leaf." Bob proposes an
// Update and carol a Remove of bob; alice's commit covers the Remove, and is
// changed (signed again) to cover bob's Update after it: the Update is
// refused for the leaf the Remove already names.
TEST(Group, ACommitCoveringAnUpdateOfALeafItRemovesIsRefused) {
  ThreeMembers t;
  MLSMessage update = t.b->propose_self_update(t.bob.signer).first;
  MLSMessage remove = t.c->propose_remove_member(t.carol.signer, LeafIndex(1)).first;
  QueuedProposal u = receive_proposal(*t.c, update), r = receive_proposal(*t.c, remove);
  t.a->store_pending_proposal(receive_proposal(*t.a, update));
  t.a->store_pending_proposal(receive_proposal(*t.a, remove));
  t.c->store_pending_proposal(u);
  t.c->store_pending_proposal(r);
  CommitBundle c = t.a->commit_to_pending_proposals(t.alice.signer);
  ASSERT_EQ(std::get<PublicMessage>(c.commit.body).content.commit.proposals.size(), 1u);
  auto refs = [&](std::vector<Bytes> order) {
    return [order](FramedContent& f) {
      f.commit.proposals.clear();
      for (const Bytes& ref : order) {
        f.commit.proposals.push_back(ProposalOrRef{ProposalOrRefType::reference, {}, ref});
      }
    };
  };
  Snapshot before(*t.c);
  EXPECT_MLS_RULE_AT(t.c->process_message(altered_commit(t, c, refs({r.ref, u.ref}))),
                     ErrorKind::protocol, req::R12_2_6,
                     "several Update/Remove proposals for leaf 1");
  EXPECT_EQ(Snapshot(*t.c), before);
  apply_commit(*t.c, c.commit);
  t.a->merge_pending_commit();
  expect_agree({&*t.a, &*t.c});
}

TEST(Group, ExternalSenderProposals) {
  CipherSuite suite(kSuite);
  Signer ds = Signer::generate(suite, system_rng());
  std::vector<ExternalSender> senders{{ds.public_key, Credential::basic(to_bytes("ds"))}};
  std::vector<Extension> ext{{extension_type::external_senders, encode(senders)}};
  Client alice = make_client("alice"), bob = make_client("bob");
  Group a = Group::create({}, kSuite, to_bytes("g"), alice.signer, alice.credential, {}, ext);
  KeyPackage kps[] = {bob.key_package.key_package};
  CommitBundle add = a.add_members(alice.signer, kps);
  a.merge_pending_commit();
  Group b = Group::join({}, welcome_of(add), bob.key_package);
  auto external = [&](Proposal p, uint32_t index) {
    FramedContent c{a.group_id(),
                    a.epoch(),
                    Sender{SenderType::external, 0, index},
                    {},
                    ContentType::proposal,
                    {},
                    std::move(p),
                    {}};
    return encode(MLSMessage{mls10, protect_public(suite, c, ds.private_key, a.context(), {})});
  };
  // An Update may not come from an external sender; an unknown index is refused.
  EXPECT_MLS_RULE(a.process_message(external(Proposal{Update{}}, 0)), ErrorKind::protocol,
                  req::R12_1_8_2);
  EXPECT_MLS_RULE(a.process_message(external(Proposal{Remove{1}}, 1)), ErrorKind::protocol,
                  req::R6_1_3);
  // An external sender sends proposals only; a new member proposes only its own Add.
  FramedContent commit_content{
      a.group_id(), a.epoch(), Sender{SenderType::external, 0, 0}, {}, ContentType::commit, {},
      {},           {}};
  EXPECT_MLS_RULE(a.process_message(MLSMessage{
                      mls10, protect_public(suite, commit_content, ds.private_key, a.context(), {},
                                            Bytes(suite.hash_size(), 0))}),
                  ErrorKind::protocol, req::R6_1_4);
  FramedContent new_member{a.group_id(),
                           a.epoch(),
                           Sender{SenderType::new_member_proposal, 0, 0},
                           {},
                           ContentType::proposal,
                           {},
                           Proposal{Remove{1}},
                           {}};
  EXPECT_MLS_RULE(a.process_message(MLSMessage{
                      mls10, protect_public(suite, new_member, ds.private_key, a.context(), {})}),
                  ErrorKind::protocol, req::R6_1_8);
  // A Remove from the delivery service, committed by reference.
  Bytes remove = external(Proposal{Remove{1}}, 0);
  a.store_pending_proposal(std::get<QueuedProposal>(a.process_message(remove).content));
  b.store_pending_proposal(std::get<QueuedProposal>(b.process_message(remove).content));
  CommitBundle c = a.commit_to_pending_proposals(alice.signer);
  ProcessedMessage m = b.process_message(encode_message(c.commit));
  EXPECT_TRUE(std::get<StagedCommit>(m.content).self_removed());
  a.merge_pending_commit();
  EXPECT_EQ(a.tree().leaf_count().value, 1u);
}

TEST(Group, CommitBuilderFiltersPendingProposals) {
  TwoMembers t;
  Client carol = make_client("carol"), dave = make_client("dave");
  auto [p1, r1] = t.b->propose_add_member(t.bob.signer, carol.key_package.key_package);
  auto [p2, r2] = t.b->propose_add_member(t.bob.signer, dave.key_package.key_package);
  t.a->store_pending_proposal(receive_proposal(*t.a, p1));
  t.a->store_pending_proposal(receive_proposal(*t.a, p2));
  Bytes keep = r2;
  CommitBundle c = t.a->commit_builder()
                       .filter_pending([&](const QueuedProposal& q) { return q.ref == keep; })
                       .build(t.alice.signer);
  StagedCommit s = apply_commit(*t.b, c.commit);
  ASSERT_EQ(s.added().size(), 1u);
  EXPECT_EQ(s.added()[0].second, dave.key_package.key_package);
  t.a->merge_pending_commit();
  expect_agree({&*t.a, &*t.b});
}

TEST(Group, PendingCommitMergeAndClear) {
  TwoMembers t;
  EXPECT_MLS_ERROR(t.a->merge_pending_commit(), ErrorKind::usage, "12.4.1");
  CommitBundle c = t.a->self_update(t.alice.signer);
  EXPECT_MLS_ERROR(t.a->self_update(t.alice.signer), ErrorKind::usage, "12.4.1");
  t.a->clear_pending_commit();
  EXPECT_EQ(t.a->epoch(), 1u);
  // A staged commit of another epoch is refused.
  CommitBundle d = t.a->self_update(t.alice.signer);
  ProcessedMessage m = t.b->process_message(encode_message(d.commit));
  StagedCommit staged = std::get<StagedCommit>(m.content);
  t.b->merge_staged_commit(staged);
  EXPECT_MLS_RULE(t.b->merge_staged_commit(staged), ErrorKind::protocol, req::R12_4_2_1);
  // Our own commit coming back is not processed as someone else's.
  EXPECT_MLS_ERROR(t.a->process_message(encode_message(d.commit)), ErrorKind::usage, "12.4.2");
  t.a->merge_pending_commit();
  expect_agree({&*t.a, &*t.b});
}

// ---------------------------------------------------------------- messages

TEST(Group, PrivateHandshakeMessages) {
  GroupConfig config;
  config.handshake_private = true;
  TwoMembers t(config);
  CommitBundle c = t.a->self_update(t.alice.signer);
  EXPECT_EQ(c.commit.wire_format(), wire_format::mls_private_message);
  apply_commit(*t.b, c.commit);
  t.a->merge_pending_commit();
  auto [proposal, ref] = t.b->propose_self_update(t.bob.signer);
  EXPECT_EQ(proposal.wire_format(), wire_format::mls_private_message);
  QueuedProposal q = receive_proposal(*t.a, proposal);
  EXPECT_EQ(q.ref, ref);
  t.a->store_pending_proposal(q);
  CommitBundle d = t.a->commit_to_pending_proposals(t.alice.signer);
  apply_commit(*t.b, d.commit);
  t.a->merge_pending_commit();
  expect_agree({&*t.a, &*t.b});
}

TEST(Group, ApplicationMessagesOutOfOrderWithinTheWindow) {
  GroupConfig config;
  config.ratchet_limits = RatchetLimits{2, 5};
  TwoMembers t(config);
  std::vector<MLSMessage> sent;
  for (int i = 0; i < 8; ++i) {
    sent.push_back(
        t.a->create_message(t.alice.signer, to_bytes("m" + std::to_string(i)), to_bytes("aad")));
  }
  auto read = [&](size_t i) {
    ProcessedMessage m = t.b->process_message(encode_message(sent[i]));
    EXPECT_EQ(m.authenticated_data, to_bytes("aad"));
    return std::get<ApplicationMessage>(m.content).data;
  };
  // A jump past the maximum forward distance is refused (and consumes nothing).
  EXPECT_MLS_RULE(read(7), ErrorKind::protocol, req::R15_3_2);
  EXPECT_EQ(read(3), to_bytes("m3"));
  EXPECT_EQ(read(2), to_bytes("m2"));
  EXPECT_MLS_RULE(read(2), ErrorKind::protocol, req::R9_2_1);  // replay
  EXPECT_EQ(read(7), to_bytes("m7"));
  EXPECT_MLS_RULE(read(4), ErrorKind::protocol, req::R9_2_1);  // outside the window now
  EXPECT_EQ(read(6), to_bytes("m6"));
}

TEST(Group, RejectedMessagesChangeNothing) {
  GroupConfig config;
  config.handshake_private = true;
  TwoMembers t(config);
  CommitBundle c = t.a->self_update(t.alice.signer);
  Bytes good = encode_message(c.commit);
  Snapshot before(*t.b);
  // Every single-byte change of the commit is rejected, and leaves Bob as he was.
  for (size_t i = 0; i < good.size(); i += 7) {
    Bytes bad = good;
    bad[i] ^= 0x40;
    EXPECT_THROW(t.b->process_message(bad), Error) << "byte " << i;
    ASSERT_EQ(Snapshot(*t.b), before) << "byte " << i;
  }
  // The real commit still goes through: no handshake key was consumed.
  apply_commit(*t.b, c.commit);
  t.a->merge_pending_commit();
  expect_agree({&*t.a, &*t.b});
}

// Alice's (leaf 0's) empty Commit with `created` as its path, signed, and
// tagged with the confirmation key of the epoch it makes (`provisional`: the
// new GroupContext before the confirmed transcript hash).
MLSMessage commit_with_path(const Group& a, const Signer& alice, GroupContext provisional,
                            const CreatedPath& created) {
  const GroupState& s = a.state();
  const CipherSuite& suite = a.suite();
  FramedContent content{s.context.group_id, s.context.epoch, Sender::member(0), {},
                        ContentType::commit, {},             {},                {}};
  content.commit.path = created.update_path;
  AuthenticatedContent ac{wire_format::mls_public_message, content, {}};
  ac.auth.signature = suite.sign_with_label(alice.private_key, signature_label::framed_content_tbs,
                                            framed_content_tbs(ac.wire_format, content, s.context));
  provisional.confirmed_transcript_hash =
      confirmed_transcript_hash(suite, s.interim_transcript_hash, ac);
  EpochSecrets e = derive_epoch(suite, s.secrets.init_secret, created.commit_secret,
                                psk_secret(suite, {}), provisional);
  Bytes tag = confirmation_tag(suite, e.confirmation_key, provisional.confirmed_transcript_hash);
  return MLSMessage{mls10, protect_public(suite, content, alice.private_key, s.context,
                                          s.secrets.membership_key, tag)};
}

// A Commit from alice (leaf 0 of four) whose UpdatePath gives node 1 the
// key of the root (node 3), signed and tagged as alice would.
MLSMessage commit_with_one_key_twice_in_its_path(const Group& a, const Signer& alice) {
  const GroupState& s = a.state();
  const CipherSuite& suite = a.suite();
  GroupContext provisional = s.context;
  provisional.epoch += 1;
  // First pass: the root's key pair; second, with the same randomness, node 1 reuses it.
  RatchetTree t1 = s.tree;
  GroupContext c1 = provisional;
  auto rng1 = conformance::seeded_rng(7, "one key twice");
  CreatedPath first = create_update_path(suite, t1, LeafIndex(0), alice.private_key, c1, {}, *rng1);
  EXPECT_EQ(t1.filtered_direct_path(LeafIndex(0)),
            (std::vector<NodeIndex>{NodeIndex(1), NodeIndex(3)}));
  ReusedPathKeys reused;
  reused.nodes[1] = node_key_pair(suite, first.path_secrets.at(1));
  RatchetTree tree = s.tree;
  auto rng2 = conformance::seeded_rng(7, "one key twice");
  CreatedPath created = create_update_path(suite, tree, LeafIndex(0), alice.private_key,
                                           provisional, {}, *rng2, reused);
  EXPECT_EQ(created.update_path.nodes.at(0).encryption_key,
            created.update_path.nodes.at(1).encryption_key);
  return commit_with_path(a, alice, provisional, created);
}

// Alice's (leaf 0's) empty Commit with the UpdatePath that gives node
// `node` the public key `key` (its path secret encrypted as usual; an empty
// `key`, the one the path secret gives), signed and tagged as she would: a
// rule about that key is all it breaks.
MLSMessage commit_with_path_node_key(const Group& a, const Signer& alice, NodeIndex node,
                                     const Bytes& key) {
  const GroupState& s = a.state();
  GroupContext provisional = s.context;
  provisional.epoch += 1;
  ReusedPathKeys reused;
  if (!key.empty()) {
    reused.nodes[node.value] = hpke::KeyPair{{}, key};
  }
  RatchetTree tree = s.tree;
  CreatedPath created = create_update_path(a.suite(), tree, LeafIndex(0), alice.private_key,
                                           provisional, {}, system_rng(), reused);
  return commit_with_path(a, alice, provisional, created);
}

// Alice's group of Alice, Bob and Carol (leaves 0 to 2 of four), made by one
// commit, and Carol's copy of it.
struct AliceBobCarol {
  Client alice = make_client("alice"), bob = make_client("bob"), carol = make_client("carol");
  Group a = Group::create({}, kSuite, to_bytes("group"), alice.signer, alice.credential);
  std::optional<Group> c;
  AliceBobCarol() {
    KeyPackage kps[] = {bob.key_package.key_package, carol.key_package.key_package};
    CommitBundle add = a.add_members(alice.signer, kps);
    a.merge_pending_commit();
    c.emplace(Group::join({}, welcome_of(add), carol.key_package));
    EXPECT_EQ(c->tree().leaf_count().value, 4u);
  }
};

// RFC 9420 §16.7 [R16.7-1]: "The encryption and signature keys stored in the
// `encryption_key` and `signature_key` fields of ratchet tree nodes MUST be
// distinct from one another." An UpdatePath that repeats a key within itself
// is refused (R12.4.2-14 compares its keys with the tree and each other).
// Carol decrypts at node 3 only and never derives node 1's key, so she
// accepted it once; Bob, who derives node 1, refused it: a split group.
TEST(Group, AnUpdatePathWithOneKeyTwiceIsRefused) {
  AliceBobCarol t;
  Group& a = t.a;
  Group& c = *t.c;
  const Client& alice = t.alice;
  MLSMessage forged = commit_with_one_key_twice_in_its_path(a, alice.signer);
  Snapshot before(c);
  EXPECT_MLS_RULE(c.process_message(encode_message(forged)), ErrorKind::protocol,
                  req::R12_4_2_14);
  EXPECT_EQ(Snapshot(c), before);
}

// RFC 9420 §12.4.2 [R12.4.2-14]: "Verify that none of the public keys in the
// UpdatePath appear in any node of the new ratchet tree." and §16.7
// [R16.7-1]: "The encryption and signature keys stored in the
// `encryption_key` and `signature_key` fields of ratchet tree nodes MUST be
// distinct from one another." Alice's UpdatePath gives node 1 the bytes of
// Bob's signature_key (suite 1: 32 bytes each). Carol decrypts at node 3 and
// never derives node 1's key; she compared the path's keys with the tree's
// encryption keys only, so she accepted it, and every Welcome she sent after
// it was refused by its joiner (R16.7-1, node 1's key is leaf 1's
// signature_key): a group nobody could join.
TEST(Group, AnUpdatePathNodeKeyThatIsASignatureKeyIsRefused) {
  AliceBobCarol t;
  Group& a = t.a;
  Group& c = *t.c;
  const Client& alice = t.alice;
  Snapshot before(c);
  MLSMessage bobs = commit_with_path_node_key(a, alice.signer, NodeIndex(1), t.bob.signer.public_key);
  EXPECT_MLS_RULE(c.process_message(encode_message(bobs)), ErrorKind::protocol, req::R16_7_1);
  MLSMessage alices =
      commit_with_path_node_key(a, alice.signer, NodeIndex(1), alice.signer.public_key);
  EXPECT_MLS_RULE(c.process_message(encode_message(alices)), ErrorKind::protocol, req::R16_7_1);
  EXPECT_EQ(Snapshot(c), before);
  // The same Commit with the keys its path secrets give is accepted.
  apply_commit(c, commit_with_path_node_key(a, alice.signer, NodeIndex(1), {}));
}

// RFC 9420 §7.5, step 6 of decrypting an UpdatePath (R12.4.2-17): "Verify
// that the derived public keys are the same as the corresponding public keys
// sent in the UpdatePath." Alice's UpdatePath gives the root (node 3), whose
// key Carol derives from the path secret she decrypts, a fresh public key
// instead. The commit secret does not depend on node keys, so a client that
// skipped the step would accept the Commit with the epoch every other client
// has, and hold a root private key that does not match the tree.
TEST(Group, AnUpdatePathNodeKeyItsPathSecretDoesNotGiveIsRefused) {
  AliceBobCarol t;
  Group& a = t.a;
  Group& c = *t.c;
  const Client& alice = t.alice;
  Snapshot before(c);
  Bytes fresh = a.suite().hpke().kem().generate_key_pair(system_rng()).public_key;
  MLSMessage m = commit_with_path_node_key(a, alice.signer, NodeIndex(3), fresh);
  EXPECT_MLS_RULE(c.process_message(encode_message(m)), ErrorKind::protocol, req::R12_4_2_17);
  EXPECT_EQ(Snapshot(c), before);
  // The must-reject generator's hook for it is refused while the rule is on.
  EXPECT_MLS_RULE(a.commit_builder().path_node_fresh_key(NodeIndex(3)).build(alice.signer),
                  ErrorKind::protocol, req::R12_4_2_17);
  EXPECT_FALSE(a.pending_commit().has_value());
}

// The must-reject generator's hooks (ref/group.h) each build a message that
// breaks one rule; while that rule is on, the build is refused naming it, and
// nothing is left pending.
TEST(Group, MustRejectHooksAreRefusedWhileTheirRuleIsOn) {
  AliceBobCarol t;
  Group& a = t.a;
  const Signer& s = t.alice.signer;
  const NodeIndex node1(1), root(3);  // alice's filtered direct path
  auto builder = [&] {
    CommitBuilder b = a.commit_builder();
    b.force_self_update();
    return b;
  };
  EXPECT_MLS_RULE(
      builder().path_leaf_encryption_key(a.tree().leaf(LeafIndex(0)).encryption_key).build(s),
      ErrorKind::protocol, req::R12_4_2_13);
  EXPECT_MLS_RULE(
      builder().path_leaf_encryption_key(a.tree().leaf(LeafIndex(1)).encryption_key).build(s),
      ErrorKind::protocol, req::R12_4_2_14);
  EXPECT_MLS_RULE(builder().path_keeps_node_key(root).build(s), ErrorKind::protocol,
                  req::R12_4_2_14);
  EXPECT_MLS_RULE(builder().path_node_key_of(node1, root).build(s), ErrorKind::protocol,
                  req::R12_4_2_14);
  EXPECT_MLS_RULE(builder().path_extra_ciphertext(root).build(s), ErrorKind::protocol,
                  req::R7_6_2);
  EXPECT_FALSE(a.pending_commit().has_value());

  Client dave = make_client("dave");
  GroupInfo gi = a.group_info(s, true);
  CredentialWithKey credential = dave.credential;
  ExternalJoinOptions chosen_init;
  chosen_init.external_init = external_init_secret(
      a.suite(), a.suite().hpke().kem().generate_key_pair(system_rng()).public_key, system_rng());
  EXPECT_MLS_RULE(Group::join_external({}, gi, std::nullopt, dave.signer, credential, chosen_init),
                  ErrorKind::crypto, req::H7_1_4_5);
  ExternalJoinOptions by_reference;
  QueuedProposal remove;
  remove.ref = Bytes(a.suite().hash_size(), 1);
  remove.proposal = Proposal{Remove{1}};
  remove.sender = Sender::member(0);
  by_reference.proposals_by_reference.push_back(remove);
  EXPECT_MLS_RULE(
      Group::join_external({}, gi, std::nullopt, dave.signer, credential, by_reference),
      ErrorKind::protocol, req::R12_4_3_2_2);
}

// RFC 9420 §16.7 [R16.7-1]: "The encryption and signature keys stored in the
// `encryption_key` and `signature_key` fields of ratchet tree nodes MUST be
// distinct from one another." Carol's KeyPackage leaf has an encryption_key
// with the bytes of its signature_key (suite 1: 32 bytes each; on the NIST
// curves one key pair). Bob refuses the Commit that adds her, and a joiner
// refuses a tree that holds her leaf; both accepted it once.
TEST(Group, ALeafWhoseEncryptionKeyIsASignatureKeyIsRefused) {
  TwoMembers t;
  Client carol = make_client("carol");
  CipherSuite suite(kSuite);
  KeyPackage kp = carol.key_package.key_package;
  kp.leaf_node.encryption_key = kp.leaf_node.signature_key;
  kp.leaf_node.sign(suite, carol.signer.private_key);
  kp.sign(suite, carol.signer.private_key);
  Client dave = make_client("dave");
  KeyPackage kps[] = {kp, dave.key_package.key_package};
  CommitBundle add = [&] {
    RuleSwitchedOff off(req::R16_7_1);  // alice's own check of what she sends
    return t.a->add_members(t.alice.signer, kps);
  }();
  Snapshot before(*t.b);
  EXPECT_MLS_RULE(t.b->process_message(encode_message(add.commit)), ErrorKind::protocol,
                  req::R16_7_1);
  EXPECT_EQ(Snapshot(*t.b), before);
  EXPECT_MLS_RULE(Group::join({}, welcome_of(add), dave.key_package), ErrorKind::protocol,
                  req::R16_7_1);
}

// RFC 9420 §16.7 [R16.7-1]: "The encryption and signature keys stored in the
// `encryption_key` and `signature_key` fields of ratchet tree nodes MUST be
// distinct from one another." On the NIST curves an HPKE private key is an
// ECDSA one: Alice, who holds the root's private key, makes a KeyPackage whose
// signature_key is the root's encryption_key and adds it without a path, so
// the root stays. Bob compared a new leaf's encryption_key with the parent
// nodes' keys, not its signature_key, and accepted the Commit; Carol, joining
// from its Welcome, refuses the tree (R16.7-1): a group nobody could join.
TEST(Group, AnAddedLeafWhoseSignatureKeyIsAParentNodeKeyIsRefused) {
  CipherSuite suite(2);
  auto client = [&](const std::string& name, const Signer& signer) {
    Client c;
    c.signer = signer;
    c.credential = CredentialWithKey{Credential::basic(to_bytes(name)), signer.public_key};
    c.key_package = create_key_package(suite, c.signer, c.credential, {}, system_rng());
    return c;
  };
  Client alice = client("alice", Signer::generate(suite, system_rng()));
  Client bob = client("bob", Signer::generate(suite, system_rng()));
  Client carol = client("carol", Signer::generate(suite, system_rng()));
  Group a = Group::create({}, 2, to_bytes("group"), alice.signer, alice.credential);
  KeyPackage kps[] = {bob.key_package.key_package};
  CommitBundle add = a.add_members(alice.signer, kps);
  a.merge_pending_commit();
  Group b = Group::join({}, welcome_of(add), bob.key_package);
  const NodeIndex root(1);
  ASSERT_FALSE(a.tree().blank(root));
  Client mallory = client("mallory", Signer::from_private_key(
                                         suite, a.state().own.private_keys.at(root.value)));
  ASSERT_EQ(mallory.signer.public_key, a.tree().encryption_key(root));
  KeyPackage both[] = {mallory.key_package.key_package, carol.key_package.key_package};
  CommitBundle forged = [&] {
    RuleSwitchedOff off(req::R16_7_1);  // alice's own check of what she sends
    return a.add_members_without_update(alice.signer, both);
  }();
  ASSERT_FALSE(std::get<PublicMessage>(forged.commit.body).content.commit.path.has_value());
  Snapshot before(b);
  EXPECT_MLS_RULE(b.process_message(encode_message(forged.commit)), ErrorKind::protocol,
                  req::R16_7_1);
  EXPECT_EQ(Snapshot(b), before);
  EXPECT_MLS_RULE(Group::join({}, welcome_of(forged), carol.key_package), ErrorKind::protocol,
                  req::R16_7_1);
}

// RFC 9420 §10 [R10-3]: an Add of a KeyPackage whose init_key is not a public
// key, received. The sender needs the must-reject hook add_without_welcome
// (nothing to encrypt the GroupSecrets to), which build() refuses while R10-3
// is enforced.
TEST(Group, AnAddWhoseInitKeyIsNoPublicKeyIsRejected) {
  TwoMembers t;
  Client carol = make_client("carol");
  CipherSuite suite(kSuite);
  EXPECT_MLS_RULE(t.a->commit_builder()
                      .add_without_welcome(carol.key_package.key_package)
                      .build(t.alice.signer),
                  ErrorKind::protocol, req::R10_3);
  KeyPackage kp = carol.key_package.key_package;
  kp.init_key.pop_back();
  kp.sign(suite, carol.signer.private_key);
  CommitBundle add = [&] {
    RuleSwitchedOff off(req::R10_3);
    return t.a->commit_builder().add_without_welcome(kp).build(t.alice.signer);
  }();
  EXPECT_FALSE(add.welcome.has_value());
  Snapshot before(*t.b);
  EXPECT_MLS_RULE(t.b->process_message(encode_message(add.commit)), ErrorKind::protocol,
                  req::R10_3);
  EXPECT_EQ(Snapshot(*t.b), before);
}

// RFC 9420 §12.1 [R12.1-1]: a proposal is cached only in the epoch (and
// group) of its FramedContent. Processed in epoch 1, stored after the group
// moved to epoch 2, it would let a Commit of epoch 2 apply bob's epoch-1
// Remove by reference.
TEST(Group, AProposalOfAnotherEpochIsNotStored) {
  ThreeMembers t;
  MLSMessage remove_carol = t.b->propose_remove_member(t.bob.signer, LeafIndex(2)).first;
  QueuedProposal stale = receive_proposal(*t.a, remove_carol);
  CommitBundle next = t.c->self_update(t.carol.signer);
  t.c->merge_pending_commit();
  apply_commit(*t.a, next.commit);
  ASSERT_EQ(t.a->epoch(), stale.epoch.value() + 1);
  Snapshot before(*t.a);
  EXPECT_MLS_RULE(t.a->store_pending_proposal(stale), ErrorKind::protocol, req::R12_1_1);
  EXPECT_EQ(Snapshot(*t.a), before);
}

// RFC 9420 §8.1 [R8.1-1]: of the GroupContext, "The `group_id` field is
// constant." Alice is in two groups at epoch 1, with bob in each; a proposal
// bob sent in one cannot be stored in the other, where a Commit could cover
// it by reference.
TEST(Group, AProposalOfAnotherGroupIsNotStored) {
  TwoMembers t;
  Group other = Group::create({}, kSuite, to_bytes("other"), t.alice.signer, t.alice.credential);
  KeyPackageBundle bobs =
      create_key_package(CipherSuite(kSuite), t.bob.signer, t.bob.credential, {}, system_rng());
  KeyPackage kps[] = {bobs.key_package};
  other.add_members(t.alice.signer, kps);
  other.merge_pending_commit();
  ASSERT_EQ(other.epoch(), t.a->epoch());
  Client carol = make_client("carol");
  QueuedProposal q = receive_proposal(
      *t.a, t.b->propose_add_member(t.bob.signer, carol.key_package.key_package).first);
  Snapshot before(other);
  EXPECT_MLS_RULE(other.store_pending_proposal(q), ErrorKind::protocol, req::R8_1_1);
  EXPECT_EQ(Snapshot(other), before);
  EXPECT_NO_THROW(t.a->store_pending_proposal(q));
}

// A CustomProposal stands for a type RFC 9420 does not define: one of types
// 0-7 would be sent as that type's body (CustomProposal{external_init, ...}
// encodes as an ExternalInit, which every receiver refuses in a member
// Commit, R12.2-14) while its sender validated it as opaque.
TEST(Group, ACustomProposalOfADefinedTypeIsRefused) {
  ThreeMembers t;
  EXPECT_MLS_ERROR(t.b->propose_custom(t.bob.signer, proposal_type::remove, Bytes{}),
                   ErrorKind::usage, "12.1");
  EXPECT_MLS_ERROR(t.b->propose_custom(t.bob.signer, 0, Bytes{}), ErrorKind::usage, "12.1");
  EXPECT_MLS_ERROR(
      t.a->commit_builder()
          .proposal(Proposal{CustomProposal{proposal_type::external_init, Bytes(32, 7)}})
          .build(t.alice.signer),
      ErrorKind::usage, "12.1");
  EXPECT_FALSE(t.a->pending_commit().has_value());
}

// RFC 9420 §12.4 [R12.4-3]: "The sender of a Commit SHOULD include all
// proposals that it has received during the current epoch that are valid
// ... as long as this results in a valid proposal list". Stored proposals
// each valid alone but not together (bob and carol both propose dave, bob
// proposes carol again, two ReInits) are left out of the default commit,
// which otherwise failed, after which R12.4-1 kept alice from sending.
TEST(Group, TheDefaultCommitLeavesOutStoredProposalsThatCannotGoTogether) {
  ThreeMembers t;
  Client dave = make_client("dave");
  KeyPackageBundle carol_again = create_key_package(CipherSuite(kSuite), t.carol.signer,
                                                    t.carol.credential, {}, system_rng());
  std::vector<MLSMessage> sent{
      t.b->propose_add_member(t.bob.signer, dave.key_package.key_package).first,
      t.c->propose_add_member(t.carol.signer, dave.key_package.key_package).first,
      t.b->propose_add_member(t.bob.signer, carol_again.key_package).first};
  for (const MLSMessage& m : sent) {
    t.a->store_pending_proposal(receive_proposal(*t.a, m));
    t.b->store_pending_proposal(receive_proposal(*t.b, m));
  }
  for (const MLSMessage* bobs : {&sent[0], &sent[2]}) {
    t.c->store_pending_proposal(receive_proposal(*t.c, *bobs));
  }
  CommitBundle adds = t.a->commit_to_pending_proposals(t.alice.signer);
  EXPECT_EQ(apply_commit(*t.b, adds.commit).added().size(), 1u);  // dave, once
  t.a->merge_pending_commit();
  EXPECT_NO_THROW(t.a->create_message(t.alice.signer, to_bytes("hi")));

  ReInit r{to_bytes("group v2"), mls10, kSuite, {}};
  std::vector<MLSMessage> reinits{t.b->propose_reinit(t.bob.signer, r).first};
  apply_commit(*t.c, adds.commit);
  reinits.push_back(t.c->propose_reinit(t.carol.signer, r).first);
  for (const MLSMessage& m : reinits) {
    t.a->store_pending_proposal(receive_proposal(*t.a, m));
    t.b->store_pending_proposal(receive_proposal(*t.b, m));
  }
  CommitBundle one = t.a->commit_to_pending_proposals(t.alice.signer);
  EXPECT_EQ(apply_commit(*t.b, one.commit).proposals().size(), 1u);
}

// RFC 9420 §12.4 [R12.4-3]: "The sender of a Commit SHOULD include all
// proposals that it has received during the current epoch that are valid
// according to the rules for their proposal types and according to
// application policy, as long as this results in a valid proposal list." The
// group requires an extension (R7.3-4). Dave, who does not support it, asks
// to join (a new_member_proposal Add, which receipt cannot judge against the
// group: a GroupContextExtensions in the same Commit may change what it
// requires); Erin, who does, too. Alice stores both. Her self-update used to
// fail on Dave's Add; it now leaves it out and adds Erin.
TEST(Group, TheDefaultCommitLeavesOutAStoredAddTheGroupCannotTake) {
  Client alice = make_client("alice", {kCustomExtension}), bob = make_client("bob", {kCustomExtension});
  Client dave = make_client("dave"), erin = make_client("erin", {kCustomExtension});
  RequiredCapabilities required{{kCustomExtension}, {}, {}};
  std::vector<Extension> ext{{extension_type::required_capabilities, encode(required)}};
  Capabilities caps = alice.key_package.key_package.leaf_node.capabilities;
  Group a = Group::create({}, kSuite, to_bytes("g"), alice.signer, alice.credential,
                          LeafNodeParameters::builder().with_capabilities(caps).build(), ext);
  KeyPackage kps[] = {bob.key_package.key_package};
  CommitBundle add = a.add_members(alice.signer, kps);
  a.merge_pending_commit();
  Group b = Group::join({}, welcome_of(add), bob.key_package);
  for (const Client* c : {&dave, &erin}) {
    MLSMessage asks = new_member_add_proposal(a.context(), c->key_package.key_package, c->signer);
    a.store_pending_proposal(receive_proposal(a, asks));
    b.store_pending_proposal(receive_proposal(b, asks));
  }
  CommitBundle update = a.self_update(alice.signer);
  ASSERT_TRUE(update.welcome.has_value());
  StagedCommit applied = apply_commit(b, update.commit);
  ASSERT_EQ(applied.added().size(), 1u);
  EXPECT_EQ(applied.added()[0].second, erin.key_package.key_package);
  a.merge_pending_commit();
  Group e = Group::join({}, welcome_of(update), erin.key_package);
  expect_agree({&a, &b, &e});
}

TEST(Group, CredentialValidatorRejects) {
  GroupConfig strict;
  strict.credential_validator = [](const Credential& c, ByteView) {
    return c.identity != to_bytes("mallory");
  };
  Client alice = make_client("alice"), bob = make_client("bob"), mallory = make_client("mallory");
  Group a = Group::create({}, kSuite, to_bytes("g"), alice.signer, alice.credential);
  KeyPackage kps[] = {bob.key_package.key_package};
  CommitBundle add = a.add_members(alice.signer, kps);
  a.merge_pending_commit();
  Group b = Group::join(strict, welcome_of(add), bob.key_package);
  KeyPackage bad[] = {mallory.key_package.key_package};
  CommitBundle c = a.add_members(alice.signer, bad);
  Snapshot before(b);
  EXPECT_MLS_RULE(b.process_message(encode_message(c.commit)), ErrorKind::protocol, req::R5_3_1_4);
  EXPECT_EQ(Snapshot(b), before);
  // Alice's own AS refuses too.
  a.clear_pending_commit();
  Group a2 = Group::create(strict, kSuite, to_bytes("g2"), alice.signer, alice.credential);
  EXPECT_MLS_RULE(a2.add_members(alice.signer, bad), ErrorKind::protocol, req::R5_3_1_4);

  // Bob's AS refuses a new credential in an Update...
  CredentialWithKey renamed{Credential::basic(to_bytes("mallory")), alice.signer.public_key};
  auto [update, update_ref] = a.propose_self_update(
      alice.signer, LeafNodeParameters::builder().with_credential(renamed).build());
  EXPECT_MLS_RULE(b.process_message(encode_message(update)), ErrorKind::protocol, req::R5_3_1_5);
  // ... and in a commit's UpdatePath.
  CipherSuite suite(kSuite);
  Signer next = Signer::generate(suite, system_rng());
  NewSignerBundle as_mallory{next, {Credential::basic(to_bytes("mallory")), next.public_key}};
  CommitBundle u = a.self_update_with_new_signer(alice.signer, as_mallory);
  EXPECT_MLS_RULE(b.process_message(encode_message(u.commit)), ErrorKind::protocol, req::R5_3_1_6);
  EXPECT_EQ(Snapshot(b), before);
  // A joiner's AS refuses a member's credential in the tree.
  Group m = Group::create({}, kSuite, to_bytes("g3"), mallory.signer, mallory.credential);
  CommitBundle add_bob = m.add_members(mallory.signer, kps);
  EXPECT_MLS_RULE(Group::join(strict, welcome_of(add_bob), bob.key_package), ErrorKind::protocol,
                  req::R5_3_1_3);
}

// A removed member has deleted its secret tree (R12.4.2-27): a message that
// reaches it is refused, even with the rule's check switched off (the must-reject
// generator's setting), rather than read from a secret tree that is gone.
TEST(Group, ARemovedMemberRefusesMessagesWithoutItsSecretTree) {
  ThreeMembers t;
  LeafIndex bob[] = {LeafIndex(1)};
  CommitBundle remove = t.a->remove_members(t.alice.signer, bob);
  apply_commit(*t.b, remove.commit);
  t.a->merge_pending_commit();
  ASSERT_FALSE(t.b->active());
  MLSMessage hello = t.a->create_message(t.alice.signer, to_bytes("hello"), {});
  EXPECT_MLS_RULE(t.b->process_message(encode_message(hello)), ErrorKind::protocol,
                  req::R12_4_2_27);
  RuleSwitchedOff off(req::R12_4_2_27);
  EXPECT_MLS_RULE(t.b->process_message(encode_message(hello)), ErrorKind::protocol,
                  req::R12_4_2_27);
}

TEST(Group, ExportersAndAuthenticatorsChangeEachEpoch) {
  TwoMembers t;
  SecureBytes e1 = t.a->export_secret("x", {}, 16);
  EpochAuthenticator auth1 = t.a->epoch_authenticator();
  CommitBundle c = t.a->self_update(t.alice.signer);
  apply_commit(*t.b, c.commit);
  t.a->merge_pending_commit();
  EXPECT_NE(t.a->export_secret("x", {}, 16), e1);
  EXPECT_NE(t.a->epoch_authenticator(), auth1);
  EXPECT_NE(t.a->export_secret("y", {}, 16), t.a->export_secret("x", {}, 16));
  expect_agree({&*t.a, &*t.b});
}

TEST(Group, ManyMembersStayInAgreement) {
  Client alice = make_client("alice");
  Group a = Group::create({}, kSuite, to_bytes("big"), alice.signer, alice.credential);
  std::vector<Client> clients;
  std::vector<Group> members;
  for (int round = 0; round < 3; ++round) {
    std::vector<KeyPackage> kps;
    std::vector<Client> added;
    for (int i = 0; i < 3; ++i) {
      added.push_back(make_client("m" + std::to_string(round) + std::to_string(i)));
      kps.push_back(added.back().key_package.key_package);
    }
    CommitBundle c = round % 2 ? a.add_members_without_update(alice.signer, kps)
                               : a.add_members(alice.signer, kps);
    for (auto& m : members) {
      apply_commit(m, c.commit);
    }
    a.merge_pending_commit();
    for (auto& cl : added) {
      members.push_back(Group::join({}, welcome_of(c), cl.key_package));
      clients.push_back(cl);
    }
  }
  // Each member in turn self-updates; everyone follows.
  for (size_t i = 0; i < members.size(); i += 2) {
    CommitBundle c = members[i].self_update(clients[i].signer);
    apply_commit(a, c.commit);
    for (size_t j = 0; j < members.size(); ++j) {
      if (j != i) {
        apply_commit(members[j], c.commit);
      }
    }
    members[i].merge_pending_commit();
  }
  std::vector<const Group*> all{&a};
  for (const auto& m : members) {
    all.push_back(&m);
  }
  expect_agree(all);
}

}  // namespace
}  // namespace mlsref
