// The OpenSSL 3 backend of the primitives, RFC 9420 §5.1 and RFC 9180 §7.1:
// hashes, HMAC, the AEADs, ECDH and ECDSA verification on the NIST curves,
// X25519/X448 and Ed25519/Ed448, through EVP. Secrets pass through zeroizing
// buffers only: scalars are imported from SecureBytes, BIGNUMs are freed with
// BN_clear_free, and OpenSSL clears the keys it holds when an EVP_PKEY, an
// HMAC context or a cipher context is freed.
#include "primitives_openssl.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/params.h>

#include <algorithm>
#include <memory>

namespace mlsref::openssl {

namespace {

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
  void operator()(EVP_MAC* p) const { EVP_MAC_free(p); }
  void operator()(EVP_MAC_CTX* p) const { EVP_MAC_CTX_free(p); }        // clears the key
  void operator()(EVP_CIPHER_CTX* p) const { EVP_CIPHER_CTX_free(p); }  // clears the key
  void operator()(BIGNUM* p) const { BN_clear_free(p); }
  void operator()(EC_POINT* p) const { EC_POINT_free(p); }
  void operator()(BN_CTX* p) const { BN_CTX_free(p); }
};
template <class T>
using Owned = std::unique_ptr<T, Free>;
using Pkey = Owned<EVP_PKEY>;

[[noreturn]] void internal(const std::string& what) {
  ERR_clear_error();
  throw Error(ErrorKind::internal, "5.1", "OpenSSL: " + what);
}

// OpenSSL's error queue holds why an input was refused; we report our own
// error instead, so it is emptied.
template <class T>
T refused(T value) {
  ERR_clear_error();
  return value;
}

// OpenSSL's group names are the ones to_string(DhGroup) gives.
const char* group_name(DhGroup g) {
  if (!dh_is_nist(g)) {
    internal("not a NIST curve");
  }
  return to_string(g).data();  // a string literal: NUL-terminated
}

const EC_GROUP& ec_group(DhGroup g) {
  auto make = [](int nid) {
    EC_GROUP* group = EC_GROUP_new_by_curve_name(nid);
    if (group == nullptr) {
      internal("no EC group");
    }
    return group;
  };
  // Built once, read-only afterwards (EC_POINT_mul takes a const group).
  static const EC_GROUP* p256 = make(NID_X9_62_prime256v1);
  static const EC_GROUP* p384 = make(NID_secp384r1);
  static const EC_GROUP* p521 = make(NID_secp521r1);
  switch (g) {
    case DhGroup::p256:
      return *p256;
    case DhGroup::p384:
      return *p384;
    case DhGroup::p521:
      return *p521;
    default:
      internal("not a NIST curve");
  }
}

const EVP_MD* digest(HashAlg h) {
  // Fetched once: an implicit fetch on every use is a measurable cost in 3.0.
  static const EVP_MD* sha256 = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
  static const EVP_MD* sha384 = EVP_MD_fetch(nullptr, "SHA2-384", nullptr);
  static const EVP_MD* sha512 = EVP_MD_fetch(nullptr, "SHA2-512", nullptr);
  const EVP_MD* md = h == HashAlg::sha256 ? sha256 : h == HashAlg::sha384 ? sha384 : sha512;
  if (md == nullptr) {
    internal("no digest");
  }
  return md;
}

// EVP_PKEY_fromdata of an EC key: the group by name and either the private
// scalar (a native-endian unsigned integer, as OSSL_PARAM_construct_BN wants)
// or the encoded public point.
Pkey ec_from_data(DhGroup g, const char* key, unsigned char* value, size_t size, int selection,
                  bool is_bn) {
  Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) {
    internal("no EC key management");
  }
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
                                                          const_cast<char*>(group_name(g)), 0),
                         is_bn ? OSSL_PARAM_construct_BN(key, value, size)
                               : OSSL_PARAM_construct_octet_string(key, value, size),
                         OSSL_PARAM_construct_end()};
  EVP_PKEY* k = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &k, selection, params) != 1) {
    return refused(Pkey());
  }
  return Pkey(k);
}

Pkey ec_private(DhGroup g, ByteView sk) {
  SecureBytes little(sk.rbegin(), sk.rend());
  Pkey k = ec_from_data(g, OSSL_PKEY_PARAM_PRIV_KEY, little.data(), little.size(), EVP_PKEY_KEYPAIR,
                        true);
  if (!k) {
    internal("private key refused");
  }
  return k;
}

