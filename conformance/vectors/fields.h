// Fields of vector cases that hold MLS structures, shared by the verifiers.
#pragma once

#include "conformance/check.h"
#include "ref/mls_message.h"
#include "ref/ratchet_tree.h"

namespace mlsref::conformance {

// The hex field `name`, decoded as an MLSMessage carrying a T.
template <class T>
T message_field(const json& c, const std::string& name) {
  MLSMessage m;
  try {
    m = decode<MLSMessage>(hex_field(c, name));
  } catch (const Error& e) {
    throw CheckFailure(name, "does not decode: " + e.message());
  }
  if (!std::holds_alternative<T>(m.body)) {
    throw CheckFailure(name, "has wire format " + std::to_string(m.wire_format()));
  }
  return std::get<T>(m.body);
}

// The hex field `name`, decoded as a ratchet_tree extension (§12.4.3.3).
RatchetTree tree_field(const json& c, const std::string& name);

}  // namespace mlsref::conformance
