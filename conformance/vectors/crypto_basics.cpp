// crypto-basics.json (../shared/vectors/ietf/FORMAT.md "Crypto Basics"),
// RFC 9420 §5.1.2, §5.1.3, §5.2, §8, §9.
//
// Verification:
// * `ref_hash`: `out == RefHash(label, value)`
// * `expand_with_label`: `out == ExpandWithLabel(secret, label, context, length)`
// * `derive_secret`: `out == DeriveSecret(secret, label)`
// * `derive_tree_secret`: `out == DeriveTreeSecret(secret, label, generation, length)`
// * `sign_with_label`:
//   * `VerifyWithLabel(pub, label, content, signature) == true`
//   * `VerifyWithLabel(pub, label, content, SignWithLabel(priv, label, content)) == true`
// * `encrypt_with_label`:
//   * `DecryptWithLabel(priv, label, context, kem_output, ciphertext) == plaintext`
//   * `kem_output_candidate, ciphertext_candidate = EncryptWithLabel(pub, label, context, plaintext)`
//   * `DecryptWithLabel(priv, label, context, kem_output_candidate, ciphertext_candidate) == plaintext`
// We also check that `pub` is the public key of `priv` in both key pairs, so
// that every value the vector gives is checked.
#include "conformance/vector_type.h"
#include "ref/cipher_suite.h"

