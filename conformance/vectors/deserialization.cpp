// deserialization.json (../shared/vectors/ietf/FORMAT.md "Vector Deserialization"),
// RFC 9420 §2.1.2.
//
// Verification:
// * Decode the `vlbytes_header`
// * Verify that the decoded length matches the given `length`
// We also check that encoding `length` gives back `vlbytes_header` byte for
// byte (the header must be minimal, so the encoding is unique).
#include "conformance/vector_type.h"

namespace mlsref::conformance {

void verify_deserialization(const json& c) {
  Bytes header = hex_field(c, "vlbytes_header");
  uint64_t length = uint_field(c, "length");
  Reader r(header);
  uint64_t decoded = 0;
  try {
    decoded = r.get_varint();
    r.expect_done();
  } catch (const Error& e) {
    throw CheckFailure("vlbytes_header", "does not decode: " + e.message());
  }
  expect_uint("length", length, decoded);
  Writer w;
  w.put_varint(length);
  expect_bytes("vlbytes_header (re-encoded)", header, w.bytes());
}

json generate_deserialization(const GenerateOptions& options) {
  // The boundaries of each header size, then random lengths in each size class.
  auto rng = seeded_rng(options.seed, "deserialization");
  std::vector<uint64_t> lengths{0, 1, 63, 64, 16383, 16384, kMaxVarint};
  const uint64_t classes[][2] = {{0, 63}, {64, 16383}, {16384, kMaxVarint}};
  for (const auto& c : classes) {
    for (int i = 0; i < 3; ++i) {
      lengths.push_back(c[0] + random_below(*rng, c[1] - c[0] + 1));
    }
  }
  json out = json::array();
  for (uint64_t n : lengths) {
    Writer w;
    w.put_varint(n);
    out.push_back(json{{"vlbytes_header", to_hex(w.bytes())}, {"length", n}});
  }
  return out;
}

}  // namespace mlsref::conformance
