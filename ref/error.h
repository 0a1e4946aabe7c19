// The one error type of mlsref (../shared/STYLE.md "Errors").
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "requirement.h"

namespace mlsref {

enum class ErrorKind {
  decode,       // bytes that do not parse as the structure (RFC 9420 §2.1)
  protocol,     // well-formed input that breaks a rule of the protocol
  crypto,       // a signature, tag or decryption that does not check out
  unsupported,  // a valid value mlsref does not implement
  internal,     // a bug in mlsref; peer input never produces it
  // A request of the application that mlsref cannot carry out: a precondition
  // of mlsref's API (a signer that does not own the credential, a merge with
  // no pending commit), not a rule of the RFC; peer input never produces it.
  usage,
  // A leaf that does not support every GroupContext extension or required
  // capability (RFC 9420 §7.3, §11.1, §12.1.7): an own update refused before
  // anything is sent, or a received Update / UpdatePath leaf refused.
  unsupported_group_context_extensions,
};

std::string_view to_string(ErrorKind kind);

// Thrown by every decoder and processing function on the first broken rule.
// `section` is the RFC section of the rule ("9420 §2.1.2" style is written by
// what(): callers give "2.1.2", or "9180 7.1.3" for the HPKE RFC).
class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, std::string section, std::string message);
  // A check that enforces a requirement of spec/requirements.yaml names it:
  // the section is the requirement's, and what() carries the ID.
  Error(ErrorKind kind, const Requirement& rule, std::string message);

  ErrorKind kind() const { return kind_; }
  const std::string& section() const { return section_; }
  const std::string& message() const { return message_; }
  // The ID of the requirement broken ("R12.2-3"), or empty when the error
  // names only a section.
  std::string_view rule() const { return rule_; }

 private:
  ErrorKind kind_;
  std::string section_;
  std::string message_;
  std::string_view rule_;
};

}  // namespace mlsref
