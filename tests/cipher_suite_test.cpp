// RFC 9420 §5 cipher suites and labeled functions; primitives.
#include "ref/cipher_suite.h"
#include "ref/rule_switch.h"

#include "tests/test_util.h"

namespace mlsref {
namespace {

TEST(CipherSuite, AllSevenSuites) {
  ASSERT_EQ(cipher_suites().size(), 7u);
  for (const auto& info : cipher_suites()) {
    CipherSuite s(info.id);
    EXPECT_EQ(s.hash_size(), hash_size(info.hash));
  }
}

TEST(CipherSuite, UnknownSuiteIsUnsupported) {
  EXPECT_MLS_ERROR(CipherSuite(0x0a0a), ErrorKind::unsupported, "5.1");
  EXPECT_MLS_ERROR(CipherSuite(0), ErrorKind::unsupported, "5.1");
}

TEST(CipherSuite, ExpandWithLabelEncodesKdfLabel) {
  // ExpandWithLabel is HKDF-Expand over the encoded KDFLabel (§8).
  CipherSuite s(1);
  Bytes secret(32, 7);
  Bytes expected_info = from_hex(
      "0010"
      "0d"
      "4d4c5320312e30207465737473"
      "02"
      "0102");
  SecureBytes direct = s.expand(secret, expected_info, 16);
  EXPECT_EQ(s.expand_with_label(secret, "tests", Bytes{0x01, 0x02}, 16), direct);
}

// A length the caller asks for that the encoding cannot carry: KDFLabel's
// uint16 length (RFC 9420 §8), and HKDF-Expand's L <= 255*HashLen (RFC 5869
// §2.3), checked whether asked through ExpandWithLabel or directly.
TEST(CipherSuite, ExpandLengthsBeyondTheirEncodingAreUsageErrors) {
  CipherSuite s(1);
  Bytes secret(32, 7);
  EXPECT_EQ(s.expand_with_label(secret, "tests", {}, 255 * 32).size(), 255u * 32);
  EXPECT_MLS_ERROR(s.expand_with_label(secret, "tests", {}, 255 * 32 + 1), ErrorKind::usage, "5.1");
  EXPECT_MLS_ERROR(s.expand_with_label(secret, "tests", {}, 0x10000), ErrorKind::usage, "8");
  EXPECT_EQ(hkdf_expand(HashAlg::sha512, Bytes(64, 1), {}, 255 * 64).size(), 255u * 64);
  EXPECT_MLS_ERROR(hkdf_expand(HashAlg::sha512, Bytes(64, 1), {}, 255 * 64 + 1), ErrorKind::usage,
                   "5.1");
}

TEST(CipherSuite, DecryptWithWrongLabelFails) {
  for (const auto& info : cipher_suites()) {
    CipherSuite s(info.id);
    hpke::KeyPair kp = s.derive_key_pair(Bytes(s.hpke().kem().private_key_size(), 1));
    HPKECiphertext ct = s.encrypt_with_label(kp.public_key, "A", {}, Bytes{1, 2}, system_rng());
    EXPECT_EQ(s.decrypt_with_label(kp.private_key, "A", {}, ct.kem_output, ct.ciphertext),
              (SecureBytes{1, 2}));
    EXPECT_MLS_RULE(s.decrypt_with_label(kp.private_key, "B", {}, ct.kem_output, ct.ciphertext),
                    ErrorKind::crypto, req::H4_i1);
  }
}

TEST(CipherSuite, SignatureLabelMatters) {
  for (const auto& info : cipher_suites()) {
    CipherSuite s(info.id);
    SecureBytes sk = s.generate_signature_key(system_rng());
    Bytes pk = s.signature_public_key(sk);
    Bytes sig = s.sign_with_label(sk, "A", Bytes{9});
    EXPECT_NO_THROW(s.verify_with_label(pk, "A", Bytes{9}, sig)) << info.name;
    EXPECT_MLS_ERROR(s.verify_with_label(pk, "B", Bytes{9}, sig), ErrorKind::crypto, "5.1.2");
  }
}

TEST(CipherSuite, EcdsaSignaturesAreDeterministic) {
  // Generated vectors depend on this (RFC 6979 nonces).
  for (uint16_t id : {2, 5, 7}) {
    CipherSuite s(id);
    SecureBytes sk = s.generate_signature_key(system_rng());
    EXPECT_EQ(s.sign_with_label(sk, "L", Bytes{1}), s.sign_with_label(sk, "L", Bytes{1}));
  }
}

TEST(Primitives, BadKeysAreCryptoErrors) {
  Bytes zero32(32, 0);
  // An X25519 low-order point gives the all-zero shared secret (RFC 9180 §7.1.4).
  EXPECT_MLS_RULE(dh(DhGroup::x25519, Bytes(32, 1), zero32), ErrorKind::crypto, req::H7_1_4_5);
  EXPECT_MLS_RULE(dh(DhGroup::x448, Bytes(56, 1), Bytes(56, 0)), ErrorKind::crypto,
                  req::H7_1_4_5);
  // A public key of another length is none (RFC 9180 §7.1.1).
  EXPECT_MLS_RULE(dh(DhGroup::x25519, Bytes(32, 1), Bytes(31, 9)), ErrorKind::crypto,
                  req::H7_1_1_i1);
  // P-256: a point not on the curve, a compressed point, a zero scalar.
  Bytes off_curve(65, 1);
  off_curve[0] = 4;
  EXPECT_MLS_RULE(dh(DhGroup::p256, Bytes(32, 1), off_curve), ErrorKind::crypto, req::H7_1_4_2);
  EXPECT_MLS_RULE(dh(DhGroup::p256, Bytes(32, 1), Bytes(33, 2)), ErrorKind::crypto,
                  req::H7_1_1_i1);
  EXPECT_MLS_RULE(dh_public_key(DhGroup::p256, zero32), ErrorKind::crypto, req::H7_1_2_3);
  EXPECT_MLS_RULE(dh_public_key(DhGroup::p521, Bytes(66, 0xff)), ErrorKind::crypto,
                  req::H7_1_2_3);
  // A private key of the wrong size is the caller's own mistake.
  EXPECT_MLS_ERROR(dh_public_key(DhGroup::x25519, Bytes(31, 1)), ErrorKind::usage, "9180 7.1.2");
}

// Switched off, the all-zero X25519 output is the shared secret.
TEST(Primitives, AllZeroSharedSecretCanBeSwitchedOff) {
  RuleSwitchedOff off(req::H7_1_4_5);
  EXPECT_EQ(dh(DhGroup::x25519, Bytes(32, 1), Bytes(32, 0)), SecureBytes(32, 0));
}

TEST(Primitives, AeadRejectsBadTagAndSizes) {
  for (AeadAlg a : {AeadAlg::aes_128_gcm, AeadAlg::aes_256_gcm, AeadAlg::chacha20_poly1305}) {
    Bytes key(aead_key_size(a), 3), nonce(12, 4);
    Bytes ct = aead_seal(a, key, nonce, Bytes{1}, Bytes{5, 6});
    EXPECT_EQ(aead_open(a, key, nonce, Bytes{1}, ct), (SecureBytes{5, 6}));
    ct[0] ^= 1;
    EXPECT_MLS_RULE(aead_open(a, key, nonce, Bytes{1}, ct), ErrorKind::crypto, req::H4_i1);
    EXPECT_MLS_RULE(aead_open(a, key, nonce, Bytes{1}, Bytes(3)), ErrorKind::crypto, req::H4_i1);
    EXPECT_MLS_ERROR(aead_seal(a, Bytes(5), nonce, {}, {}), ErrorKind::usage, "5.1");
  }
  EXPECT_MLS_ERROR(aead_seal(AeadAlg::export_only, {}, {}, {}, {}), ErrorKind::usage, "9180 5.2");
}

TEST(Primitives, SignaturesRejectGarbage) {
  for (SignatureScheme s :
       {SignatureScheme::ed25519, SignatureScheme::ed448, SignatureScheme::ecdsa_secp256r1_sha256,
        SignatureScheme::ecdsa_secp384r1_sha384, SignatureScheme::ecdsa_secp521r1_sha512}) {
    SecureBytes sk = signature_generate(s, system_rng());
    Bytes pk = signature_public_key(s, sk);
    EXPECT_EQ(pk.size(), signature_public_size(s));
    EXPECT_NO_THROW(verify(s, pk, Bytes{1}, sign(s, sk, Bytes{1})));
    EXPECT_MLS_ERROR(verify(s, pk, Bytes{1}, Bytes{}), ErrorKind::crypto, "5.1.2");
    EXPECT_MLS_ERROR(verify(s, pk, Bytes{1}, Bytes(200, 0x30)), ErrorKind::crypto, "5.1.2");
    EXPECT_MLS_ERROR(verify(s, Bytes(3, 0), Bytes{1}, sign(s, sk, Bytes{1})), ErrorKind::decode,
                     "5.1.1");
    EXPECT_MLS_ERROR(sign(s, Bytes(100, 1), Bytes{1}), ErrorKind::usage, "5.1.2");
  }
}

// The HMAC and HKDF objects are made once per thread and keyed anew at every
// call: known answers, asked in turn with different keys and twice each.
TEST(Primitives, HmacAndHkdfKnownAnswersInTurn) {
  const Bytes ikm(22, 0x0b);
  for (int round = 0; round < 2; ++round) {
    // RFC 5869 Appendix A.1
    SecureBytes prk = hkdf_extract(HashAlg::sha256, from_hex("000102030405060708090a0b0c"), ikm);
    EXPECT_EQ(to_hex(prk), "077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
    EXPECT_EQ(to_hex(hkdf_expand(HashAlg::sha256, prk, from_hex("f0f1f2f3f4f5f6f7f8f9"), 42)),
              "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b88718"
              "5865");
    // RFC 5869 Appendix A.3: no salt, no info
    prk = hkdf_extract(HashAlg::sha256, {}, ikm);
    EXPECT_EQ(to_hex(prk), "19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04");
    EXPECT_EQ(to_hex(hkdf_expand(HashAlg::sha256, prk, {}, 42)),
              "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a"
              "96c8");
    // RFC 4231 test case 2
    EXPECT_EQ(
        to_hex(hmac(HashAlg::sha256, to_bytes("Jefe"), to_bytes("what do ya want for nothing?"))),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  }
}

// `--stats` input bytes (PrimitiveCounts::bytes), which price the crypto floor.
TEST(Primitives, CountsInputBytes) {
  auto bytes_of = [](const PrimitiveCounts& c, PrimitiveOp op, HashAlg h) {
    return c.bytes[static_cast<size_t>(op)][static_cast<size_t>(h)];
  };
  PrimitiveCounts before = thread_primitive_counts();
  hash(HashAlg::sha384, Bytes(150, 1));
  hmac(HashAlg::sha256, Bytes(32, 2), Bytes(70, 3));
  hkdf_extract(HashAlg::sha256, Bytes(32, 0), Bytes(20, 4));
  // Three 32-byte blocks: three infos and counters, two earlier blocks.
  hkdf_expand(HashAlg::sha256, Bytes(32, 5), Bytes(10, 6), 70);
  Bytes key(aead_key_size(AeadAlg::aes_128_gcm), 7),
      nonce(aead_nonce_size(AeadAlg::aes_128_gcm), 8);
  Bytes ct = aead_seal(AeadAlg::aes_128_gcm, key, nonce, Bytes(5, 9), Bytes(40, 10));
  aead_open(AeadAlg::aes_128_gcm, key, nonce, Bytes(5, 9), ct);
  PrimitiveCounts ran = thread_primitive_counts();
  ran -= before;
  EXPECT_EQ(bytes_of(ran, PrimitiveOp::hash, HashAlg::sha384), 150u);
  EXPECT_EQ(bytes_of(ran, PrimitiveOp::hmac, HashAlg::sha256), 70u);
  EXPECT_EQ(bytes_of(ran, PrimitiveOp::key_derivation, HashAlg::sha256), 20u + 3 * 11 + 2 * 32);
  // AES-128-GCM is index 3 (primitive_alg_name).
  ASSERT_EQ(primitive_alg_name(3), "AES-128-GCM");
  EXPECT_EQ(ran.bytes[static_cast<size_t>(PrimitiveOp::aead_seal)][3], 45u);
  EXPECT_EQ(ran.bytes[static_cast<size_t>(PrimitiveOp::aead_open)][3], 5u + 40 + 16);
  EXPECT_EQ(ran.of(PrimitiveOp::key_derivation), 2u);
}

}  // namespace
}  // namespace mlsref
