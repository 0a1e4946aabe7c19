#include "conformance/vector_type.h"

#include <botan/chacha_rng.h>

#include <array>

#include "ref/cipher_suite.h"
#include "ref/primitives.h"

namespace mlsref::conformance {

namespace {
// In the order of ../shared/vectors/ietf/FORMAT.md, then RFC 9180's.
constexpr std::array<VectorType, 18> kTypes{{
    {"tree-math", "RFC 9420 Appendix C tree math", verify_tree_math, generate_tree_math},
    {"crypto-basics", "RFC 9420 §5 labeled functions per cipher suite", verify_crypto_basics,
     generate_crypto_basics},
    {"secret-tree", "RFC 9420 §9 secret tree", verify_secret_tree, generate_secret_tree},
    {"message-protection", "RFC 9420 §6 message protection", verify_message_protection,
     generate_message_protection},
    {"key-schedule", "RFC 9420 §8 key schedule", verify_key_schedule, generate_key_schedule},
    {"psk_secret", "RFC 9420 §8.4 pre-shared keys", verify_psk_secret, generate_psk_secret},
    {"transcript-hashes", "RFC 9420 §8.2 transcript hashes", verify_transcript_hashes,
     generate_transcript_hashes},
    {"welcome", "RFC 9420 §12.4.3.1 Welcome", verify_welcome, generate_welcome},
    {"tree-operations", "RFC 9420 §7.7 tree evolution", verify_tree_operations,
     generate_tree_operations},
    {"tree-validation", "RFC 9420 §7.8-7.9 tree hashes and parent hashes", verify_tree_validation,
     generate_tree_validation},
    {"treekem", "RFC 9420 §7.4-7.6 TreeKEM update paths", verify_treekem, generate_treekem},
    {"messages", "RFC 9420 message structures (decode/re-encode)", verify_messages,
     generate_messages},
    {"passive-client-welcome", "RFC 9420 §12.4.3.1 passive client joining by Welcome", nullptr,
     generate_passive_client_welcome, verify_passive_client},
    {"passive-client-handling-commit", "RFC 9420 §12.4.2 passive client processing commits",
     nullptr, generate_passive_client_handling_commit, verify_passive_client},
    {"passive-client-random", "RFC 9420 §12 passive client over random histories", nullptr,
     generate_passive_client_random, verify_passive_client},
    {"invalid-passive-client",
     "RFC 9420 must-reject: a passive-client case whose last message breaks one rule", nullptr,
     generate_invalid_passive_client, verify_invalid_passive_client},
    {"deserialization", "RFC 9420 §2.1.2 variable-length headers", verify_deserialization,
     generate_deserialization},
    {"hpke", "RFC 9180 Appendix A HPKE test vectors", verify_hpke, nullptr},
}};
}  // namespace

std::span<const VectorType> vector_types() { return kTypes; }

const VectorType* find_vector_type(std::string_view name) {
  for (const auto& t : kTypes) {
    if (t.name == name) {
      return &t;
    }
  }
  return nullptr;
}

std::unique_ptr<Botan::RandomNumberGenerator> seeded_rng(uint64_t seed, std::string_view purpose) {
  Bytes material = encode(seed);
  material.insert(material.end(), purpose.begin(), purpose.end());
  Bytes key = hash(HashAlg::sha256, material);
  return std::make_unique<Botan::ChaCha_RNG>(SecureBytes(key.begin(), key.end()));
}

Bytes random_bytes(Botan::RandomNumberGenerator& rng, size_t n) {
  Bytes out(n);
  rng.randomize(out.data(), out.size());
  return out;
}

uint64_t random_below(Botan::RandomNumberGenerator& rng, uint64_t bound) {
  if (bound <= 1) {
    return 0;
  }
  // Rejection sampling keeps the choice uniform.
  uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
  while (true) {
    uint64_t x = 0;
    rng.randomize(reinterpret_cast<uint8_t*>(&x), sizeof(x));
    if (x < limit) {
      return x % bound;
    }
  }
}

std::vector<uint16_t> suites_for(const GenerateOptions& options) {
  if (options.suite.has_value()) {
    CipherSuite check(*options.suite);  // Error{unsupported} for an unknown suite
    return {*options.suite};
  }
  std::vector<uint16_t> all;
  for (const auto& s : cipher_suites()) {
    all.push_back(s.id);
  }
  return all;
}

}  // namespace mlsref::conformance
