// The members of the group tests: a signer with a basic credential, its
// KeyPackages, and applying a commit. (tests/group_test.cpp has its own
// Client, which also sets capabilities.)
#pragma once

#include <string>

#include "ref/group.h"

namespace mlsref::testing {

struct Member {
  Signer signer;
  CredentialWithKey credential;
};

inline Member make_member(const std::string& name, CipherSuiteId suite = 1) {
  Member m;
  m.signer = Signer::generate(CipherSuite(suite), system_rng());
  m.credential = CredentialWithKey{Credential::basic(to_bytes(name)), m.signer.public_key};
  return m;
}

inline KeyPackageBundle key_package(const Member& m, CipherSuiteId suite = 1) {
  return create_key_package(CipherSuite(suite), m.signer, m.credential, {}, system_rng());
}

// Processes a commit and merges it.
inline void apply(Group& g, const MLSMessage& commit) {
  ProcessedMessage p = g.process_message(encode(commit));
  g.merge_staged_commit(std::get<StagedCommit>(std::move(p.content)));
}

}  // namespace mlsref::testing
