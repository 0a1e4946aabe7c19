#include "conformance/check.h"

namespace mlsref::conformance {

void malformed(const std::string& field, const std::string& why) {
  throw CheckFailure(field, "malformed vector: " + why);
}

const json& member(const json& obj, const std::string& name) {
  if (!obj.is_object()) {
    malformed(name, "the enclosing value is not a JSON object");
  }
  auto it = obj.find(name);
  if (it == obj.end()) {
    malformed(name, "missing field \"" + name + "\"");
  }
  return *it;
}

Bytes hex_field(const json& obj, const std::string& name) {
  const json& v = member(obj, name);
  if (!v.is_string()) {
    malformed(name, "field \"" + name + "\" is not a hex string");
  }
  try {
    return from_hex(v.get_ref<const std::string&>());
  } catch (const Error& e) {
    malformed(name, e.message());
  }
}

std::string string_field(const json& obj, const std::string& name) {
  const json& v = member(obj, name);
  if (!v.is_string()) {
    malformed(name, "field \"" + name + "\" is not a string");
  }
  return v.get<std::string>();
}

uint64_t uint_field(const json& obj, const std::string& name, uint64_t max) {
  const json& v = member(obj, name);
  if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0)) {
    malformed(name, "field \"" + name + "\" is not a non-negative integer");
  }
  uint64_t x = v.get<uint64_t>();
  if (x > max) {
    malformed(name,
              "field \"" + name + "\" is " + std::to_string(x) + ", above " + std::to_string(max));
  }
  return x;
}

std::optional<uint64_t> optional_uint(const json& value, const std::string& name) {
  if (value.is_null()) {
    return std::nullopt;
  }
  if (!value.is_number_unsigned() && !(value.is_number_integer() && value.get<int64_t>() >= 0)) {
    malformed(name, name + " is neither null nor a non-negative integer");
  }
  return value.get<uint64_t>();
}

std::string show_hex(ByteView b) {
  std::string h = to_hex(b);
  if (h.size() > 72) {
    return h.substr(0, 32) + "..." + h.substr(h.size() - 32) + " (" + std::to_string(b.size()) +
           " bytes)";
  }
  return h.empty() ? std::string("(empty)") : h;
}

void expect_bytes(const std::string& check, ByteView expected, ByteView actual) {
  if (expected.size() != actual.size() ||
      !std::equal(expected.begin(), expected.end(), actual.begin())) {
    throw CheckFailure(check, "expected " + show_hex(expected) + ", got " + show_hex(actual));
  }
}

namespace {
std::string show(std::optional<uint64_t> v) { return v ? std::to_string(*v) : "null"; }
}  // namespace

void expect_uint(const std::string& check, std::optional<uint64_t> expected,
                 std::optional<uint64_t> actual) {
  if (expected != actual) {
    throw CheckFailure(check, "expected " + show(expected) + ", got " + show(actual));
  }
}

void expect_true(const std::string& check, bool ok, const std::string& message) {
  if (!ok) {
    throw CheckFailure(check, message);
  }
}

}  // namespace mlsref::conformance