// Null when `pk` is not a point of the curve: OpenSSL decodes the point with
// EC_POINT_oct2point, which refuses coordinates out of range and points off
// the curve.
Pkey ec_public(DhGroup g, ByteView pk) {
  Bytes copy(pk.begin(), pk.end());
  return ec_from_data(g, OSSL_PKEY_PARAM_PUB_KEY, copy.data(), copy.size(), EVP_PKEY_PUBLIC_KEY,
                      false);
}

std::optional<SecureBytes> derive(EVP_PKEY* priv, EVP_PKEY* peer, size_t size) {
  Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, priv, nullptr));
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1) {
    internal("no key agreement");
  }
  // The peer was checked on import (a point of a prime-order curve, or an
  // X25519/X448 key, for which every 32/56 bytes are a key); OpenSSL's
  // validation here would add a scalar multiplication by the order.
  if (EVP_PKEY_derive_set_peer_ex(ctx.get(), peer, 0) != 1) {
    return refused(std::optional<SecureBytes>());
  }
  SecureBytes out(size);
  size_t len = out.size();
  if (EVP_PKEY_derive(ctx.get(), out.data(), &len) != 1 || len != size) {
    return refused(std::optional<SecureBytes>());
  }
  return out;
}

int raw_type(DhGroup g) { return g == DhGroup::x25519 ? EVP_PKEY_X25519 : EVP_PKEY_X448; }
int raw_type(SignatureScheme s) {
  return s == SignatureScheme::ed25519 ? EVP_PKEY_ED25519 : EVP_PKEY_ED448;
}

Pkey raw_private(int type, ByteView sk) {
  Pkey k(EVP_PKEY_new_raw_private_key(type, nullptr, sk.data(), sk.size()));
  if (!k) {
    internal("private key refused");
  }
  return k;
}

Bytes raw_public(EVP_PKEY* k) {
  size_t len = 0;
  if (EVP_PKEY_get_raw_public_key(k, nullptr, &len) != 1) {
    internal("cannot export a public key");
  }
  Bytes out(len);
  if (EVP_PKEY_get_raw_public_key(k, out.data(), &len) != 1 || len != out.size()) {
    internal("cannot export a public key");
  }
  return out;
}

}  // namespace

Bytes ec_public_key(DhGroup g, ByteView sk) {
  // EVP in OpenSSL 3.0 has no way to compute the public half of an imported
  // private key (openssl/openssl#19046), so this one multiplication goes
  // through EC_POINT_mul (constant time for the generator, not deprecated).
  const EC_GROUP& group = ec_group(g);
  Owned<BIGNUM> x(BN_secure_new());
  Owned<EC_POINT> p(EC_POINT_new(&group));
  Owned<BN_CTX> bn(BN_CTX_secure_new());
  if (!x || !p || !bn || BN_bin2bn(sk.data(), static_cast<int>(sk.size()), x.get()) == nullptr) {
    internal("out of memory");
  }
  BN_set_flags(x.get(), BN_FLG_CONSTTIME);
  if (EC_POINT_mul(&group, p.get(), x.get(), nullptr, nullptr, bn.get()) != 1) {
    internal("EC_POINT_mul failed");
  }
  Bytes out(dh_public_size(g));
  if (EC_POINT_point2oct(&group, p.get(), POINT_CONVERSION_UNCOMPRESSED, out.data(), out.size(),
                         bn.get()) != out.size()) {
    internal("cannot encode a point");
  }
  return out;
}

std::optional<SecureBytes> ecdh(DhGroup g, ByteView sk, ByteView pk) {
  Pkey peer = ec_public(g, pk);
  if (!peer) {
    return std::nullopt;
  }
  Pkey priv = ec_private(g, sk);
  std::optional<SecureBytes> out = derive(priv.get(), peer.get(), dh_secret_size(g));
  if (!out) {
    internal("ECDH failed");
  }
  return out;
}

std::optional<bool> ecdsa_verify(DhGroup g, HashAlg h, ByteView pk, ByteView message,
                                 ByteView signature) {
  Pkey key = ec_public(g, pk);
  if (!key) {
    return std::nullopt;
  }
  Owned<EVP_MD_CTX> md(EVP_MD_CTX_new());
  if (!md || EVP_DigestVerifyInit(md.get(), nullptr, digest(h), nullptr, key.get()) != 1) {
    internal("no ECDSA verification");
  }
  // 1 for a valid signature; 0 or a negative value for an invalid or
  // malformed one (OpenSSL accepts only the DER encoding it would produce).
  int ok = EVP_DigestVerify(md.get(), signature.data(), signature.size(), message.data(),
                            message.size());
  return refused(ok == 1);
}

Bytes x_public_key(DhGroup g, ByteView sk) {
  Pkey k = raw_private(raw_type(g), sk);
  return raw_public(k.get());
}

