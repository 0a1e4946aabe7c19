// Fuzzes unprotecting an MLSMessage (RFC 9420 §6.2, §6.3) against a fixed
// epoch (fuzz/inputs.h FixedEpoch): decode, then verify the membership tag and
// signature of a PublicMessage, or decrypt sender data and content, check the
// padding and verify the signature of a PrivateMessage. What unprotects must
// carry content that re-encodes.
#include "fuzz/driver.h"
#include "fuzz/inputs.h"
#include "fuzz/mutator.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mlsref;
  static const fuzz::FixedEpoch epoch;
  return fuzz::run(data, size, [](ByteView in) {
    MLSMessage m = decode<MLSMessage>(in);
    AuthenticatedContent ac;
    if (auto* pub = std::get_if<PublicMessage>(&m.body)) {
      ac = unprotect_public(epoch.suite, *pub, epoch.context, epoch.membership_key,
                            epoch.signature_public_key);
    } else if (auto* priv = std::get_if<PrivateMessage>(&m.body)) {
      SecretTree tree = epoch.fresh_tree();
      ac = unprotect_private(epoch.suite, *priv, epoch.context, tree, epoch.sender_data_secret,
                             [](LeafIndex) { return epoch.signature_public_key; });
    } else {
      return;
    }
    fuzz::require(decode<AuthenticatedContent>(encode(ac)) == ac, "content does not round-trip");
  });
}

// Structure-aware mutation (fuzz/mutator.h).
extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size,
                                          unsigned seed) {
  return mlsref::fuzz::mutate<mlsref::MLSMessage>(data, size, max_size, seed);
}
