// RFC 9420 §5.3 Credentials
#pragma once

#include "presentation_language.h"

namespace mlsref {

// uint16 CredentialType; (open registry, RFC 9420 §17.5)
using CredentialType = uint16_t;
namespace credential_type {
inline constexpr CredentialType basic = 0x0001;
inline constexpr CredentialType x509 = 0x0002;
}  // namespace credential_type

// struct {
//     opaque cert_data<V>;
// } Certificate;
struct Certificate {
  Bytes cert_data;
  bool operator==(const Certificate&) const = default;
  static constexpr std::string_view type_name = "Certificate";
  static constexpr auto fields = std::tuple{field("cert_data", &Certificate::cert_data)};
};

// struct {
//     CredentialType credential_type;
//     select (Credential.credential_type) {
//         case basic:
//             opaque identity<V>;
//
//         case x509:
//             Certificate certificates<V>;
//     };
// } Credential;
struct Credential {
  CredentialType credential_type = credential_type::basic;
  Bytes identity;                         // basic
  std::vector<Certificate> certificates;  // x509
  bool operator==(const Credential&) const = default;
  static constexpr std::string_view type_name = "Credential";

  static Credential basic(Bytes identity) {
    return Credential{credential_type::basic, std::move(identity), {}};
  }
  void encode(Writer& w) const;
  void decode(Reader& r);
};

}  // namespace mlsref
