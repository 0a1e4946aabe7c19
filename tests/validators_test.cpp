// Validators report why (RFC 9420 §5.1.1, §5.1.2, §6.1, §6.2, §7.3, §10.1,
// §12.4.3.1): every signature, tag and MAC check throws mlsref::Error with
// the kind and the section of the rule it enforces; MAC and tag comparisons
// go through the one constant-time helper.
#include <gtest/gtest.h>

#include "conformance/vector_type.h"
#include "ref/framing.h"
#include "ref/mls_message.h"
#include "ref/welcome.h"
#include "tests/test_util.h"

namespace mlsref {
namespace {

Bytes flipped(ByteView b, size_t i = 0) {
  Bytes out(b.begin(), b.end());
  out.at(i) ^= 0x01;
  return out;
}

// ---------------------------------------------------------------- constant time

TEST(ConstantTimeEqual, ComparesContentsAndLength) {
  Bytes a{1, 2, 3, 4};
  EXPECT_TRUE(constant_time_equal(a, Bytes{1, 2, 3, 4}));
  EXPECT_FALSE(constant_time_equal(a, flipped(a, 0)));
  EXPECT_FALSE(constant_time_equal(a, flipped(a, 3)));
  // A prefix is not equal (the length check comes first).
  EXPECT_FALSE(constant_time_equal(a, ByteView(a).first(3)));
  EXPECT_FALSE(constant_time_equal(ByteView(a).first(3), a));
  EXPECT_FALSE(constant_time_equal(a, Bytes{}));
  EXPECT_TRUE(constant_time_equal(Bytes{}, Bytes{}));
  SecureBytes s{1, 2, 3, 4};
  EXPECT_TRUE(constant_time_equal(s, a));
}

TEST(ConstantTimeEqual, ConfirmationTagIsCheckedWithIt) {
  CipherSuite suite(1);
  ConfirmationKey key(Bytes(32, 9));
  Bytes cth(32, 4);
  Bytes tag = confirmation_tag(suite, key, cth);
  EXPECT_NO_THROW(verify_confirmation_tag(suite, key, cth, tag, "12.4.2"));
  EXPECT_MLS_ERROR(verify_confirmation_tag(suite, key, cth, flipped(tag, 31), "12.4.2"),
                   ErrorKind::crypto, "12.4.2");
  EXPECT_MLS_ERROR(verify_confirmation_tag(suite, key, cth, ByteView(tag).first(16), "12.4.3.1"),
                   ErrorKind::crypto, "12.4.3.1");
  EXPECT_MLS_ERROR(verify_confirmation_tag(suite, key, flipped(cth), tag, "12.4.2"),
                   ErrorKind::crypto, "12.4.2");
}

// ---------------------------------------------------------------- signatures

TEST(Signatures, BadSignatureIsCryptoWithTheCallersSection) {
  for (const auto& info : cipher_suites()) {
    SCOPED_TRACE(info.name);
    CipherSuite s(info.id);
    SecureBytes sk = s.generate_signature_key(system_rng());
    Bytes pk = s.signature_public_key(sk);
    Bytes sig = s.sign_with_label(sk, "X", Bytes{1, 2});
    EXPECT_NO_THROW(s.verify_with_label(pk, "X", Bytes{1, 2}, sig));
    // Flipped bit, other content, other label: a signature that does not verify.
    EXPECT_MLS_ERROR(s.verify_with_label(pk, "X", Bytes{1, 2}, flipped(sig, sig.size() - 1)),
                     ErrorKind::crypto, "5.1.2");
    EXPECT_MLS_ERROR(s.verify_with_label(pk, "X", Bytes{1, 3}, sig, "6.1"), ErrorKind::crypto,
                     "6.1");
    // Malformed signatures (truncated, empty, not DER) are bad signatures too.
    EXPECT_MLS_ERROR(s.verify_with_label(pk, "X", Bytes{1, 2}, ByteView(sig).first(10), "7.3"),
                     ErrorKind::crypto, "7.3");
    EXPECT_MLS_ERROR(s.verify_with_label(pk, "X", Bytes{1, 2}, Bytes{}, "7.3"), ErrorKind::crypto,
                     "7.3");
    EXPECT_MLS_ERROR(s.verify_with_label(pk, "X", Bytes{1, 2}, Bytes{0x30, 0x01, 0x02}, "7.3"),
                     ErrorKind::crypto, "7.3");
    // A public key of the wrong size is not a key: a decode error of §5.1.1.
    EXPECT_MLS_ERROR(s.verify_with_label(ByteView(pk).first(pk.size() - 1), "X", Bytes{1, 2}, sig),
                     ErrorKind::decode, "5.1.1");
    EXPECT_MLS_ERROR(s.verify_with_label(Bytes{}, "X", Bytes{1, 2}, sig), ErrorKind::decode,
                     "5.1.1");
  }
}

TEST(Signatures, EcdsaKeyOffTheCurveIsDecodeError) {
  for (uint16_t id : {2, 5, 7}) {
    CipherSuite s(id);
    SecureBytes sk = s.generate_signature_key(system_rng());
    Bytes pk = s.signature_public_key(sk);
    Bytes sig = s.sign_with_label(sk, "X", Bytes{1});
    Bytes off_curve = pk;
    off_curve.back() ^= 0x01;  // same x, wrong y
    EXPECT_MLS_ERROR(s.verify_with_label(off_curve, "X", Bytes{1}, sig), ErrorKind::decode,
                     "5.1.1");
    Bytes compressed = pk;
    compressed[0] = 0x02;  // not the uncompressed form
    EXPECT_MLS_ERROR(s.verify_with_label(compressed, "X", Bytes{1}, sig), ErrorKind::decode,
                     "5.1.1");
  }
}

TEST(Signatures, MessageNamesTheLabelAndScheme) {
  CipherSuite s(1);
  SecureBytes sk = s.generate_signature_key(system_rng());
  Bytes pk = s.signature_public_key(sk);
  try {
    s.verify_with_label(pk, "LeafNodeTBS", Bytes{1}, s.sign_with_label(sk, "LeafNodeTBS", Bytes{2}),
                        "7.3");
    FAIL() << "a signature over other content verified";
  } catch (const Error& e) {
    EXPECT_NE(e.message().find("LeafNodeTBS"), std::string::npos) << e.message();
    EXPECT_NE(e.message().find("ed25519"), std::string::npos) << e.message();
  }
}

// ---------------------------------------------------------------- validators

struct Fixture {
  CipherSuite suite{2};
  std::unique_ptr<Botan::RandomNumberGenerator> rng = conformance::seeded_rng(8, "validators");
  hpke::KeyPair init;
  SecureBytes sk;
  KeyPackage kp = conformance::make_key_package(suite, *rng, "v", init, sk);
};

TEST(Validators, LeafNodeVerify) {
  Fixture f;
  const LeafNode& leaf = f.kp.leaf_node;
  EXPECT_NO_THROW(leaf.verify(f.suite));
  LeafNode bad = leaf;
  bad.signature = flipped(bad.signature, 8);
  EXPECT_MLS_RULE(bad.verify(f.suite), ErrorKind::crypto, req::R7_3_2);
  // A commit-sourced leaf's TBS includes group_id and leaf_index: checked
  // with others than it was signed for, it does not verify.
  LeafNode committed = leaf;
  committed.leaf_node_source = LeafNodeSource::commit;
  committed.parent_hash = Bytes(32, 1);
  committed.sign(f.suite, f.sk, Bytes{7}, 3);
  EXPECT_NO_THROW(committed.verify(f.suite, Bytes{7}, 3));
  EXPECT_MLS_RULE(committed.verify(f.suite, Bytes{7}, 4), ErrorKind::crypto, req::R7_3_2);
  EXPECT_MLS_RULE(committed.verify(f.suite, Bytes{8}, 3), ErrorKind::crypto, req::R7_3_2);
  LeafNode short_key = leaf;
  short_key.signature_key.pop_back();
  EXPECT_MLS_ERROR(short_key.verify(f.suite), ErrorKind::decode, "5.1.1");
  // validate() reports the same rule.
  EXPECT_MLS_RULE(bad.validate(f.suite, LeafNodeSource::key_package, {}, 0, std::nullopt),
                  ErrorKind::crypto, req::R7_3_2);
}

// §7.3 leaf_node_source, §7.2 the leaf's own credential type.
TEST(Validators, LeafNodeSourceAndCapabilities) {
  Fixture f;
  const LeafNode& leaf = f.kp.leaf_node;
  EXPECT_NO_THROW(leaf.validate(f.suite, LeafNodeSource::key_package, {}, 0, std::nullopt));
  EXPECT_MLS_RULE(leaf.validate(f.suite, LeafNodeSource::update, Bytes{7}, 3, std::nullopt),
                  ErrorKind::protocol, req::R7_3_12);
  EXPECT_MLS_RULE(leaf.validate(f.suite, LeafNodeSource::commit, Bytes{7}, 3, std::nullopt),
                  ErrorKind::protocol, req::R7_3_13);
  LeafNode committed = leaf;
  committed.leaf_node_source = LeafNodeSource::commit;
  committed.parent_hash = Bytes(32, 1);
  committed.sign(f.suite, f.sk, Bytes{7}, 3);
  EXPECT_NO_THROW(committed.validate(f.suite, LeafNodeSource::commit, Bytes{7}, 3, std::nullopt));
  EXPECT_MLS_RULE(committed.validate(f.suite, LeafNodeSource::key_package, {}, 0, std::nullopt),
                  ErrorKind::protocol, req::R7_3_11);
  LeafNode no_credential_type = leaf;
  no_credential_type.capabilities.credentials.clear();
  no_credential_type.sign(f.suite, f.sk);
  EXPECT_MLS_RULE(
      no_credential_type.validate(f.suite, LeafNodeSource::key_package, {}, 0, std::nullopt),
      ErrorKind::protocol, req::R7_2_3);
}

TEST(Validators, KeyPackageVerify) {
  Fixture f;
  EXPECT_NO_THROW(f.kp.verify(f.suite));
  KeyPackage bad = f.kp;
  bad.signature = flipped(bad.signature, 8);
  EXPECT_MLS_RULE(bad.verify(f.suite), ErrorKind::crypto, req::R10_1_3);
  EXPECT_MLS_RULE(bad.validate(f.suite, std::nullopt), ErrorKind::crypto, req::R10_1_3);
  KeyPackage changed = f.kp;
  changed.extensions.push_back(Extension{0x0a0a, {}});  // signed content changed
  EXPECT_MLS_RULE(changed.verify(f.suite), ErrorKind::crypto, req::R10_1_3);
}

// RFC 9420 §10 [R10-3, R10-4]: the init_key and the leaf's encryption_key
// are public keys of the suite's KEM; §13.4 [R13.4-5]: no extension type
// twice in one list.
TEST(Validators, KeyPackageLeafKeyValidForTheSuiteAndExtensionTypesUnique) {
  Fixture f;
  EXPECT_NO_THROW(f.kp.validate(f.suite, std::nullopt));
  KeyPackage init_off_curve = f.kp;
  init_off_curve.init_key.back() ^= 0x01;  // P-256: y changed, off the curve
  init_off_curve.sign(f.suite, f.sk);
  EXPECT_MLS_RULE(init_off_curve.validate(f.suite, std::nullopt), ErrorKind::protocol,
                  req::R10_3);
  KeyPackage init_short = f.kp;
  init_short.init_key.pop_back();
  init_short.sign(f.suite, f.sk);
  EXPECT_MLS_RULE(init_short.validate(f.suite, std::nullopt), ErrorKind::protocol, req::R10_3);
  KeyPackage off_curve = f.kp;
  off_curve.leaf_node.encryption_key.back() ^= 0x01;  // P-256: y changed, off the curve
  off_curve.leaf_node.sign(f.suite, f.sk);
  off_curve.sign(f.suite, f.sk);
  EXPECT_MLS_RULE(off_curve.validate(f.suite, std::nullopt), ErrorKind::protocol, req::R10_4);
  KeyPackage short_key = f.kp;
  short_key.leaf_node.encryption_key.pop_back();
  short_key.leaf_node.sign(f.suite, f.sk);
  short_key.sign(f.suite, f.sk);
  EXPECT_MLS_RULE(short_key.validate(f.suite, std::nullopt), ErrorKind::protocol, req::R10_4);
  KeyPackage twice = f.kp;
  twice.extensions = {Extension{0xF0A1, {}}, Extension{0xF0A1, {1}}};
  twice.sign(f.suite, f.sk);
  EXPECT_MLS_RULE(twice.validate(f.suite, std::nullopt), ErrorKind::protocol, req::R13_4_5);
  EXPECT_MLS_RULE(check_extension_types_unique(twice.extensions, "x"), ErrorKind::protocol,
                  req::R13_4_5);
  EXPECT_NO_THROW(check_extension_types_unique(f.kp.extensions, "x"));
}

// RFC 9420 §10.1 [R10.1-2], §13.4 [R13.4-5], §7.3 [R7.3-9] on a KeyPackage
// anyone can make (it is signed by its own leaf's key): tens of thousands of
// extension types, each once, then one type over and over. Each list was
// once searched for repeats pair by pair, and each leaf extension looked up
// by a scan of the capabilities: a 900 KB KeyPackage took 9 s to refuse.
// Each list is now sorted once. How long a refusal takes as the lists
// grow is BM_RefuseKeyPackageExtensions in tests/bench/group_bench.cpp; here,
// that the verdicts are unchanged.
TEST(Validators, KeyPackagesWithLongExtensionListsAreJudgedAsBefore) {
  Fixture f;
  constexpr uint16_t kDistinct = 60000;
  std::vector<Extension> distinct;
  std::vector<ExtensionType> types;
  for (uint16_t i = 0; i < kDistinct; ++i) {
    distinct.push_back(Extension{static_cast<ExtensionType>(0x1000 + i), {}});
    types.push_back(static_cast<ExtensionType>(0x1000 + i));
  }
  auto signed_kp = [&](KeyPackage kp) {
    kp.leaf_node.sign(f.suite, f.sk);
    kp.sign(f.suite, f.sk);
    return kp;
  };
  // Every type once, in the leaf (each listed in its capabilities) and in the
  // KeyPackage: valid.
  KeyPackage all = f.kp;
  all.leaf_node.extensions = distinct;
  all.leaf_node.capabilities.extensions = types;
  all.extensions = distinct;
  EXPECT_NO_THROW(signed_kp(all).validate(f.suite, std::nullopt));
  // Then one type 60,000 times more.
  KeyPackage repeated = all;
  repeated.extensions.insert(repeated.extensions.end(), kDistinct, Extension{0x0F0F, {}});
  EXPECT_MLS_RULE(signed_kp(repeated).validate(f.suite, std::nullopt), ErrorKind::protocol,
                  req::R13_4_5);
  KeyPackage repeated_in_leaf = all;
  repeated_in_leaf.leaf_node.extensions.push_back(distinct.front());
  EXPECT_MLS_RULE(signed_kp(repeated_in_leaf).validate(f.suite, std::nullopt), ErrorKind::protocol,
                  req::R13_4_5);
  // The last leaf extension missing from 200,000 capabilities.
  KeyPackage unlisted = all;
  unlisted.leaf_node.capabilities.extensions.pop_back();
  unlisted.leaf_node.capabilities.extensions.insert(
      unlisted.leaf_node.capabilities.extensions.begin(), 140000, ExtensionType{0x0F0F});
  EXPECT_MLS_RULE(signed_kp(unlisted).validate(f.suite, std::nullopt), ErrorKind::protocol,
                  req::R7_3_9);
}

// RFC 9420 §10: a KeyPackage in an MLSMessage has the message's version.
TEST(Validators, KeyPackageVersionIsTheMLSMessageVersion) {
  Fixture f;
  EXPECT_NO_THROW(decode<MLSMessage>(encode(MLSMessage{mls10, f.kp})));
  KeyPackage other = f.kp;
  other.version = 2;
  EXPECT_MLS_RULE(decode<MLSMessage>(encode(MLSMessage{mls10, other})), ErrorKind::decode,
                  req::R10_6);
}

TEST(Validators, GroupInfoVerifyAndJoin) {
  Fixture f;
  SecureBytes signer_sk = f.suite.generate_signature_key(*f.rng);
  Bytes signer_pk = f.suite.signature_public_key(signer_sk);
  JoinerSecret joiner(Bytes(32, 5));
  GroupInfo gi;
  gi.group_context = GroupContext{mls10, 2, Bytes{1, 2}, 3, Bytes(32, 6), Bytes(32, 7), {}};
  EpochSecrets e = derive_epoch_from_joiner(f.suite, joiner, PskSecret(), gi.group_context);
  gi.confirmation_tag =
      confirmation_tag(f.suite, e.confirmation_key, gi.group_context.confirmed_transcript_hash);
  gi.sign(f.suite, signer_sk);
  EXPECT_NO_THROW(gi.verify(f.suite, signer_pk));
  EXPECT_MLS_RULE(gi.verify(f.suite, f.kp.leaf_node.signature_key), ErrorKind::crypto,
                  req::R12_4_3_1_6);
  EXPECT_MLS_ERROR(gi.verify(f.suite, Bytes(5, 4)), ErrorKind::decode, "5.1.1");

  std::vector<WelcomeRecipient> to{{f.kp, std::nullopt}};
  Welcome w = make_welcome(f.suite, gi, joiner, {}, to, *f.rng);
  auto signer = [&](uint32_t) { return signer_pk; };
  JoinedGroup joined = join_welcome(f.suite, w, f.kp, f.init.private_key, signer);
  EXPECT_EQ(joined.secrets.joiner_secret, joiner);
  EXPECT_EQ(joined.epoch.confirmation_key, e.confirmation_key);
  // The wrong signer key: the GroupInfo signature rule.
  auto wrong_signer = [&](uint32_t) { return f.kp.leaf_node.signature_key; };
  EXPECT_MLS_RULE(join_welcome(f.suite, w, f.kp, f.init.private_key, wrong_signer),
                  ErrorKind::crypto, req::R12_4_3_1_6);
  // A correctly signed GroupInfo with a wrong confirmation_tag.
  GroupInfo bad_tag = gi;
  bad_tag.confirmation_tag = flipped(gi.confirmation_tag);
  bad_tag.sign(f.suite, signer_sk);
  Welcome w2 = make_welcome(f.suite, bad_tag, joiner, {}, to, *f.rng);
  try {
    join_welcome(f.suite, w2, f.kp, f.init.private_key, signer);
    FAIL() << "a wrong confirmation_tag was accepted";
  } catch (const Error& err) {
    EXPECT_EQ(err.kind(), ErrorKind::crypto);
    EXPECT_EQ(err.rule(), req::R12_4_3_1_15.id);
    EXPECT_EQ(err.section(), "12.4.3.1");
    EXPECT_NE(err.message().find("confirmation_tag"), std::string::npos) << err.message();
  }
}

// A GroupInfo of `context`, tagged with the confirmation key `joiner` and
// `psk` give and signed with `signer_sk`, sealed in a Welcome for `f.kp`.
Welcome welcome_for(Fixture& f, const GroupContext& context, const JoinerSecret& joiner,
                    std::span<const PskInput> psks, ByteView signer_sk) {
  GroupInfo gi;
  gi.group_context = context;
  EpochSecrets e = derive_epoch_from_joiner(f.suite, joiner, psk_secret(f.suite, psks), context);
  gi.confirmation_tag =
      confirmation_tag(f.suite, e.confirmation_key, context.confirmed_transcript_hash);
  gi.sign(f.suite, signer_sk);
  std::vector<WelcomeRecipient> to{{f.kp, std::nullopt}};
  return make_welcome(f.suite, gi, joiner, psks, to, *f.rng);
}

// RFC 9420 §12.4.3.1 [R12.4.3.1-2]: "Identify an entry in the `secrets` array
// where the `new_member` value corresponds to one of this client's
// KeyPackages, using the hash indicated by the `cipher_suite` field. If no
// such field exists, or if the cipher suite indicated in the KeyPackage does
// not match the one in the Welcome message, return an error." A Welcome of
// suite 2 for a KeyPackage of suite 2, its cipher_suite field changed to 1.
TEST(Validators, AWelcomeNamingAnotherCipherSuiteThanTheKeyPackageIsRefused) {
  Fixture f;
  SecureBytes signer_sk = f.suite.generate_signature_key(*f.rng);
  auto signer = [&](uint32_t) { return f.suite.signature_public_key(signer_sk); };
  GroupContext ctx{mls10, 2, Bytes{1, 2}, 3, Bytes(32, 6), Bytes(32, 7), {}};
  Welcome w = welcome_for(f, ctx, JoinerSecret(Bytes(32, 5)), {}, signer_sk);
  EXPECT_NO_THROW(join_welcome(f.suite, w, f.kp, f.init.private_key, signer));
  w.cipher_suite = 1;
  EXPECT_MLS_RULE_AT(join_welcome(f.suite, w, f.kp, f.init.private_key, signer),
                     ErrorKind::protocol, req::R12_4_3_1_2,
                     "Welcome cipher suite 1 does not match the KeyPackage's 2");
}

// RFC 9420 §12.4.3.1 [R12.4.3.1-8]: "Verify that the `cipher_suite` in the
// GroupInfo matches the `cipher_suite` in the KeyPackage." A Welcome of suite
// 2 whose GroupInfo's GroupContext names suite 3 (tagged and signed as
// usual).
TEST(Validators, AGroupInfoOfAnotherCipherSuiteThanTheKeyPackageIsRefused) {
  Fixture f;
  SecureBytes signer_sk = f.suite.generate_signature_key(*f.rng);
  auto signer = [&](uint32_t) { return f.suite.signature_public_key(signer_sk); };
  GroupContext ctx{mls10, 3, Bytes{1, 2}, 3, Bytes(32, 6), Bytes(32, 7), {}};
  Welcome w = welcome_for(f, ctx, JoinerSecret(Bytes(32, 5)), {}, signer_sk);
  EXPECT_MLS_RULE_AT(join_welcome(f.suite, w, f.kp, f.init.private_key, signer),
                     ErrorKind::protocol, req::R12_4_3_1_8,
                     "GroupInfo cipher suite 3 differs from the KeyPackage's 2");
}

// RFC 9420 §12.4.3.1 [R12.4.3.1-4]: "If a PreSharedKeyID is part of the
// GroupSecrets and the client is not in possession of the corresponding PSK,
// return an error." A Welcome naming an external PSK, joined with no way to
// look PSKs up, then with the PSK.
TEST(Validators, AWelcomeNamingAPskIsRefusedWithoutAPskResolver) {
  Fixture f;
  SecureBytes signer_sk = f.suite.generate_signature_key(*f.rng);
  auto signer = [&](uint32_t) { return f.suite.signature_public_key(signer_sk); };
  GroupContext ctx{mls10, 2, Bytes{1, 2}, 3, Bytes(32, 6), Bytes(32, 7), {}};
  PreSharedKeyID id{PSKType::external, Bytes{9}, {}, {}, 0, Bytes(32, 1)};
  PskInput psks[] = {{id, SecureBytes(32, 4)}};
  Welcome w = welcome_for(f, ctx, JoinerSecret(Bytes(32, 5)), psks, signer_sk);
  EXPECT_MLS_RULE_AT(join_welcome(f.suite, w, f.kp, f.init.private_key, signer),
                     ErrorKind::protocol, req::R12_4_3_1_4,
                     "the Welcome names a PSK we do not have (psk_id 09)");
  EXPECT_NO_THROW(join_welcome(f.suite, w, f.kp, f.init.private_key, signer,
                               [&](const PreSharedKeyID&) { return SecureBytes(32, 4); }));
}

TEST(Validators, PublicMessageSignatureAndMembershipTag) {
  Fixture f;
  Bytes pk = f.kp.leaf_node.signature_key;
  GroupContext ctx{mls10, 2, Bytes{1}, 4, Bytes(32, 1), Bytes(32, 2), {}};
  MembershipKey membership(Bytes(32, 3));
  FramedContent fc;
  fc.group_id = ctx.group_id;
  fc.epoch = ctx.epoch;
  fc.sender = Sender::member(0);
  fc.content_type = ContentType::proposal;
  fc.proposal.body = Remove{1};
  PublicMessage m = protect_public(f.suite, fc, f.sk, ctx, membership);
  EXPECT_NO_THROW(unprotect_public(f.suite, m, ctx, membership, pk));

  // A wrong membership tag (same length, last byte off, or truncated).
  PublicMessage bad_tag = m;
  bad_tag.membership_tag = flipped(m.membership_tag, m.membership_tag.size() - 1);
  EXPECT_MLS_RULE(unprotect_public(f.suite, bad_tag, ctx, membership, pk), ErrorKind::crypto,
                  req::R6_2_2);
  bad_tag.membership_tag = Bytes(m.membership_tag.begin(), m.membership_tag.end() - 1);
  EXPECT_MLS_RULE(unprotect_public(f.suite, bad_tag, ctx, membership, pk), ErrorKind::crypto,
                  req::R6_2_2);
  EXPECT_MLS_RULE(unprotect_public(f.suite, m, ctx, MembershipKey(Bytes(32, 4)), pk),
                  ErrorKind::crypto, req::R6_2_2);

  // A bad signature under a valid membership tag: the §6.1 signature rule.
  PublicMessage bad_sig = m;
  bad_sig.auth.signature = flipped(m.auth.signature, 8);
  SecureBytes retag = f.suite.mac(membership.view(), [&] {
    Writer w;
    w.put_bytes(framed_content_tbs(wire_format::mls_public_message, bad_sig.content, ctx));
    bad_sig.auth.encode(w, bad_sig.content.content_type);
    return w.take();
  }());
  bad_sig.membership_tag.assign(retag.begin(), retag.end());
  EXPECT_MLS_RULE(unprotect_public(f.suite, bad_sig, ctx, membership, pk), ErrorKind::crypto,
                  req::R6_1_9);
  // A message of another epoch: the proposal rule, or the commit one.
  GroupContext next = ctx;
  next.epoch += 1;
  EXPECT_MLS_RULE(unprotect_public(f.suite, m, next, membership, pk), ErrorKind::protocol,
                  req::R12_1_1);
  PublicMessage as_commit = m;
  as_commit.content.content_type = ContentType::commit;
  EXPECT_MLS_RULE(unprotect_public(f.suite, as_commit, next, membership, pk), ErrorKind::protocol,
                  req::R12_4_2_1);
  // Application data is never a PublicMessage, sent or received.
  FramedContent app = fc;
  app.content_type = ContentType::application;
  app.application_data = {1};
  EXPECT_MLS_RULE(protect_public(f.suite, app, f.sk, ctx, membership), ErrorKind::protocol,
                  req::R6_1);
  PublicMessage as_app = m;
  as_app.content.content_type = ContentType::application;
  EXPECT_MLS_RULE(unprotect_public(f.suite, as_app, ctx, membership, pk), ErrorKind::protocol,
                  req::R6_1);
  // A malformed signer key is a decode error, not a bad signature.
  EXPECT_MLS_ERROR(unprotect_public(f.suite, m, ctx, membership, Bytes{1, 2, 3}), ErrorKind::decode,
                   "5.1.1");
}

}  // namespace
}  // namespace mlsref