namespace mlsref::conformance {

namespace {

std::string label_of(const json& obj, const std::string& where) {
  try {
    return string_field(obj, "label");
  } catch (const CheckFailure& f) {
    throw CheckFailure(where + ".label", f.message());
  }
}

// Re-labels failures of a sub-object's fields with the sub-object's name.
template <class F>
void in_object(const json& c, const std::string& name, F&& body) {
  const json& obj = member(c, name);
  try {
    body(obj);
  } catch (const CheckFailure& f) {
    if (f.check().rfind(name, 0) == 0) {
      throw;
    }
    throw CheckFailure(name + "." + f.check(), f.message());
  }
}

}  // namespace

void verify_crypto_basics(const json& c) {
  CipherSuite suite(static_cast<uint16_t>(uint_field(c, "cipher_suite", 0xffff)));

  in_object(c, "ref_hash", [&](const json& o) {
    std::string label = label_of(o, "ref_hash");
    expect_bytes("out", hex_field(o, "out"), suite.ref_hash(label, hex_field(o, "value")));
  });

  in_object(c, "expand_with_label", [&](const json& o) {
    SecureBytes out =
        suite.expand_with_label(hex_field(o, "secret"), label_of(o, "expand_with_label"),
                                hex_field(o, "context"), uint_field(o, "length", 0xffff));
    expect_bytes("out", hex_field(o, "out"), out);
  });

  in_object(c, "derive_secret", [&](const json& o) {
    SecureBytes out = suite.derive_secret(hex_field(o, "secret"), label_of(o, "derive_secret"));
    expect_bytes("out", hex_field(o, "out"), out);
  });

  in_object(c, "derive_tree_secret", [&](const json& o) {
    SecureBytes out =
        suite.derive_tree_secret(hex_field(o, "secret"), label_of(o, "derive_tree_secret"),
                                 static_cast<uint32_t>(uint_field(o, "generation", UINT32_MAX)),
                                 uint_field(o, "length", 0xffff));
    expect_bytes("out", hex_field(o, "out"), out);
  });

  in_object(c, "sign_with_label", [&](const json& o) {
    Bytes priv = hex_field(o, "priv");
    Bytes pub = hex_field(o, "pub");
    Bytes content = hex_field(o, "content");
    std::string label = label_of(o, "sign_with_label");
    expect_bytes("pub", pub, suite.signature_public_key(priv));
    expect_true("signature",
                suite.verify_with_label(pub, label, content, hex_field(o, "signature")),
                "VerifyWithLabel rejects the vector's signature");
    Bytes ours = suite.sign_with_label(priv, label, content);
    expect_true("signature (ours)", suite.verify_with_label(pub, label, content, ours),
                "VerifyWithLabel rejects the signature SignWithLabel made");
  });

  in_object(c, "encrypt_with_label", [&](const json& o) {
    Bytes priv = hex_field(o, "priv");
    Bytes pub = hex_field(o, "pub");
    Bytes context = hex_field(o, "context");
    Bytes plaintext = hex_field(o, "plaintext");
    std::string label = label_of(o, "encrypt_with_label");
    expect_bytes("pub", pub, suite.hpke().kem().key_pair(priv).public_key);
    SecureBytes pt;
    try {
      pt = suite.decrypt_with_label(priv, label, context, hex_field(o, "kem_output"),
                                    hex_field(o, "ciphertext"));
    } catch (const Error& e) {
      throw CheckFailure("decrypt_with_label(kem_output, ciphertext)",
                         "DecryptWithLabel fails: " + e.message());
    }
    expect_bytes("plaintext", plaintext, pt);
    HPKECiphertext ours = suite.encrypt_with_label(pub, label, context, plaintext, system_rng());
    SecureBytes round =
        suite.decrypt_with_label(priv, label, context, ours.kem_output, ours.ciphertext);
    expect_bytes("plaintext (ours)", plaintext, round);
  });
}

json generate_crypto_basics(const GenerateOptions& options) {
  return per_suite(
      options, "crypto-basics",
      [&](const CipherSuite& suite, Botan::RandomNumberGenerator& rng, json& out) {
        uint16_t id = suite.id();
        size_t nh = suite.hash_size();

        Bytes value = random_bytes(rng, nh);
        Bytes secret = random_bytes(rng, nh);
        Bytes context = random_bytes(rng, nh);
        uint16_t length = static_cast<uint16_t>(1 + random_below(rng, 2 * nh));
        uint32_t generation = static_cast<uint32_t>(random_below(rng, UINT32_MAX));
        uint16_t tree_length = static_cast<uint16_t>(suite.key_size());

        SecureBytes sig_priv = suite.generate_signature_key(rng);
        Bytes content = random_bytes(rng, nh);
        Bytes sig_pub = suite.signature_public_key(sig_priv);

        hpke::KeyPair kp = suite.generate_key_pair(rng);
        Bytes enc_context = random_bytes(rng, nh);
        Bytes plaintext = random_bytes(rng, nh);
        HPKECiphertext ct = suite.encrypt_with_label(kp.public_key, "EncryptWithLabel", enc_context,
                                                     plaintext, rng);

        out.push_back(json{
            {"cipher_suite", id},
            {"ref_hash",
             {{"label", "RefHash"},
              {"value", to_hex(value)},
              {"out", to_hex(suite.ref_hash("RefHash", value))}}},
            {"expand_with_label",
             {{"secret", to_hex(secret)},
              {"label", "ExpandWithLabel"},
              {"context", to_hex(context)},
              {"length", length},
              {"out",
               to_hex(suite.expand_with_label(secret, "ExpandWithLabel", context, length))}}},
            {"derive_secret",
             {{"secret", to_hex(secret)},
              {"label", "DeriveSecret"},
              {"out", to_hex(suite.derive_secret(secret, "DeriveSecret"))}}},
            {"derive_tree_secret",
             {{"secret", to_hex(secret)},
              {"label", "DeriveTreeSecret"},
              {"generation", generation},
              {"length", tree_length},
              {"out", to_hex(suite.derive_tree_secret(secret, "DeriveTreeSecret", generation,
                                                      tree_length))}}},
            {"sign_with_label",
             {{"priv", to_hex(sig_priv)},
              {"pub", to_hex(sig_pub)},
              {"content", to_hex(content)},
              {"label", "SignWithLabel"},
              {"signature", to_hex(suite.sign_with_label(sig_priv, "SignWithLabel", content))}}},
            {"encrypt_with_label",
             {{"priv", to_hex(kp.private_key)},
              {"pub", to_hex(kp.public_key)},
              {"label", "EncryptWithLabel"},
              {"context", to_hex(enc_context)},
              {"plaintext", to_hex(plaintext)},
              {"kem_output", to_hex(ct.kem_output)},
              {"ciphertext", to_hex(ct.ciphertext)}}},
        });
      });
}

}  // namespace mlsref::conformance
