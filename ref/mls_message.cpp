// RFC 9420 §6 MLSMessage
#include "mls_message.h"

#include "requirement_ids.h"
#include "rule_switch.h"

namespace mlsref {

void MLSMessage::encode(Writer& w) const {
  encode_into(w, version);
  encode_into(w, wire_format());
  std::visit([&](const auto& b) { encode_into(w, b); }, body);
}

void MLSMessage::decode(Reader& r) {
  decode_field(r, "version", version);
  // RFC 9420 §6: the struct's default, not a requirement of spec/requirements.yaml
  //    struct {
  //        ProtocolVersion version = mls10;
  if (version != mls10) {
    // R2.1-i1. Not switchable (ref/rule_switch.h): no other version is defined.
    r.fail("version " + std::to_string(version) + " is not mls10", req::R2_1_i1);
  }
  WireFormat wf = 0;
  decode_field(r, "wire_format", wf);
  switch (wf) {
    case wire_format::mls_public_message:
      body.emplace<PublicMessage>();
      decode_field(r, "public_message", std::get<PublicMessage>(body));
      return;
    case wire_format::mls_private_message:
      body.emplace<PrivateMessage>();
      decode_field(r, "private_message", std::get<PrivateMessage>(body));
      return;
    case wire_format::mls_welcome:
      body.emplace<Welcome>();
      decode_field(r, "welcome", std::get<Welcome>(body));
      return;
    case wire_format::mls_group_info:
      body.emplace<GroupInfo>();
      decode_field(r, "group_info", std::get<GroupInfo>(body));
      return;
    case wire_format::mls_key_package:
      body.emplace<KeyPackage>();
      decode_field(r, "key_package", std::get<KeyPackage>(body));
      // RFC 9420 §10 [R10-6]
      //    If a client receives a KeyPackage carried within an MLSMessage object, then it MUST
      //    verify that the `version` field of the KeyPackage has the same value as the `version`
      //    field of the MLSMessage.
      if (std::get<KeyPackage>(body).version != version && enforced(req::R10_6)) {
        r.fail("KeyPackage.version " + std::to_string(std::get<KeyPackage>(body).version) +
                   " differs from MLSMessage.version " + std::to_string(version),
               req::R10_6);
      }
      return;
    default:
      // R2.1-i1. Not switchable (ref/rule_switch.h): no body to decode.
      r.fail("unknown wire format " + std::to_string(wf), req::R2_1_i1);
  }
}

}  // namespace mlsref
