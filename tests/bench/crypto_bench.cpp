// Google Benchmark timings of the hot paths: HPKE EncryptWithLabel /
// DecryptWithLabel and SignWithLabel / VerifyWithLabel per suite, the codec.
// Speed is measured here, never asserted in tests.
#include <benchmark/benchmark.h>

#include "fuzz/inputs.h"
#include "ref/cipher_suite.h"

namespace mlsref {
namespace {

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
