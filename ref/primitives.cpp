// Primitives under RFC 9420 §5.1 and RFC 9180 §7, over Botan 2 (and OpenSSL 3
// for X448 and Ed448 only).
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
#include <openssl/evp.h>

#include <algorithm>
#include <memory>

namespace mlsref {

namespace {

[[noreturn]] void crypto_error(const std::string& section, const std::string& message) {
  throw Error(ErrorKind::crypto, section, message);
}

void require_size(ByteView b, size_t n, const std::string& what, const std::string& section) {
  if (b.size() != n) {
    crypto_error(section, what + " is " + std::to_string(b.size()) + " bytes, expected " +
                              std::to_string(n));
  }
}

// Botan's names are the ones to_string(HashAlg) gives.
std::string botan_hash_name(HashAlg h) { return std::string(to_string(h)); }

}  // namespace

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

Bytes hash(HashAlg h, ByteView data) {
  auto f = Botan::HashFunction::create_or_throw(botan_hash_name(h));
  f->update(data.data(), data.size());
  return f->final_stdvec();
}

SecureBytes hmac(HashAlg h, ByteView key, ByteView data) {
  auto mac = Botan::MessageAuthenticationCode::create_or_throw("HMAC(" + botan_hash_name(h) + ")");
  mac->set_key(key.data(), key.size());
  mac->update(data.data(), data.size());
  return mac->final();
}

SecureBytes hkdf_extract(HashAlg h, ByteView salt, ByteView ikm) {
  Botan::HKDF_Extract kdf(
      Botan::MessageAuthenticationCode::create_or_throw("HMAC(" + botan_hash_name(h) + ")")
          .release());
  SecureBytes prk(hash_size(h));
  kdf.kdf(prk.data(), prk.size(), ikm.data(), ikm.size(), salt.data(), salt.size(), nullptr, 0);
  return prk;
}

SecureBytes hkdf_expand(HashAlg h, ByteView prk, ByteView info, size_t length) {
  // RFC 5869 §2.3: L <= 255*HashLen.
  if (length > 255 * hash_size(h)) {
    throw Error(ErrorKind::protocol, "5.1",
                "HKDF-Expand length " + std::to_string(length) + " exceeds 255*Nh");
  }
  if (length == 0) {
    return {};
  }
  Botan::HKDF_Expand kdf(
      Botan::MessageAuthenticationCode::create_or_throw("HMAC(" + botan_hash_name(h) + ")")
          .release());
  SecureBytes okm(length);
  // Botan's HKDF_Expand takes info as salt || label.
  kdf.kdf(okm.data(), okm.size(), prk.data(), prk.size(), info.data(), info.size(), nullptr, 0);
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
std::unique_ptr<Botan::AEAD_Mode> aead_mode(AeadAlg a, Botan::Cipher_Dir dir) {
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
  // RFC 9180 §5.2: the export-only AEAD has no Seal or Open.
  throw Error(ErrorKind::protocol, "9180 5.2", "the export-only AEAD cannot seal or open");
}

void check_aead_inputs(AeadAlg a, ByteView key, ByteView nonce) {
  require_size(key, aead_key_size(a), "AEAD key", "5.1");
  require_size(nonce, aead_nonce_size(a), "AEAD nonce", "5.1");
}
}  // namespace

Bytes aead_seal(AeadAlg a, ByteView key, ByteView nonce, ByteView aad, ByteView plaintext) {
  auto mode = aead_mode(a, Botan::ENCRYPTION);
  check_aead_inputs(a, key, nonce);
  mode->set_key(key.data(), key.size());
  mode->set_associated_data(aad.data(), aad.size());
  mode->start(nonce.data(), nonce.size());
  Botan::secure_vector<uint8_t> buf(plaintext.begin(), plaintext.end());
  mode->finish(buf);
  return Bytes(buf.begin(), buf.end());
}

SecureBytes aead_open(AeadAlg a, ByteView key, ByteView nonce, ByteView aad, ByteView ciphertext) {
  auto mode = aead_mode(a, Botan::DECRYPTION);
  check_aead_inputs(a, key, nonce);
  if (ciphertext.size() < aead_tag_size(a)) {
    crypto_error("5.1", "AEAD ciphertext of " + std::to_string(ciphertext.size()) +
                            " bytes is shorter than the tag");
  }
  mode->set_key(key.data(), key.size());
  mode->set_associated_data(aad.data(), aad.size());
  mode->start(nonce.data(), nonce.size());
  Botan::secure_vector<uint8_t> buf(ciphertext.begin(), ciphertext.end());
  try {
    mode->finish(buf);
  } catch (const Botan::Invalid_Authentication_Tag&) {
    crypto_error("5.1", std::string(to_string(a)) + " authentication tag does not verify");
  }
  return buf;
}

// ---------------------------------------------------------------- OpenSSL (X448, Ed448)

namespace {

struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

Pkey ossl_private(int type, ByteView sk) {
  Pkey k(EVP_PKEY_new_raw_private_key(type, nullptr, sk.data(), sk.size()));
  if (!k) {
    crypto_error("5.1", "OpenSSL rejected the private key");
  }
  return k;
}

Pkey ossl_public(int type, ByteView pk) {
  return Pkey(EVP_PKEY_new_raw_public_key(type, nullptr, pk.data(), pk.size()));
}

Bytes ossl_raw_public(EVP_PKEY* k, size_t n) {
  Bytes out(n);
  size_t len = n;
  if (EVP_PKEY_get_raw_public_key(k, out.data(), &len) != 1 || len != n) {
    throw Error(ErrorKind::internal, "5.1", "OpenSSL could not export a public key");
  }
  return out;
}

SecureBytes x448_dh(ByteView sk, ByteView pk) {
  Pkey priv = ossl_private(EVP_PKEY_X448, sk);
  Pkey peer = ossl_public(EVP_PKEY_X448, pk);
  if (!peer) {
    crypto_error("9180 7.1.4", "X448 public key is not valid");
  }
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter> ctx(EVP_PKEY_CTX_new(priv.get(), nullptr));
  SecureBytes out(56);
  size_t len = out.size();
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 ||
      EVP_PKEY_derive_set_peer(ctx.get(), peer.get()) != 1 ||
      EVP_PKEY_derive(ctx.get(), out.data(), &len) != 1 || len != out.size()) {
    // OpenSSL refuses an all-zero X448 result here.
    crypto_error("9180 7.1.4", "X448 key agreement failed (all-zero shared secret)");
  }
  return out;
}

Bytes ed448_sign(ByteView sk, ByteView msg) {
  Pkey k = ossl_private(EVP_PKEY_ED448, sk);
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> md(EVP_MD_CTX_new());
  Bytes sig(114);
  size_t len = sig.size();
  if (!md || EVP_DigestSignInit(md.get(), nullptr, nullptr, nullptr, k.get()) != 1 ||
      EVP_DigestSign(md.get(), sig.data(), &len, msg.data(), msg.size()) != 1 || len != 114) {
    throw Error(ErrorKind::internal, "5.1.2", "OpenSSL Ed448 signing failed");
  }
  return sig;
}

bool ed448_verify(EVP_PKEY* k, ByteView msg, ByteView sig) {
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> md(EVP_MD_CTX_new());
  return md && EVP_DigestVerifyInit(md.get(), nullptr, nullptr, nullptr, k) == 1 &&
         EVP_DigestVerify(md.get(), sig.data(), sig.size(), msg.data(), msg.size()) == 1;
}

}  // namespace

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

