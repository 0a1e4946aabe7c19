// RFC 9420 §12.4 Commit (ProposalOrRef, Commit)
#pragma once

#include "leaf_node.h"
#include "proposals.h"

namespace mlsref {

// enum { reserved(0), proposal(1), reference(2), (255) } ProposalOrRefType;
enum class ProposalOrRefType : uint8_t { proposal = 1, reference = 2 };
inline bool is_known(ProposalOrRefType t) {
  return t == ProposalOrRefType::proposal || t == ProposalOrRefType::reference;
}

// struct {
//   ProposalOrRefType type;
//   select (ProposalOrRef.type) {
//     case proposal:  Proposal proposal;
//     case reference: ProposalRef reference;
//   };
// } ProposalOrRef;
//
// The proposal is held through a pointer: a two-octet reference must not
// decode into a whole Proposal (hundreds of bytes), or a Commit's memory
// would not stay proportional to its size on the wire.
struct ProposalOrRef {
  ProposalOrRefType type = ProposalOrRefType::proposal;
  BoxedOptional<Proposal> proposal;  // present exactly when type == proposal
  Bytes reference;                   // ProposalRef (opaque HashReference<V>)
  bool operator==(const ProposalOrRef&) const = default;
  static constexpr std::string_view type_name = "ProposalOrRef";
  void encode(Writer& w) const;
  void decode(Reader& r);
};

// struct {
//     ProposalOrRef proposals<V>;
//     optional<UpdatePath> path;
// } Commit;
struct Commit {
  std::vector<ProposalOrRef> proposals;
  std::optional<UpdatePath> path;
  bool operator==(const Commit&) const = default;
  static constexpr std::string_view type_name = "Commit";
  static constexpr auto fields =
      std::tuple{field("proposals", &Commit::proposals), field("path", &Commit::path)};
};

}  // namespace mlsref
