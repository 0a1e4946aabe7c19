// Primitives under RFC 9420 §5.1 and RFC 9180 §7, over Botan 2 and, where it
// is faster or Botan lacks them, OpenSSL 3 (primitives_openssl.cpp).
#include "primitives.h"

#include <botan/aead.h>
#include <botan/bigint.h>
#include <botan/curve25519.h>
#include <botan/ec_group.h>
#include <botan/ecdsa.h>
#include <botan/ed25519.h>
#include <botan/hash.h>
#include <botan/hkdf.h>
#include <botan/mac.h>
#include <botan/mem_ops.h>
#include <botan/pubkey.h>
#include <botan/system_rng.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <unordered_map>

#include "primitives_openssl.h"
#include "requirement_ids.h"
#include "rule_switch.h"

namespace mlsref {

namespace {

// The size of a key or nonce the caller gives as its own (a private key, an
// AEAD key or nonce from the key schedule): never peer input, so a wrong size
// is a request mlsref cannot carry out, not a rule of the RFC.
void require_own_size(ByteView b, size_t n, const std::string& what, const std::string& section) {
  if (b.size() != n) {
    throw Error(ErrorKind::usage, section,
                what + " is " + std::to_string(b.size()) + " bytes, expected " + std::to_string(n));
  }
}

// Botan's names are the ones to_string(HashAlg) gives.
std::string botan_hash_name(HashAlg h) { return std::string(to_string(h)); }

// ---------------------------------------------------------------- operation counts

thread_local PrimitiveCounts counts;

// Algorithm indexes of PrimitiveCounts: hashes 0-2, AEADs 3-5, DH groups 6-10,
// signature schemes 11-15.
size_t alg_index(HashAlg h) { return static_cast<size_t>(h); }
size_t alg_index(AeadAlg a) {
  switch (a) {
    case AeadAlg::aes_128_gcm:
      return 3;
    case AeadAlg::aes_256_gcm:
      return 4;
    default:
      return 5;
  }
}
size_t alg_index(DhGroup g) { return 6 + static_cast<size_t>(g); }
static_assert(static_cast<size_t>(DhGroup::x448) == 4);
size_t alg_index(SignatureScheme s) {
  switch (s) {
    case SignatureScheme::ecdsa_secp256r1_sha256:
      return 11;
    case SignatureScheme::ecdsa_secp384r1_sha384:
      return 12;
    case SignatureScheme::ecdsa_secp521r1_sha512:
      return 13;
    case SignatureScheme::ed25519:
      return 14;
    default:
      return 15;
  }
}

template <class Alg>
void count(PrimitiveOp op, Alg alg, size_t input_bytes = 0) {
  ++counts.n[static_cast<size_t>(op)][alg_index(alg)];
  counts.bytes[static_cast<size_t>(op)][alg_index(alg)] += input_bytes;
}

}  // namespace

std::string_view to_string(PrimitiveOp op) {
  switch (op) {
    case PrimitiveOp::dh:
      return "dh";
    case PrimitiveOp::key_derivation:
      return "key_derivation";
    case PrimitiveOp::key_generation:
      return "key_generation";
    case PrimitiveOp::sign:
      return "sign";
    case PrimitiveOp::verify:
      return "verify";
    case PrimitiveOp::aead_seal:
      return "aead_seal";
    case PrimitiveOp::aead_open:
      return "aead_open";
    case PrimitiveOp::hash:
      return "hash";
    case PrimitiveOp::hmac:
      return "hmac";
  }
  return "?";
}

std::string_view primitive_alg_name(size_t alg) {
  static constexpr std::array<std::string_view, kPrimitiveAlgs> names{"SHA-256",
                                                                      "SHA-384",
                                                                      "SHA-512",
                                                                      "AES-128-GCM",
                                                                      "AES-256-GCM",
                                                                      "ChaCha20Poly1305",
                                                                      "P-256",
                                                                      "P-384",
                                                                      "P-521",
                                                                      "X25519",
                                                                      "X448",
                                                                      "ecdsa_secp256r1_sha256",
                                                                      "ecdsa_secp384r1_sha384",
                                                                      "ecdsa_secp521r1_sha512",
                                                                      "ed25519",
                                                                      "ed448"};
  return alg < names.size() ? names[alg] : "?";
}

uint64_t PrimitiveCounts::of(PrimitiveOp op) const {
  uint64_t sum = 0;
  for (uint64_t x : n[static_cast<size_t>(op)]) {
    sum += x;
  }
  return sum;
}

uint64_t PrimitiveCounts::total() const {
  uint64_t sum = 0;
  for (size_t op = 0; op < kPrimitiveOps; ++op) {
    sum += of(static_cast<PrimitiveOp>(op));
  }
  return sum;
}

PrimitiveCounts& PrimitiveCounts::operator+=(const PrimitiveCounts& o) {
  for (size_t op = 0; op < kPrimitiveOps; ++op) {
    for (size_t a = 0; a < kPrimitiveAlgs; ++a) {
      n[op][a] += o.n[op][a];
      bytes[op][a] += o.bytes[op][a];
    }
  }
  return *this;
}

PrimitiveCounts& PrimitiveCounts::operator-=(const PrimitiveCounts& o) {
  for (size_t op = 0; op < kPrimitiveOps; ++op) {
    for (size_t a = 0; a < kPrimitiveAlgs; ++a) {
      n[op][a] -= o.n[op][a];
      bytes[op][a] -= o.bytes[op][a];
    }
  }
  return *this;
}

const PrimitiveCounts& thread_primitive_counts() { return counts; }

// ---------------------------------------------------------------- backends

std::string_view to_string(Backend b) { return b == Backend::botan ? "botan" : "openssl"; }

std::string_view to_string(BackendChoice c) {
  switch (c) {
    case BackendChoice::automatic:
      return "auto";
    case BackendChoice::botan:
      return "botan";
    case BackendChoice::openssl:
      return "openssl";
  }
  return "?";
}

std::optional<BackendChoice> parse_backend_choice(std::string_view s) {
  for (BackendChoice c : {BackendChoice::automatic, BackendChoice::botan, BackendChoice::openssl}) {
    if (s == to_string(c)) {
      return c;
    }
  }
  return std::nullopt;
}

namespace {
// -1 until read from $MLSREF_BACKEND; constant-initialized, so usable from
// any static initializer.
std::atomic<int> backend_choice_value{-1};

enum Alg : size_t {
  sha256 = 0,
  sha384,
  sha512,
  aes_128_gcm,
  aes_256_gcm,
  chacha20_poly1305,
  p256,
  p384,
  p521,
  x25519,
  x448,
  ecdsa_p256 = 11,
  ecdsa_p384,
  ecdsa_p521,
  ed25519,
  ed448,
};
static_assert(chacha20_poly1305 == 5 && p256 == 6, "the indexes of alg_index");

// Which library has `op` on `alg`: Botan has no X448 or Ed448, and OpenSSL
// no deterministic ECDSA signing (see primitives.h); HKDF is Botan's only
// (primitives_openssl.h says why).
bool botan_has(PrimitiveOp, size_t alg) { return alg != x448 && alg != ed448; }
bool openssl_has(PrimitiveOp op, size_t alg) {
  switch (op) {
    case PrimitiveOp::dh:
    case PrimitiveOp::key_generation:
    case PrimitiveOp::verify:
      return alg >= p256;
    case PrimitiveOp::sign:
      return alg == ed25519 || alg == ed448;
    case PrimitiveOp::hash:
    case PrimitiveOp::hmac:
      return alg <= sha512;
    case PrimitiveOp::aead_seal:
    case PrimitiveOp::aead_open:
      return alg >= aes_128_gcm && alg <= chacha20_poly1305;
    default:
      return false;
  }
}

// The automatic choice, from the per-operation CPU times of `make bench`
// (BM_Primitive, README "Benchmarks"): OpenSSL for P-256 and P-521, whose
// dedicated code is 3-9x (P-256) and 2-3x (P-521) faster than Botan's here;
// for the AEADs (AES-GCM 1.5-3x; ChaCha20Poly1305 equal at 100 bytes, 3-4x
// at 4096), for SHA-384 and SHA-512, hash (1.1-1.4x) and HMAC (1.3-1.7x);
// for Ed25519 verification (1.2x) and X25519 key generation (1.3-1.6x).
// Botan wherever it is as fast: P-384 (OpenSSL 3.0's generic code is slower,
// 5x for key generation), X25519 DH (Botan 1.7x faster as measured, where
// OpenSSL's figure includes recomputing the public key), Ed25519 key
// generation and signing (equal within the noise), SHA-256, hash (1.5x
// faster at 100 bytes, equal at 4096) and HMAC (1.2x).
Backend automatic_backend(PrimitiveOp op, size_t alg) {
  if (!openssl_has(op, alg)) {
    return Backend::botan;
  }
  if (!botan_has(op, alg)) {
    return Backend::openssl;
  }
  switch (op) {
    case PrimitiveOp::hash:
    case PrimitiveOp::hmac:
      return alg == sha256 ? Backend::botan : Backend::openssl;
    case PrimitiveOp::aead_seal:
    case PrimitiveOp::aead_open:
      return Backend::openssl;
    default:
      break;
  }
  switch (alg) {
    case p256:
    case p521:
    case ecdsa_p256:
    case ecdsa_p521:
      return Backend::openssl;
    case x25519:
      return op == PrimitiveOp::key_generation ? Backend::openssl : Backend::botan;
    case ed25519:
      return op == PrimitiveOp::verify ? Backend::openssl : Backend::botan;
    default:
      return Backend::botan;
  }
}
}  // namespace

BackendChoice backend_choice() {
  int c = backend_choice_value.load(std::memory_order_relaxed);
  if (c < 0) {
    const char* env = std::getenv("MLSREF_BACKEND");
    std::optional<BackendChoice> parsed =
        env == nullptr || *env == '\0' ? BackendChoice::automatic : parse_backend_choice(env);
    if (!parsed) {
      throw Error(ErrorKind::internal, "5.1",
                  std::string("MLSREF_BACKEND is '") + env + "', not auto, botan or openssl");
    }
    int expected = -1;
    backend_choice_value.compare_exchange_strong(expected, static_cast<int>(*parsed));
    c = backend_choice_value.load(std::memory_order_relaxed);
  }
  return static_cast<BackendChoice>(c);
}

void set_backend_choice(BackendChoice c) {
  backend_choice_value.store(static_cast<int>(c), std::memory_order_relaxed);
}

Backend backend_for(PrimitiveOp op, size_t alg) {
  switch (backend_choice()) {
    case BackendChoice::botan:
      return botan_has(op, alg) ? Backend::botan : Backend::openssl;
    case BackendChoice::openssl:
      return openssl_has(op, alg) ? Backend::openssl : Backend::botan;
    case BackendChoice::automatic:
      break;
  }
  return automatic_backend(op, alg);
}

// ---------------------------------------------------------------- per-case memo

using Digest = std::array<uint8_t, 32>;
struct DigestHash {
  size_t operator()(const Digest& d) const {
    size_t h;
    std::memcpy(&h, d.data(), sizeof h);
    return h;
  }
};

struct PrimitiveCache::State {
  size_t capacity;
  uint64_t hits = 0;
  // Values that are secrets (DH outputs) are zeroized with the map.
  std::unordered_map<Digest, SecureBytes, DigestHash> entries;
};

namespace {
std::atomic<bool> cache_enabled{true};
thread_local PrimitiveCache::State* current_cache = nullptr;

enum MemoTag : uint8_t { kMemoDh = 1, kMemoDhPublicKey, kMemoSignaturePublicKey, kMemoVerify };

// SHA-256(tag || alg || for each input: uint64 length || input), through
// Botan directly (not a counted operation).
Digest memo_key(MemoTag tag, size_t alg, std::initializer_list<ByteView> inputs) {
  thread_local std::unique_ptr<Botan::HashFunction> sha =
      Botan::HashFunction::create_or_throw("SHA-256");
  const uint8_t head[2] = {tag, static_cast<uint8_t>(alg)};
  sha->update(head, sizeof head);
  for (ByteView in : inputs) {
    sha->update_be(static_cast<uint64_t>(in.size()));
    sha->update(in.data(), in.size());
  }
  Digest d;
  sha->final(d.data());
  return d;
}

// compute() when no cache is open on this thread; otherwise the stored result
// of the same operation on the same inputs, or compute() stored. compute()
// throws for inputs it refuses, and then nothing is stored.
template <class Out, class Compute>
Out memoized(MemoTag tag, size_t alg, std::initializer_list<ByteView> inputs, Compute&& compute) {
  PrimitiveCache::State* cache = current_cache;
  if (cache == nullptr) {
    return compute();
  }
  Digest key = memo_key(tag, alg, inputs);
  if (auto it = cache->entries.find(key); it != cache->entries.end()) {
    ++cache->hits;
    return Out(it->second.begin(), it->second.end());
  }
  Out out = compute();
  if (cache->entries.size() < cache->capacity) {
    cache->entries.emplace(key, SecureBytes(out.begin(), out.end()));
  }
  return out;
}
}  // namespace

PrimitiveCache::PrimitiveCache(size_t capacity) : outer_(current_cache) {
  if (cache_enabled.load(std::memory_order_relaxed)) {
    state_ = std::make_unique<State>();
    state_->capacity = capacity;
    current_cache = state_.get();
  }
}

PrimitiveCache::~PrimitiveCache() {
  if (state_) {
    current_cache = outer_;
  }
}

uint64_t PrimitiveCache::hits() const { return state_ ? state_->hits : 0; }

void set_primitive_cache_enabled(bool enabled) {
  cache_enabled.store(enabled, std::memory_order_relaxed);
}
bool primitive_cache_enabled() { return cache_enabled.load(std::memory_order_relaxed); }

// ---------------------------------------------------------------- hash, KDF

size_t hash_size(HashAlg h) {
  switch (h) {
    case HashAlg::sha256:
      return 32;
    case HashAlg::sha384:
      return 48;
    case HashAlg::sha512:
      return 64;
  }
  return 0;
}

std::string_view to_string(HashAlg h) {
  switch (h) {
    case HashAlg::sha256:
      return "SHA-256";
    case HashAlg::sha384:
      return "SHA-384";
    case HashAlg::sha512:
      return "SHA-512";
  }
  return "?";
}

namespace {
// Botan's objects for one hash function, made once per thread: making one by
// name costs more than hashing 100 bytes. An HMAC's key is cleared (zeroized)
// after every use, so no key outlives the call that gave it.
struct HashObjects {
  std::unique_ptr<Botan::HashFunction> hash;
  std::unique_ptr<Botan::MessageAuthenticationCode> hmac;
  Botan::MessageAuthenticationCode* extract_hmac;  // owned by `extract`
  std::unique_ptr<Botan::HKDF_Extract> extract;
  Botan::MessageAuthenticationCode* expand_hmac;  // owned by `expand`
  std::unique_ptr<Botan::HKDF_Expand> expand;

