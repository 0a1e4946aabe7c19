// The kinds of test vector `mlsref verify` and `mlsref generate` know: one
// entry per IETF file type (../shared/vectors/ietf/FORMAT.md) plus RFC 9180's.
#pragma once

#include <botan/rng.h>

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "conformance/check.h"
#include "ref/cipher_suite.h"

namespace mlsref::conformance {

struct GenerateOptions {
  std::optional<uint16_t> suite;  // unset: every suite the type covers
  uint64_t seed = 0;
  std::vector<std::string> rules;  // invalid-passive-client --rule: empty for every rule
};

// What a run tells a verifier, and what a verifier reports back about a case.
struct CaseContext {
  std::optional<uint64_t> now;  // `mlsref verify --now SECONDS`: the clock for lifetimes
  std::string clock;            // set by verifiers that judge lifetimes: the clock used
  std::string rule;             // invalid-passive-client: the rule the case's message breaks
};

struct VectorType {
  std::string_view name;     // the IETF file stem, e.g. "tree-math"
  std::string_view summary;  // one line for --help
  // Verifies one test case; throws CheckFailure, or mlsref::Error (whose kind
  // `unsupported` reports the case as unsupported). nullptr: not implemented
  // yet, every case is reported unsupported.
  void (*verify)(const json& test_case);
  // Produces a whole file (a JSON array of cases). nullptr: not implemented.
  json (*generate)(const GenerateOptions& options);
  // Instead of `verify`, for types that judge lifetimes (they take the clock
  // from the context and say which one they used).
  void (*verify_in)(const json& test_case, CaseContext& context) = nullptr;

  // Whether `mlsref verify` checks this type's cases (by either function).
  bool verifies() const { return verify != nullptr || verify_in != nullptr; }
};

std::span<const VectorType> vector_types();
const VectorType* find_vector_type(std::string_view name);

// A deterministic RNG for generators: the same seed and purpose give the same
// stream (ChaCha keyed with SHA-256 of both).
std::unique_ptr<Botan::RandomNumberGenerator> seeded_rng(uint64_t seed, std::string_view purpose);
Bytes random_bytes(Botan::RandomNumberGenerator& rng, size_t n);
uint64_t random_below(Botan::RandomNumberGenerator& rng, uint64_t bound);

// The suites a generator covers for the options given (Error on an unknown suite).
std::vector<uint16_t> suites_for(const GenerateOptions& options);

// The frame of a per-suite generator: calls make(suite, rng, cases) once for
// each suite the options cover, with an RNG seeded by the seed, the type and
// the suite, and returns the cases it appended.
template <class F>
json per_suite(const GenerateOptions& options, std::string_view type, F&& make) {
  json cases = json::array();
  for (uint16_t id : suites_for(options)) {
    CipherSuite suite(id);
    auto rng = seeded_rng(options.seed, std::string(type) + "/" + std::to_string(id));
    make(suite, *rng, cases);
  }
  return cases;
}

}  // namespace mlsref::conformance
#include "ref/key_package.h"
namespace mlsref::conformance {

// A KeyPackage with fresh keys from `rng` and a basic credential (generators).
KeyPackage make_key_package(const CipherSuite& suite, Botan::RandomNumberGenerator& rng,
                            const std::string& identity, hpke::KeyPair& init,
                            SecureBytes& signature_key);

// The verifiers and generators, one pair per file in conformance/vectors/.
void verify_tree_math(const json& test_case);
json generate_tree_math(const GenerateOptions& options);
void verify_crypto_basics(const json& test_case);
json generate_crypto_basics(const GenerateOptions& options);
void verify_deserialization(const json& test_case);
json generate_deserialization(const GenerateOptions& options);
void verify_secret_tree(const json& test_case);
json generate_secret_tree(const GenerateOptions& options);
void verify_messages(const json& test_case);
json generate_messages(const GenerateOptions& options);
void verify_key_schedule(const json& test_case);
json generate_key_schedule(const GenerateOptions& options);
void verify_psk_secret(const json& test_case);
json generate_psk_secret(const GenerateOptions& options);
void verify_transcript_hashes(const json& test_case);
json generate_transcript_hashes(const GenerateOptions& options);
void verify_message_protection(const json& test_case);
json generate_message_protection(const GenerateOptions& options);
void verify_welcome(const json& test_case);
json generate_welcome(const GenerateOptions& options);
void verify_tree_validation(const json& test_case);
json generate_tree_validation(const GenerateOptions& options);
void verify_tree_operations(const json& test_case);
json generate_tree_operations(const GenerateOptions& options);
void verify_treekem(const json& test_case);
json generate_treekem(const GenerateOptions& options);
void verify_hpke(const json& test_case);
void verify_passive_client(const json& test_case, CaseContext& context);
json generate_passive_client_welcome(const GenerateOptions& options);
json generate_passive_client_handling_commit(const GenerateOptions& options);
json generate_passive_client_random(const GenerateOptions& options);
// invalid-passive-client (conformance/vectors/invalid_passive_client.cpp): a
// passive-client case whose last message breaks one rule, marked "invalid".
void verify_invalid_passive_client(const json& test_case, CaseContext& context);
json generate_invalid_passive_client(const GenerateOptions& options);
// The rules invalid-passive-client has a generator for, in the order it
// writes them; each gets one case per cipher suite.
struct InvalidRuleInfo {
  std::string_view id;       // "R12.2-4"
  std::string_view section;  // "12.2"
  std::string_view description;
  bool welcome = false;         // the Welcome is the invalid message
  bool accepted_state = true;   // false: no epoch_authenticator for the invalid message
  std::vector<CipherSuiteId> suites;  // the suites it has a case in
};
std::vector<InvalidRuleInfo> invalid_rules();

}  // namespace mlsref::conformance
