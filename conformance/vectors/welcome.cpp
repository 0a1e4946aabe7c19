// welcome.json (../shared/vectors/ietf/FORMAT.md "Welcome"), RFC 9420 §12.4.3.1.
//
// Verification:
// * Decrypt the Welcome message: identify the entry in `welcome.secrets`
//   corresponding to `key_package`, decrypt the encrypted group secrets using
//   `init_priv`, decrypt the encrypted group info
// * Verify the signature on the decrypted group info using `signer_pub`
// * Verify the `confirmation_tag` in the decrypted group info: initialize a key
//   schedule epoch using the decrypted `joiner_secret` and no PSKs, and
//   recompute the tag with its `confirmation_key` and the
//   `confirmed_transcript_hash` from the decrypted GroupContext
// We also check that `init_priv` is the private key of the KeyPackage's init_key.
#include "conformance/vector_type.h"
#include "conformance/vectors/fields.h"
#include "ref/mls_message.h"

namespace mlsref::conformance {

void verify_welcome(const json& c) {
  CipherSuite suite(static_cast<uint16_t>(uint_field(c, "cipher_suite", 0xffff)));
  auto key_package = message_field<KeyPackage>(c, "key_package");
  auto welcome = message_field<Welcome>(c, "welcome");
  Bytes init_priv = hex_field(c, "init_priv");
  Bytes signer_pub = hex_field(c, "signer_pub");
  expect_bytes("init_priv (public key)", key_package.init_key,
               suite.hpke().kem().key_pair(init_priv).public_key);
  try {
    join_welcome(suite, welcome, key_package, init_priv, [&](uint32_t) { return signer_pub; });
  } catch (const Error& e) {
    throw CheckFailure("welcome", e.message());
  }
}

KeyPackage make_key_package(const CipherSuite& suite, Botan::RandomNumberGenerator& rng,
                            const std::string& identity, hpke::KeyPair& init,
                            SecureBytes& signature_key) {
  init = suite.generate_key_pair(rng);
  signature_key = suite.generate_signature_key(rng);
  KeyPackage kp;
  kp.cipher_suite = suite.id();
  kp.init_key = init.public_key;
  LeafNode& leaf = kp.leaf_node;
  leaf.encryption_key = suite.generate_key_pair(rng).public_key;
  leaf.signature_key = suite.signature_public_key(signature_key);
  leaf.credential = Credential::basic(to_bytes(identity));
  leaf.capabilities = Capabilities{{mls10}, {suite.id()}, {}, {}, {credential_type::basic}};
  leaf.leaf_node_source = LeafNodeSource::key_package;
  leaf.lifetime = Lifetime{0, UINT64_MAX};
  leaf.sign(suite, signature_key);
  kp.sign(suite, signature_key);
  return kp;
}

json generate_welcome(const GenerateOptions& options) {
  return per_suite(
      options, "welcome",
      [&](const CipherSuite& suite, Botan::RandomNumberGenerator& rng, json& out) {
        uint16_t id = suite.id();
        hpke::KeyPair init;
        SecureBytes joiner_sig;
        KeyPackage kp = make_key_package(suite, rng, "joiner", init, joiner_sig);
        SecureBytes signer_sk = suite.generate_signature_key(rng);

        size_t nh = suite.hash_size();
        JoinerSecret joiner(random_bytes(rng, nh));
        GroupInfo gi;
        gi.group_context = GroupContext{mls10,
                                        id,
                                        random_bytes(rng, 16),
                                        1 + random_below(rng, 9),
                                        random_bytes(rng, nh),
                                        random_bytes(rng, nh),
                                        {}};
        EpochSecrets e = derive_epoch_from_joiner(suite, joiner, {}, gi.group_context);
        gi.confirmation_tag =
            confirmation_tag(suite, e.confirmation_key, gi.group_context.confirmed_transcript_hash);
        gi.signer = 0;
        gi.sign(suite, signer_sk);
        std::vector<WelcomeRecipient> to{{kp, std::nullopt}};
        Welcome w = make_welcome(suite, gi, joiner, {}, to, rng);
        out.push_back(json{{"cipher_suite", id},
                           {"init_priv", to_hex(init.private_key)},
                           {"signer_pub", to_hex(suite.signature_public_key(signer_sk))},
                           {"key_package", to_hex(encode(MLSMessage{mls10, kp}))},
                           {"welcome", to_hex(encode(MLSMessage{mls10, w}))}});
      });
}

}  // namespace mlsref::conformance
