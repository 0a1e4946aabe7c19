// Fuzzes joining a group by an external Commit (RFC 9420 §12.4.3.2) with a
// fixed signer (fuzz/group_fixture.h FixedExternalJoiner). Input byte 0 picks
// the mode; the rest is an ExternalJoinInput, a GroupInfo and optionally the
// ratchet tree out of band.
//
// With bit 0 of byte 0 set ("resealed"), the GroupInfo is treated as a
// hostile member would send it: signed by its signer (the GroupInfo
// signature check, R12.4.3.1-6, is switched off, ref/rule_switch.h) over a
// tree_hash that matches the tree it carries or names (the harness
// recomputes it, fuzz::reseal). A mutated tree, GroupContext or extension
// list then reaches the checks behind the signature and the tree hash (§7.9.2
// parent hashes, §7.3 leaves, §12.4.3.2 the external list), which a
// GroupInfo the fuzzer cannot re-sign never does.
//
// A group joined must be consistent: its tree matches the tree_hash, our leaf
// has our signature key, the Commit is a PublicMessage from a
// new_member_commit sender, and we can send an application message.
#include "fuzz/driver.h"
#include "fuzz/group_fixture.h"
#include "fuzz/mutator.h"
#include "ref/requirement_ids.h"
#include "ref/rule_switch.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mlsref;
  static const fuzz::FixedExternalJoiner joiner;
  if (size == 0) {
    return 0;
  }
  const bool resealed = (data[0] & 1) != 0;
  return fuzz::run(data + 1, size - 1, [&](ByteView in) {
    auto input = decode<fuzz::ExternalJoinInput>(in);
    std::optional<RuleSwitchedOff> signed_by_signer;
    if (resealed) {
      fuzz::reseal(input);
      signed_by_signer.emplace(req::R12_4_3_1_6);
    }
    auto [g, commit] = joiner.join(input);
    signed_by_signer.reset();
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

// Structure-aware mutation (fuzz/mutator.h) of the ExternalJoinInput; byte 0
// (the mode) is kept.
extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size,
                                          unsigned seed) {
  if (size == 0 || max_size < 2) {
    return LLVMFuzzerMutate(data, size, max_size);
  }
  return 1 + mlsref::fuzz::mutate<mlsref::fuzz::ExternalJoinInput>(data + 1, size - 1,
                                                                   max_size - 1, seed);
}
