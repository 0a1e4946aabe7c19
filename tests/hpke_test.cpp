// RFC 9180 HPKE: modes, PSK input rules, export, error kinds.
#include "ref/hpke.h"
#include "ref/rule_switch.h"

#include "tests/test_util.h"

namespace mlsref {
namespace {

using namespace hpke;

TEST(Hpke, AllModesRoundTrip) {
  Hpke h(KemId::dhkem_x25519_sha256, KdfId::hkdf_sha256, AeadAlg::aes_128_gcm);
  KeyPair r = h.kem().generate_key_pair(system_rng());
  KeyPair s = h.kem().generate_key_pair(system_rng());
  SecureBytes psk(32, 1);
  Bytes psk_id{1, 2};
  for (Mode m : {Mode::base, Mode::psk, Mode::auth, Mode::auth_psk}) {
    bool auth = m == Mode::auth || m == Mode::auth_psk;
    bool with_psk = m == Mode::psk || m == Mode::auth_psk;
    SetupParams p{m, Bytes{7}, with_psk ? psk : SecureBytes(), with_psk ? psk_id : Bytes()};
    auto sender = h.setup_sender(p, r.public_key, system_rng(), auth ? &s : nullptr);
    std::optional<ByteView> pkS;
    if (auth) {
      pkS = s.public_key;
    }
    Context rc = h.setup_receiver(p, sender.enc, r, pkS);
    for (int i = 0; i < 3; ++i) {
      Bytes ct = sender.context.seal(Bytes{1}, Bytes{2, 3});
      EXPECT_EQ(rc.open(Bytes{1}, ct), (SecureBytes{2, 3}));
    }
    EXPECT_EQ(sender.context.export_secret(Bytes{4}, 40), rc.export_secret(Bytes{4}, 40));
  }
}

TEST(Hpke, PskInputRules) {
  Hpke h(KemId::dhkem_p256_sha256, KdfId::hkdf_sha256, AeadAlg::aes_128_gcm);
  Bytes ss(32, 5), id{1};
  SecureBytes psk(32, 1);
  // The mode and the PSK inputs are the application's request.
  EXPECT_MLS_ERROR(h.key_schedule(SetupParams{Mode::psk, {}, {}, {}}, ss), ErrorKind::usage,
                   "9180 5.1");
  EXPECT_MLS_ERROR(h.key_schedule(SetupParams{Mode::base, {}, psk, id}, ss), ErrorKind::usage,
                   "9180 5.1");
  // RFC 9180 §5.1: psk and psk_id appear together or not at all.
  EXPECT_MLS_RULE(h.key_schedule(SetupParams{Mode::psk, {}, psk, {}}, ss), ErrorKind::usage,
                  req::H5_1_2);
  EXPECT_MLS_RULE(h.key_schedule(SetupParams{Mode::psk, {}, {}, id}, ss), ErrorKind::usage,
                  req::H5_1_2);
}

// RFC 9180 §5.2: the sender's context does not decrypt, the recipient's does
// not encrypt; switched off, each works with the other's key and nonce.
TEST(Hpke, ContextsKeepTheirRole) {
  Hpke h(KemId::dhkem_x25519_sha256, KdfId::hkdf_sha256, AeadAlg::aes_128_gcm);
  KeyPair r = h.kem().generate_key_pair(system_rng());
  Hpke::SenderSetup s = h.setup_sender(SetupParams{}, r.public_key, system_rng());
  Context rc = h.setup_receiver(SetupParams{}, s.enc, r);
  Bytes ct = s.context.seal_at(0, Bytes{1}, Bytes{2});
  EXPECT_MLS_RULE(s.context.open_at(0, Bytes{1}, ct), ErrorKind::usage, req::H5_2_6);
  EXPECT_MLS_RULE(rc.seal_at(0, Bytes{1}, Bytes{2}), ErrorKind::usage, req::H5_2_7);
  RuleSwitchedOff off({&req::H5_2_6, &req::H5_2_7});
  EXPECT_EQ(s.context.open_at(0, Bytes{1}, ct), (SecureBytes{2}));
  EXPECT_EQ(rc.seal_at(0, Bytes{1}, Bytes{2}), ct);
}

TEST(Hpke, AuthModeNeedsSender) {
  Hpke h(KemId::dhkem_x448_sha512, KdfId::hkdf_sha512, AeadAlg::chacha20_poly1305);
  KeyPair r = h.kem().generate_key_pair(system_rng());
  EXPECT_MLS_ERROR(h.setup_sender(SetupParams{Mode::auth}, r.public_key, system_rng()),
                   ErrorKind::usage, "9180 5.1");
}

// RFC 9180 §5.1: the sender's key goes with the auth modes only, on both
// sides; which mode to use is the application's request.
TEST(Hpke, TheSendersKeyGoesWithTheAuthModesOnly) {
  Hpke h(KemId::dhkem_x25519_sha256, KdfId::hkdf_sha256, AeadAlg::aes_128_gcm);
  KeyPair r = h.kem().generate_key_pair(system_rng());
  KeyPair s = h.kem().generate_key_pair(system_rng());
  EXPECT_MLS_ERROR(h.setup_sender(SetupParams{}, r.public_key, system_rng(), &s), ErrorKind::usage,
                   "9180 5.1");
  Hpke::SenderSetup base = h.setup_sender(SetupParams{}, r.public_key, system_rng());
  EXPECT_MLS_ERROR(h.setup_receiver(SetupParams{}, base.enc, r, ByteView(s.public_key)),
                   ErrorKind::usage, "9180 5.1");
  Hpke::SenderSetup auth = h.setup_sender(SetupParams{Mode::auth}, r.public_key, system_rng(), &s);
  EXPECT_MLS_ERROR(h.setup_receiver(SetupParams{Mode::auth}, auth.enc, r), ErrorKind::usage,
                   "9180 5.1");
  EXPECT_NO_THROW(h.setup_receiver(SetupParams{Mode::auth}, auth.enc, r, ByteView(s.public_key)));
}

// RFC 9180 §5.3: an exported secret is at most 255*Nh bytes long.
TEST(Hpke, ExportLongerThan255NhIsAUsageError) {
  Hpke h(KemId::dhkem_x25519_sha256, KdfId::hkdf_sha256, AeadAlg::aes_128_gcm);
  KeyPair r = h.kem().generate_key_pair(system_rng());
  Hpke::SenderSetup s = h.setup_sender(SetupParams{}, r.public_key, system_rng());
  EXPECT_EQ(s.context.export_secret(Bytes{1}, 255 * 32).size(), 255u * 32);
  EXPECT_MLS_ERROR(s.context.export_secret(Bytes{1}, 255 * 32 + 1), ErrorKind::usage, "9180 5.3");
}

TEST(Hpke, WrongEncSizeIsCryptoError) {
  Hpke h(KemId::dhkem_p384_sha384, KdfId::hkdf_sha384, AeadAlg::aes_256_gcm);
  KeyPair r = h.kem().generate_key_pair(system_rng());
  EXPECT_MLS_RULE(h.setup_receiver(SetupParams{}, Bytes(10), r), ErrorKind::crypto,
                  req::H7_1_1_i1);
}

TEST(Hpke, UnknownIdsAreUnsupported) {
  EXPECT_MLS_ERROR(Hpke(static_cast<KemId>(0x99), KdfId::hkdf_sha256, AeadAlg::aes_128_gcm),
                   ErrorKind::unsupported, "9180 7.1");
  EXPECT_MLS_ERROR(Hpke(KemId::dhkem_p256_sha256, static_cast<KdfId>(9), AeadAlg::aes_128_gcm),
                   ErrorKind::unsupported, "9180 7.2");
  EXPECT_MLS_ERROR(Hpke(KemId::dhkem_p256_sha256, KdfId::hkdf_sha256, static_cast<AeadAlg>(9)),
                   ErrorKind::unsupported, "9180 7.3");
}

TEST(Hpke, DeriveKeyPairTakesShortIkm) {
  // MLS derives the P-521 external key pair from a 64-byte secret (RFC 9420 §8.3).
  Kem k(KemId::dhkem_p521_sha512);
  EXPECT_EQ(k.derive_key_pair(Bytes(64, 1)).public_key.size(), 133u);
}

}  // namespace
}  // namespace mlsref
