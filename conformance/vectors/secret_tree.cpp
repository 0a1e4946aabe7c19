// secret-tree.json (../shared/vectors/ietf/FORMAT.md "Secret Tree"), RFC 9420
// §9 and §6.3.2.
//
// Verification:
// * `sender_data`:
//   * `key == sender_data_key(sender_data_secret, ciphertext)`
//   * `nonce == sender_data_nonce(sender_data_secret, ciphertext)`
// * Initialize a secret tree with a number of leaves equal to the number of
//   entries in the `leaves` array, with `encryption_secret` as the root secret
// * For each entry in `leaves`, for each entry in the array `leaves[i]`:
//   * `handshake_key = handshake_ratchet_key_[i]_[generation]`
//   * `handshake_nonce = handshake_ratchet_nonce_[i]_[generation]`
//   * `application_key = application_ratchet_key_[i]_[generation]`
//   * `application_nonce = application_ratchet_nonce_[i]_[generation]`
#include "ref/secret_tree.h"

#include "conformance/vector_type.h"

namespace mlsref::conformance {

namespace {
// Generations far apart are within the forward limit here: a verifier must
// reach the generations a vector names. Each one is a KDF call, about 1.6 us
// here, so a generation above 2^20 (more than a second of work per leaf,
// where the upstream file goes up to 15) is reported as unsupported rather
// than run for hours.
constexpr uint32_t kMaxVectorGeneration = 1u << 20;
constexpr RatchetLimits kVectorLimits{32, kMaxVectorGeneration};
}  // namespace

void verify_secret_tree(const json& c) {
  CipherSuite suite(static_cast<uint16_t>(uint_field(c, "cipher_suite", 0xffff)));
  const json& sd = member(c, "sender_data");
  SenderDataSecret sender_data_secret(hex_field(sd, "sender_data_secret"));
  Bytes ciphertext = hex_field(sd, "ciphertext");
  expect_bytes("sender_data.key", hex_field(sd, "key"),
               sender_data_key(suite, sender_data_secret, ciphertext));
  expect_bytes("sender_data.nonce", hex_field(sd, "nonce"),
               sender_data_nonce(suite, sender_data_secret, ciphertext));

  const json& leaves = member(c, "leaves");
  if (!leaves.is_array() || leaves.empty()) {
    malformed("leaves", "not a non-empty array");
  }
  uint64_t n = leaves.size();
  if ((n & (n - 1)) != 0 || n > kMaxLeaves) {
    malformed("leaves", std::to_string(n) + " leaves is not a power of two");
  }
  SecretTree tree(suite, LeafCount(static_cast<uint32_t>(n)),
                  EncryptionSecret(hex_field(c, "encryption_secret")), kVectorLimits);
  for (uint32_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < leaves[i].size(); ++j) {
      const json& g = leaves[i][j];
      std::string at = "leaves[" + std::to_string(i) + "][" + std::to_string(j) + "].";
      auto generation = static_cast<uint32_t>(uint_field(g, "generation", UINT32_MAX));
      if (generation > kMaxVectorGeneration) {
        throw Error(ErrorKind::unsupported, "9.1",
                    at + "generation " + std::to_string(generation) +
                        ": ratchets beyond generation 2^20 are not supported");
      }
      KeyAndNonce hs = tree.get(LeafIndex(i), RatchetType::handshake, generation);
      KeyAndNonce app = tree.get(LeafIndex(i), RatchetType::application, generation);
      expect_bytes(at + "handshake_key", hex_field(g, "handshake_key"), hs.key);
      expect_bytes(at + "handshake_nonce", hex_field(g, "handshake_nonce"), hs.nonce);
      expect_bytes(at + "application_key", hex_field(g, "application_key"), app.key);
      expect_bytes(at + "application_nonce", hex_field(g, "application_nonce"), app.nonce);
    }
  }
}

json generate_secret_tree(const GenerateOptions& options) {
  return per_suite(
      options, "secret-tree",
      [&](const CipherSuite& suite, Botan::RandomNumberGenerator& rng, json& out) {
        uint16_t id = suite.id();
        for (uint32_t n : {1u, 8u, 32u}) {
          EncryptionSecret encryption_secret(random_bytes(rng, suite.hash_size()));
          SenderDataSecret sender_data_secret(random_bytes(rng, suite.hash_size()));
          Bytes ciphertext = random_bytes(rng, 16 + random_below(rng, 2 * suite.hash_size()));
          SecretTree tree(suite, LeafCount(n), encryption_secret, kVectorLimits);
          json leaves = json::array();
          for (uint32_t i = 0; i < n; ++i) {
            json gens = json::array();
            // Increasing generations with gaps, as the upstream file has.
            uint32_t g = static_cast<uint32_t>(random_below(rng, 3));
            for (int k = 0; k < 2; ++k) {
              KeyAndNonce hs = tree.get(LeafIndex(i), RatchetType::handshake, g);
              KeyAndNonce app = tree.get(LeafIndex(i), RatchetType::application, g);
              gens.push_back(json{{"generation", g},
                                  {"handshake_key", to_hex(hs.key)},
                                  {"handshake_nonce", to_hex(hs.nonce)},
                                  {"application_key", to_hex(app.key)},
                                  {"application_nonce", to_hex(app.nonce)}});
              g += 1 + static_cast<uint32_t>(random_below(rng, 20));
            }
            leaves.push_back(gens);
          }
          out.push_back(
              json{{"cipher_suite", id},
                   {"sender_data",
                    {{"sender_data_secret", to_hex(sender_data_secret.view())},
                     {"ciphertext", to_hex(ciphertext)},
                     {"key", to_hex(sender_data_key(suite, sender_data_secret, ciphertext))},
                     {"nonce", to_hex(sender_data_nonce(suite, sender_data_secret, ciphertext))}}},
                   {"encryption_secret", to_hex(encryption_secret.view())},
                   {"leaves", leaves}});
        }
      });
}

}  // namespace mlsref::conformance
