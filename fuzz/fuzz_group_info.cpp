// Fuzzes decoding of a GroupInfo (RFC 9420): what decodes must re-encode to
// the same bytes, and decode again to the same value.
#include "fuzz/driver.h"
#include "ref/mls_message.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return mlsref::fuzz::run(data, size, [](mlsref::ByteView in) {
    mlsref::fuzz::decode_round_trip<mlsref::GroupInfo>(in);
  });
}
