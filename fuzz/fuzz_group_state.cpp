// Fuzzes Group::import_state (ref/group_storage.cpp; RFC 9420 §6.3.1,
// R6.3.1-3), the reader of a member's kept state. The input is a state
// without its trailing SHA-256, which the harness appends, so that mutants
// reach the decoder and the consistency checks behind the digest (a state
// damaged in storage is refused by the digest alone). Byte 0 picks the
// configuration (bit 0: handshake messages private, as in fuzz/group_fixture.h
// FixedGroup; bit 1: an out-of-order window of 0).
//
// A state imported must export to the same bytes, and the group must work as
// far as its state allows: an exporter secret, and for an active member
// whose leaf is alice's (the seeds are FixedGroup states) a message of
// carol's to read (in the epoch it was sent in); then its pending commit
// merged or, without one, bob's commit of the stored proposals processed and
// merged (fuzz/group_fixture.h OwnUpdateCommit: it covers an Update of
// alice's); and, with no proposal stored, a message of its own to send.
#include "fuzz/driver.h"
#include "fuzz/group_fixture.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace mlsref;
  static const fuzz::FixedGroup pub(false), priv(true);
  static const fuzz::OwnUpdateCommit pub_update(pub), priv_update(priv);
  if (size == 0) {
    return 0;
  }
  const fuzz::FixedGroup& f = (data[0] & 1) != 0 ? priv : pub;
  const Bytes& bob_commit = ((data[0] & 1) != 0 ? priv_update : pub_update).bob_commit;
  GroupConfig config = f.config;
  config.rng = &system_rng();
  if ((data[0] & 2) != 0) {
    config.ratchet_limits.out_of_order_window = 0;
  }
  return fuzz::run(data + 1, size - 1, [&](ByteView body) {
    SecureBytes kept(body.begin(), body.end());
    Bytes digest = hash(HashAlg::sha256, body);
    kept.insert(kept.end(), digest.begin(), digest.end());
    Group g = Group::import_state(config, kept);
    fuzz::require(g.export_state() == kept, "export_state(import_state(s)) != s");
    (void)g.export_secret("fuzz", {}, 32);
    const Signer& alice = f.clients[0].signer;
    if (g.active() && g.tree().leaf(g.own_leaf_index()).signature_key == alice.public_key) {
      if (g.epoch() == f.members[0].epoch()) {
        (void)g.process_message(f.carol_probe);
      }
      if (g.pending_commit()) {
        g.merge_pending_commit();
      } else if (g.epoch() == f.members[0].epoch()) {
        ProcessedMessage m = g.process_message(bob_commit);
        g.merge_staged_commit(std::get<StagedCommit>(std::move(m.content)));
      }
      if (g.pending_proposals().empty()) {
        (void)g.create_message(alice, to_bytes("after import"));
      }
    }
  });
}
