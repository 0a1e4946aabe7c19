// RFC 9420 §12.4 Commit
#include "commit.h"

namespace mlsref {

void ProposalOrRef::encode(Writer& w) const {
  encode_into(w, type);
  if (type == ProposalOrRefType::proposal) {
    if (!proposal) {
      throw Error(ErrorKind::internal, "12.4", "a ProposalOrRef of type proposal has none");
    }
    encode_into(w, *proposal);
  } else {
    encode_into(w, reference);
  }
}

void ProposalOrRef::decode(Reader& r) {
  decode_field(r, "type", type);
  if (type == ProposalOrRefType::proposal) {
    Proposal p;
    decode_field(r, "proposal", p);
    proposal = std::move(p);
  } else {
    decode_field(r, "reference", reference);
  }
}

}  // namespace mlsref
