// The OpenSSL 3 backend of the primitives (ref/primitives.h): the operations
// of RFC 9420 §5.1 / RFC 9180 §7.1 on OpenSSL's EVP interface.
// Internal to primitives.cpp, which checks sizes and scalar ranges first and
// turns the "not a key" answers here into its errors, so both backends fail
// on the same inputs with the same Error kinds and sections.
#pragma once

#include <optional>

#include "primitives.h"

namespace mlsref::openssl {

// Hashes and HMAC. (HKDF stays on Botan: OpenSSL 3.0's "HKDF" KDF was not
// faster here and refuses an info over 32,768 bytes, which an MLS context can
// be; README "Benchmarks".)
Bytes hash(HashAlg h, ByteView data);
SecureBytes hmac(HashAlg h, ByteView key, ByteView data);

// AES-GCM and ChaCha20Poly1305 with a 16-byte tag after the ciphertext. The
// caller has checked the key and nonce sizes and that `ciphertext` holds a
// tag. Open gives nullopt when the tag does not verify.
Bytes aead_seal(AeadAlg a, ByteView key, ByteView nonce, ByteView aad, ByteView plaintext);
std::optional<SecureBytes> aead_open(AeadAlg a, ByteView key, ByteView nonce, ByteView aad,
                                     ByteView ciphertext);

// NIST curves. `sk` is a scalar of dh_private_size(g) bytes in [1, order).
Bytes ec_public_key(DhGroup g, ByteView sk);
// `pk` is 0x04 || x || y of dh_public_size(g) bytes; nullopt when it is not a
// point of the curve.
std::optional<SecureBytes> ecdh(DhGroup g, ByteView sk, ByteView pk);
// nullopt when `pk` is not a point of the curve; otherwise whether the DER
// signature verifies (a malformed one does not).
std::optional<bool> ecdsa_verify(DhGroup g, HashAlg h, ByteView pk, ByteView message,
                                 ByteView signature);

// X25519 and X448: keys of the right size. DH gives nullopt when OpenSSL
// refuses the agreement (RFC 7748: an all-zero shared secret). `own_pk` is
// x_public_key(sk): given with the private key, OpenSSL does not compute it
// again (it does for a private key alone, doubling the cost of a DH).
Bytes x_public_key(DhGroup g, ByteView sk);
std::optional<SecureBytes> x_dh(DhGroup g, ByteView sk, ByteView own_pk, ByteView pk);

// Ed25519 and Ed448 (RFC 8032): keys of the right size. Verification gives
// nullopt when `pk` is not a public key.
Bytes ed_public_key(SignatureScheme s, ByteView sk);
Bytes ed_sign(SignatureScheme s, ByteView sk, ByteView message);
std::optional<bool> ed_verify(SignatureScheme s, ByteView pk, ByteView message, ByteView signature);

}  // namespace mlsref::openssl
