// Reading JSON (RFC 8259) into nlohmann::json, for the files `mlsref` is
// given: vector files, scenario files.
//
// nlohmann's own parser spends most of the time of loading a vector file
// copying each character of a string twice, one call per character (a
// profile of BM_LoadFile/psk_secret.json: 60% in its lexer). This reader
// scans runs of plain string bytes at once and builds the same values:
// it accepts exactly the texts nlohmann accepts, to the same values, with
// two exceptions where it is stricter: nesting deeper than kMaxJsonDepth (a
// stack bound that nlohmann does not have), and a NUL byte after the value
// (nlohmann stops reading there; RFC 8259 allows only whitespace).
// tests/json_reader_test.cpp and fuzz/fuzz_json.cpp compare the two on the
// vector files and on generated and fuzzed texts.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

#include "conformance/check.h"

namespace mlsref::conformance {

inline constexpr size_t kMaxJsonDepth = 512;

// A text that is not JSON: where (1-based line and column, 0-based byte
// offset) and what was expected there.
class JsonSyntaxError : public std::runtime_error {
 public:
  JsonSyntaxError(size_t offset, size_t line, size_t column, const std::string& what, bool too_deep)
      : std::runtime_error("line " + std::to_string(line) + ", column " + std::to_string(column) +
                           ": " + what),
        offset_(offset),
        too_deep_(too_deep) {}
  size_t offset() const { return offset_; }
  // Valid JSON, perhaps, but nested deeper than kMaxJsonDepth.
  bool too_deep() const { return too_deep_; }

 private:
  size_t offset_;
  bool too_deep_;
};

// One JSON value, with optional whitespace around it and an optional UTF-8
// byte order mark before it (as nlohmann skips). Duplicate names in an
// object: the last one wins (as nlohmann; RFC 8259 §4 leaves it open).
// Throws JsonSyntaxError.
json read_json(std::string_view text);

}  // namespace mlsref::conformance
