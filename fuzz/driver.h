// The shared part of every fuzz target: mlsref::Error is the expected way to
// reject input; anything else (another exception, a sanitizer report, an
// abort from a failed round trip) is a finding.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "ref/error.h"
#include "ref/presentation_language.h"

namespace mlsref::fuzz {

template <class F>
int run(const uint8_t* data, size_t size, F&& body) {
  try {
    body(ByteView(data, size));
  } catch (const Error&) {
    // Rejected with a typed error: what bad input must produce.
  }
  return 0;
}

// A property of a decoded input did not hold: crash so the fuzzer records it.
inline void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz property failed: %s\n", what);
    std::abort();
  }
}

// Decode as T; when that succeeds, re-encoding must give the input back.
template <class T>
void decode_round_trip(ByteView input) {
  T value = decode<T>(input);
  Bytes again = encode(value);
  require(again.size() == input.size() && std::equal(again.begin(), again.end(), input.begin()),
          "encode(decode(b)) != b");
  require(decode<T>(again) == value, "decode(encode(v)) != v");
}

}  // namespace mlsref::fuzz
