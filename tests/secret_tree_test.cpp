// RFC 9420 §9 secret tree and §9.2 deletion schedule.
#include "ref/secret_tree.h"

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

}  // namespace
}  // namespace mlsref
