// RFC 9420 §12.1 Proposals
#include "proposals.h"

namespace mlsref {

ProposalType Proposal::proposal_type() const {
  // The variant's alternatives are in proposal type order, add(1) first.
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
    default:
      // AMBIGUITY: §12.1 lets extensions define proposal types, but a Proposal
      // carries no length, so one of an unknown type cannot be delimited. We
      // reject it (a client that does not support a proposal type rejects the
      // Commit that contains it anyway, §12.2).
      r.fail("unknown proposal type " + std::to_string(type) +
                 " (its body has no length, so it cannot be skipped)",
             "12.1");
  }
}

}  // namespace mlsref
