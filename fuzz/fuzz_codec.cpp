// Fuzzes the RFC 9420 §2.1 codec: variable-length vectors, nested vectors,
// optional<T>, booleans, integers. What decodes must re-encode byte for byte.
#include "fuzz/driver.h"
#include "fuzz/inputs.h"
#include "ref/cipher_suite.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mlsref;
  fuzz::run(data, size, [](ByteView in) { fuzz::decode_round_trip<fuzz::VectorSample>(in); });
  fuzz::run(data, size, [](ByteView in) { fuzz::decode_round_trip<HPKECiphertext>(in); });
  fuzz::run(data, size, [](ByteView in) { fuzz::decode_round_trip<std::vector<Bytes>>(in); });
  return 0;
}
