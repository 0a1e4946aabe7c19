// The OpenSSL 3 backend of the primitives, RFC 9420 §5.1 and RFC 9180 §7.1:
// ECDH and ECDSA verification on the NIST curves, X25519/X448 and
// Ed25519/Ed448, through EVP. Secrets pass through zeroizing buffers only:
// scalars are imported from SecureBytes, BIGNUMs are freed with
// BN_clear_free, and OpenSSL clears the private keys it holds when an
// EVP_PKEY is freed.
#include "primitives_openssl.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/params.h>

#include <memory>

namespace mlsref::openssl {

namespace {

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
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

}  // namespace mlsref::openssl
