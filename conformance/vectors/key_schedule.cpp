// key-schedule.json (../shared/vectors/ietf/FORMAT.md "Key Schedule"), RFC 9420 §8.
//
// Verification, for epoch i from `initial_init_secret`:
// * GroupContext {cipher_suite, group_id, epoch = i, tree_hash,
//   confirmed_transcript_hash, extensions = {}} encodes to `group_context`
// * with init_secret from the prior epoch, `commit_secret` and `psk_secret`,
//   the key schedule outputs joiner_secret, welcome_secret, init_secret,
//   sender_data_secret, encryption_secret, exporter_secret,
//   epoch_authenticator, external_secret, confirmation_key, membership_key,
//   resumption_psk as given
// * `external_pub` is the public key of KEM.DeriveKeyPair(external_secret)
// * `exporter.secret` is MLS-Exporter(exporter.label, exporter.context, exporter.length)
#include "ref/key_schedule.h"

#include "conformance/vector_type.h"

namespace mlsref::conformance {

namespace {

// Each secret of EpochSecrets has its own role type (ref/secrets.h); the
// table reads them all as bytes.
using SecretBytes = ByteView (*)(const EpochSecrets&);
#define MLSREF_SECRET(name)                                    \
  {                                                            \
#name, [](const EpochSecrets& s) { return s.name.view(); } \
  }
const std::pair<const char*, SecretBytes> kSecrets[] = {
    MLSREF_SECRET(joiner_secret),       MLSREF_SECRET(welcome_secret),
    MLSREF_SECRET(init_secret),         MLSREF_SECRET(sender_data_secret),
    MLSREF_SECRET(encryption_secret),   MLSREF_SECRET(exporter_secret),
    MLSREF_SECRET(epoch_authenticator), MLSREF_SECRET(external_secret),
    MLSREF_SECRET(confirmation_key),    MLSREF_SECRET(membership_key),
    MLSREF_SECRET(resumption_psk),
};
#undef MLSREF_SECRET

GroupContext context_for(uint16_t suite, const Bytes& group_id, uint64_t epoch, const json& e) {
  GroupContext ctx;
  ctx.cipher_suite = suite;
  ctx.group_id = group_id;
  ctx.epoch = epoch;
  ctx.tree_hash = hex_field(e, "tree_hash");
  ctx.confirmed_transcript_hash = hex_field(e, "confirmed_transcript_hash");
  return ctx;
}

}  // namespace

void verify_key_schedule(const json& c) {
  auto id = static_cast<uint16_t>(uint_field(c, "cipher_suite", 0xffff));
  CipherSuite suite(id);
  Bytes group_id = hex_field(c, "group_id");
  InitSecret init_secret(hex_field(c, "initial_init_secret"));
  const json& epochs = member(c, "epochs");
  if (!epochs.is_array() || epochs.empty()) {
    // With no epoch there is nothing to check: such a case cannot fail.
    malformed("epochs", "not a non-empty array");
  }
  for (size_t i = 0; i < epochs.size(); ++i) {
    const json& e = epochs[i];
    std::string at = "epochs[" + std::to_string(i) + "].";
    try {
      GroupContext ctx = context_for(id, group_id, i, e);
      expect_bytes("group_context", hex_field(e, "group_context"), encode(ctx));
      EpochSecrets s = derive_epoch(suite, init_secret, CommitSecret(hex_field(e, "commit_secret")),
                                    PskSecret(hex_field(e, "psk_secret")), ctx);
      for (const auto& [name, secret] : kSecrets) {
        expect_bytes(name, hex_field(e, name), secret(s));
      }
      expect_bytes("external_pub", hex_field(e, "external_pub"),
                   external_key_pair(suite, s.external_secret).public_key);
      const json& x = member(e, "exporter");
      expect_bytes("exporter.secret", hex_field(x, "secret"),
                   mls_exporter(suite, s.exporter_secret, to_bytes(string_field(x, "label")),
                                hex_field(x, "context"), uint_field(x, "length", 0xffff)));
      init_secret = s.init_secret;
    } catch (const CheckFailure& f) {
      throw CheckFailure(at + f.check(), f.message());
    }
  }
}

json generate_key_schedule(const GenerateOptions& options) {
  return per_suite(
      options, "key-schedule",
      [&](const CipherSuite& suite, Botan::RandomNumberGenerator& rng, json& out) {
        uint16_t id = suite.id();
        size_t nh = suite.hash_size();
        Bytes group_id = random_bytes(rng, 16);
        Bytes initial = random_bytes(rng, nh);
        InitSecret init_secret(initial);
        json epochs = json::array();
        for (uint64_t i = 0; i < 5; ++i) {
          json e{{"tree_hash", to_hex(random_bytes(rng, nh))},
                 {"commit_secret", to_hex(random_bytes(rng, nh))},
                 // Every other epoch has no PSK: the all-zero vector, as upstream.
                 {"psk_secret", to_hex(i % 2 ? Bytes(nh, 0) : random_bytes(rng, nh))},
                 {"confirmed_transcript_hash", to_hex(random_bytes(rng, nh))}};
          GroupContext ctx = context_for(id, group_id, i, e);
          EpochSecrets s =
              derive_epoch(suite, init_secret, CommitSecret(hex_field(e, "commit_secret")),
                           PskSecret(hex_field(e, "psk_secret")), ctx);
          e["group_context"] = to_hex(encode(ctx));
          for (const auto& [name, secret] : kSecrets) {
            e[name] = to_hex(secret(s));
          }
          e["external_pub"] = to_hex(external_key_pair(suite, s.external_secret).public_key);
          // Upstream labels are strings of hex digits, used as they are.
          std::string label = to_hex(random_bytes(rng, nh));
          Bytes context = random_bytes(rng, nh);
          e["exporter"] = {{"label", label},
                           {"context", to_hex(context)},
                           {"length", 32},
                           {"secret", to_hex(mls_exporter(suite, s.exporter_secret, to_bytes(label),
                                                          context, 32))}};
          init_secret = s.init_secret;
          epochs.push_back(e);
        }
        out.push_back(json{{"cipher_suite", id},
                           {"group_id", to_hex(group_id)},
                           {"initial_init_secret", to_hex(initial)},
                           {"epochs", epochs}});
      });
}

}  // namespace mlsref::conformance
