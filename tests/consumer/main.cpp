// Uses mlsref as an installed package: find_package(mlsref), mlsref::ref.
// Creates a group, adds a member, self-updates, and checks that both members
// agree on the new epoch.
#include <cstdio>

#include "ref/group.h"

int main() {
  using namespace mlsref;
  CipherSuite suite(1);
  Signer alice = Signer::generate(suite, system_rng());
  Signer bob = Signer::generate(suite, system_rng());
  Group a = Group::create({}, suite.id(), to_bytes("consumer"), alice,
                          {Credential::basic(to_bytes("alice")), alice.public_key});
  KeyPackageBundle kp = create_key_package(
      suite, bob, {Credential::basic(to_bytes("bob")), bob.public_key}, {}, system_rng());
  KeyPackage kps[] = {kp.key_package};
  CommitBundle add = a.add_members(alice, kps);
  a.merge_pending_commit();
  Group b = Group::join({}, std::get<Welcome>(add.welcome->body), kp);

  CommitBundle update = b.self_update(bob);
  ProcessedMessage m = a.process_message(encode(update.commit));
  a.merge_staged_commit(std::get<StagedCommit>(std::move(m.content)));
  b.merge_pending_commit();

  bool agree = a.epoch() == 2 && b.epoch() == 2 &&
               a.epoch_authenticator() == b.epoch_authenticator() && a.tree_hash() == b.tree_hash();
  std::printf("consumer: two members at epoch %llu, %s\n",
              static_cast<unsigned long long>(a.epoch()), agree ? "in agreement" : "DISAGREE");
  return agree ? 0 : 1;
}
