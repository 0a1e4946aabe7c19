// Properties of the RFC 9420 §2.1 codec: round trips, and rejection of
// truncated input, non-minimal length headers and the 0b11 prefix.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "fuzz/inputs.h"
#include "ref/cipher_suite.h"
#include "ref/presentation_language.h"

namespace rc {
template <>
struct Arbitrary<mlsref::fuzz::VectorSample> {
  static Gen<mlsref::fuzz::VectorSample> arbitrary() {
    return gen::build<mlsref::fuzz::VectorSample>(
        gen::set(&mlsref::fuzz::VectorSample::id), gen::set(&mlsref::fuzz::VectorSample::blobs),
        gen::set(&mlsref::fuzz::VectorSample::maybe,
                 gen::mapcat(gen::arbitrary<bool>(),
                             [](bool present) {
                               using Opt = std::optional<mlsref::Bytes>;
                               return present ? gen::map(gen::arbitrary<mlsref::Bytes>(),
                                                         [](mlsref::Bytes b) { return Opt(b); })
                                              : gen::just(Opt());
                             })),
        gen::set(&mlsref::fuzz::VectorSample::flags), gen::set(&mlsref::fuzz::VectorSample::tail));
  }
};
template <>
struct Arbitrary<mlsref::HPKECiphertext> {
  static Gen<mlsref::HPKECiphertext> arbitrary() {
    return gen::build<mlsref::HPKECiphertext>(gen::set(&mlsref::HPKECiphertext::kem_output),
                                              gen::set(&mlsref::HPKECiphertext::ciphertext));
  }
};
}  // namespace rc

namespace mlsref {
namespace {

bool rejects(ByteView b, const std::function<void(ByteView)>& f) {
  try {
    f(b);
  } catch (const Error& e) {
    return e.kind() == ErrorKind::decode;
  }
  return false;
}

// Rejected as malformed, naming requirement `rule`.
bool rejects(ByteView b, const std::function<void(ByteView)>& f, const Requirement& rule) {
  try {
    f(b);
  } catch (const Error& e) {
    return e.kind() == ErrorKind::decode && e.rule() == rule.id;
  }
  return false;
}

RC_GTEST_PROP(CodecProps, RoundTripSample, (const fuzz::VectorSample& v)) {
  Bytes b = encode(v);
  RC_ASSERT(decode<fuzz::VectorSample>(b) == v);
  RC_ASSERT(encode(decode<fuzz::VectorSample>(b)) == b);
}

RC_GTEST_PROP(CodecProps, RoundTripHpkeCiphertext, (const HPKECiphertext& v)) {
  Bytes b = encode(v);
  RC_ASSERT(decode<HPKECiphertext>(b) == v);
}

RC_GTEST_PROP(CodecProps, TruncationRejected, (const fuzz::VectorSample& v)) {
  Bytes b = encode(v);
  size_t cut = *rc::gen::inRange<size_t>(0, b.size());
  RC_ASSERT(rejects(ByteView(b.data(), cut), [](ByteView x) { decode<fuzz::VectorSample>(x); }));
}

RC_GTEST_PROP(CodecProps, VarintRoundTrip, ()) {
  uint64_t n = *rc::gen::inRange<uint64_t>(0, kMaxVarint + 1);
  Writer w;
  w.put_varint(n);
  size_t expected = n < 64 ? 1 : n < 16384 ? 2 : 4;
  RC_ASSERT(w.bytes().size() == expected);
  Reader r(w.bytes());
  RC_ASSERT(r.get_varint() == n);
  RC_ASSERT(r.done());
}

RC_GTEST_PROP(CodecProps, NonMinimalHeaderRejected, ()) {
  // A length that fits a shorter form, written in a longer one.
  bool four = *rc::gen::arbitrary<bool>();
  uint64_t n = four ? *rc::gen::inRange<uint64_t>(0, 16384) : *rc::gen::inRange<uint64_t>(0, 64);
  Bytes header;
  if (four) {
    uint32_t v = 0x80000000u | static_cast<uint32_t>(n);
    header = {uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)};
  } else {
    uint16_t v = static_cast<uint16_t>(0x4000 | n);
    header = {uint8_t(v >> 8), uint8_t(v)};
  }
  header.resize(header.size() + n, 0x55);
  auto decode_bytes = [](ByteView x) { decode<Bytes>(x); };
  RC_ASSERT(rejects(header, decode_bytes, req::R2_1_2_2));
}

RC_GTEST_PROP(CodecProps, Prefix0b11Rejected, (std::vector<uint8_t> rest)) {
  uint8_t first = static_cast<uint8_t>(0xc0 | *rc::gen::inRange<int>(0, 64));
  rest.insert(rest.begin(), first);
  auto decode_bytes = [](ByteView x) { decode<Bytes>(x); };
  RC_ASSERT(rejects(rest, decode_bytes, req::R2_1_2_3));
}

RC_GTEST_PROP(CodecProps, AcceptedInputReencodesExactly, (std::vector<uint8_t> b)) {
  // encode(decode(b)) == b for every accepted input.
  try {
    fuzz::VectorSample v = decode<fuzz::VectorSample>(b);
    RC_ASSERT(encode(v) == b);
  } catch (const Error& e) {
    RC_ASSERT(e.kind() == ErrorKind::decode);
  }
}

}  // namespace
}  // namespace mlsref
