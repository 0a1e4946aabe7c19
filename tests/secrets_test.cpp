// The secret roles of ref/secrets.h (RFC 9420 §8, §9, §7.4): a secret of one
// role cannot be passed where another is expected (checked at compile time
// here), and secrets travel and encode in zeroizing memory only.
#include <gtest/gtest.h>

#include <type_traits>

#include "ref/framing.h"
#include "ref/tree_kem.h"
#include "ref/welcome.h"
#include "tests/test_util.h"

namespace mlsref {
namespace {

// ---------------------------------------------------------------- compile time

// No role converts into another, implicitly or explicitly.
static_assert(!std::is_convertible_v<JoinerSecret, InitSecret>);
static_assert(!std::is_constructible_v<InitSecret, JoinerSecret>);
static_assert(!std::is_constructible_v<InitSecret, CommitSecret>);
static_assert(!std::is_constructible_v<CommitSecret, TreeKemPathSecret>);
static_assert(!std::is_constructible_v<WelcomeSecret, JoinerSecret>);
static_assert(!std::is_constructible_v<MembershipKey, ConfirmationKey>);
static_assert(!std::is_constructible_v<ConfirmationKey, MembershipKey>);
static_assert(!std::is_constructible_v<EncryptionSecret, SenderDataSecret>);
static_assert(!std::is_constructible_v<SenderDataSecret, EncryptionSecret>);
static_assert(!std::is_constructible_v<ExporterSecret, EpochAuthenticator>);
static_assert(!std::is_constructible_v<ResumptionPsk, PskSecret>);
static_assert(!std::is_constructible_v<PskSecret, ResumptionPsk>);
static_assert(!std::is_constructible_v<TreeNodeSecret, RatchetSecret>);
static_assert(!std::is_constructible_v<EpochSecret, ExternalSecret>);
static_assert(!std::is_assignable_v<InitSecret&, JoinerSecret>);
static_assert(!std::is_assignable_v<MembershipKey&, ConfirmationKey>);

// Bytes become a secret only explicitly, and a secret is read only through view().
static_assert(!std::is_convertible_v<SecureBytes, InitSecret>);
static_assert(!std::is_convertible_v<Bytes, InitSecret>);
static_assert(!std::is_convertible_v<ByteView, InitSecret>);
static_assert(std::is_constructible_v<InitSecret, SecureBytes>);
static_assert(!std::is_convertible_v<InitSecret, ByteView>);
static_assert(!std::is_convertible_v<InitSecret, SecureBytes>);

// The functions of the key schedule take their roles, in their order.
static_assert(std::is_invocable_v<decltype(&derive_epoch), const CipherSuite&, const InitSecret&,
                                  const CommitSecret&, const PskSecret&, const GroupContext&>);
static_assert(!std::is_invocable_v<decltype(&derive_epoch), const CipherSuite&, const CommitSecret&,
                                   const InitSecret&, const PskSecret&, const GroupContext&>);
static_assert(!std::is_invocable_v<decltype(&derive_epoch), const CipherSuite&, ByteView, ByteView,
                                   ByteView, const GroupContext&>);
static_assert(!std::is_invocable_v<decltype(&derive_epoch_from_joiner), const CipherSuite&,
                                   const InitSecret&, const PskSecret&, const GroupContext&>);
static_assert(
    !std::is_invocable_v<decltype(&welcome_key), const CipherSuite&, const JoinerSecret&>);
static_assert(!std::is_invocable_v<decltype(&confirmation_tag), const CipherSuite&,
                                   const MembershipKey&, ByteView>);
static_assert(!std::is_invocable_v<decltype(&mls_exporter), const CipherSuite&,
                                   const ExternalSecret&, ByteView, ByteView, size_t>);
static_assert(
    !std::is_invocable_v<decltype(&external_key_pair), const CipherSuite&, const ExporterSecret&>);
static_assert(!std::is_invocable_v<decltype(&sender_data_key), const CipherSuite&,
                                   const EncryptionSecret&, ByteView>);
static_assert(
    !std::is_invocable_v<decltype(&next_path_secret), const CipherSuite&, const CommitSecret&>);
static_assert(
    !std::is_constructible_v<SecretTree, const CipherSuite&, LeafCount, const SenderDataSecret&>);
static_assert(
    std::is_constructible_v<SecretTree, const CipherSuite&, LeafCount, const EncryptionSecret&>);
static_assert(
    !std::is_invocable_v<decltype(&protect_public), const CipherSuite&, const FramedContent&,
                         ByteView, const GroupContext&, const ConfirmationKey&, ByteView>);

// The fields of GroupSecrets and PathSecret are the roles they carry.
static_assert(std::is_same_v<decltype(GroupSecrets::joiner_secret), JoinerSecret>);
static_assert(std::is_same_v<decltype(PathSecret::path_secret), TreeKemPathSecret>);

// ---------------------------------------------------------------- run time

TEST(Secrets, EqualityComparesContents) {
  InitSecret a(Bytes{1, 2, 3}), b(Bytes{1, 2, 3}), c(Bytes{1, 2, 4}), d(Bytes{1, 2});
  EXPECT_TRUE(a == b);
  EXPECT_FALSE(a == c);
  EXPECT_FALSE(a == d);
  EXPECT_TRUE(InitSecret() == InitSecret(Bytes{}));
}

TEST(Secrets, GroupSecretsRoundTripThroughZeroizingEncoding) {
  GroupSecrets gs;
  gs.joiner_secret = JoinerSecret(Bytes(32, 7));
  gs.path_secret = PathSecret{TreeKemPathSecret(Bytes(32, 8))};
  gs.psks.push_back(PreSharedKeyID{
      PSKType::external, Bytes{1}, ResumptionPSKUsage::application, {}, 0, Bytes{2, 3}});
  SecureBytes encoded = encode_secret(gs);
  // The zeroizing writer writes exactly what the plain one does.
  EXPECT_TRUE(std::ranges::equal(encoded, encode(gs)));
  // joiner_secret<V> is first: a 1-byte length 32, then the bytes.
  ASSERT_GT(encoded.size(), 33u);
  EXPECT_EQ(encoded[0], 32);
  EXPECT_EQ(encoded[1], 7);
  GroupSecrets back = decode<GroupSecrets>(encoded);
  EXPECT_EQ(back, gs);
  EXPECT_EQ(back.path_secret->path_secret, TreeKemPathSecret(Bytes(32, 8)));
}

TEST(Secrets, ZeroizingWriterGrowsAndNestsLikeAPlainOne) {
  // Large enough to force several reallocations and a 4-byte length header.
  std::vector<Bytes> blobs;
  for (uint8_t i = 0; i < 40; ++i) {
    blobs.push_back(Bytes(i * 50u, i));
  }
  Writer plain;
  encode_into(plain, blobs);
  Writer zeroizing = Writer::zeroizing();
  encode_into(zeroizing, blobs);
  EXPECT_EQ(zeroizing.bytes(), plain.bytes());
  SecureBytes taken = zeroizing.take_secure();
  EXPECT_TRUE(std::ranges::equal(taken, plain.bytes()));
  EXPECT_TRUE(zeroizing.bytes().empty());
  // Its bytes never leave as plain Bytes.
  Writer again = Writer::zeroizing();
  again.put_uint(1, 1);
  EXPECT_MLS_ERROR(again.take(), ErrorKind::internal, "2.1");
}

TEST(Secrets, KeyScheduleDerivesEachRoleFromTheRightInput) {
  CipherSuite suite(1);
  GroupContext ctx{mls10, 1, Bytes{1}, 2, Bytes(32, 3), Bytes(32, 4), {}};
  InitSecret init(Bytes(32, 5));
  CommitSecret commit(Bytes(32, 6));
  EpochSecrets e = derive_epoch(suite, init, commit, PskSecret(), ctx);
  // The same joiner_secret through the Welcome path gives the same epoch.
  EpochSecrets j = derive_epoch_from_joiner(suite, e.joiner_secret, PskSecret(), ctx);
  EXPECT_EQ(j.confirmation_key, e.confirmation_key);
  EXPECT_EQ(j.init_secret, e.init_secret);
  EXPECT_EQ(welcome_secret(suite, e.joiner_secret, PskSecret()), e.welcome_secret);
  // An empty psk_secret is the all-zero vector (§8: "psk_secret (or 0)").
  EpochSecrets z = derive_epoch(suite, init, commit, PskSecret(Bytes(32, 0)), ctx);
  EXPECT_EQ(z.exporter_secret, e.exporter_secret);
  // Swapping init_secret and commit_secret (same bytes, other roles) changes everything.
  EpochSecrets swapped =
      derive_epoch(suite, InitSecret(commit.view()), CommitSecret(init.view()), PskSecret(), ctx);
  EXPECT_FALSE(swapped.joiner_secret == e.joiner_secret);
  // Distinct labels give distinct secrets.
  EXPECT_FALSE(std::ranges::equal(e.confirmation_key.view(), e.membership_key.view()));
  EXPECT_FALSE(std::ranges::equal(e.sender_data_secret.view(), e.encryption_secret.view()));
}

}  // namespace
}  // namespace mlsref
