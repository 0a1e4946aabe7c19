// RFC 9180 Hybrid Public Key Encryption: §4 (DHKEM), §5 (key schedule, modes
// base/psk/auth/auth_psk), §5.2 (encryption and decryption), §5.3 (secret
// export), §7.1.3 (DeriveKeyPair). The primitives come from primitives.h.
#pragma once

#include <botan/rng.h>

#include <cstdint>
#include <optional>

#include "presentation_language.h"
#include "primitives.h"

namespace mlsref::hpke {

// RFC 9180 §7.1
enum class KemId : uint16_t {
  dhkem_p256_sha256 = 0x0010,
  dhkem_p384_sha384 = 0x0011,
  dhkem_p521_sha512 = 0x0012,
  dhkem_x25519_sha256 = 0x0020,
  dhkem_x448_sha512 = 0x0021,
};
// RFC 9180 §7.2
enum class KdfId : uint16_t {
  hkdf_sha256 = 0x0001,
  hkdf_sha384 = 0x0002,
  hkdf_sha512 = 0x0003,
};
// RFC 9180 §5 Table 1
enum class Mode : uint8_t { base = 0x00, psk = 0x01, auth = 0x02, auth_psk = 0x03 };

bool is_known(KemId k);
bool is_known(KdfId k);
std::string_view to_string(KemId k);
std::string_view to_string(KdfId k);
std::string_view to_string(Mode m);

struct KeyPair {
  SecureBytes private_key;  // SerializePrivateKey form
  Bytes public_key;         // SerializePublicKey form
};

// A DHKEM (RFC 9180 §4.1).
class Kem {
 public:
  explicit Kem(KemId id);  // Error{unsupported} for an unknown id

  KemId id() const { return id_; }
  DhGroup group() const { return group_; }
  size_t secret_size() const;       // Nsecret
  size_t enc_size() const;          // Nenc
  size_t public_key_size() const;   // Npk
  size_t private_key_size() const;  // Nsk

  // RFC 9180 §7.1.3
  KeyPair derive_key_pair(ByteView ikm) const;
  // DeriveKeyPair(random(Nsk)), as §7.1.3 permits for GenerateKeyPair.
  KeyPair generate_key_pair(Botan::RandomNumberGenerator& rng) const;
  // The public key for a private key (Error{crypto} when out of range).
  KeyPair key_pair(ByteView private_key) const;
  // Whether `pk` is a SerializePublicKey output (§7.1.1): Npk bytes, and for
  // the NIST curves an uncompressed point of the curve.
  bool public_key_valid(ByteView pk) const;

  struct Encapsulation {
    SecureBytes shared_secret;
    Bytes enc;
  };
  // Encap / AuthEncap with a given ephemeral key pair (§4.1). `sender` is set
  // for AuthEncap.
  Encapsulation encap(ByteView pkR, const KeyPair& ephemeral,
                      const KeyPair* sender = nullptr) const;
  // Decap / AuthDecap. `pkS` is set for AuthDecap.
  SecureBytes decap(ByteView enc, const KeyPair& recipient,
                    std::optional<ByteView> pkS = std::nullopt) const;

 private:
  SecureBytes labeled_extract(ByteView salt, std::string_view label, ByteView ikm) const;
  SecureBytes labeled_expand(ByteView prk, std::string_view label, ByteView info,
                             size_t length) const;
  SecureBytes extract_and_expand(ByteView dh, ByteView kem_context) const;

  KemId id_;
  DhGroup group_;
  HashAlg hash_;
  Bytes suite_id_;
};

// The outputs of the key schedule (§5.1), kept so vectors can check each one.
class Context {
 public:
  Bytes key_schedule_context;
  SecureBytes secret;
  SecureBytes key;
  SecureBytes base_nonce;
  SecureBytes exporter_secret;

  // §5.2 ComputeNonce(seq)
  Bytes compute_nonce(uint64_t seq) const;
  // Seal / Open at the context's own sequence number, which then increments.
  Bytes seal(ByteView aad, ByteView plaintext);
  SecureBytes open(ByteView aad, ByteView ciphertext);
  // Seal / Open at an explicit sequence number (for test vectors that skip).
  // A sender's context (setup_sender) does not open, a recipient's
  // (setup_receiver) does not seal: Error{usage} naming H5.2-6 / H5.2-7.
  Bytes seal_at(uint64_t seq, ByteView aad, ByteView plaintext) const;
  SecureBytes open_at(uint64_t seq, ByteView aad, ByteView ciphertext) const;
  // §5.3 Export(exporter_context, L)
  SecureBytes export_secret(ByteView exporter_context, size_t length) const;

  uint64_t sequence() const { return seq_; }

  // Whose context it is: the sender's (SetupS), the recipient's (SetupR), or
  // neither (Hpke::key_schedule alone, for the key schedule's test vectors).
  enum class Role { none, sender, recipient };
  Role role() const { return role_; }

 private:
  friend class Hpke;
  Role role_ = Role::none;
  AeadAlg aead_ = AeadAlg::export_only;
  HashAlg hash_ = HashAlg::sha256;
  Bytes suite_id_;
  uint64_t seq_ = 0;
};

// Inputs to SetupS / SetupR beyond the keys (§5.1).
// They are copies, so a SetupParams never points into a temporary.
struct SetupParams {
  Mode mode = Mode::base;
  Bytes info;
  SecureBytes psk;
  Bytes psk_id;
};

class Hpke {
 public:
  Hpke(KemId kem, KdfId kdf, AeadAlg aead);  // Error{unsupported} for unknown ids

  const Kem& kem() const { return kem_; }
  KdfId kdf() const { return kdf_; }
  AeadAlg aead() const { return aead_; }

  struct SenderSetup {
    Bytes enc;
    SecureBytes shared_secret;
    Context context;
  };
  // SetupBaseS / SetupPSKS / SetupAuthS / SetupAuthPSKS with a given ephemeral
  // key pair; `sender` is required in the auth modes and refused otherwise.
  SenderSetup setup_sender(const SetupParams& p, ByteView pkR, const KeyPair& ephemeral,
                           const KeyPair* sender = nullptr) const;
  SenderSetup setup_sender(const SetupParams& p, ByteView pkR, Botan::RandomNumberGenerator& rng,
                           const KeyPair* sender = nullptr) const;
  // SetupBaseR / ... ; `pkS` is required in the auth modes and refused otherwise.
  Context setup_receiver(const SetupParams& p, ByteView enc, const KeyPair& recipient,
                         std::optional<ByteView> pkS = std::nullopt) const;
  // §5.1 KeySchedule<ROLE>(mode, shared_secret, info, psk, psk_id)
  Context key_schedule(const SetupParams& p, ByteView shared_secret) const;

  // §6.1 single-shot SealBase / OpenBase.
  std::pair<Bytes, Bytes> seal_base(ByteView pkR, ByteView info, ByteView aad, ByteView plaintext,
                                    Botan::RandomNumberGenerator& rng) const;
  SecureBytes open_base(ByteView enc, const KeyPair& recipient, ByteView info, ByteView aad,
                        ByteView ciphertext) const;

 private:
  SecureBytes labeled_extract(ByteView salt, std::string_view label, ByteView ikm) const;
  SecureBytes labeled_expand(ByteView prk, std::string_view label, ByteView info,
                             size_t length) const;

  Kem kem_;
  KdfId kdf_;
  AeadAlg aead_;
  HashAlg hash_;
  Bytes suite_id_;
};

}  // namespace mlsref::hpke