std::optional<SecureBytes> x_dh(DhGroup g, ByteView sk, ByteView own_pk, ByteView pk) {
  Pkey peer(EVP_PKEY_new_raw_public_key(raw_type(g), nullptr, pk.data(), pk.size()));
  if (!peer) {
    return refused(std::optional<SecureBytes>());
  }
  Owned<EVP_PKEY_CTX> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, g == DhGroup::x25519 ? "X25519" : "X448", nullptr));
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) {
    internal("no X25519/X448 key management");
  }
  SecureBytes priv_copy(sk.begin(), sk.end());
  Bytes pub_copy(own_pk.begin(), own_pk.end());
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PRIV_KEY, priv_copy.data(),
                                        priv_copy.size()),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pub_copy.data(), pub_copy.size()),
      OSSL_PARAM_construct_end()};
  EVP_PKEY* k = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &k, EVP_PKEY_KEYPAIR, params) != 1) {
    internal("private key refused");
  }
  Pkey priv(k);
  return derive(priv.get(), peer.get(), dh_secret_size(g));
}

Bytes ed_public_key(SignatureScheme s, ByteView sk) {
  Pkey k = raw_private(raw_type(s), sk);
  return raw_public(k.get());
}

Bytes ed_sign(SignatureScheme s, ByteView sk, ByteView message) {
  Pkey k = raw_private(raw_type(s), sk);
  Owned<EVP_MD_CTX> md(EVP_MD_CTX_new());
  size_t len = 0;
  if (!md || EVP_DigestSignInit(md.get(), nullptr, nullptr, nullptr, k.get()) != 1 ||
      EVP_DigestSign(md.get(), nullptr, &len, message.data(), message.size()) != 1) {
    internal("EdDSA signing failed");
  }
  Bytes sig(len);
  if (EVP_DigestSign(md.get(), sig.data(), &len, message.data(), message.size()) != 1 ||
      len != sig.size()) {
    internal("EdDSA signing failed");
  }
  return sig;
}

std::optional<bool> ed_verify(SignatureScheme s, ByteView pk, ByteView message,
                              ByteView signature) {
  Pkey key(EVP_PKEY_new_raw_public_key(raw_type(s), nullptr, pk.data(), pk.size()));
  if (!key) {
    return refused(std::optional<bool>());
  }
  Owned<EVP_MD_CTX> md(EVP_MD_CTX_new());
  if (!md || EVP_DigestVerifyInit(md.get(), nullptr, nullptr, nullptr, key.get()) != 1) {
    internal("no EdDSA verification");
  }
  int ok = EVP_DigestVerify(md.get(), signature.data(), signature.size(), message.data(),
                            message.size());
  return refused(ok == 1);
}

// ---------------------------------------------------------------- hashes and HMAC

namespace {
// A pointer OpenSSL accepts for an empty input (it refuses a null one in places).
const unsigned char* data_or_empty(ByteView b) {
  static const unsigned char empty = 0;
  return b.empty() ? &empty : b.data();
}
}  // namespace

Bytes hash(HashAlg h, ByteView data) {
  // Reused by the thread: a finished SHA-2 context keeps nothing of its input.
  thread_local Owned<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  Bytes out(hash_size(h));
  unsigned int n = 0;
  if (!ctx || EVP_DigestInit_ex2(ctx.get(), digest(h), nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), out.data(), &n) != 1 || n != out.size()) {
    internal("digest failed");
  }
  return out;
}

namespace {
// One HMAC context per hash and thread with its digest set, copied for each
// MAC; the copy holds the key and is freed (and so cleared) when the MAC is
// done. The templates never hold a key.
const EVP_MAC_CTX& hmac_template(HashAlg h) {
  auto make = [](const char* name) {
    Owned<EVP_MAC> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
    Owned<EVP_MAC_CTX> ctx(mac ? EVP_MAC_CTX_new(mac.get()) : nullptr);  // holds its own reference
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(name), 0),
        OSSL_PARAM_construct_end()};
    if (!ctx || EVP_MAC_CTX_set_params(ctx.get(), params) != 1) {
      internal("no HMAC");
    }
    return ctx;
  };
  thread_local const Owned<EVP_MAC_CTX> sha256 = make("SHA2-256");
  thread_local const Owned<EVP_MAC_CTX> sha384 = make("SHA2-384");
  thread_local const Owned<EVP_MAC_CTX> sha512 = make("SHA2-512");
  return *(h == HashAlg::sha256 ? sha256 : h == HashAlg::sha384 ? sha384 : sha512);
}
}  // namespace

