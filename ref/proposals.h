// RFC 9420 §12.1 Proposals (§12.1.1 Add ... §12.1.7 GroupContextExtensions),
// §5.2 ProposalRef.
#pragma once

#include <variant>

#include "key_package.h"
#include "key_schedule.h"

namespace mlsref {

namespace proposal_type {
inline constexpr ProposalType add = 0x0001;
inline constexpr ProposalType update = 0x0002;
inline constexpr ProposalType remove = 0x0003;
inline constexpr ProposalType psk = 0x0004;
inline constexpr ProposalType reinit = 0x0005;
inline constexpr ProposalType external_init = 0x0006;
inline constexpr ProposalType group_context_extensions = 0x0007;
}  // namespace proposal_type

// struct { KeyPackage key_package; } Add;
struct Add {
  KeyPackage key_package;
  bool operator==(const Add&) const = default;
  static constexpr std::string_view type_name = "Add";
  static constexpr auto fields = std::tuple{field("key_package", &Add::key_package)};
};

// struct { LeafNode leaf_node; } Update;
struct Update {
  LeafNode leaf_node;
  bool operator==(const Update&) const = default;
  static constexpr std::string_view type_name = "Update";
  static constexpr auto fields = std::tuple{field("leaf_node", &Update::leaf_node)};
};

// struct { uint32 removed; } Remove;
struct Remove {
  uint32_t removed = 0;
  bool operator==(const Remove&) const = default;
  static constexpr std::string_view type_name = "Remove";
  static constexpr auto fields = std::tuple{field("removed", &Remove::removed)};
};

// struct { PreSharedKeyID psk; } PreSharedKey;
struct PreSharedKey {
  PreSharedKeyID psk;
  bool operator==(const PreSharedKey&) const = default;
  static constexpr std::string_view type_name = "PreSharedKey";
  static constexpr auto fields = std::tuple{field("psk", &PreSharedKey::psk)};
};

// struct {
//     opaque group_id<V>;
//     ProtocolVersion version;
//     CipherSuite cipher_suite;
//     Extension extensions<V>;
// } ReInit;
struct ReInit {
  Bytes group_id;
  ProtocolVersion version = mls10;
  CipherSuiteId cipher_suite = 0;
  std::vector<Extension> extensions;
  bool operator==(const ReInit&) const = default;
  static constexpr std::string_view type_name = "ReInit";
  static constexpr auto fields = std::tuple{
      field("group_id", &ReInit::group_id), field("version", &ReInit::version),
      field("cipher_suite", &ReInit::cipher_suite), field("extensions", &ReInit::extensions)};
};

// struct { opaque kem_output<V>; } ExternalInit;
struct ExternalInit {
  Bytes kem_output;
  bool operator==(const ExternalInit&) const = default;
  static constexpr std::string_view type_name = "ExternalInit";
  static constexpr auto fields = std::tuple{field("kem_output", &ExternalInit::kem_output)};
};

// struct { Extension extensions<V>; } GroupContextExtensions;
struct GroupContextExtensions {
  std::vector<Extension> extensions;
  bool operator==(const GroupContextExtensions&) const = default;
  static constexpr std::string_view type_name = "GroupContextExtensions";
  static constexpr auto fields =
      std::tuple{field("extensions", &GroupContextExtensions::extensions)};
};

// A proposal of a type this document does not define (RFC 9420 §12.1:
// extensions and applications may define proposal types; a group can use
// one when every member lists it in capabilities.proposals, §12.2).
// AMBIGUITY: a Proposal carries no length, so the RFC gives no way to
// delimit the body of an unknown type. We take the convention that such a
// body is `opaque proposal_data<V>`, as implementations that support custom
// proposals do; its meaning is left to the application.
struct CustomProposal {
  ProposalType proposal_type = 0;
  Bytes proposal_data;
  bool operator==(const CustomProposal&) const = default;
  static constexpr std::string_view type_name = "CustomProposal";
  // Only the body: Proposal writes proposal_type.
  void encode(Writer& w) const { encode_into(w, proposal_data); }
  void decode(Reader& r) { decode_field(r, "proposal_data", proposal_data); }
};

// struct {
//     ProposalType proposal_type;
//     select (Proposal.proposal_type) {
//         case add:                      Add;
//         case update:                   Update;
//         case remove:                   Remove;
//         case psk:                      PreSharedKey;
//         case reinit:                   ReInit;
//         case external_init:            ExternalInit;
//         case group_context_extensions: GroupContextExtensions;
//     };
// } Proposal;
// (Any other proposal_type: CustomProposal.)
struct Proposal {
  using Body = std::variant<Add, Update, Remove, PreSharedKey, ReInit, ExternalInit,
                            GroupContextExtensions, CustomProposal>;
  Body body;
  bool operator==(const Proposal&) const = default;
  static constexpr std::string_view type_name = "Proposal";

  ProposalType proposal_type() const;
  void encode(Writer& w) const;
  void decode(Reader& r);
  // MakeProposalRef(value) = RefHash("MLS 1.0 Proposal Reference", value), where
  // value is the encoded AuthenticatedContent carrying the proposal (§5.2).
};

}  // namespace mlsref
