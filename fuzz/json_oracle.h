// The oracle for conformance/json_reader.h: mlsref's JSON reader and
// nlohmann's parser must agree on every text. Shared by fuzz/fuzz_json.cpp
// and tests/json_reader_test.cpp.
#pragma once

#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "conformance/json_reader.h"

namespace mlsref::fuzz {

using conformance::json;

// Same value and same JSON types all the way down (nlohmann's == treats the
// unsigned 1 and the signed 1 as equal; the vector fields do not).
inline bool identical(const json& a, const json& b) {
  if (a.type() != b.type() || a.size() != b.size()) {
    return false;
  }
  switch (a.type()) {
    case json::value_t::object:
      for (auto i = a.begin(), j = b.begin(); i != a.end(); ++i, ++j) {
        if (i.key() != j.key() || !identical(*i, *j)) {
          return false;
        }
      }
      return true;
    case json::value_t::array:
      for (size_t i = 0; i < a.size(); ++i) {
        if (!identical(a[i], b[i])) {
          return false;
        }
      }
      return true;
    case json::value_t::number_float: {
      double x = a.get<double>(), y = b.get<double>();
      return std::memcmp(&x, &y, sizeof x) == 0;
    }
    default:
      return a == b;
  }
}

// Empty when both accept `text` to identical values, or both reject it.
// Two known differences are allowed, where mlsref rejects what nlohmann
// accepts: nesting deeper than kMaxJsonDepth (mlsref's stack bound), and a
// NUL byte after the value (nlohmann takes it for the end of the text and
// ignores what follows; RFC 8259 allows only whitespace there). Otherwise,
// says how they differ.
inline std::string json_disagreement(std::string_view text) {
  std::optional<json> ours, theirs;
  std::string our_error, their_error;
  bool too_deep = false;
  try {
    ours = conformance::read_json(text);
  } catch (const conformance::JsonSyntaxError& e) {
    our_error = e.what();
    too_deep = e.too_deep();
    if (e.offset() < text.size() && text[e.offset()] == '\0') {
      try {
        ours = conformance::read_json(text.substr(0, e.offset()));  // what nlohmann reads
      } catch (const conformance::JsonSyntaxError&) {
      }
    }
  }
  try {
    theirs = json::parse(text.data(), text.data() + text.size());
  } catch (const json::exception& e) {
    their_error = e.what();
  }
  if (ours && theirs) {
    return identical(*ours, *theirs) ? ""
                                     : "different values: " + ours->dump() + " (mlsref), " +
                                           theirs->dump() + " (nlohmann)";
  }
  if (ours) {
    return "mlsref accepts, nlohmann rejects: " + their_error;
  }
  if (theirs && !too_deep) {
    return "nlohmann accepts, mlsref rejects: " + our_error;
  }
  return "";
}

}  // namespace mlsref::fuzz
