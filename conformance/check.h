// Helpers the vector verifiers share: reading fields of a JSON test case and
// comparing what mlsref computes with what the vector says.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>

#include "ref/presentation_language.h"

namespace mlsref::conformance {

using json = nlohmann::json;

// A check of a vector did not hold. `check` names the value ("derive_secret",
// "encryptions[3].ct"), `message` says how it differs.
class CheckFailure : public std::runtime_error {
 public:
  CheckFailure(std::string check, std::string message)
      : std::runtime_error(check + ": " + message),
        check_(std::move(check)),
        message_(std::move(message)) {}
  const std::string& check() const { return check_; }
  const std::string& message() const { return message_; }

 private:
  std::string check_;
  std::string message_;
};

// The vector itself is malformed (missing field, wrong JSON type, bad hex).
[[noreturn]] void malformed(const std::string& field, const std::string& why);

const json& member(const json& obj, const std::string& name);
Bytes hex_field(const json& obj, const std::string& name);
std::string string_field(const json& obj, const std::string& name);
uint64_t uint_field(const json& obj, const std::string& name, uint64_t max = UINT64_MAX);
std::optional<uint64_t> optional_uint(const json& value, const std::string& name);

// Byte strings differ: "expected <hex>, got <hex>" (long values shortened).
void expect_bytes(const std::string& check, ByteView expected, ByteView actual);
void expect_uint(const std::string& check, std::optional<uint64_t> expected,
                 std::optional<uint64_t> actual);
void expect_true(const std::string& check, bool ok, const std::string& message);

std::string show_hex(ByteView b);

}  // namespace mlsref::conformance
