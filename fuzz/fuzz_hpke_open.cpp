// Fuzzes DecryptWithLabel (RFC 9420 §5.1.3) over HPKE (RFC 9180) with fuzzed
// suite, private key, label, context, enc and ciphertext. Bad keys, points
// and tags must be typed errors.
#include "fuzz/driver.h"
#include "fuzz/inputs.h"
#include "fuzz/mutator.h"
#include "ref/cipher_suite.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mlsref;
  return fuzz::run(data, size, [](ByteView in) {
    auto input = decode<fuzz::HpkeOpenInput>(in);
    CipherSuite suite(input.cipher_suite);
    std::string label(input.label.begin(), input.label.end());
    SecureBytes pt = suite.decrypt_with_label(input.private_key, label, input.context,
                                              input.kem_output, input.ciphertext);
    // It opened: sealing again to the same key must open to the same plaintext.
    hpke::KeyPair kp = suite.hpke().kem().key_pair(input.private_key);
    HPKECiphertext again =
        suite.encrypt_with_label(kp.public_key, label, input.context, pt, system_rng());
    fuzz::require(suite.decrypt_with_label(input.private_key, label, input.context,
                                           again.kem_output, again.ciphertext) == pt,
                  "re-sealed plaintext does not open");
  });
}

// Structure-aware mutation (fuzz/mutator.h).
extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size,
                                          unsigned seed) {
  return mlsref::fuzz::mutate<mlsref::fuzz::HpkeOpenInput>(data, size, max_size, seed);
}
