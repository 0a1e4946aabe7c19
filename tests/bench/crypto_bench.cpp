// Google Benchmark timings of the hot paths: each primitive operation on each
// backend (BM_Primitive/<op>/<algorithm>/<backend>: the per-operation costs
// behind the automatic backend choice and the crypto floor in README
// "Benchmarks"), HPKE EncryptWithLabel / DecryptWithLabel and SignWithLabel /
// VerifyWithLabel per suite, the codec.
// Speed is measured here, never asserted in tests.
#include <benchmark/benchmark.h>
#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <functional>

#include "fuzz/inputs.h"
#include "ref/cipher_suite.h"

namespace mlsref {
namespace {

// One operation on one algorithm with the backend forced; `input` names an
// input size other than the default below ("4096B").
void register_primitive(PrimitiveOp op, size_t alg, Backend backend, std::function<void()> run,
                        const std::string& input = "") {
  std::string name = "BM_Primitive/" + std::string(to_string(op)) + "/" +
                     std::string(primitive_alg_name(alg)) + "/" + std::string(to_string(backend)) +
                     (input.empty() ? "" : "/" + input);
  benchmark::RegisterBenchmark(name.c_str(), [run, backend](benchmark::State& state) {
    BackendChoice before = backend_choice();
    set_backend_choice(backend == Backend::botan ? BackendChoice::botan : BackendChoice::openssl);
    for (auto _ : state) {
      run();
    }
    set_backend_choice(before);
  });
}

// Inputs the size MLS uses: 100-byte messages, 32-byte HKDF outputs. Hashes,
// HMACs, HKDF and AEADs also at 4096 bytes ("/4096B"): with the 100-byte
// cost, the cost per further byte, which prices the input bytes --stats
// counts (scripts/crypto-floor.py).
[[maybe_unused]] const bool primitives_registered = [] {
  Bytes message(100, 7);
  Bytes large(4096, 7);
  for (size_t g = 0; g < 5; ++g) {
    auto group = static_cast<DhGroup>(g);
    size_t alg = 6 + g;
    SecureBytes sk =
        signature_generate(group == DhGroup::p256   ? SignatureScheme::ecdsa_secp256r1_sha256
                           : group == DhGroup::p384 ? SignatureScheme::ecdsa_secp384r1_sha384
                                                    : SignatureScheme::ecdsa_secp521r1_sha512,
                           system_rng());
    if (!dh_is_nist(group)) {
      sk.assign(dh_private_size(group), 0x42);
    }
    Bytes pk = dh_public_key(group, sk);
    for (Backend b : {Backend::botan, Backend::openssl}) {
      if (group == DhGroup::x448 && b == Backend::botan) {
        continue;
      }
      register_primitive(PrimitiveOp::dh, alg, b,
                         [=] { benchmark::DoNotOptimize(dh(group, sk, pk)); });
      register_primitive(PrimitiveOp::key_generation, alg, b,
                         [=] { benchmark::DoNotOptimize(dh_public_key(group, sk)); });
    }
  }
  for (auto s : {SignatureScheme::ecdsa_secp256r1_sha256, SignatureScheme::ecdsa_secp384r1_sha384,
                 SignatureScheme::ecdsa_secp521r1_sha512, SignatureScheme::ed25519,
                 SignatureScheme::ed448}) {
    size_t alg = s == SignatureScheme::ecdsa_secp256r1_sha256   ? 11
                 : s == SignatureScheme::ecdsa_secp384r1_sha384 ? 12
                 : s == SignatureScheme::ecdsa_secp521r1_sha512 ? 13
                 : s == SignatureScheme::ed25519                ? 14
                                                                : 15;
    SecureBytes sk = signature_generate(s, system_rng());
    Bytes pk = signature_public_key(s, sk);
    Bytes sig = sign(s, sk, message);
    for (Backend b : {Backend::botan, Backend::openssl}) {
      if (s == SignatureScheme::ed448 && b == Backend::botan) {
        continue;
      }
      register_primitive(PrimitiveOp::verify, alg, b, [=] { verify(s, pk, message, sig); });
      register_primitive(PrimitiveOp::key_generation, alg, b,
                         [=] { benchmark::DoNotOptimize(signature_public_key(s, sk)); });
      if (s == SignatureScheme::ed25519 || s == SignatureScheme::ed448 || b == Backend::botan) {
        register_primitive(PrimitiveOp::sign, alg, b,
                           [=] { benchmark::DoNotOptimize(sign(s, sk, message)); });
      }
    }
  }
  for (size_t h = 0; h < 3; ++h) {
    auto alg = static_cast<HashAlg>(h);
    SecureBytes prk(hash_size(alg), 3);
    for (Backend b : {Backend::botan, Backend::openssl}) {
      register_primitive(PrimitiveOp::hash, h, b,
                         [=] { benchmark::DoNotOptimize(hash(alg, message)); });
      register_primitive(PrimitiveOp::hmac, h, b,
                         [=] { benchmark::DoNotOptimize(hmac(alg, prk, message)); });
      register_primitive(
          PrimitiveOp::hash, h, b, [=] { benchmark::DoNotOptimize(hash(alg, large)); }, "4096B");
      register_primitive(
          PrimitiveOp::hmac, h, b, [=] { benchmark::DoNotOptimize(hmac(alg, prk, large)); },
          "4096B");
    }
    // One output block: HMAC over info and counter, 100 (4096) bytes.
    register_primitive(PrimitiveOp::key_derivation, h, Backend::botan, [=] {
      benchmark::DoNotOptimize(hkdf_expand(alg, prk, ByteView(message).first(99), 32));
    });
    register_primitive(
        PrimitiveOp::key_derivation, h, Backend::botan,
        [=] { benchmark::DoNotOptimize(hkdf_expand(alg, prk, ByteView(large).first(4095), 32)); },
        "4096B");
  }
  for (auto a : {AeadAlg::aes_128_gcm, AeadAlg::aes_256_gcm, AeadAlg::chacha20_poly1305}) {
    size_t alg = a == AeadAlg::aes_128_gcm ? 3 : a == AeadAlg::aes_256_gcm ? 4 : 5;
    Bytes key(aead_key_size(a), 5), nonce(aead_nonce_size(a), 6);
    Bytes ct = aead_seal(a, key, nonce, {}, message);
    Bytes large_ct = aead_seal(a, key, nonce, {}, large);
    for (Backend b : {Backend::botan, Backend::openssl}) {
      register_primitive(PrimitiveOp::aead_seal, alg, b,
                         [=] { benchmark::DoNotOptimize(aead_seal(a, key, nonce, {}, message)); });
      register_primitive(PrimitiveOp::aead_open, alg, b,
                         [=] { benchmark::DoNotOptimize(aead_open(a, key, nonce, {}, ct)); });
      register_primitive(
          PrimitiveOp::aead_seal, alg, b,
          [=] { benchmark::DoNotOptimize(aead_seal(a, key, nonce, {}, large)); }, "4096B");
      register_primitive(
          PrimitiveOp::aead_open, alg, b,
          [=] { benchmark::DoNotOptimize(aead_open(a, key, nonce, {}, large_ct)); }, "4096B");
    }
  }
  return true;
}();

// OpenSSL 3's own HKDF-Expand (EVP_KDF "HKDF"), called directly: the
// measurement behind keeping key derivation on Botan (README "Benchmarks").
// Same inputs as BM_Primitive/key_derivation; the context is reset after each
// derivation, as a backend would to clear the key.
void BM_OpenSslHkdfExpand(benchmark::State& state) {
  auto alg = static_cast<HashAlg>(state.range(0));
  const char* name = alg == HashAlg::sha256   ? "SHA2-256"
                     : alg == HashAlg::sha384 ? "SHA2-384"
                                              : "SHA2-512";
  SecureBytes prk(hash_size(alg), 3);
  Bytes info(99, 7);
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
  int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
  uint8_t out[32];
  for (auto _ : state) {
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(name), 0),
        OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, prk.data(), prk.size()),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info.data(), info.size()),
        OSSL_PARAM_construct_end()};
    if (EVP_KDF_derive(ctx, out, sizeof out, params) != 1) {
      state.SkipWithError("EVP_KDF_derive failed");
      break;
    }
    EVP_KDF_CTX_reset(ctx);
    benchmark::DoNotOptimize(out);
  }
  EVP_KDF_CTX_free(ctx);
  EVP_KDF_free(kdf);
  state.SetLabel(std::string(to_string(alg)));
}
BENCHMARK(BM_OpenSslHkdfExpand)->DenseRange(0, 2);

