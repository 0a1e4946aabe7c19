// Fuzzes decoding of a MLSMessage (RFC 9420): what decodes must re-encode to
// the same bytes, and decode again to the same value.
#include "fuzz/driver.h"
#include "fuzz/mutator.h"
#include "ref/mls_message.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return mlsref::fuzz::run(data, size, [](mlsref::ByteView in) {
    mlsref::fuzz::decode_round_trip<mlsref::MLSMessage>(in);
  });
}

// Structure-aware mutation (fuzz/mutator.h).
extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size,
                                          unsigned seed) {
  return mlsref::fuzz::mutate<mlsref::MLSMessage>(data, size, max_size, seed);
}
