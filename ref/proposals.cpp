// RFC 9420 §12.1 Proposals
#include "proposals.h"

namespace mlsref {

ProposalType Proposal::proposal_type() const {
  if (const auto* custom = std::get_if<CustomProposal>(&body)) {
    return custom->proposal_type;
  }
  // The other alternatives are in proposal type order, add(1) first.
  return static_cast<ProposalType>(body.index() + 1);
}

void Proposal::encode(Writer& w) const {
  encode_into(w, proposal_type());
  std::visit([&](const auto& b) { encode_into(w, b); }, body);
}

void Proposal::decode(Reader& r) {
  ProposalType type = 0;
  decode_field(r, "proposal_type", type);
  switch (type) {
    case proposal_type::add:
      body.emplace<Add>();
      decode_field(r, "add", std::get<Add>(body));
      return;
    case proposal_type::update:
      body.emplace<Update>();
      decode_field(r, "update", std::get<Update>(body));
      return;
    case proposal_type::remove:
      body.emplace<Remove>();
      decode_field(r, "remove", std::get<Remove>(body));
      return;
    case proposal_type::psk:
      body.emplace<PreSharedKey>();
      decode_field(r, "psk", std::get<PreSharedKey>(body));
      return;
    case proposal_type::reinit:
      body.emplace<ReInit>();
      decode_field(r, "reinit", std::get<ReInit>(body));
      return;
    case proposal_type::external_init:
      body.emplace<ExternalInit>();
      decode_field(r, "external_init", std::get<ExternalInit>(body));
      return;
    case proposal_type::group_context_extensions:
      body.emplace<GroupContextExtensions>();
      decode_field(r, "group_context_extensions", std::get<GroupContextExtensions>(body));
      return;
    case 0:
      // R2.1-i1. Not switchable (ref/rule_switch.h): reserved(0) has no body.
      r.fail("proposal type 0 is reserved", req::R2_1_i1);
    default:
      // Any other type: a CustomProposal (see its AMBIGUITY note). Whether
      // the group supports it is checked when the proposal is validated
      // (§12.2), not here: decoding never validates semantics.
      body.emplace<CustomProposal>().proposal_type = type;
      decode_field(r, "custom", std::get<CustomProposal>(body));
      return;
  }
}

}  // namespace mlsref