void BM_EncryptWithLabel(benchmark::State& state) {
  CipherSuite s(static_cast<uint16_t>(state.range(0)));
  hpke::KeyPair kp = s.generate_key_pair(system_rng());
  Bytes pt(64, 1);
  for (auto _ : state) {
    benchmark::DoNotOptimize(s.encrypt_with_label(kp.public_key, "Bench", {}, pt, system_rng()));
  }
  state.SetLabel(std::string(s.info().name));
}
BENCHMARK(BM_EncryptWithLabel)->DenseRange(1, 7);

void BM_DecryptWithLabel(benchmark::State& state) {
  CipherSuite s(static_cast<uint16_t>(state.range(0)));
  hpke::KeyPair kp = s.generate_key_pair(system_rng());
  HPKECiphertext ct = s.encrypt_with_label(kp.public_key, "Bench", {}, Bytes(64, 1), system_rng());
  for (auto _ : state) {
    benchmark::DoNotOptimize(
        s.decrypt_with_label(kp.private_key, "Bench", {}, ct.kem_output, ct.ciphertext));
  }
  state.SetLabel(std::string(s.info().name));
}
BENCHMARK(BM_DecryptWithLabel)->DenseRange(1, 7);

void BM_SignVerify(benchmark::State& state) {
  CipherSuite s(static_cast<uint16_t>(state.range(0)));
  SecureBytes sk = s.generate_signature_key(system_rng());
  Bytes pk = s.signature_public_key(sk);
  Bytes content(256, 2);
  for (auto _ : state) {
    Bytes sig = s.sign_with_label(sk, "Bench", content);
    s.verify_with_label(pk, "Bench", content, sig);  // throws on failure
    benchmark::DoNotOptimize(sig);
  }
  state.SetLabel(std::string(s.info().name));
}
BENCHMARK(BM_SignVerify)->DenseRange(1, 7);

void BM_CodecRoundTrip(benchmark::State& state) {
  fuzz::VectorSample v{7, std::vector<Bytes>(64, Bytes(100, 3)), Bytes(10, 4), {true, false}, 9};
  for (auto _ : state) {
    benchmark::DoNotOptimize(decode<fuzz::VectorSample>(encode(v)));
  }
}
BENCHMARK(BM_CodecRoundTrip);

}  // namespace
}  // namespace mlsref

BENCHMARK_MAIN();
