// Group::export_state and Group::import_state: keeping a group across
// restarts, as RFC 9420 §6.3.1 asks of a client ("a client MUST keep
// persistent state as to where in the key schedule it is").
#include "ref/group.h"

#include <algorithm>

#include "tests/members.h"
#include "tests/test_util.h"

namespace mlsref {
namespace {

constexpr CipherSuiteId kSuite = 1;

using testing::apply;
using testing::key_package;
using testing::make_member;
using testing::Member;

// Alice created the group and added Bob; handshake messages are
// PrivateMessages unless asked otherwise, so that every message moves a ratchet.
struct Pair {
  GroupConfig config;
  Member alice = make_member("alice"), bob = make_member("bob");
  KeyPackageBundle bob_key_package = key_package(bob);
  std::optional<Group> a, b;
  explicit Pair(bool handshake_private = true) {
    config.handshake_private = handshake_private;
    a.emplace(Group::create(config, kSuite, to_bytes("group"), alice.signer, alice.credential));
    KeyPackage kps[] = {bob_key_package.key_package};
    CommitBundle bundle = a->add_members(alice.signer, kps);
    a->merge_pending_commit();
    b.emplace(Group::join(config, std::get<Welcome>(bundle.welcome->body), bob_key_package));
  }
  // Each group replaced by the one its exported state gives, which exports
  // to the same bytes (every field, the pending commit's included, read back
  // as written).
  void restart() {
    for (std::optional<Group>* g : {&a, &b}) {
      SecureBytes kept = (*g)->export_state();
      g->emplace(Group::import_state(config, kept));
      EXPECT_EQ((*g)->export_state(), kept);
    }
  }
};

Bytes application_data(const ProcessedMessage& m) {
  return std::get<ApplicationMessage>(m.content).data;
}

void expect_agree(const Group& x, const Group& y) {
  EXPECT_EQ(x.epoch(), y.epoch());
  EXPECT_EQ(x.epoch_authenticator(), y.epoch_authenticator());
  EXPECT_EQ(x.tree_hash(), y.tree_hash());
  EXPECT_EQ(x.export_secret("test", to_bytes("ctx"), 32),
            y.export_secret("test", to_bytes("ctx"), 32));
}

// `state` with its trailing SHA-256 made to match again after an edit.
SecureBytes redigested(SecureBytes state) {
  ByteView body = ByteView(state).first(state.size() - 32);
  Bytes digest = hash(HashAlg::sha256, body);
  std::copy(digest.begin(), digest.end(), state.end() - 32);
  return state;
}

// `state` with the first occurrence of `from` replaced by `to` (same size),
// redigested. The test fails when `from` is not in it.
SecureBytes replaced(SecureBytes state, ByteView from, ByteView to) {
  auto it = std::search(state.begin(), state.end(), from.begin(), from.end());
  EXPECT_NE(it, state.end()) << "the value to replace is not in the state";
  if (it != state.end()) {
    std::copy(to.begin(), to.end(), it);
  }
  return redigested(std::move(state));
}

// The test below, with handshake messages public or private.
void goes_on_where_it_stopped(bool handshake_private) {
  Pair p(handshake_private);
  MLSMessage m0 = p.a->create_message(p.alice.signer, to_bytes("zero"));
  MLSMessage m1 = p.a->create_message(p.alice.signer, to_bytes("one"));
  MLSMessage m2 = p.a->create_message(p.alice.signer, to_bytes("two"));
  EXPECT_EQ(application_data(p.b->process_message(encode(m0))), to_bytes("zero"));
  EXPECT_EQ(application_data(p.b->process_message(encode(m2))), to_bytes("two"));

  SecureBytes kept_a = p.a->export_state(), kept_b = p.b->export_state();
  Group a = Group::import_state(p.config, kept_a), b = Group::import_state(p.config, kept_b);
  EXPECT_EQ(a.export_state(), kept_a);
  EXPECT_EQ(b.export_state(), kept_b);
  expect_agree(a, *p.a);
  expect_agree(b, *p.b);

  // Generation 1 was skipped and kept; generations 0 and 2 were consumed.
  EXPECT_EQ(application_data(b.process_message(encode(m1))), to_bytes("one"));
  EXPECT_MLS_RULE(b.process_message(encode(m2)), ErrorKind::protocol, req::R9_2_1);
  // Alice's next message is generation 3, as it would have been without the restart.
  MLSMessage m3 = a.create_message(p.alice.signer, to_bytes("three"));
  EXPECT_EQ(application_data(p.b->process_message(encode(m3))), to_bytes("three"));
  EXPECT_EQ(application_data(b.process_message(encode(m3))), to_bytes("three"));

  CommitBundle update = b.self_update(p.bob.signer);
  b.merge_pending_commit();
  apply(a, update.commit);
  expect_agree(a, b);
  EXPECT_EQ(a.epoch(), 2u);
}

// An imported group goes on where the exported one stopped: the same
// epoch and secrets, a key kept for a skipped generation still there, a
// consumed one still gone, and the next message and commit agreed on. Its
// export is the same bytes. With handshake messages public and private.
TEST(GroupStorage, AnImportedGroupGoesOnWhereItStopped) {
  for (bool handshake_private : {false, true}) {
    SCOPED_TRACE(handshake_private ? "private handshake" : "public handshake");
    goes_on_where_it_stopped(handshake_private);
  }
}

// A commit created before the restart is merged after it, once the
// delivery service accepted it; the other member's Update proposal, its
// private key and a stored external PSK come through the restart too, and
// the member the commit adds joins.
TEST(GroupStorage, APendingCommitProposalsAndPsksAreKept) {
  Pair p;
  p.a->add_external_psk(to_bytes("psk id"), SecureBytes(32, 0x42));
  p.b->add_external_psk(to_bytes("psk id"), SecureBytes(32, 0x42));
  auto [proposal, ref] = p.b->propose_self_update(p.bob.signer);
  p.a->store_pending_proposal(
      std::get<QueuedProposal>(p.a->process_message(encode(proposal)).content));
  p.restart();
  ASSERT_EQ(p.a->pending_proposals().size(), 1u);
  EXPECT_EQ(p.a->pending_proposals()[0].ref, ref);

  PreSharedKeyID psk;
  psk.psk_id = to_bytes("psk id");
  Member carol = make_member("carol");
  KeyPackageBundle carol_key_package = key_package(carol);
  CommitBundle commit =
      p.a->commit_builder().psk(psk).add(carol_key_package.key_package).build(p.alice.signer);
  p.restart();
  ASSERT_TRUE(p.a->pending_commit().has_value());
  EXPECT_EQ(p.a->pending_commit()->update_proposals().size(), 1u);
  EXPECT_EQ(p.a->pending_commit()->added().size(), 1u);
  EXPECT_EQ(p.a->pending_commit()->psks().size(), 1u);
  p.a->merge_pending_commit();
  // Bob decrypts the path with the private key of his Update's leaf.
  apply(*p.b, commit.commit);
  expect_agree(*p.a, *p.b);
  Group c = Group::join(p.config, std::get<Welcome>(commit.welcome->body), carol_key_package,
                        std::nullopt, {{to_bytes("psk id"), SecureBytes(32, 0x42)}});
  expect_agree(*p.a, c);
}

// A member a Commit removed keeps only public state, and it imports as such.
TEST(GroupStorage, ARemovedMemberImportsAsRemoved) {
  Pair p;
  LeafIndex bob_leaf = p.b->own_leaf_index();
  CommitBundle remove = p.a->remove_members(p.alice.signer, std::span(&bob_leaf, 1));
  apply(*p.b, remove.commit);
  ASSERT_FALSE(p.b->active());
  SecureBytes kept = p.b->export_state();
  Group b = Group::import_state(p.config, kept);
  EXPECT_FALSE(b.active());
  EXPECT_EQ(b.export_state(), kept);
  EXPECT_MLS_RULE(b.create_message(p.bob.signer, to_bytes("x")), ErrorKind::protocol,
                  req::R12_4_2_27);
}

// RFC 9420 §6.3.1 [R6.3.1-3]: "if this persistent state is lost or
// corrupted, a client might reuse a generation that has already been used,
// causing reuse of a key/nonce pair." A state damaged in storage is refused
// by its SHA-256; one whose parts do not agree, by the part that does not.
TEST(GroupStorage, ADamagedStateIsRefused) {
  Pair p;
  SecureBytes kept = p.a->export_state();
  SecureBytes flipped = kept;
  flipped[flipped.size() / 2] ^= 0x01;
  EXPECT_MLS_RULE_AT(Group::import_state(p.config, flipped), ErrorKind::protocol, req::R6_3_1_3,
                     "SHA-256 does not match");
  EXPECT_MLS_RULE_AT(Group::import_state(p.config, ByteView(kept).first(31)), ErrorKind::protocol,
                     req::R6_3_1_3, "shorter than its SHA-256");
  SecureBytes truncated(kept.begin(), kept.end() - 33);
  truncated.resize(truncated.size() + 32);
  EXPECT_MLS_ERROR(Group::import_state(p.config, redigested(truncated)), ErrorKind::decode, "2.1");

  SecureBytes other_format = kept;
  other_format[1] = 2;
  EXPECT_MLS_RULE(Group::import_state(p.config, redigested(other_format)), ErrorKind::unsupported,
                  req::R6_3_1_3);

  const GroupState& s = p.a->state();
  Bytes changed_hash = s.context.tree_hash;
  changed_hash[0] ^= 1;
  EXPECT_MLS_RULE_AT(
      Group::import_state(p.config, replaced(kept, s.context.tree_hash, changed_hash)),
      ErrorKind::protocol, req::R6_3_1_3, "does not match the GroupContext's tree_hash");
  Bytes changed_tag = s.confirmation_tag;
  changed_tag[0] ^= 1;
  EXPECT_MLS_RULE_AT(
      Group::import_state(p.config, replaced(kept, s.confirmation_tag, changed_tag)),
      ErrorKind::crypto, req::R6_3_1_3, "confirmation_tag");
  Bytes changed_interim = s.interim_transcript_hash;
  changed_interim[0] ^= 1;
  EXPECT_MLS_RULE_AT(
      Group::import_state(p.config, replaced(kept, s.interim_transcript_hash, changed_interim)),
      ErrorKind::protocol, req::R6_3_1_3, "interim transcript hash");
  // The cipher suite that follows the format: suite 2 has suite 1's sizes,
  // so the state decodes, and the GroupContext's suite 1 disagrees.
  SecureBytes other_suite = kept;
  ASSERT_EQ(other_suite[3], kSuite);
  other_suite[3] = 2;
  EXPECT_MLS_RULE_AT(Group::import_state(p.config, redigested(other_suite)), ErrorKind::protocol,
                     req::R6_3_1_3, "the state of cipher suite 2");
  const SecureBytes& leaf_key = s.own.private_keys.at(NodeIndex(s.own.leaf).value);
  SecureBytes other_key = p.bob_key_package.encryption_private_key;
  EXPECT_MLS_RULE_AT(Group::import_state(p.config, replaced(kept, leaf_key, other_key)),
                     ErrorKind::protocol, req::R6_3_1_3, "does not match the tree's public key");
}

// The same, for the proposal store: an Update of ours kept without the
// private key of its leaf (a member committing it would leave us without
// the key of our own leaf), and a proposal stored twice.
TEST(GroupStorage, AProposalStoreThatDoesNotAgreeIsRefused) {
  Pair p;
  auto [proposal, ref] = p.a->propose_self_update(p.alice.signer);
  SecureBytes kept = p.a->export_state();
  const GroupState& s = p.a->state();
  ASSERT_EQ(s.own_update_keys.size(), 1u);
  // own_update_keys as the state writes it: a vector of (public key, private key).
  Writer keys = Writer::zeroizing();
  keys.put_prefixed([&](Writer& w) {
    for (const auto& [public_key, private_key] : s.own_update_keys) {
      encode_into(w, public_key);
      encode_into(w, private_key);
    }
  });
  SecureBytes with_keys = keys.take_secure();
  auto at = std::search(kept.begin(), kept.end(), with_keys.begin(), with_keys.end());
  ASSERT_NE(at, kept.end());
  SecureBytes without_keys(kept.begin(), at);
  without_keys.push_back(0);  // an empty vector
  without_keys.insert(without_keys.end(), at + static_cast<std::ptrdiff_t>(with_keys.size()),
                      kept.end());
  EXPECT_MLS_RULE_AT(Group::import_state(p.config, redigested(without_keys)), ErrorKind::protocol,
                     req::R6_3_1_3, "a stored Update of ours without the private key");
  // A kept key that is not the one of the Update's leaf.
  const SecureBytes& private_key = s.own_update_keys.begin()->second;
  EXPECT_MLS_RULE_AT(Group::import_state(p.config, replaced(kept, private_key,
                                                            p.bob_key_package.init_private_key)),
                     ErrorKind::protocol, req::R6_3_1_3, "a kept Update key");
  // The proposal's ref is written first in its entry; a second ref equal to it.
  auto [second, second_ref] = p.a->propose_remove_member(p.alice.signer, p.b->own_leaf_index());
  SecureBytes two = p.a->export_state();
  EXPECT_MLS_RULE_AT(Group::import_state(p.config, replaced(two, second_ref, ref)),
                     ErrorKind::protocol, req::R6_3_1_3, "a proposal stored twice");
}

}  // namespace
}  // namespace mlsref
