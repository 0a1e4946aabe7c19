// RFC 9420 §10 Key Packages, §5.2 KeyPackageRef
#pragma once

#include <botan/rng.h>

#include <functional>
#include <optional>

#include "leaf_node.h"

namespace mlsref {

// struct {
//     ProtocolVersion version;
//     CipherSuite cipher_suite;
//     HPKEPublicKey init_key;
//     LeafNode leaf_node;
//     Extension extensions<V>;
//     /* SignWithLabel(., "KeyPackageTBS", KeyPackageTBS) */
//     opaque signature<V>;
// } KeyPackage;
struct KeyPackage {
  ProtocolVersion version = mls10;
  CipherSuiteId cipher_suite = 0;
  HPKEPublicKey init_key;
  LeafNode leaf_node;
  std::vector<Extension> extensions;
  Bytes signature;
  bool operator==(const KeyPackage&) const = default;
  static constexpr std::string_view type_name = "KeyPackage";
  static constexpr auto fields = std::tuple{field("version", &KeyPackage::version),
                                            field("cipher_suite", &KeyPackage::cipher_suite),
                                            field("init_key", &KeyPackage::init_key),
                                            field("leaf_node", &KeyPackage::leaf_node),
                                            field("extensions", &KeyPackage::extensions),
                                            field("signature", &KeyPackage::signature)};

  // KeyPackageTBS: every field but the signature.
  Bytes to_be_signed() const;
  void sign(const CipherSuite& suite, ByteView signature_private_key);
  // The KeyPackage signature: Error{crypto, R10.1-3} when it does not verify,
  // Error{decode, "5.1.1"} for a malformed signature_key.
  void verify(const CipherSuite& suite) const;
  // §10.1 validation: cipher suite and version as expected, the LeafNode
  // valid for a KeyPackage (§7.3, lifetime against `now` when given), the
  // KeyPackage signature, and init_key != leaf_node.encryption_key.
  void validate(const CipherSuite& suite, std::optional<uint64_t> now) const;
  // MakeKeyPackageRef(value) = RefHash("MLS 1.0 KeyPackage Reference", value)
  Bytes ref(const CipherSuite& suite) const;
};

// Seconds since the Unix epoch: the clock against which lifetimes are checked
// (§7.2, §10.1). Injectable so that tests and recorded vectors can fix it.
using Clock = std::function<uint64_t()>;
// The system clock.
uint64_t system_now();

// A signature key pair (§5.1.2): the private key signs, the public key goes
// into LeafNode.signature_key.
struct Signer {
  SecureBytes private_key;
  SignaturePublicKey public_key;
  static Signer generate(const CipherSuite& suite, Botan::RandomNumberGenerator& rng);
  static Signer from_private_key(const CipherSuite& suite, SecureBytes private_key);
};

// A credential and the signature key it binds (§5.3).
struct CredentialWithKey {
  Credential credential;
  SignaturePublicKey signature_key;
  bool operator==(const CredentialWithKey&) const = default;
};

// A KeyPackage with the private keys its owner keeps: init_key's private key
// for the Welcome and the leaf's encryption private key (§10).
struct KeyPackageBundle {
  KeyPackage key_package;
  SecureBytes init_private_key;
  SecureBytes encryption_private_key;
};

// What a new KeyPackage carries besides fresh keys (§10).
struct KeyPackageOptions {
  Capabilities capabilities;  // empty versions/suites/credentials are filled in
  Lifetime lifetime;          // not_after 0: [now - 1 h, now + 90 days]
  std::vector<Extension> leaf_extensions;
  std::vector<Extension> extensions;
  // §13.5: GREASE values in the capabilities, a GREASE extension in the leaf's
  // and in the KeyPackage's extensions.
  bool grease = true;
};

// RFC 9420 §10: fresh init and encryption key pairs, a key_package-source leaf
// signed by `signer`, the KeyPackage signed by `signer`. The signer must own
// credential.signature_key.
KeyPackageBundle create_key_package(const CipherSuite& suite, const Signer& signer,
                                    const CredentialWithKey& credential,
                                    const KeyPackageOptions& options,
                                    Botan::RandomNumberGenerator& rng, const Clock& clock = {});

}  // namespace mlsref
