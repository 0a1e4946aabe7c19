// RFC 9420 §5.3 Credentials
#include "credential.h"

namespace mlsref {

void Credential::encode(Writer& w) const {
  encode_into(w, credential_type);
  switch (credential_type) {
    case credential_type::basic:
      encode_into(w, identity);
      return;
    case credential_type::x509:
      encode_into(w, certificates);
      return;
    default:
      throw Error(ErrorKind::unsupported, "5.3",
                  "cannot encode credential type " + std::to_string(credential_type));
  }
}

void Credential::decode(Reader& r) {
  decode_field(r, "credential_type", credential_type);
  switch (credential_type) {
    case credential_type::basic:
      decode_field(r, "identity", identity);
      return;
    case credential_type::x509:
      decode_field(r, "certificates", certificates);
      return;
    default:
      // AMBIGUITY: a credential of an unknown type has no length on the wire,
      // so nothing after it can be found; we reject it (R2.1-i1).
      // Not switchable (ref/rule_switch.h): nothing after it can be found.
      r.fail("unknown credential type " + std::to_string(credential_type) +
                 " (its body has no length, so it cannot be skipped)",
             req::R2_1_i1);
  }
}

}  // namespace mlsref
