// The cryptographic primitives under RFC 9420 §5.1 (cipher suites) and RFC 9180
// §7 (algorithm identifiers): hash, HMAC, HKDF, AEAD, Diffie-Hellman groups and
// signature schemes. Botan 2 provides all of them except X448 and Ed448, which
// come from OpenSSL 3 behind the same functions.
//
// Key encodings are the ones MLS uses (RFC 9420 §5.1.1, RFC 9180 §7.1.1):
// NIST public keys as uncompressed points, X25519/X448/EdDSA keys raw,
// NIST private keys as fixed-length big-endian scalars, EdDSA private keys as
// their RFC 8032 seed. ECDSA signatures are DER (RFC 9420 §5.1.2).
#pragma once

#include <botan/rng.h>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include "presentation_language.h"

namespace mlsref {

enum class HashAlg { sha256, sha384, sha512 };
size_t hash_size(HashAlg h);
std::string_view to_string(HashAlg h);

Bytes hash(HashAlg h, ByteView data);
SecureBytes hmac(HashAlg h, ByteView key, ByteView data);
// RFC 5869 HKDF-Extract / HKDF-Expand.
SecureBytes hkdf_extract(HashAlg h, ByteView salt, ByteView ikm);
SecureBytes hkdf_expand(HashAlg h, ByteView prk, ByteView info, size_t length);

// AEAD identifiers of RFC 9180 §7.3.
enum class AeadAlg : uint16_t {
  aes_128_gcm = 0x0001,
  aes_256_gcm = 0x0002,
  chacha20_poly1305 = 0x0003,
  export_only = 0xffff,
};
bool is_known(AeadAlg a);
std::string_view to_string(AeadAlg a);
size_t aead_key_size(AeadAlg a);    // Nk
size_t aead_nonce_size(AeadAlg a);  // Nn
size_t aead_tag_size(AeadAlg a);    // Nt
Bytes aead_seal(AeadAlg a, ByteView key, ByteView nonce, ByteView aad, ByteView plaintext);
// Error{crypto} when the tag does not verify. The plaintext is returned in
// zeroizing memory: it may carry secrets (RFC 9420 §12.4.3.1 GroupSecrets,
// §7.6 path secrets).
SecureBytes aead_open(AeadAlg a, ByteView key, ByteView nonce, ByteView aad, ByteView ciphertext);

// The Diffie-Hellman groups under the DHKEMs of RFC 9180 §7.1.
enum class DhGroup { p256, p384, p521, x25519, x448 };
std::string_view to_string(DhGroup g);
size_t dh_public_size(DhGroup g);   // Npk
size_t dh_private_size(DhGroup g);  // Nsk
size_t dh_secret_size(DhGroup g);   // Ndh
bool dh_is_nist(DhGroup g);
// For the NIST curves: whether a candidate scalar is in [1, order) (RFC 9180 §7.1.3).
bool dh_scalar_in_range(DhGroup g, ByteView sk);
// SerializePublicKey(pk(sk)). Error{crypto} for a private key out of range.
Bytes dh_public_key(DhGroup g, ByteView sk);
// Whether `pk` is a SerializePublicKey output of the group (RFC 9180 §7.1.1):
// Npk bytes; for the NIST curves an uncompressed point on the curve.
bool dh_public_key_valid(DhGroup g, ByteView pk);
// DH(sk, pk): Error{crypto} for an invalid public key or an all-zero result
// (RFC 9180 §7.1.4).
SecureBytes dh(DhGroup g, ByteView sk, ByteView pk);

// SignatureScheme values of RFC 8446 used by RFC 9420 §17.1.
enum class SignatureScheme : uint16_t {
  ecdsa_secp256r1_sha256 = 0x0403,
  ecdsa_secp384r1_sha384 = 0x0503,
  ecdsa_secp521r1_sha512 = 0x0603,
  ed25519 = 0x0807,
  ed448 = 0x0808,
};
bool is_known(SignatureScheme s);
std::string_view to_string(SignatureScheme s);
size_t signature_private_size(SignatureScheme s);
size_t signature_public_size(SignatureScheme s);
// A fresh private key drawn from `rng` (deterministic for a deterministic rng).
SecureBytes signature_generate(SignatureScheme s, Botan::RandomNumberGenerator& rng);
Bytes signature_public_key(SignatureScheme s, ByteView sk);
// Deterministic: EdDSA by definition, ECDSA with RFC 6979 nonces.
Bytes sign(SignatureScheme s, ByteView sk, ByteView message);
// Signature.Verify. Throws Error{decode, "5.1.1"} for a public key that is not
// a key of the scheme, and Error{crypto, section} when the signature does not
// verify or is malformed; `section` names the rule that asked for the check
// and `what` the signature in the message.
void verify(SignatureScheme s, ByteView pk, ByteView message, ByteView signature,
            std::string_view section = "5.1.2", std::string_view what = "signature");
// The same, when the check enforces a requirement of spec/requirements.yaml:
// Error{crypto, rule} when the signature does not verify.
void verify(SignatureScheme s, ByteView pk, ByteView message, ByteView signature,
            const Requirement& rule, std::string_view what = "signature");

// Constant-time equality for secrets and tags.
bool constant_time_equal(ByteView a, ByteView b);

// The process's system RNG, for callers that do not inject one.
Botan::RandomNumberGenerator& system_rng();

// ---------------------------------------------------------------- operation counts
// Every call of the functions above is counted, by operation and algorithm, in
// counters of the calling thread (`mlsref verify --stats`). A counter is a
// plain increment of thread-local memory: nothing is shared between threads.
enum class PrimitiveOp : uint8_t {
  dh,              // dh()
  key_derivation,  // hkdf_extract(), hkdf_expand()
  key_generation,  // dh_public_key(), signature_public_key(), signature_generate()
  sign,
  verify,
  aead_seal,
  aead_open,
  hash,
  hmac,
};
inline constexpr size_t kPrimitiveOps = 9;
std::string_view to_string(PrimitiveOp op);

// The algorithms counts are kept by: hashes, AEADs, DH groups, signature schemes.
inline constexpr size_t kPrimitiveAlgs = 16;
std::string_view primitive_alg_name(size_t alg);  // "SHA-256", "P-521", "ed25519", ...

struct PrimitiveCounts {
  using Table = std::array<std::array<uint64_t, kPrimitiveAlgs>, kPrimitiveOps>;  // [op][alg]
  Table n{};
  // The input bytes of the operations whose cost grows with their input: the
  // data of hash and hmac; the HMAC inputs of key_derivation (HKDF-Extract's
  // IKM, HKDF-Expand's infos, counters and earlier blocks); the associated
  // data and plaintext (or ciphertext) of aead_seal and aead_open. Zero for
  // the other operations, whose cost is their public-key arithmetic.
  Table bytes{};

