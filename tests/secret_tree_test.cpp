// RFC 9420 §9 secret tree and §9.2 deletion schedule.
#include "ref/secret_tree.h"

#include <functional>

#include "tests/test_util.h"

namespace mlsref {
namespace {

TEST(SecretTree, ConsumedKeyIsGone) {
  CipherSuite s(1);
  SecretTree tree(s, LeafCount(4), EncryptionSecret(Bytes(32, 1)));
  KeyAndNonce k5 = tree.get(LeafIndex(2), RatchetType::application, 5);
  EXPECT_EQ(k5.generation, 5u);
  EXPECT_MLS_RULE(tree.get(LeafIndex(2), RatchetType::application, 5), ErrorKind::protocol,
                  req::R9_2_1);
  // Skipped generations within the window are still there, once.
  KeyAndNonce k3 = tree.get(LeafIndex(2), RatchetType::application, 3);
  EXPECT_NE(k3.key, k5.key);
  EXPECT_MLS_RULE(tree.get(LeafIndex(2), RatchetType::application, 3), ErrorKind::protocol,
                  req::R9_2_1);
}

TEST(SecretTree, OrderDoesNotChangeKeys) {
  CipherSuite s(2);
  SecretTree a(s, LeafCount(8), EncryptionSecret(Bytes(32, 9))),
      b(s, LeafCount(8), EncryptionSecret(Bytes(32, 9)));
  std::vector<uint32_t> forward{0, 1, 2, 3, 4}, shuffled{4, 0, 3, 1, 2};
  std::map<uint32_t, SecureBytes> ka, kb;
  for (uint32_t g : forward) {
    ka[g] = a.get(LeafIndex(7), RatchetType::handshake, g).key;
  }
  for (uint32_t g : shuffled) {
    kb[g] = b.get(LeafIndex(7), RatchetType::handshake, g).key;
  }
  EXPECT_EQ(ka, kb);
}

TEST(SecretTree, LimitsAreTypedErrors) {
  CipherSuite s(3);
  SecretTree tree(s, LeafCount(2), EncryptionSecret(Bytes(32, 2)), RatchetLimits{4, 100});
  EXPECT_MLS_RULE(tree.get(LeafIndex(0), RatchetType::handshake, 101), ErrorKind::protocol,
                  req::R15_3_2);
  tree.get(LeafIndex(0), RatchetType::handshake, 50);
  // 45 is outside the window of 4 behind 50.
  EXPECT_MLS_RULE(tree.get(LeafIndex(0), RatchetType::handshake, 45), ErrorKind::protocol,
                  req::R9_2_1);
  EXPECT_NO_THROW(tree.get(LeafIndex(0), RatchetType::handshake, 46));
  EXPECT_MLS_ERROR(tree.get(LeafIndex(2), RatchetType::handshake, 0), ErrorKind::protocol, "6.3.2");
}

// The kept state (Group::export_state, RFC 9420 §6.3.1) gives a tree that
// hands out exactly the keys the original would: the skipped generation
// still kept, the consumed one still gone, the next one the same.
TEST(SecretTree, AKeptStateGoesOnWhereItStopped) {
  CipherSuite s(1);
  RatchetLimits limits{4, 100};
  SecretTree a(s, LeafCount(8), EncryptionSecret(Bytes(32, 5)), limits);
  SecretTree b = a;
  a.get(LeafIndex(3), RatchetType::application, 5);
  b.get(LeafIndex(3), RatchetType::application, 5);
  a.get(LeafIndex(6), RatchetType::handshake, 0);
  b.get(LeafIndex(6), RatchetType::handshake, 0);
  Writer w = Writer::zeroizing();
  a.write_state(w);
  SecureBytes kept = w.take_secure();
  Reader r(kept);
  SecretTree c = SecretTree::read_state(r, s, LeafCount(8), limits);
  r.expect_done();
  EXPECT_EQ(c.get(LeafIndex(3), RatchetType::application, 2).key,
            b.get(LeafIndex(3), RatchetType::application, 2).key);
  EXPECT_MLS_RULE(c.get(LeafIndex(3), RatchetType::application, 5), ErrorKind::protocol,
                  req::R9_2_1);
  EXPECT_EQ(c.get(LeafIndex(3), RatchetType::application, 6).key,
            b.get(LeafIndex(3), RatchetType::application, 6).key);
  EXPECT_EQ(c.get(LeafIndex(6), RatchetType::handshake, 1).key,
            b.get(LeafIndex(6), RatchetType::handshake, 1).key);
  EXPECT_EQ(c.get(LeafIndex(1), RatchetType::application, 0).key,
            b.get(LeafIndex(1), RatchetType::application, 0).key);
}

// RFC 9420 §6.3.1 [R6.3.1-3]: "if this persistent state is lost or
// corrupted, a client might reuse a generation that has already been used,
// causing reuse of a key/nonce pair." A kept state that no secret tree can
// be in is refused, each for the check named.
TEST(SecretTree, AKeptStateNoTreeCanBeInIsRefused) {
  CipherSuite s(1);
  RatchetLimits limits{4, 100};
  Bytes secret(32, 7), key(16, 1), nonce(12, 2);
  auto node_secret = [&](Writer& w, uint32_t node) {
    encode_into(w, node);
    encode_into(w, secret);
  };
  // A state of a 4-leaf tree: `secrets` and `ratchets` write the two lists.
  auto state = [&](uint32_t leaves, const std::function<void(Writer&)>& secrets,
                   const std::function<void(Writer&)>& ratchets) {
    Writer w;
    encode_into(w, leaves);
    w.put_prefixed(secrets);
    w.put_prefixed(ratchets);
    return w.take();
  };
  // One leaf's two ratchets, the application one at `next` with `kept` generations.
  auto ratchets_of = [&](uint32_t leaf, uint32_t next, std::vector<uint32_t> kept) {
    return [=](Writer& w) {
      encode_into(w, leaf);
      for (int i = 0; i < 2; ++i) {
        encode_into(w, i == 0 ? uint32_t{0} : next);
        encode_into(w, secret);
        w.put_prefixed([&](Writer& list) {
          for (uint32_t g : i == 0 ? std::vector<uint32_t>{} : kept) {
            encode_into(list, g);
            encode_into(list, key);
            encode_into(list, nonce);
          }
        });
      }
    };
  };
  auto read = [&](const Bytes& b) {
    Reader r(b);
    return SecretTree::read_state(r, s, LeafCount(4), limits);
  };
  auto none = [](Writer&) {};
  auto root = [&](Writer& w) { node_secret(w, 3); };
  // Nodes 1 and 5 cover the four leaves; leaf 0 from node 1 and from its ratchets: twice.
  auto halves = [&](Writer& w) {
    node_secret(w, 1);
    node_secret(w, 5);
  };
  EXPECT_NO_THROW(read(state(4, root, none)));
  EXPECT_NO_THROW(read(state(4, halves, none)));
  EXPECT_MLS_RULE_AT(read(state(8, root, none)), ErrorKind::protocol, req::R6_3_1_3,
                     "has 8 leaves");
  EXPECT_MLS_RULE_AT(read(state(4, [&](Writer& w) { node_secret(w, 7); }, none)),
                     ErrorKind::protocol, req::R6_3_1_3, "outside the tree");
  EXPECT_MLS_RULE_AT(read(state(4, halves, ratchets_of(0, 0, {}))), ErrorKind::protocol,
                     req::R6_3_1_3, "leaf 0 could be derived twice");
  EXPECT_MLS_RULE_AT(read(state(4, [&](Writer& w) { node_secret(w, 1); }, none)),
                     ErrorKind::protocol, req::R6_3_1_3, "leaf 2 has no ratchets");
  EXPECT_MLS_RULE_AT(read(state(4,
                                [&](Writer& w) {
                                  node_secret(w, 5);
                                  node_secret(w, 1);
                                },
                                none)),
                     ErrorKind::protocol, req::R6_3_1_3, "not in ascending order");
  auto right_half = [&](Writer& w) { node_secret(w, 5); };
  auto left_leaves = [&](uint32_t next, std::vector<uint32_t> kept) {
    return [=](Writer& w) {
      ratchets_of(0, next, kept)(w);
      ratchets_of(1, 0, {})(w);
    };
  };
  EXPECT_NO_THROW(read(state(4, right_half, left_leaves(10, {5, 8}))));
  // Generation 4 is outside the window of 4 behind 9, the newest given out.
  EXPECT_MLS_RULE_AT(read(state(4, right_half, left_leaves(10, {4}))), ErrorKind::protocol,
                     req::R6_3_1_3, "kept generation 4 is outside the 4-generation");
  // Generation 9 was given out (the ratchet is at 10), so it is not kept;
  // were it, the last message could be read twice.
  EXPECT_MLS_RULE_AT(read(state(4, right_half, left_leaves(10, {9}))), ErrorKind::protocol,
                     req::R6_3_1_3, "kept generation 9 was not skipped");
  EXPECT_MLS_RULE_AT(read(state(4, right_half, left_leaves(10, {8, 7}))), ErrorKind::protocol,
                     req::R6_3_1_3, "not in ascending order");
  secret.pop_back();
  EXPECT_MLS_RULE_AT(read(state(4, root, none)), ErrorKind::protocol, req::R6_3_1_3,
                     "a node secret has 31 bytes");
}

}  // namespace
}  // namespace mlsref
