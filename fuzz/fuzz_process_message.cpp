// Fuzzes Group::process_message (RFC 9420 §6.2, §6.3, §12.1, §12.4.2, §15)
// on a live 3-member group (fuzz/group_fixture.h FixedGroup), as alice:
// input byte 0 picks the group (bit 0 clear: public handshake messages, set:
// private) and, with bit 1 set, switches the three checks that authenticate
// a message off (ref/rule_switch.h): the signature (R6.1-9), the
// membership_tag (R6.2-2) and a Commit's confirmation_tag (R12.4.2-23). A
// mutated proposal or commit then reaches the checks behind them (§12.1-12.3
// proposal validation, §7.5-7.6 the path, §12.4.2 the new epoch), which a
// signed message the fuzzer cannot re-sign never does. The rest of the input
// is an MLSMessage. Each input runs on a copy of alice's
// state. A rejected message must leave the state exactly as it was, and a
// message of carol's that alice has not read must still decrypt (no key was
// consumed). An accepted commit is merged; the new tree must match its hash.
#include "fuzz/driver.h"
#include "fuzz/group_fixture.h"
#include "fuzz/mutator.h"
#include "ref/requirement_ids.h"
#include "ref/rule_switch.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mlsref;
  // A message of carol's, made once, that a copy of alice must still read.
  struct Fixture {
    fuzz::FixedGroup group;
    Bytes probe;
    explicit Fixture(bool handshake_private)
        : group(handshake_private), probe(group.carol_probe) {}
  };
  static Fixture pub(false), priv(true);
  if (size == 0) {
    return 0;
  }
  const Fixture& f = (data[0] & 1) != 0 ? priv : pub;
  const bool authenticated = (data[0] & 2) == 0;
  Group alice = f.group.members[0];
  const Bytes before = fuzz::group_fingerprint(alice);
  return fuzz::run(data + 1, size - 1, [&](ByteView in) {
    ProcessedMessage pm;
    try {
      if (authenticated) {
        pm = alice.process_message(in);
      } else {
        RuleSwitchedOff unauthenticated{&req::R6_1_9, &req::R6_2_2, &req::R12_4_2_23};
        pm = alice.process_message(in);
      }
    } catch (const Error& e) {
      fuzz::require(fuzz::group_fingerprint(alice) == before,
                    "a rejected message changed the group");
      if (e.kind() != ErrorKind::decode) {
        Group again = alice;
        ProcessedMessage probe = again.process_message(f.probe);
        fuzz::require(std::get<ApplicationMessage>(probe.content).data == to_bytes("probe"),
                      "the probe decrypted to something else");
      }
      throw;
    }
    if (auto* sc = std::get_if<StagedCommit>(&pm.content)) {
      fuzz::require(fuzz::group_fingerprint(alice) == before, "staging a commit changed the group");
      alice.merge_staged_commit(std::move(*sc));
      fuzz::require(alice.tree().root_tree_hash(alice.suite()) == alice.tree_hash(),
                    "the merged tree does not match the GroupContext's tree_hash");
    } else if (auto* q = std::get_if<QueuedProposal>(&pm.content)) {
      alice.store_pending_proposal(std::move(*q));
    }
  });
}

// Structure-aware mutation (fuzz/mutator.h) of the MLSMessage; byte 0 (the
// group and the mode) is kept.
extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size,
                                          unsigned seed) {
  if (size == 0 || max_size < 2) {
    return LLVMFuzzerMutate(data, size, max_size);
  }
  return 1 + mlsref::fuzz::mutate<mlsref::MLSMessage>(data + 1, size - 1, max_size - 1, seed);
}
