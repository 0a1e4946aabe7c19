#include "error.h"

namespace mlsref {

std::string_view to_string(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::decode:
      return "decode";
    case ErrorKind::protocol:
      return "protocol";
    case ErrorKind::crypto:
      return "crypto";
    case ErrorKind::unsupported:
      return "unsupported";
    case ErrorKind::internal:
      return "internal";
    case ErrorKind::usage:
      return "usage";
    case ErrorKind::unsupported_group_context_extensions:
      return "unsupported group context extensions";
  }
  return "internal";
}

namespace {
// Sections of RFC 9180 are given as "9180 7.1.3"; bare ones are RFC 9420's.
std::string cite(const std::string& section) {
  if (section.rfind("9180 ", 0) == 0) {
    return "RFC 9180 §" + section.substr(5);
  }
  return "RFC 9420 §" + section;
}
}  // namespace

Error::Error(ErrorKind kind, std::string section, std::string message)
    : std::runtime_error(std::string(to_string(kind)) + " error (" + cite(section) +
                         "): " + message),
      kind_(kind),
      section_(std::move(section)),
      message_(std::move(message)) {}

Error::Error(ErrorKind kind, const Requirement& rule, std::string message)
    : std::runtime_error(std::string(to_string(kind)) + " error (" +
                         cite(std::string(rule.section)) + " [" + std::string(rule.id) +
                         "]): " + message),
      kind_(kind),
      section_(rule.section),
      message_(std::move(message)),
      rule_(rule.id) {}

}  // namespace mlsref
