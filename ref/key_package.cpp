// RFC 9420 §10 Key Packages
#include "key_package.h"

#include <chrono>

#include "grease.h"
#include "registries.h"
#include "requirement_ids.h"
#include "rule_switch.h"

namespace mlsref {

Bytes KeyPackage::to_be_signed() const {
  Writer w;
  encode_into(w, version);
  encode_into(w, cipher_suite);
  encode_into(w, init_key);
  encode_into(w, leaf_node);
  encode_into(w, extensions);
  return w.take();
}

void KeyPackage::sign(const CipherSuite& suite, ByteView signature_private_key) {
  signature = suite.sign_with_label(signature_private_key, signature_label::key_package_tbs,
                                    to_be_signed());
}

void KeyPackage::verify(const CipherSuite& suite) const {
  // RFC 9420 §10.1 [R10.1-3]
  //    Verify that the signature on the KeyPackage is valid using the public key
  //    in `leaf_node.credential`.
  // RFC 9420 §10 [R10-5]
  //    A KeyPackage object with an invalid signature field MUST be considered
  //    malformed.
  if (!enforced(req::R10_1_3)) {
    return;
  }
  try {
    suite.verify_with_label(leaf_node.signature_key, signature_label::key_package_tbs,
                            to_be_signed(), signature, "10.1");
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::crypto) {
      throw;  // a malformed signature_key (§5.1.1)
    }
    // Rethrown with the rule that asked for the check; the kind is kept.
    throw Error(e.kind(), req::R10_1_3, "KeyPackage signature: " + e.message());
  }
}

void KeyPackage::validate(const CipherSuite& suite, std::optional<uint64_t> now) const {
  // RFC 9420 §10.1 [R10.1-1]
  //    Verify that the cipher suite and protocol version of the KeyPackage
  //    match those in the GroupContext.
  if ((cipher_suite != suite.id() || version != mls10) && enforced(req::R10_1_1)) {
    throw Error(ErrorKind::protocol, req::R10_1_1,
                "KeyPackage is for suite " + std::to_string(cipher_suite) + ", version " +
                    std::to_string(version));
  }
  // RFC 9420 §10 [R10-9]: no check reads KeyPackage.extensions; an Extension
  // decodes as a plain uint16 type and opaque data (ref/leaf_node.h)
  //    As discussed in {{extensibility}}, unknown extensions in `KeyPackage.extensions`
  //    MUST be ignored [...]
  // RFC 9420 §13.4 [R13.4-3]: capabilities are plain uint16 values, and no check
  // here or in LeafNode::validate rejects an unknown one
  //    A client processing a KeyPackage object MUST ignore all unrecognized values in
  //    the `capabilities` field of the LeafNode and all unknown extensions in the
  //    `extensions` and `leaf_node.extensions` fields.
  // RFC 9420 §10.1 [R10.1-2]
  //    Verify that the `leaf_node` of the KeyPackage is valid for a KeyPackage
  //    according to {{leaf-node-validation}}.
  // RFC 9420 §10 [R10-7]
  //    The field `leaf_node.leaf_node_source` of the LeafNode in a KeyPackage
  //    MUST be set to `key_package`.
  leaf_node.validate(suite, LeafNodeSource::key_package, {}, 0, now);
  // Verify that the signature on the KeyPackage is valid (R10.1-3, in verify).
  verify(suite);
  check_extension_types_unique(extensions, "KeyPackage.extensions");
  // RFC 9420 §10 [R10-3]: on receipt too, as R10-4 below: an init_key that
  // is not one would make any Welcome to this KeyPackage fail (§12.4.3.1)
  //    The value for `init_key` MUST be a public key for the asymmetric encryption scheme
  //    defined by `cipher_suite`, and it MUST be unique among the set of KeyPackages
  //    created by this client.
  if (!suite.hpke().kem().public_key_valid(init_key) && enforced(req::R10_3)) {
    throw Error(ErrorKind::protocol, req::R10_3,
                "init_key is not a public key of the cipher suite's KEM");
  }
  // RFC 9420 §10 [R10-4]
  //    Likewise, the `leaf_node` field MUST be valid for the cipher suite, including both the
  //    `encryption_key` and `signature_key` fields.
  // (The signature_key was decoded for the suite when the LeafNode's signature
  // was verified above; here the encryption_key is decoded as a public key of
  // the suite's KEM.)
  if (!suite.hpke().kem().public_key_valid(leaf_node.encryption_key) && enforced(req::R10_4)) {
    throw Error(ErrorKind::protocol, req::R10_4,
                "leaf_node.encryption_key is not a public key of the cipher suite's KEM");
  }
  // RFC 9420 §10.1 [R10.1-4]
  //    Verify that the value of `leaf_node.encryption_key` is different from
  //    the value of the `init_key` field.
  if (init_key == leaf_node.encryption_key && enforced(req::R10_1_4)) {
    throw Error(ErrorKind::protocol, req::R10_1_4, "init_key equals leaf_node.encryption_key");
  }
}

