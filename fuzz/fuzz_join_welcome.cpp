// Fuzzes joining a group from a Welcome (RFC 9420 §12.4.3.1) with a fixed
// KeyPackage bundle (fuzz/group_fixture.h FixedJoiner). Input byte 0 picks
// the mode:
//
// With bit 0 of byte 0 clear, the rest is a JoinInput: a Welcome and
// optionally the ratchet tree out of band. A mutant of the sealed parts
// fails HPKE decryption of the GroupSecrets (R12.4.3.1-3) or AEAD decryption
// of the GroupInfo (R12.4.3.1-5), so this mode tests the Welcome's outer
// layer.
//
// With bit 0 set ("resealed"), the rest is a ResealedJoinInput: what a
// Welcome carries, in clear (its cipher_suite, the GroupSecrets and the
// GroupInfo), and optionally the ratchet tree out of band. The harness
// seals it as a hostile member holding the group's keys would
// (FixedJoiner::seal): the GroupInfo's tree_hash is recomputed from the tree
// the join will use, its confirmation_tag from the key schedule of the
// joiner_secret and the listed PSKs (so that check, R12.4.3.1-15, stays on),
// the GroupInfo is encrypted with the welcome key and the GroupSecrets to our
// init_key (make_welcome). The GroupInfo signature check (R12.4.3.1-6) is
// switched off (ref/rule_switch.h), since the fuzzer cannot re-sign. A
// mutated GroupSecrets, GroupContext, extension list or tree then reaches the
// checks behind the decryption (PSK handling, the GroupInfo and tree checks,
// §7.9.2 parent hashes, §7.3 leaves, the placement of the path secret, the
// key schedule). What does not seal (an unknown suite) is left for the join
// to refuse.
//
// A group joined must be consistent: its tree matches the tree_hash, our leaf
// is the KeyPackage's, and we can send an application message.
#include "fuzz/driver.h"
#include "fuzz/group_fixture.h"
#include "fuzz/mutator.h"
#include "ref/requirement_ids.h"
#include "ref/rule_switch.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mlsref;
  static const fuzz::FixedJoiner joiner;
  if (size == 0) {
    return 0;
  }
  const bool resealed = (data[0] & 1) != 0;
  return fuzz::run(data + 1, size - 1, [&](ByteView in) {
    std::optional<Group> joined;
    if (resealed) {
      fuzz::JoinInput sealed = joiner.seal(decode<fuzz::ResealedJoinInput>(in));
      RuleSwitchedOff signed_by_signer(req::R12_4_3_1_6);
      joined.emplace(joiner.join(sealed));
    } else {
      joined.emplace(joiner.join(decode<fuzz::JoinInput>(in)));
    }
    Group& g = *joined;
    fuzz::require(g.tree().root_tree_hash(g.suite()) == g.tree_hash(),
                  "the joined tree does not match the GroupContext's tree_hash");
    fuzz::require(
        g.tree().leaf(g.own_leaf_index()) == joiner.client.key_package.key_package.leaf_node,
        "our leaf is not our KeyPackage's");
    (void)g.create_message(joiner.client.signer, to_bytes("joined"));
  });
}

// Structure-aware mutation (fuzz/mutator.h) of the JoinInput or, in the
// resealed mode, of the ResealedJoinInput, whose tree (in the GroupInfo or out
// of band) is mutated as RatchetTreeNodes one time in four; byte 0 (the mode)
// is kept.
extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size,
                                          unsigned seed) {
  using namespace mlsref;
  if (size == 0 || max_size < 2) {
    return LLVMFuzzerMutate(data, size, max_size);
  }
  if ((data[0] & 1) == 0) {
    return 1 + fuzz::mutate<fuzz::JoinInput>(data + 1, size - 1, max_size - 1, seed);
  }
  return 1 + fuzz::mutate<fuzz::ResealedJoinInput>(
                 data + 1, size - 1, max_size - 1, seed,
                 [](fuzz::ResealedJoinInput& in, fuzz::Mutator& m) {
                   Bytes* tree = fuzz::resealed_tree(in.group_info, in.ratchet_tree);
                   return tree != nullptr && m.one_in(3) &&
                          m.mutate_encoded<RatchetTreeNodes>(*tree);
                 });
}