SecureBytes hmac(HashAlg h, ByteView key, ByteView data) {
  Owned<EVP_MAC_CTX> ctx(EVP_MAC_CTX_dup(&hmac_template(h)));
  SecureBytes out(hash_size(h));
  size_t n = 0;
  if (!ctx || EVP_MAC_init(ctx.get(), data_or_empty(key), key.size(), nullptr) != 1 ||
      EVP_MAC_update(ctx.get(), data.data(), data.size()) != 1 ||
      EVP_MAC_final(ctx.get(), out.data(), &n, out.size()) != 1 || n != out.size()) {
    internal("HMAC failed");
  }
  return out;
}

// ---------------------------------------------------------------- AEAD

namespace {
const EVP_CIPHER* cipher(AeadAlg a) {
  // Fetched once, as the digests are.
  static const EVP_CIPHER* aes128 = EVP_CIPHER_fetch(nullptr, "AES-128-GCM", nullptr);
  static const EVP_CIPHER* aes256 = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  static const EVP_CIPHER* chacha = EVP_CIPHER_fetch(nullptr, "ChaCha20-Poly1305", nullptr);
  const EVP_CIPHER* c = a == AeadAlg::aes_128_gcm         ? aes128
                        : a == AeadAlg::aes_256_gcm       ? aes256
                        : a == AeadAlg::chacha20_poly1305 ? chacha
                                                          : nullptr;
  if (c == nullptr) {
    internal("no AEAD");
  }
  return c;
}

constexpr size_t kTagSize = 16;

using CipherCtx = Owned<EVP_CIPHER_CTX>;

// EVP_CipherUpdate over `in` in pieces that fit its int lengths, writing to
// `out` (nullptr: `in` is associated data). True when every piece was taken.
bool cipher_update(EVP_CIPHER_CTX* ctx, uint8_t* out, ByteView in) {
  constexpr size_t kPiece = size_t{1} << 30;
  for (size_t done = 0; done < in.size();) {
    size_t piece = std::min(kPiece, in.size() - done);
    int n = 0;
    if (EVP_CipherUpdate(ctx, out == nullptr ? nullptr : out + done, &n, in.data() + done,
                         static_cast<int>(piece)) != 1 ||
        (out != nullptr && static_cast<size_t>(n) != piece)) {
      return false;
    }
    done += piece;
  }
  return true;
}

// A context keyed for `encrypt`ing or decrypting under `nonce`, with `aad` taken.
CipherCtx aead_start(AeadAlg a, bool encrypt, ByteView key, ByteView nonce, ByteView aad) {
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx ||
      EVP_CipherInit_ex2(ctx.get(), cipher(a), key.data(), nonce.data(), encrypt ? 1 : 0,
                         nullptr) != 1 ||
      !cipher_update(ctx.get(), nullptr, aad)) {
    internal("AEAD setup failed");
  }
  return ctx;
}

}  // namespace

Bytes aead_seal(AeadAlg a, ByteView key, ByteView nonce, ByteView aad, ByteView plaintext) {
  CipherCtx ctx = aead_start(a, true, key, nonce, aad);
  Bytes out(plaintext.size() + kTagSize);
  int last = 0;
  if (!cipher_update(ctx.get(), out.data(), plaintext) ||
      EVP_CipherFinal_ex(ctx.get(), out.data() + plaintext.size(), &last) != 1 || last != 0 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, static_cast<int>(kTagSize),
                          out.data() + plaintext.size()) != 1) {
    internal("AEAD seal failed");
  }
  return out;
}

std::optional<SecureBytes> aead_open(AeadAlg a, ByteView key, ByteView nonce, ByteView aad,
                                     ByteView ciphertext) {
  ByteView body = ciphertext.first(ciphertext.size() - kTagSize);
  ByteView tag = ciphertext.last(kTagSize);
  CipherCtx ctx = aead_start(a, false, key, nonce, aad);
  // One byte more than the plaintext, so that even an empty one gives
  // EVP_CipherFinal_ex a place to write (it writes nothing); dropped below.
  SecureBytes out(body.size() + 1);
  int last = 0;
  if (!cipher_update(ctx.get(), out.data(), body) ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, static_cast<int>(kTagSize),
                          const_cast<uint8_t*>(tag.data())) != 1) {
    internal("AEAD open failed");
  }
  // The tag is checked here; on a mismatch the decrypted bytes are cleared
  // with `out` and not returned.
  if (EVP_CipherFinal_ex(ctx.get(), out.data() + body.size(), &last) != 1) {
    return refused(std::optional<SecureBytes>());
  }
  if (last != 0) {
    internal("AEAD open failed");
  }
  out.pop_back();
  return out;
}

}  // namespace mlsref::openssl
