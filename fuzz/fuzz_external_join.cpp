// Fuzzes joining a group by an external Commit (RFC 9420 §12.4.3.2) with a
// fixed signer (fuzz/group_fixture.h FixedExternalJoiner): the input is an
// ExternalJoinInput, a GroupInfo and optionally the ratchet tree out of band.
// A group joined must be consistent: its tree matches the tree_hash, our leaf
// has our signature key, the Commit is a PublicMessage from a
// new_member_commit sender, and we can send an application message.
#include "fuzz/driver.h"
#include "fuzz/group_fixture.h"
#include "fuzz/mutator.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mlsref;
  static const fuzz::FixedExternalJoiner joiner;
  return fuzz::run(data, size, [](ByteView in) {
    auto [g, commit] = joiner.join(decode<fuzz::ExternalJoinInput>(in));
    fuzz::require(g.tree().root_tree_hash(g.suite()) == g.tree_hash(),
                  "the joined tree does not match the GroupContext's tree_hash");
    fuzz::require(g.tree().leaf(g.own_leaf_index()).signature_key == joiner.client.signer.public_key,
                  "our leaf does not have our signature key");
    const auto* pm = std::get_if<PublicMessage>(&commit.body);
    fuzz::require(pm != nullptr && pm->content.sender.sender_type == SenderType::new_member_commit,
                  "the external Commit is not a PublicMessage from a new_member_commit sender");
    (void)g.create_message(joiner.client.signer, to_bytes("joined"));
  });
}

// Structure-aware mutation (fuzz/mutator.h) of the ExternalJoinInput.
extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size,
                                          unsigned seed) {
  return mlsref::fuzz::mutate<mlsref::fuzz::ExternalJoinInput>(data, size, max_size, seed);
}
