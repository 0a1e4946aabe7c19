// The shared part of every fuzz target: mlsref::Error is the expected way to
// reject input; anything else (another exception, a sanitizer report, an
// abort from a failed round trip) is a finding, and so is an Error of kind
// `internal` (a bug) or one that refuses input without naming the rule it
// enforces (issue 11: every validation check has a rule ID).
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "ref/error.h"
#include "ref/presentation_language.h"

namespace mlsref::fuzz {

// A property of a decoded input did not hold: crash so the fuzzer records it.
inline void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz property failed: %s\n", what);
    std::abort();
  }
}

// The Error that input produced is one that input may produce.
inline void check_rejection(const Error& e) {
  if (e.kind() == ErrorKind::internal) {
    std::fprintf(stderr, "%s\n", e.what());
    require(false, "input produced an internal error");
  }
  const bool validation = e.kind() == ErrorKind::decode || e.kind() == ErrorKind::protocol ||
                          e.kind() == ErrorKind::crypto ||
                          e.kind() == ErrorKind::unsupported_group_context_extensions;
  if (validation && e.rule().empty()) {
    std::fprintf(stderr, "%s\n", e.what());
    require(false, "input was refused by a check that names no rule");
  }
}

template <class F>
int run(const uint8_t* data, size_t size, F&& body) {
  try {
    body(ByteView(data, size));
  } catch (const Error& e) {
    // Rejected with a typed error: what bad input must produce.
    check_rejection(e);
  }
  return 0;
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
