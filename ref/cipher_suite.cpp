// RFC 9420 §5 Cryptographic Objects, §17.1 MLS Cipher Suites
#include "cipher_suite.h"

#include <array>

#include "rule_switch.h"

namespace mlsref {

namespace {

using hpke::KdfId;
using hpke::KemId;

// RFC 9420 §17.1, Table 6 (the non-reserved, non-GREASE rows).
constexpr std::array<CipherSuiteInfo, 7> kSuites{{
    // RFC 9420 §17.1 [R17.1-4]
    //    MLS clients MUST implement this cipher suite.
    {0x0001, "MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519", KemId::dhkem_x25519_sha256,
     KdfId::hkdf_sha256, AeadAlg::aes_128_gcm, HashAlg::sha256, SignatureScheme::ed25519},
    {0x0002, "MLS_128_DHKEMP256_AES128GCM_SHA256_P256", KemId::dhkem_p256_sha256,
     KdfId::hkdf_sha256, AeadAlg::aes_128_gcm, HashAlg::sha256,
     SignatureScheme::ecdsa_secp256r1_sha256},
    {0x0003, "MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519", KemId::dhkem_x25519_sha256,
     KdfId::hkdf_sha256, AeadAlg::chacha20_poly1305, HashAlg::sha256, SignatureScheme::ed25519},
    {0x0004, "MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448", KemId::dhkem_x448_sha512,
     KdfId::hkdf_sha512, AeadAlg::aes_256_gcm, HashAlg::sha512, SignatureScheme::ed448},
    {0x0005, "MLS_256_DHKEMP521_AES256GCM_SHA512_P521", KemId::dhkem_p521_sha512,
     KdfId::hkdf_sha512, AeadAlg::aes_256_gcm, HashAlg::sha512,
     SignatureScheme::ecdsa_secp521r1_sha512},
    {0x0006, "MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448", KemId::dhkem_x448_sha512,
     KdfId::hkdf_sha512, AeadAlg::chacha20_poly1305, HashAlg::sha512, SignatureScheme::ed448},
    {0x0007, "MLS_256_DHKEMP384_AES256GCM_SHA384_P384", KemId::dhkem_p384_sha384,
     KdfId::hkdf_sha384, AeadAlg::aes_256_gcm, HashAlg::sha384,
     SignatureScheme::ecdsa_secp384r1_sha384},
}};

const CipherSuiteInfo& require_suite(uint16_t id) {
  const CipherSuiteInfo* info = find_cipher_suite(id);
  if (info == nullptr) {
    throw Error(ErrorKind::unsupported, "5.1",
                "cipher suite " + std::to_string(id) + " is not implemented");
  }
  return *info;
}

Bytes mls_label(std::string_view label) {
  // label = "MLS 1.0 " + Label
  constexpr std::string_view prefix = "MLS 1.0 ";
  Bytes out;
  out.reserve(prefix.size() + label.size());
  out.insert(out.end(), prefix.begin(), prefix.end());
  out.insert(out.end(), label.begin(), label.end());
  return out;
}

// struct { opaque label<V>; opaque value<V>; } RefHashInput;           §5.2
// struct { opaque label<V>; opaque content<V>; } SignContent;          §5.1.2
// struct { opaque label<V>; opaque context<V>; } EncryptContext;       §5.1.3
// All three are two opaque vectors; one struct serves them.
struct LabeledValue {
  Bytes label;
  Bytes value;
  bool operator==(const LabeledValue&) const = default;
  static constexpr std::string_view type_name = "LabeledValue";
  static constexpr auto fields =
      std::tuple{field("label", &LabeledValue::label), field("value", &LabeledValue::value)};
};

// struct {
//     uint16 length;
//     opaque label<V>;
//     opaque context<V>;
// } KDFLabel;                                      RFC 9420 §8
// Only ever encoded, as KDF.Expand's info: it views the caller's bytes
// instead of copying them.
struct KDFLabel {
  uint16_t length = 0;
  ByteView label;
  ByteView context;
  static constexpr std::string_view type_name = "KDFLabel";
  static constexpr auto fields =
      std::tuple{field("length", &KDFLabel::length), field("label", &KDFLabel::label),
                 field("context", &KDFLabel::context)};
};

}  // namespace

std::span<const CipherSuiteInfo> cipher_suites() { return kSuites; }

const CipherSuiteInfo* find_cipher_suite(uint16_t id) {
  for (const auto& s : kSuites) {
    if (s.id == id) {
      return &s;
    }
  }
  return nullptr;
}

CipherSuite::CipherSuite(uint16_t id)
    : info_(&require_suite(id)), hpke_(info_->kem, info_->kdf, info_->aead) {}

size_t CipherSuite::hash_size() const { return mlsref::hash_size(info_->hash); }
size_t CipherSuite::key_size() const { return aead_key_size(info_->aead); }
size_t CipherSuite::nonce_size() const { return aead_nonce_size(info_->aead); }

Bytes CipherSuite::hash(ByteView data) const { return mlsref::hash(info_->hash, data); }
SecureBytes CipherSuite::mac(ByteView key, ByteView data) const {
  return hmac(info_->hash, key, data);
}
SecureBytes CipherSuite::extract(ByteView salt, ByteView ikm) const {
  return hkdf_extract(info_->hash, salt, ikm);
}
SecureBytes CipherSuite::expand(ByteView prk, ByteView info, size_t length) const {
  return hkdf_expand(info_->hash, prk, info, length);
}

Bytes CipherSuite::ref_hash(std::string_view label, ByteView value) const {
  // RefHash(label, value) = Hash(RefHashInput), label = label; value = value;
  LabeledValue input{to_bytes(label), Bytes(value.begin(), value.end())};
  return hash(encode(input));
}

SecureBytes CipherSuite::expand_with_label(ByteView secret, std::string_view label,
                                           ByteView context, size_t length) const {
  if (length > 0xffff) {
    throw Error(ErrorKind::usage, "8", "ExpandWithLabel length does not fit in uint16");
  }
  // KDF.Expand(Secret, KDFLabel, Length)
  Bytes full_label = mls_label(label);
  KDFLabel kdf_label{static_cast<uint16_t>(length), full_label, context};
  return expand(secret, encode(kdf_label), length);
}

SecureBytes CipherSuite::derive_secret(ByteView secret, std::string_view label) const {
  // ExpandWithLabel(Secret, Label, "", KDF.Nh)
  return expand_with_label(secret, label, {}, hash_size());
}

SecureBytes CipherSuite::derive_tree_secret(ByteView secret, std::string_view label,
                                            uint32_t generation, size_t length) const {
  // ExpandWithLabel(Secret, Label, Generation, Length), Generation as uint32
  return expand_with_label(secret, label, encode(generation), length);
}

Bytes CipherSuite::sign_with_label(ByteView signature_private_key, std::string_view label,
                                   ByteView content) const {
  // Signature.Sign(SignatureKey, SignContent)
  LabeledValue sign_content{mls_label(label), Bytes(content.begin(), content.end())};
  return sign(info_->signature, signature_private_key, encode(sign_content));
}

void CipherSuite::verify_with_label(ByteView signature_public_key, std::string_view label,
                                    ByteView content, ByteView signature,
                                    std::string_view section) const {
  // Signature.Verify(VerificationKey, SignContent, SignatureValue)
  LabeledValue sign_content{mls_label(label), Bytes(content.begin(), content.end())};
  verify(info_->signature, signature_public_key, encode(sign_content), signature, section,
         std::string(label) + " signature");
}

void CipherSuite::verify_with_label(ByteView signature_public_key, std::string_view label,
                                    ByteView content, ByteView signature,
                                    const Requirement& rule) const {
  // The check `rule` asks for, unless a RuleSwitchedOff guard switched it off.
  if (!enforced(rule)) {
    return;
  }
  // Signature.Verify(VerificationKey, SignContent, SignatureValue)
  LabeledValue sign_content{mls_label(label), Bytes(content.begin(), content.end())};
  // RFC 9420 §5.1.2 [R5.1.2-1]: each signature is verified with the suite's algorithm
  //    It MUST be the same as the signature algorithm specified in the credentials in the leaves
  //    of the tree (including the leaf node information in KeyPackages used to add new members).
  verify(info_->signature, signature_public_key, encode(sign_content), signature, rule,
         std::string(label) + " signature");
}

SecureBytes CipherSuite::generate_signature_key(Botan::RandomNumberGenerator& rng) const {
  return signature_generate(info_->signature, rng);
}

Bytes CipherSuite::signature_public_key(ByteView signature_private_key) const {
  return mlsref::signature_public_key(info_->signature, signature_private_key);
}

HPKECiphertext CipherSuite::encrypt_with_label(ByteView public_key, std::string_view label,
                                               ByteView context, ByteView plaintext,
                                               Botan::RandomNumberGenerator& rng) const {
  // SealBase(PublicKey, EncryptContext, "", Plaintext)
  LabeledValue encrypt_context{mls_label(label), Bytes(context.begin(), context.end())};
  auto [enc, ct] = hpke_.seal_base(public_key, encode(encrypt_context), {}, plaintext, rng);
  return HPKECiphertext{std::move(enc), std::move(ct)};
}

SecureBytes CipherSuite::decrypt_with_label(ByteView private_key, std::string_view label,
                                            ByteView context, ByteView kem_output,
                                            ByteView ciphertext) const {
  // OpenBase(KEMOutput, PrivateKey, EncryptContext, "", Ciphertext)
  LabeledValue encrypt_context{mls_label(label), Bytes(context.begin(), context.end())};
  hpke::KeyPair recipient = hpke_.kem().key_pair(private_key);
  return hpke_.open_base(kem_output, recipient, encode(encrypt_context), {}, ciphertext);
}

hpke::KeyPair CipherSuite::derive_key_pair(ByteView ikm) const {
  return hpke_.kem().derive_key_pair(ikm);
}

hpke::KeyPair CipherSuite::generate_key_pair(Botan::RandomNumberGenerator& rng) const {
  return hpke_.kem().generate_key_pair(rng);
}

}  // namespace mlsref