  uint64_t of(PrimitiveOp op) const;
  uint64_t total() const;
  PrimitiveCounts& operator+=(const PrimitiveCounts& o);
  PrimitiveCounts& operator-=(const PrimitiveCounts& o);
  bool operator==(const PrimitiveCounts&) const = default;
};

// What the calling thread has run since it started (never reset: callers take
// the difference of two readings).
const PrimitiveCounts& thread_primitive_counts();

// ---------------------------------------------------------------- backends
// Each primitive runs on Botan 2 or on OpenSSL 3, except HKDF, which runs on
// Botan (primitives_openssl.h says why). `automatic` takes, per operation and
// algorithm, the library measured faster on this machine (README
// "Benchmarks"); `botan` and `openssl` force one library wherever it has the
// primitive: X448 and Ed448 exist only in OpenSSL here, and ECDSA signing
// stays on Botan, whose RFC 6979 nonces make signatures (and so `mlsref
// generate`) deterministic, which OpenSSL 3.0 cannot do.
enum class Backend : uint8_t { botan, openssl };
enum class BackendChoice : uint8_t { automatic, botan, openssl };
std::string_view to_string(Backend b);
std::string_view to_string(BackendChoice c);
// "auto", "botan" or "openssl".
std::optional<BackendChoice> parse_backend_choice(std::string_view s);
// Process-wide; at first use $MLSREF_BACKEND (auto when unset; another value
// is an Error{internal}), until set_backend_choice.
BackendChoice backend_choice();
void set_backend_choice(BackendChoice c);
// The library that runs `op` on algorithm `alg` (see primitive_alg_name) now.
Backend backend_for(PrimitiveOp op, size_t alg);

}  // namespace mlsref

namespace mlsref {

// ---------------------------------------------------------------- per-case memo
// While a PrimitiveCache lives on a thread, that thread's deterministic
// public-key operations are computed once: dh, dh_public_key,
// signature_public_key, and verify when it succeeds (a failure is always
// recomputed, so it throws exactly as before). `mlsref verify` opens one per
// test case: the key pair that every receiver of an UpdatePath derives from
// one path secret, or the leaf signature each of them checks, is computed
// once. An entry is found by the SHA-256 of the operation's inputs, so a
// lookup compares digests, never secrets; values that are secrets sit in
// zeroizing memory, cleared when the cache ends. At most `capacity` entries
// are kept (later results are not stored). Only operations actually run are
// counted (thread_primitive_counts).
class PrimitiveCache {
 public:
  explicit PrimitiveCache(size_t capacity = 1 << 14);
  ~PrimitiveCache();
  PrimitiveCache(const PrimitiveCache&) = delete;
  PrimitiveCache& operator=(const PrimitiveCache&) = delete;

  uint64_t hits() const;  // operations answered from the cache

  struct State;

 private:
  std::unique_ptr<State> state_;
  State* outer_;
};

// Process-wide (`mlsref verify --no-cache`): while false, a PrimitiveCache
// made stores nothing. True initially.
void set_primitive_cache_enabled(bool enabled);
bool primitive_cache_enabled();

}  // namespace mlsref
