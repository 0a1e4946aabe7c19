// psk_secret.json (../shared/vectors/ietf/FORMAT.md "Pre-Shared Keys"), RFC 9420 §8.4.
//
// Verification:
// * For each PreSharedKey in `psks`, compute `PreSharedKeyID` with external
//   `PSKType` and with provided `psk_id` and `psk_nonce`
// * Use the computed `PreSharedKeyID` values and provided `psk` values to
//   compute the `psk_secret` and verify that it matches the provided `psk_secret`
#include "conformance/vector_type.h"
#include "ref/key_schedule.h"

namespace mlsref::conformance {

void verify_psk_secret(const json& c) {
  CipherSuite suite(static_cast<uint16_t>(uint_field(c, "cipher_suite", 0xffff)));
  const json& list = member(c, "psks");
  if (!list.is_array()) {
    malformed("psks", "not an array");
  }
  std::vector<PskInput> psks;
  psks.reserve(list.size());
  for (const auto& p : list) {
    PskInput in;
    in.id.psktype = PSKType::external;
    in.id.psk_id = hex_field(p, "psk_id");
    in.id.psk_nonce = hex_field(p, "psk_nonce");
    Bytes psk = hex_field(p, "psk");
    in.psk.assign(psk.begin(), psk.end());
    psks.push_back(std::move(in));
  }
  expect_bytes("psk_secret", hex_field(c, "psk_secret"), psk_secret(suite, psks).view());
}

json generate_psk_secret(const GenerateOptions& options) {
  return per_suite(options, "psk_secret",
                   [&](const CipherSuite& suite, Botan::RandomNumberGenerator& rng, json& out) {
                     uint16_t id = suite.id();
                     for (size_t n = 0; n <= 3; ++n) {
                       std::vector<PskInput> psks;
                       json list = json::array();
                       for (size_t i = 0; i < n; ++i) {
                         PskInput in;
                         in.id.psk_id = random_bytes(rng, 1 + random_below(rng, 32));
                         in.id.psk_nonce = random_bytes(rng, suite.hash_size());
                         Bytes psk = random_bytes(rng, suite.hash_size());
                         in.psk.assign(psk.begin(), psk.end());
                         list.push_back(json{{"psk_id", to_hex(in.id.psk_id)},
                                             {"psk", to_hex(psk)},
                                             {"psk_nonce", to_hex(in.id.psk_nonce)}});
                         psks.push_back(std::move(in));
                       }
                       out.push_back(json{{"cipher_suite", id},
                                          {"psks", list},
                                          {"psk_secret", to_hex(psk_secret(suite, psks).view())}});
                     }
                   });
}

}  // namespace mlsref::conformance
