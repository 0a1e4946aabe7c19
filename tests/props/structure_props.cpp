// decode(encode(v)) == v and encode(decode(encode(v))) == encode(v) for every
// structure of RFC 9420 that travels on the wire, from random values; and any
// strict prefix of an encoding is rejected with a decode error.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "tests/props/structure_gen.h"

namespace mlsref {
namespace {

template <class T>
void round_trip() {
  T v = props::arb<T>();
  Bytes b = encode(v);
  T back = decode<T>(b);
  RC_ASSERT(back == v);
  RC_ASSERT(encode(back) == b);
  size_t cut = *rc::gen::inRange<size_t>(0, b.size());
  try {
    decode<T>(ByteView(b.data(), cut));
    RC_FAIL("a strict prefix decoded");
  } catch (const Error& e) {
    RC_ASSERT(e.kind() == ErrorKind::decode);
  }
}

#define MLSREF_ROUND_TRIP(T) \
  RC_GTEST_PROP(StructureProps, T##RoundTrip, ()) { round_trip<T>(); }

MLSREF_ROUND_TRIP(Credential)
MLSREF_ROUND_TRIP(Capabilities)
MLSREF_ROUND_TRIP(Extension)
MLSREF_ROUND_TRIP(LeafNode)
MLSREF_ROUND_TRIP(ParentNode)
MLSREF_ROUND_TRIP(Node)
MLSREF_ROUND_TRIP(UpdatePath)
MLSREF_ROUND_TRIP(KeyPackage)
MLSREF_ROUND_TRIP(GroupContext)
MLSREF_ROUND_TRIP(PreSharedKeyID)
MLSREF_ROUND_TRIP(Proposal)
MLSREF_ROUND_TRIP(ProposalOrRef)
MLSREF_ROUND_TRIP(Commit)
MLSREF_ROUND_TRIP(FramedContent)
MLSREF_ROUND_TRIP(AuthenticatedContent)
MLSREF_ROUND_TRIP(PublicMessage)
MLSREF_ROUND_TRIP(PrivateMessage)
MLSREF_ROUND_TRIP(SenderData)
MLSREF_ROUND_TRIP(GroupInfo)
MLSREF_ROUND_TRIP(GroupSecrets)
MLSREF_ROUND_TRIP(EncryptedGroupSecrets)
MLSREF_ROUND_TRIP(Welcome)
MLSREF_ROUND_TRIP(MLSMessage)

}  // namespace
}  // namespace mlsref