uint64_t system_now() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

Signer Signer::generate(const CipherSuite& suite, Botan::RandomNumberGenerator& rng) {
  return from_private_key(suite, suite.generate_signature_key(rng));
}

Signer Signer::from_private_key(const CipherSuite& suite, SecureBytes private_key) {
  Signer s;
  s.public_key = suite.signature_public_key(private_key);
  s.private_key = std::move(private_key);
  return s;
}

KeyPackageBundle create_key_package(const CipherSuite& suite, const Signer& signer,
                                    const CredentialWithKey& credential,
                                    const KeyPackageOptions& options,
                                    Botan::RandomNumberGenerator& rng, const Clock& clock) {
  // RFC 9420 §10: no requirement covers this request; the KeyPackage and its
  // LeafNode are signed with `signer`, so their signature_key must be its key,
  // or neither signature verifies (R10.1-3, R7.3-2 on the receiving side).
  if (signer.public_key != credential.signature_key) {
    throw Error(ErrorKind::usage, "10",
                "the signer's public key is not the credential's signature key");
  }
  KeyPackageBundle out;
  // RFC 9420 §10 [R10-3]: a fresh key pair of the suite per KeyPackage
  //    The value for `init_key` MUST be a public key for the asymmetric encryption scheme defined
  //    by `cipher_suite`, and it MUST be unique among the set of KeyPackages created by this
  //    client.
  hpke::KeyPair init = suite.generate_key_pair(rng);
  hpke::KeyPair leaf_keys = suite.generate_key_pair(rng);
  out.init_private_key = init.private_key;
  out.encryption_private_key = leaf_keys.private_key;

  KeyPackage& kp = out.key_package;
  kp.version = mls10;
  kp.cipher_suite = suite.id();
  kp.init_key = init.public_key;
  kp.extensions = options.extensions;
  LeafNode& leaf = kp.leaf_node;
  leaf.encryption_key = leaf_keys.public_key;
  leaf.signature_key = credential.signature_key;
  leaf.credential = credential.credential;
  leaf.extensions = options.leaf_extensions;
  // RFC 9420 §7.2
  //    The `capabilities` field indicates the protocol features that the client
  //    supports, including protocol versions, cipher suites, credential types,
  //    non-default proposal types, and non-default extension types.
  set_own_capabilities(leaf, options.capabilities, options.grease, rng, kp.extensions);
  if (options.grease) {
    add_grease_extension(kp.extensions, &leaf.capabilities, true, rng);
  }
  leaf.leaf_node_source = LeafNodeSource::key_package;
  if (options.lifetime.not_after == 0) {
    uint64_t now = clock ? clock() : system_now();
    leaf.lifetime = Lifetime{now > 3600 ? now - 3600 : 0, now + 90ull * 24 * 3600};
  } else {
    leaf.lifetime = options.lifetime;
  }
  leaf.sign(suite, signer.private_key);
  kp.sign(suite, signer.private_key);
  return out;
}

Bytes KeyPackage::ref(const CipherSuite& suite) const {
  return suite.ref_hash("MLS 1.0 KeyPackage Reference", encode(*this));
}

}  // namespace mlsref
