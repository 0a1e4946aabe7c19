// RFC 9420 §12.4 Commit
#include "commit.h"

namespace mlsref {

void ProposalOrRef::encode(Writer& w) const {
  encode_into(w, type);
  if (type == ProposalOrRefType::proposal) {
    encode_into(w, proposal);
  } else {
    encode_into(w, reference);
  }
}

void ProposalOrRef::decode(Reader& r) {
  decode_field(r, "type", type);
  if (type == ProposalOrRefType::proposal) {
    decode_field(r, "proposal", proposal);
  } else {
    decode_field(r, "reference", reference);
  }
}

}  // namespace mlsref