Botan::BigInt nist_scalar(DhGroup g, ByteView sk) {
  require_size(sk, dh_private_size(g), std::string(to_string(g)) + " private key", "9180 7.1.2");
  Botan::BigInt x = Botan::BigInt::decode(sk.data(), sk.size());
  if (x.is_zero() || x >= ec_group(g).get_order()) {
    crypto_error("9180 7.1.2",
                 std::string(to_string(g)) + " private key is not in the range [1, order)");
  }
  return x;
}

// How a malformed public key is reported: a DH input is a failed key
// agreement (RFC 9180 §7.1.4, crypto); a signature key is bytes that do not
// decode as a key (RFC 9420 §5.1.1, decode).
struct KeyErrors {
  ErrorKind kind;
  std::string format_section;  // not an uncompressed point of the right size
  std::string curve_section;   // not a point of the curve
};
const KeyErrors kDhKeyErrors{ErrorKind::crypto, "9180 7.1.1", "9180 7.1.4"};
const KeyErrors kSignatureKeyErrors{ErrorKind::decode, "5.1.1", "5.1.1"};

Botan::PointGFp nist_point(DhGroup g, ByteView pk, const KeyErrors& errors = kDhKeyErrors) {
  // RFC 9180 §7.1.1: SerializePublicKey is the uncompressed point (0x04 || x || y).
  if (pk.size() != dh_public_size(g) || pk[0] != 0x04) {
    throw Error(errors.kind, errors.format_section,
                std::string(to_string(g)) + " public key is not an uncompressed point of " +
                    std::to_string(dh_public_size(g)) + " bytes");
  }
  const std::string off_curve = std::string(to_string(g)) + " public key is not on the curve";
  try {
    Botan::PointGFp p = ec_group(g).OS2ECP(pk.data(), pk.size());
    if (p.is_zero() || !p.on_the_curve()) {
      throw Error(errors.kind, errors.curve_section, off_curve);
    }
    return p;
  } catch (const Botan::Exception&) {
    // Botan's decoding error, rethrown as ours.
    throw Error(errors.kind, errors.curve_section, off_curve);
  }
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

Bytes dh_public_key(DhGroup g, ByteView sk) {
  switch (g) {
    case DhGroup::x25519: {
      require_size(sk, 32, "X25519 private key", "9180 7.1.2");
      Bytes pk(32);
      Botan::curve25519_basepoint(pk.data(), sk.data());
      return pk;
    }
    case DhGroup::x448: {
      require_size(sk, 56, "X448 private key", "9180 7.1.2");
      Pkey k = ossl_private(EVP_PKEY_X448, sk);
      return ossl_raw_public(k.get(), 56);
    }
    default: {
      Botan::BigInt x = nist_scalar(g, sk);
      // Botan's blinded multiplications are the side-channel-hardened ones.
      std::vector<Botan::BigInt> ws;
      Botan::PointGFp p = ec_group(g).blinded_base_point_multiply(x, system_rng(), ws);
      return p.encode(Botan::PointGFp::UNCOMPRESSED);
    }
  }
}

SecureBytes dh(DhGroup g, ByteView sk, ByteView pk) {
  SecureBytes out;
  switch (g) {
    case DhGroup::x25519: {
      require_size(sk, 32, "X25519 private key", "9180 7.1.2");
      require_size(pk, 32, "X25519 public key", "9180 7.1.1");
      out.resize(32);
      Botan::curve25519_donna(out.data(), sk.data(), pk.data());
      break;
    }
    case DhGroup::x448: {
      require_size(sk, 56, "X448 private key", "9180 7.1.2");
      require_size(pk, 56, "X448 public key", "9180 7.1.1");
      out = x448_dh(sk, pk);
      break;
    }
    default: {
      Botan::BigInt x = nist_scalar(g, sk);
      Botan::PointGFp q = nist_point(g, pk);
      std::vector<Botan::BigInt> ws;
      Botan::PointGFp s = ec_group(g).blinded_var_point_multiply(q, x, system_rng(), ws);
      if (s.is_zero()) {
        crypto_error("9180 7.1.4", "ECDH result is the point at infinity");
      }
      out = Botan::BigInt::encode_1363(s.get_affine_x(), field_size(g));
      break;
    }
  }
  // RFC 9180 §7.1.4
  //    For X25519 and X448, public keys and Diffie-Hellman outputs MUST be validated
  //    as described in {{?RFC7748}}. In particular, recipients MUST check whether
  //    the Diffie-Hellman shared secret is the all-zero value and abort if so.
  if (std::all_of(out.begin(), out.end(), [](uint8_t b) { return b == 0; })) {
    crypto_error("9180 7.1.4", std::string(to_string(g)) + " shared secret is all zero");
  }
  return out;
}

// ---------------------------------------------------------------- signatures

namespace {
struct EcdsaParams {
  DhGroup curve;
  const char* emsa;
};
EcdsaParams ecdsa_params(SignatureScheme s) {
  switch (s) {
    case SignatureScheme::ecdsa_secp256r1_sha256:
      return {DhGroup::p256, "EMSA1(SHA-256)"};
    case SignatureScheme::ecdsa_secp384r1_sha384:
      return {DhGroup::p384, "EMSA1(SHA-384)"};
    case SignatureScheme::ecdsa_secp521r1_sha512:
      return {DhGroup::p521, "EMSA1(SHA-512)"};
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
    require_size(sk, n, std::string(to_string(s)) + " private key", section);
  }
  SecureBytes padded(n - sk.size(), 0);
  padded.insert(padded.end(), sk.begin(), sk.end());
  return padded;
}
}  // namespace

Bytes signature_public_key(SignatureScheme s, ByteView sk) {
  if (is_ecdsa(s)) {
    return dh_public_key(ecdsa_params(s).curve, ecdsa_private_key(s, sk, "5.1.1"));
  }
  require_size(sk, signature_private_size(s), std::string(to_string(s)) + " private key", "5.1.1");
  if (s == SignatureScheme::ed25519) {
    Botan::Ed25519_PrivateKey key(SecureBytes(sk.begin(), sk.end()));
    return key.get_public_key();
  }
  Pkey k = ossl_private(EVP_PKEY_ED448, sk);
  return ossl_raw_public(k.get(), 57);
}

Bytes sign(SignatureScheme s, ByteView sk, ByteView message) {
  SecureBytes ecdsa_sk;
  if (is_ecdsa(s)) {
    ecdsa_sk = ecdsa_private_key(s, sk, "5.1.2");
    sk = ecdsa_sk;
  }
  require_size(sk, signature_private_size(s), std::string(to_string(s)) + " private key", "5.1.2");
  if (s == SignatureScheme::ed448) {
    return ed448_sign(sk, message);
  }
  Botan::RandomNumberGenerator& rng = system_rng();
  if (s == SignatureScheme::ed25519) {
    Botan::Ed25519_PrivateKey key(SecureBytes(sk.begin(), sk.end()));
    Botan::PK_Signer signer(key, rng, "Pure");
    return signer.sign_message(message.data(), message.size(), rng);
  }
  EcdsaParams p = ecdsa_params(s);
  Botan::BigInt x = nist_scalar(p.curve, sk);
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
void verify_signature(SignatureScheme s, ByteView pk, ByteView message, ByteView signature,
                      const Rule& rule, std::string_view what) {
  const std::string scheme(to_string(s));
  const std::string failure = std::string(what) + " (" + scheme + ") does not verify";
  std::string problem;
  // RFC 9420 §5.1.1: a signature public key is the scheme's encoding; other
  // bytes are not a key at all.
  //    Signature public keys are likewise represented as opaque values in a format
  //    defined by the cipher suite's signature scheme.
  if (pk.size() != signature_public_size(s)) {
    throw Error(ErrorKind::decode, "5.1.1",
                scheme + " public key is " + std::to_string(pk.size()) + " bytes, expected " +
                    std::to_string(signature_public_size(s)));
  }
  bool ok = false;
  if (s == SignatureScheme::ed448) {
    Pkey key = ossl_public(EVP_PKEY_ED448, pk);
    if (!key) {
      throw Error(ErrorKind::decode, "5.1.1", "OpenSSL rejected the Ed448 public key");
    }
    ok = signature.size() == 114 && ed448_verify(key.get(), message, signature);
  } else if (s == SignatureScheme::ed25519) {
    Botan::Ed25519_PublicKey key(Bytes(pk.begin(), pk.end()));
    ok = signature.size() == 64 &&
         botan_verify(key, "Pure", Botan::IEEE_1363, message, signature, problem);
  } else {
    EcdsaParams p = ecdsa_params(s);
    Botan::ECDSA_PublicKey key(ec_group(p.curve), nist_point(p.curve, pk, kSignatureKeyErrors));
    // RFC 9420 §5.1.2: ECDSA signatures are DER encoded.
    ok = botan_verify(key, p.emsa, Botan::DER_SEQUENCE, message, signature, problem);
  }
  if (!ok) {
    throw Error(ErrorKind::crypto, rule, failure + problem);
  }
}
}  // namespace

void verify(SignatureScheme s, ByteView pk, ByteView message, ByteView signature,
            std::string_view section, std::string_view what) {
  verify_signature(s, pk, message, signature, std::string(section), what);
}

void verify(SignatureScheme s, ByteView pk, ByteView message, ByteView signature,
            const Requirement& rule, std::string_view what) {
  verify_signature(s, pk, message, signature, rule, what);
}

bool constant_time_equal(ByteView a, ByteView b) {
  return a.size() == b.size() && Botan::constant_time_compare(a.data(), b.data(), a.size());
}

Botan::RandomNumberGenerator& system_rng() { return Botan::system_rng(); }

}  // namespace mlsref