  explicit HashObjects(HashAlg h) {
    std::string name = botan_hash_name(h);
    hash = Botan::HashFunction::create_or_throw(name);
    hmac = Botan::MessageAuthenticationCode::create_or_throw("HMAC(" + name + ")");
    auto m = Botan::MessageAuthenticationCode::create_or_throw("HMAC(" + name + ")");
    extract_hmac = m.get();
    extract = std::make_unique<Botan::HKDF_Extract>(m.release());
    m = Botan::MessageAuthenticationCode::create_or_throw("HMAC(" + name + ")");
    expand_hmac = m.get();
    expand = std::make_unique<Botan::HKDF_Expand>(m.release());
  }
};

HashObjects& hash_objects(HashAlg h) {
  thread_local std::array<std::unique_ptr<HashObjects>, 3> objects;
  std::unique_ptr<HashObjects>& o = objects.at(alg_index(h));
  if (!o) {
    o = std::make_unique<HashObjects>(h);
  }
  return *o;
}

// Clears the key of an HMAC or AEAD when the scope ends, thrown out of or not.
template <class Keyed>
struct ClearKeyAfterUse {
  Keyed& keyed;
  ~ClearKeyAfterUse() { keyed.clear(); }
};
}  // namespace

Bytes hash(HashAlg h, ByteView data) {
  count(PrimitiveOp::hash, h, data.size());
  if (backend_for(PrimitiveOp::hash, alg_index(h)) == Backend::openssl) {
    return openssl::hash(h, data);
  }
  Botan::HashFunction& f = *hash_objects(h).hash;
  f.update(data.data(), data.size());
  return f.final_stdvec();
}

SecureBytes hmac(HashAlg h, ByteView key, ByteView data) {
  count(PrimitiveOp::hmac, h, data.size());
  if (backend_for(PrimitiveOp::hmac, alg_index(h)) == Backend::openssl) {
    return openssl::hmac(h, key, data);
  }
  Botan::MessageAuthenticationCode& mac = *hash_objects(h).hmac;
  ClearKeyAfterUse<Botan::MessageAuthenticationCode> clear{mac};
  mac.set_key(key.data(), key.size());
  mac.update(data.data(), data.size());
  return mac.final();
}

SecureBytes hkdf_extract(HashAlg h, ByteView salt, ByteView ikm) {
  // HMAC-Hash(salt, IKM): the input is IKM.
  count(PrimitiveOp::key_derivation, h, ikm.size());
  HashObjects& o = hash_objects(h);
  ClearKeyAfterUse<Botan::MessageAuthenticationCode> clear{*o.extract_hmac};
  SecureBytes prk(hash_size(h));
  o.extract->kdf(prk.data(), prk.size(), ikm.data(), ikm.size(), salt.data(), salt.size(), nullptr,
                 0);
  return prk;
}

SecureBytes hkdf_expand(HashAlg h, ByteView prk, ByteView info, size_t length) {
  // T(i) = HMAC-Hash(PRK, T(i-1) | info | i) for the N blocks of the output:
  // the inputs are N infos and counters and N-1 earlier blocks.
  size_t blocks = (length + hash_size(h) - 1) / hash_size(h);
  count(PrimitiveOp::key_derivation, h,
        blocks == 0 ? 0 : blocks * (info.size() + 1) + (blocks - 1) * hash_size(h));
  // RFC 5869 §2.3: L <= 255*HashLen. The caller asks for L: a longer output is a
  // request mlsref cannot carry out.
  if (length > 255 * hash_size(h)) {
    throw Error(ErrorKind::usage, "5.1",
                "HKDF-Expand length " + std::to_string(length) + " exceeds 255*Nh");
  }
  if (length == 0) {
    return {};
  }
  HashObjects& o = hash_objects(h);
  ClearKeyAfterUse<Botan::MessageAuthenticationCode> clear{*o.expand_hmac};
  SecureBytes okm(length);
  // Botan's HKDF_Expand takes info as salt || label.
  o.expand->kdf(okm.data(), okm.size(), prk.data(), prk.size(), info.data(), info.size(), nullptr,
                0);
  return okm;
}

// ---------------------------------------------------------------- AEAD

bool is_known(AeadAlg a) {
  switch (a) {
    case AeadAlg::aes_128_gcm:
    case AeadAlg::aes_256_gcm:
    case AeadAlg::chacha20_poly1305:
    case AeadAlg::export_only:
      return true;
  }
  return false;
}

std::string_view to_string(AeadAlg a) {
  switch (a) {
    case AeadAlg::aes_128_gcm:
      return "AES-128-GCM";
    case AeadAlg::aes_256_gcm:
      return "AES-256-GCM";
    case AeadAlg::chacha20_poly1305:
      return "ChaCha20Poly1305";
    case AeadAlg::export_only:
      return "Export-only";
  }
  return "?";
}

size_t aead_key_size(AeadAlg a) {
  switch (a) {
    case AeadAlg::aes_128_gcm:
      return 16;
    case AeadAlg::aes_256_gcm:
    case AeadAlg::chacha20_poly1305:
      return 32;
    case AeadAlg::export_only:
      return 0;
  }
  return 0;
}

size_t aead_nonce_size(AeadAlg a) { return a == AeadAlg::export_only ? 0 : 12; }
size_t aead_tag_size(AeadAlg a) { return a == AeadAlg::export_only ? 0 : 16; }

namespace {
// RFC 9180 §5.2: the export-only AEAD has no Seal or Open; asking it to seal
// or open is a request mlsref cannot carry out.
void require_sealing(AeadAlg a) {
  if (a == AeadAlg::export_only || !is_known(a)) {
    throw Error(ErrorKind::usage, "9180 5.2", "the export-only AEAD cannot seal or open");
  }
}

std::unique_ptr<Botan::AEAD_Mode> make_aead_mode(AeadAlg a, Botan::Cipher_Dir dir) {
  switch (a) {
    case AeadAlg::aes_128_gcm:
      return Botan::AEAD_Mode::create_or_throw("AES-128/GCM", dir);
    case AeadAlg::aes_256_gcm:
      return Botan::AEAD_Mode::create_or_throw("AES-256/GCM", dir);
    case AeadAlg::chacha20_poly1305:
      return Botan::AEAD_Mode::create_or_throw("ChaCha20Poly1305", dir);
    case AeadAlg::export_only:
      break;
  }
  throw Error(ErrorKind::internal, "5.1", "not an AEAD that seals (require_sealing comes first)");
}

// The thread's Botan object for `a` in direction `dir`, made once and keyed
// for each call (its key cleared after: ClearKeyAfterUse).
Botan::AEAD_Mode& aead_mode(AeadAlg a, Botan::Cipher_Dir dir) {
  thread_local std::array<std::unique_ptr<Botan::AEAD_Mode>, 6> modes;
  std::unique_ptr<Botan::AEAD_Mode>& m =
      modes.at((alg_index(a) - aes_128_gcm) * 2 + (dir == Botan::ENCRYPTION ? 0 : 1));
  if (!m) {
    m = make_aead_mode(a, dir);
  }
  return *m;
}

void check_aead_inputs(AeadAlg a, ByteView key, ByteView nonce) {
  require_own_size(key, aead_key_size(a), "AEAD key", "5.1");
  require_own_size(nonce, aead_nonce_size(a), "AEAD nonce", "5.1");
}
}  // namespace

Bytes aead_seal(AeadAlg a, ByteView key, ByteView nonce, ByteView aad, ByteView plaintext) {
  require_sealing(a);  // export-only: not counted
  count(PrimitiveOp::aead_seal, a, aad.size() + plaintext.size());
  check_aead_inputs(a, key, nonce);
  if (backend_for(PrimitiveOp::aead_seal, alg_index(a)) == Backend::openssl) {
    return openssl::aead_seal(a, key, nonce, aad, plaintext);
  }
  Botan::AEAD_Mode& mode = aead_mode(a, Botan::ENCRYPTION);
  ClearKeyAfterUse<Botan::AEAD_Mode> clear{mode};
  mode.set_key(key.data(), key.size());
  mode.set_associated_data(aad.data(), aad.size());
  mode.start(nonce.data(), nonce.size());
  Botan::secure_vector<uint8_t> buf(plaintext.begin(), plaintext.end());
  mode.finish(buf);
  return Bytes(buf.begin(), buf.end());
}

SecureBytes aead_open(AeadAlg a, ByteView key, ByteView nonce, ByteView aad, ByteView ciphertext) {
  require_sealing(a);
  count(PrimitiveOp::aead_open, a, aad.size() + ciphertext.size());
  check_aead_inputs(a, key, nonce);
  // RFC 9180 §4 [H4-i1]: Open fails on a ciphertext that is not sealed under this key,
  // nonce and aad, and on one too short to hold the tag
  //    `Open(key, nonce, aad, ct)`: Decrypt ciphertext and tag `ct` using
  //    associated data `aad` with symmetric key `key` and nonce `nonce`,
  //    returning plaintext message `pt`. This function can raise an
  //    `OpenError` or `MessageLimitReachedError` upon failure.
  // Not switchable (ref/rule_switch.h): there is no plaintext to return.
  if (ciphertext.size() < aead_tag_size(a)) {
    throw Error(ErrorKind::crypto, req::H4_i1,
                "AEAD ciphertext of " + std::to_string(ciphertext.size()) +
                    " bytes is shorter than the tag");
  }
  auto tag_fails = [&] {
    // H4-i1, as above. Not switchable (ref/rule_switch.h): there is no plaintext to return.
    return Error(ErrorKind::crypto, req::H4_i1,
                 std::string(to_string(a)) + " authentication tag does not verify");
  };
  if (backend_for(PrimitiveOp::aead_open, alg_index(a)) == Backend::openssl) {
    std::optional<SecureBytes> pt = openssl::aead_open(a, key, nonce, aad, ciphertext);
    if (!pt) {
      throw tag_fails();
    }
    return std::move(*pt);
  }
  Botan::AEAD_Mode& mode = aead_mode(a, Botan::DECRYPTION);
  ClearKeyAfterUse<Botan::AEAD_Mode> clear{mode};
  mode.set_key(key.data(), key.size());
  mode.set_associated_data(aad.data(), aad.size());
  mode.start(nonce.data(), nonce.size());
  Botan::secure_vector<uint8_t> buf(ciphertext.begin(), ciphertext.end());
  try {
    mode.finish(buf);
  } catch (const Botan::Invalid_Authentication_Tag&) {
    throw tag_fails();
  }
  return buf;
}

// ---------------------------------------------------------------- Diffie-Hellman

namespace {
const Botan::EC_Group& ec_group(DhGroup g) {
  static const Botan::EC_Group p256("secp256r1");
  static const Botan::EC_Group p384("secp384r1");
  static const Botan::EC_Group p521("secp521r1");
  switch (g) {
    case DhGroup::p256:
      return p256;
    case DhGroup::p384:
      return p384;
    case DhGroup::p521:
      return p521;
    default:
      throw Error(ErrorKind::internal, "5.1", "not a NIST curve");
  }
}

size_t field_size(DhGroup g) {
  switch (g) {
    case DhGroup::p256:
      return 32;
    case DhGroup::p384:
      return 48;
    case DhGroup::p521:
      return 66;
    case DhGroup::x25519:
      return 32;
    case DhGroup::x448:
      return 56;
  }
  return 0;
}

// Whose private scalar it is: a DHKEM's (RFC 9180 §7.1.2) or an ECDSA signer's
// (RFC 9420 §5.1.2).
enum class ScalarOf { dh, signature };

// A private key is the caller's own, never peer input: a wrong size is a request
// mlsref cannot carry out.
Botan::BigInt nist_scalar(DhGroup g, ByteView sk, ScalarOf of) {
  const std::string section = of == ScalarOf::dh ? "9180 7.1.2" : "5.1.2";
  require_own_size(sk, dh_private_size(g), std::string(to_string(g)) + " private key", section);
  Botan::BigInt x = Botan::BigInt::decode(sk.data(), sk.size());
  if (!x.is_zero() && x < ec_group(g).get_order()) {
    return x;
  }
  const std::string message =
      std::string(to_string(g)) + " private key is not in the range [1, order)";
  if (of == ScalarOf::signature) {
    throw Error(ErrorKind::usage, section, message);
  }
  // RFC 9180 §7.1.2 [H7.1.2-3]: and an integer of [order, 2^(8*Nsk)) is no element of the
  // scalar field, which DeserializePrivateKey refuses
  //    [...] implementors of DHKEMs SHOULD check that deserialized private keys are not
  //    equivalent to 0 (mod `order`), where `order` is the order of the DH group.
  //    [...] `DeserializePrivateKey()` performs the Octet-String-to-Field-Element conversion
  //    according to {{SECG}}.
  // Not switchable (ref/rule_switch.h): the key pair of a zero scalar has the point at
  // infinity as its public key, which has no SerializePublicKey encoding.
  throw Error(ErrorKind::crypto, req::H7_1_2_3, message);
}

// How a malformed public key is reported: a DH input is a failed key
// agreement (RFC 9180 §7.1.1, §7.1.4, crypto); a signature key is bytes that
// do not decode as a key (RFC 9420 §5.1.1, decode).
struct KeyErrors {
  ErrorKind kind;
  const Requirement& format_rule;  // not an uncompressed point of the right size
  const Requirement& curve_rule;   // not a point of the curve
};
// RFC 9180 §7.1.1 [H7.1.1-i1]: bytes that are no uncompressed point of the curve's size
// deserialize to no public key
//    For P-256, P-384, and P-521, the `SerializePublicKey()` function of the
//    KEM performs the uncompressed Elliptic-Curve-Point-to-Octet-String
//    conversion according to {{SECG}}. `DeserializePublicKey()` performs the
//    uncompressed Octet-String-to-Elliptic-Curve-Point conversion.
// RFC 9180 §7.1.4 [H7.1.4-2]: a point off the curve fails the partial public key validation
//    For P-256, P-384, and P-521, senders and recipients MUST perform partial
//    public key validation on all public key inputs, as defined in Section 5.6.2.3.4
//    of {{keyagreement}}. This includes checking that the coordinates are in the
//    correct range, that the point is on the curve, and that the point is not the
//    point at infinity.
const KeyErrors kDhKeyErrors{ErrorKind::crypto, req::H7_1_1_i1, req::H7_1_4_2};
const KeyErrors kSignatureKeyErrors{ErrorKind::decode, req::R5_1_1_i1, req::R5_1_1_i1};

// RFC 9180 §7.1.1: SerializePublicKey is the uncompressed point (0x04 || x || y).
void check_point_format(DhGroup g, ByteView pk, const KeyErrors& errors) {
  // Not switchable (ref/rule_switch.h): there is no point to compute with.
  if (pk.size() != dh_public_size(g) || pk[0] != 0x04) {
    throw Error(errors.kind, errors.format_rule,
                std::string(to_string(g)) + " public key is not an uncompressed point of " +
                    std::to_string(dh_public_size(g)) + " bytes");
  }
}

[[noreturn]] void off_curve(DhGroup g, const KeyErrors& errors) {
  // Not switchable (ref/rule_switch.h): OpenSSL refuses a point off the curve, and
  // Botan's curve arithmetic is only meant for points on it.
  throw Error(errors.kind, errors.curve_rule,
              std::string(to_string(g)) + " public key is not on the curve");
}

Botan::PointGFp nist_point(DhGroup g, ByteView pk, const KeyErrors& errors = kDhKeyErrors) {
  check_point_format(g, pk, errors);
  try {
    Botan::PointGFp p = ec_group(g).OS2ECP(pk.data(), pk.size());
    if (p.is_zero() || !p.on_the_curve()) {
      off_curve(g, errors);
    }
    return p;
  } catch (const Botan::Exception&) {
    // Botan's decoding error, rethrown as ours.
    off_curve(g, errors);
  }
}

// pk(sk) on a NIST curve, for DH and ECDSA keys alike.
Bytes nist_public_key(DhGroup g, ByteView sk, Backend backend, ScalarOf of) {
  Botan::BigInt x = nist_scalar(g, sk, of);
  if (backend == Backend::openssl) {
    return openssl::ec_public_key(g, sk);
  }
  // Botan's blinded multiplications are the side-channel-hardened ones.
  std::vector<Botan::BigInt> ws;
  Botan::PointGFp p = ec_group(g).blinded_base_point_multiply(x, system_rng(), ws);
  return p.encode(Botan::PointGFp::UNCOMPRESSED);
}
}  // namespace

std::string_view to_string(DhGroup g) {
  switch (g) {
    case DhGroup::p256:
      return "P-256";
    case DhGroup::p384:
      return "P-384";
    case DhGroup::p521:
      return "P-521";
    case DhGroup::x25519:
      return "X25519";
    case DhGroup::x448:
      return "X448";
  }
  return "?";
}

bool dh_is_nist(DhGroup g) {
  return g == DhGroup::p256 || g == DhGroup::p384 || g == DhGroup::p521;
}
size_t dh_public_size(DhGroup g) { return dh_is_nist(g) ? 1 + 2 * field_size(g) : field_size(g); }
size_t dh_private_size(DhGroup g) { return field_size(g); }
size_t dh_secret_size(DhGroup g) { return field_size(g); }

bool dh_scalar_in_range(DhGroup g, ByteView sk) {
  Botan::BigInt x = Botan::BigInt::decode(sk.data(), sk.size());
  return !x.is_zero() && x < ec_group(g).get_order();
}

namespace {
Bytes compute_dh_public_key(DhGroup g, ByteView sk) {
  count(PrimitiveOp::key_generation, g);
  Backend backend = backend_for(PrimitiveOp::key_generation, alg_index(g));
  switch (g) {
    case DhGroup::x25519:
    case DhGroup::x448: {
      require_own_size(sk, dh_private_size(g), std::string(to_string(g)) + " private key",
                       "9180 7.1.2");
      if (backend == Backend::openssl) {
        return openssl::x_public_key(g, sk);
      }
      Bytes pk(32);
      Botan::curve25519_basepoint(pk.data(), sk.data());
      return pk;
    }
    default:
      return nist_public_key(g, sk, backend, ScalarOf::dh);
  }
}
}  // namespace

namespace {
// DH(sk, pk) validates every public key it is given and its output: the
// recipient's pkR (in Encap), the ephemeral pkE (enc, in Decap) and the
// sender's pkS (in AuthDecap) alike. The checks below (H7.1.1-i1, H7.1.4-2 to
// H7.1.4-5) are the validation these sentences ask for:
// RFC 9180 §4.1 [H4.1-2]
//    Senders and recipients MUST validate KEM inputs and outputs as described
//    in {{kem-ids}}.
// RFC 9180 §5.1 [H5.1-1]
//    Senders and recipients MUST validate KEM inputs and outputs as described
//    in {{kem-ids}}.
// RFC 9180 §7.1.1 [H7.1.1-1]
//    Some deserialized public keys MUST be validated before they can be used.
// RFC 9180 §7.1.4 [H7.1.4-1]
//    The following public keys are subject to validation if the group
//    requires public key validation: the sender MUST validate the recipient's
//    public key `pkR`; the recipient MUST validate the ephemeral public key
//    `pkE`; in authenticated modes, the recipient MUST validate the sender's
//    static public key `pkS`.
SecureBytes compute_dh(DhGroup g, ByteView sk, ByteView pk) {
  count(PrimitiveOp::dh, g);
  Backend backend = backend_for(PrimitiveOp::dh, alg_index(g));
  SecureBytes out;
  switch (g) {
    case DhGroup::x25519:
    case DhGroup::x448: {
      require_own_size(sk, dh_private_size(g), std::string(to_string(g)) + " private key",
                       "9180 7.1.2");
      // RFC 9180 §7.1.1 [H7.1.1-i1]: a public key of another length is none
      //    For X25519 and X448, the `SerializePublicKey()` and `DeserializePublicKey()`
      //    functions are the identity function, since these curves already use
      //    fixed-length byte strings for public keys.
      // Not switchable (ref/rule_switch.h): the curve function reads Npk bytes.
      if (pk.size() != dh_public_size(g)) {
        throw Error(ErrorKind::crypto, req::H7_1_1_i1,
                    std::string(to_string(g)) + " public key is " + std::to_string(pk.size()) +
                        " bytes, expected " + std::to_string(dh_public_size(g)));
      }
      if (backend == Backend::openssl) {
        // OpenSSL refuses an all-zero result; reported below as the check does.
        // pk(sk) through dh_public_key: usually already known to the case's
        // cache (HPKE derives or generates the key pair before using it).
        std::optional<SecureBytes> z = openssl::x_dh(g, sk, dh_public_key(g, sk), pk);
        out = z ? std::move(*z) : SecureBytes(dh_secret_size(g), 0);
      } else {
        out.resize(32);
        Botan::curve25519_donna(out.data(), sk.data(), pk.data());
      }
      break;
    }
    default: {
      Botan::BigInt x = nist_scalar(g, sk, ScalarOf::dh);
      if (backend == Backend::openssl) {
        check_point_format(g, pk, kDhKeyErrors);
        std::optional<SecureBytes> z = openssl::ecdh(g, sk, pk);
        if (!z) {
          off_curve(g, kDhKeyErrors);
        }
        out = std::move(*z);
        break;
      }
      Botan::PointGFp q = nist_point(g, pk);
      std::vector<Botan::BigInt> ws;
      Botan::PointGFp s = ec_group(g).blinded_var_point_multiply(q, x, system_rng(), ws);
      // RFC 9180 §7.1.4 [H7.1.4-3]
      //    Additionally, senders and recipients MUST ensure the
      //    Diffie-Hellman shared secret is not the point at infinity.
      // Not switchable (ref/rule_switch.h): the point at infinity has no x-coordinate.
      if (s.is_zero()) {
        throw Error(ErrorKind::crypto, req::H7_1_4_3, "ECDH result is the point at infinity");
      }
      out = Botan::BigInt::encode_1363(s.get_affine_x(), field_size(g));
      break;
    }
  }
  // RFC 9180 §7.1.4 [H7.1.4-4, H7.1.4-5]
  //    For X25519 and X448, public keys and Diffie-Hellman outputs MUST be validated
  //    as described in {{?RFC7748}}. In particular, recipients MUST check whether
  //    the Diffie-Hellman shared secret is the all-zero value and abort if so.
  // (Switched off, the all-zero value is the shared secret: a well-defined input
  // of the KEM's ExtractAndExpand.)
  if (std::all_of(out.begin(), out.end(), [](uint8_t b) { return b == 0; }) &&
      enforced(req::H7_1_4_5)) {
    throw Error(ErrorKind::crypto, req::H7_1_4_5,
                std::string(to_string(g)) + " shared secret is all zero");
  }
  return out;
}

}  // namespace

// ---------------------------------------------------------------- signatures

namespace {
struct EcdsaParams {
  DhGroup curve;
  HashAlg hash;
  const char* emsa;
};
EcdsaParams ecdsa_params(SignatureScheme s) {
  switch (s) {
    case SignatureScheme::ecdsa_secp256r1_sha256:
      return {DhGroup::p256, HashAlg::sha256, "EMSA1(SHA-256)"};
    case SignatureScheme::ecdsa_secp384r1_sha384:
      return {DhGroup::p384, HashAlg::sha384, "EMSA1(SHA-384)"};
    case SignatureScheme::ecdsa_secp521r1_sha512:
      return {DhGroup::p521, HashAlg::sha512, "EMSA1(SHA-512)"};
    default:
      throw Error(ErrorKind::internal, "5.1.2", "not an ECDSA scheme");
  }
}
bool is_ecdsa(SignatureScheme s) {
  return s == SignatureScheme::ecdsa_secp256r1_sha256 ||
         s == SignatureScheme::ecdsa_secp384r1_sha384 ||
         s == SignatureScheme::ecdsa_secp521r1_sha512;
}
}  // namespace

bool is_known(SignatureScheme s) {
  switch (s) {
    case SignatureScheme::ecdsa_secp256r1_sha256:
    case SignatureScheme::ecdsa_secp384r1_sha384:
    case SignatureScheme::ecdsa_secp521r1_sha512:
    case SignatureScheme::ed25519:
    case SignatureScheme::ed448:
      return true;
  }
  return false;
}

std::string_view to_string(SignatureScheme s) {
  switch (s) {
    case SignatureScheme::ecdsa_secp256r1_sha256:
      return "ecdsa_secp256r1_sha256";
    case SignatureScheme::ecdsa_secp384r1_sha384:
      return "ecdsa_secp384r1_sha384";
    case SignatureScheme::ecdsa_secp521r1_sha512:
      return "ecdsa_secp521r1_sha512";
    case SignatureScheme::ed25519:
      return "ed25519";
    case SignatureScheme::ed448:
      return "ed448";
  }
  return "?";
}

size_t signature_private_size(SignatureScheme s) {
  if (is_ecdsa(s)) {
    return dh_private_size(ecdsa_params(s).curve);
  }
  return s == SignatureScheme::ed25519 ? 32 : 57;
}

size_t signature_public_size(SignatureScheme s) {
  if (is_ecdsa(s)) {
    return dh_public_size(ecdsa_params(s).curve);
  }
  return s == SignatureScheme::ed25519 ? 32 : 57;
}

SecureBytes signature_generate(SignatureScheme s, Botan::RandomNumberGenerator& rng) {
  count(PrimitiveOp::key_generation, s);
  SecureBytes sk(signature_private_size(s));
  do {
    rng.randomize(sk.data(), sk.size());
    if (s == SignatureScheme::ecdsa_secp521r1_sha512) {
      sk[0] &= 0x01;  // 521 bits in 66 bytes
    }
  } while (is_ecdsa(s) && !dh_scalar_in_range(ecdsa_params(s).curve, sk));
  return sk;
}

namespace {
// AMBIGUITY: ECDSA private keys are fixed-length big-endian scalars, but some
// IETF vectors (message-protection, P-521) drop a leading zero byte. The value
// is the same integer, so a shorter key is accepted and left-padded.
SecureBytes ecdsa_private_key(SignatureScheme s, ByteView sk, const std::string& section) {
  size_t n = signature_private_size(s);
  if (sk.size() > n || sk.empty()) {
    require_own_size(sk, n, std::string(to_string(s)) + " private key", section);
  }
  SecureBytes padded(n - sk.size(), 0);
  padded.insert(padded.end(), sk.begin(), sk.end());
  return padded;
}
}  // namespace

namespace {
Bytes compute_signature_public_key(SignatureScheme s, ByteView sk) {
  count(PrimitiveOp::key_generation, s);
  Backend backend = backend_for(PrimitiveOp::key_generation, alg_index(s));
  if (is_ecdsa(s)) {
    return nist_public_key(ecdsa_params(s).curve, ecdsa_private_key(s, sk, "5.1.1"), backend,
                           ScalarOf::signature);
  }
  require_own_size(sk, signature_private_size(s), std::string(to_string(s)) + " private key",
                   "5.1.1");
  if (backend == Backend::openssl) {
    return openssl::ed_public_key(s, sk);
  }
  Botan::Ed25519_PrivateKey key(SecureBytes(sk.begin(), sk.end()));
  return key.get_public_key();
}

}  // namespace

Bytes sign(SignatureScheme s, ByteView sk, ByteView message) {
  count(PrimitiveOp::sign, s);
  Backend backend = backend_for(PrimitiveOp::sign, alg_index(s));
  SecureBytes ecdsa_sk;
  if (is_ecdsa(s)) {
    ecdsa_sk = ecdsa_private_key(s, sk, "5.1.2");
    sk = ecdsa_sk;
  }
  require_own_size(sk, signature_private_size(s), std::string(to_string(s)) + " private key",
                   "5.1.2");
  if (backend == Backend::openssl) {
    return openssl::ed_sign(s, sk, message);
  }
  Botan::RandomNumberGenerator& rng = system_rng();
  if (s == SignatureScheme::ed25519) {
    Botan::Ed25519_PrivateKey key(SecureBytes(sk.begin(), sk.end()));
    Botan::PK_Signer signer(key, rng, "Pure");
    return signer.sign_message(message.data(), message.size(), rng);
  }
  EcdsaParams p = ecdsa_params(s);
  Botan::BigInt x = nist_scalar(p.curve, sk, ScalarOf::signature);
  Botan::ECDSA_PrivateKey key(rng, ec_group(p.curve), x);
  // RFC 9420 §5.1.2: ECDSA signatures are DER encoded.
  Botan::PK_Signer signer(key, rng, p.emsa, Botan::DER_SEQUENCE);
  return signer.sign_message(message.data(), message.size(), rng);
}

namespace {
// Botan's verification; a signature it cannot even parse (ECDSA DER) is a
// signature that does not verify (`problem` says why Botan refused it).
bool botan_verify(const Botan::Public_Key& key, const std::string& padding,
                  Botan::Signature_Format format, ByteView message, ByteView signature,
                  std::string& problem) {
  try {
    Botan::PK_Verifier verifier(key, padding, format);
    return verifier.verify_message(message.data(), message.size(), signature.data(),
                                   signature.size());
  } catch (const Botan::Exception& e) {
    problem = std::string(" (") + e.what() + ")";
    return false;
  }
}

// `Rule` is the section (std::string) or the Requirement that asked for the
// check; a failed verification names it.
template <class Rule>
void compute_verify(SignatureScheme s, ByteView pk, ByteView message, ByteView signature,
                    const Rule& rule, std::string_view what) {
  count(PrimitiveOp::verify, s);
  const std::string scheme(to_string(s));
  const std::string failure = std::string(what) + " (" + scheme + ") does not verify";
  std::string problem;
  // RFC 9420 §5.1.1 [R5.1.1-i1]: a signature public key is the scheme's encoding; other
  // bytes are not a key at all (here, and for ECDSA in check_point_format/off_curve)
  //    Signature public keys are likewise represented as opaque values in a format
  //    defined by the cipher suite's signature scheme.
  // Not switchable (ref/rule_switch.h): there is no key to verify with.
  if (pk.size() != signature_public_size(s)) {
    throw Error(ErrorKind::decode, req::R5_1_1_i1,
                scheme + " public key is " + std::to_string(pk.size()) + " bytes, expected " +
                    std::to_string(signature_public_size(s)));
  }
  Backend backend = backend_for(PrimitiveOp::verify, alg_index(s));
  bool ok = false;
  if (!is_ecdsa(s)) {
    size_t sig_size = s == SignatureScheme::ed25519 ? 64 : 114;
    if (backend == Backend::openssl) {
      std::optional<bool> v = openssl::ed_verify(s, pk, message, signature);
      if (!v && s == SignatureScheme::ed448) {
        // R5.1.1-i1. Not switchable (ref/rule_switch.h): there is no key to verify with.
        throw Error(ErrorKind::decode, req::R5_1_1_i1, "OpenSSL rejected the Ed448 public key");
      }
      // Botan takes any 32 bytes as an Ed25519 key (a non-point fails to verify).
      ok = signature.size() == sig_size && v.value_or(false);
    } else {
      Botan::Ed25519_PublicKey key(Bytes(pk.begin(), pk.end()));
      ok = signature.size() == sig_size &&
           botan_verify(key, "Pure", Botan::IEEE_1363, message, signature, problem);
    }
  } else {
    EcdsaParams p = ecdsa_params(s);
    if (backend == Backend::openssl) {
      check_point_format(p.curve, pk, kSignatureKeyErrors);
      std::optional<bool> v = openssl::ecdsa_verify(p.curve, p.hash, pk, message, signature);
      if (!v) {
        off_curve(p.curve, kSignatureKeyErrors);
      }
      ok = *v;
    } else {
      Botan::ECDSA_PublicKey key(ec_group(p.curve), nist_point(p.curve, pk, kSignatureKeyErrors));
      // RFC 9420 §5.1.2: ECDSA signatures are DER encoded.
      ok = botan_verify(key, p.emsa, Botan::DER_SEQUENCE, message, signature, problem);
    }
  }
  // CipherSuite::verify_with_label checks enforced() for a Requirement (ref/rule_switch.h).
  if (!ok) {
    throw Error(ErrorKind::crypto, rule, failure + problem);
  }
}
}  // namespace

void verify(SignatureScheme s, ByteView pk, ByteView message, ByteView signature,
            std::string_view section, std::string_view what) {
  memoized<SecureBytes>(kMemoVerify, alg_index(s), {pk, message, signature}, [&] {
    compute_verify(s, pk, message, signature, std::string(section), what);
    return SecureBytes();
  });
}

void verify(SignatureScheme s, ByteView pk, ByteView message, ByteView signature,
            const Requirement& rule, std::string_view what) {
  memoized<SecureBytes>(kMemoVerify, alg_index(s), {pk, message, signature}, [&] {
    compute_verify(s, pk, message, signature, rule, what);
    return SecureBytes();
  });
}

Bytes dh_public_key(DhGroup g, ByteView sk) {
  return memoized<Bytes>(kMemoDhPublicKey, alg_index(g), {sk},
                         [&] { return compute_dh_public_key(g, sk); });
}

bool dh_public_key_valid(DhGroup g, ByteView pk) {
  if (pk.size() != dh_public_size(g)) {
    return false;
  }
  if (!dh_is_nist(g)) {
    return true;  // X25519, X448: every string of Npk bytes is a public key
  }
  try {
    nist_point(g, pk);
    return true;
  } catch (const Error&) {
    return false;
  }
}

SecureBytes dh(DhGroup g, ByteView sk, ByteView pk) {
  return memoized<SecureBytes>(kMemoDh, alg_index(g), {sk, pk},
                               [&] { return compute_dh(g, sk, pk); });
}

Bytes signature_public_key(SignatureScheme s, ByteView sk) {
  return memoized<Bytes>(kMemoSignaturePublicKey, alg_index(s), {sk},
                         [&] { return compute_signature_public_key(s, sk); });
}

bool constant_time_equal(ByteView a, ByteView b) {
  return a.size() == b.size() && Botan::constant_time_compare(a.data(), b.data(), a.size());
}

Botan::RandomNumberGenerator& system_rng() { return Botan::system_rng(); }

}  // namespace mlsref
