// RFC 9420 §6 MLSMessage: the outer structure of every message.
#pragma once

#include <variant>

#include "framing.h"
#include "key_package.h"
#include "welcome.h"

namespace mlsref {

// struct {
//     ProtocolVersion version = mls10;
//     WireFormat wire_format;
//     select (MLSMessage.wire_format) {
//         case mls_public_message:  PublicMessage public_message;
//         case mls_private_message: PrivateMessage private_message;
//         case mls_welcome:         Welcome welcome;
//         case mls_group_info:      GroupInfo group_info;
//         case mls_key_package:     KeyPackage key_package;
//     };
// } MLSMessage;
struct MLSMessage {
  // Alternatives in wire format order, mls_public_message(1) first.
  using Body = std::variant<PublicMessage, PrivateMessage, Welcome, GroupInfo, KeyPackage>;
  ProtocolVersion version = mls10;
  Body body;
  bool operator==(const MLSMessage&) const = default;
  static constexpr std::string_view type_name = "MLSMessage";

  WireFormat wire_format() const { return static_cast<WireFormat>(body.index() + 1); }
  void encode(Writer& w) const;
  void decode(Reader& r);
};

}  // namespace mlsref
