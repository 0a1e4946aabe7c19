// RFC 9420 §5 Cryptographic Objects: §5.1 Cipher Suites (§5.1.1 Public Keys,
// §5.1.2 Signing, §5.1.3 Public Key Encryption), §5.2 Hash-Based Identifiers;
// §8 ExpandWithLabel / DeriveSecret; §9 DeriveTreeSecret; §17.1 the cipher
// suite registry.
#pragma once

#include <botan/rng.h>

#include <span>
#include <string_view>

#include "hpke.h"
#include "presentation_language.h"
#include "primitives.h"

namespace mlsref {

// One row of the MLS Cipher Suites registry (RFC 9420 §17.1).
struct CipherSuiteInfo {
  uint16_t id;
  std::string_view name;
  hpke::KemId kem;
  hpke::KdfId kdf;
  AeadAlg aead;
  HashAlg hash;
  SignatureScheme signature;
};

// The suites mlsref implements: 1 to 7, all of RFC 9420 §17.1's non-reserved ones.
std::span<const CipherSuiteInfo> cipher_suites();
// nullptr for an id mlsref does not implement.
const CipherSuiteInfo* find_cipher_suite(uint16_t id);

// struct {
//     opaque kem_output<V>;
//     opaque ciphertext<V>;
// } HPKECiphertext;                                RFC 9420 §7.6
struct HPKECiphertext {
  Bytes kem_output;
  Bytes ciphertext;
  bool operator==(const HPKECiphertext&) const = default;
  static constexpr std::string_view type_name = "HPKECiphertext";
  static constexpr auto fields = std::tuple{field("kem_output", &HPKECiphertext::kem_output),
                                            field("ciphertext", &HPKECiphertext::ciphertext)};
};

class CipherSuite {
 public:
  // Error{unsupported} for a suite mlsref does not implement.
  explicit CipherSuite(uint16_t id);

  uint16_t id() const { return info_->id; }
  const CipherSuiteInfo& info() const { return *info_; }
  const hpke::Hpke& hpke() const { return hpke_; }

  size_t hash_size() const;   // KDF.Nh
  size_t key_size() const;    // AEAD.Nk
  size_t nonce_size() const;  // AEAD.Nn

  Bytes hash(ByteView data) const;
  SecureBytes mac(ByteView key, ByteView data) const;
  SecureBytes extract(ByteView salt, ByteView ikm) const;
  SecureBytes expand(ByteView prk, ByteView info, size_t length) const;

  // §5.2 RefHash(label, value) = Hash(RefHashInput)
  Bytes ref_hash(std::string_view label, ByteView value) const;
  // §8 ExpandWithLabel(Secret, Label, Context, Length)
  SecureBytes expand_with_label(ByteView secret, std::string_view label, ByteView context,
                                size_t length) const;
  // §8 DeriveSecret(Secret, Label)
  SecureBytes derive_secret(ByteView secret, std::string_view label) const;
  // §9 DeriveTreeSecret(Secret, Label, Generation, Length)
  SecureBytes derive_tree_secret(ByteView secret, std::string_view label, uint32_t generation,
                                 size_t length) const;

  // §5.1.2 SignWithLabel / VerifyWithLabel
  Bytes sign_with_label(ByteView signature_private_key, std::string_view label,
                        ByteView content) const;
  // Throws Error{crypto, section} when the signature does not verify (section:
  // the rule that asks for the check, e.g. "7.3" for a LeafNode) and
  // Error{decode, "5.1.1"} when the public key is malformed.
  void verify_with_label(ByteView signature_public_key, std::string_view label, ByteView content,
                         ByteView signature, std::string_view section = "5.1.2") const;
  // The same, when the check enforces a requirement of spec/requirements.yaml
  // (req::R7_3_2 for a LeafNode): Error{crypto, rule} when it does not verify.
  void verify_with_label(ByteView signature_public_key, std::string_view label, ByteView content,
                         ByteView signature, const Requirement& rule) const;
  SecureBytes generate_signature_key(Botan::RandomNumberGenerator& rng) const;
  Bytes signature_public_key(ByteView signature_private_key) const;

  // §5.1.3 EncryptWithLabel / DecryptWithLabel
  HPKECiphertext encrypt_with_label(ByteView public_key, std::string_view label, ByteView context,
                                    ByteView plaintext, Botan::RandomNumberGenerator& rng) const;
  // Error{crypto} when decryption fails. The plaintext (a path secret, the
  // GroupSecrets) is returned in zeroizing memory.
  SecureBytes decrypt_with_label(ByteView private_key, std::string_view label, ByteView context,
                                 ByteView kem_output, ByteView ciphertext) const;
  // HPKE key pairs (RFC 9180 §7.1.3).
  hpke::KeyPair derive_key_pair(ByteView ikm) const;
  hpke::KeyPair generate_key_pair(Botan::RandomNumberGenerator& rng) const;

 private:
  const CipherSuiteInfo* info_;
  hpke::Hpke hpke_;
};

}  // namespace mlsref
