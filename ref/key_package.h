// RFC 9420 §10 Key Packages, §5.2 KeyPackageRef
#pragma once

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
  // The KeyPackage signature: Error{crypto, "10.1"} when it does not verify,
  // Error{decode, "5.1.1"} for a malformed signature_key.
  void verify(const CipherSuite& suite) const;
  // §10.1 validation: cipher suite and version as expected, the LeafNode
  // valid for a KeyPackage (§7.3, lifetime against `now` when given), the
  // KeyPackage signature, and init_key != leaf_node.encryption_key.
  void validate(const CipherSuite& suite, std::optional<uint64_t> now) const;
  // MakeKeyPackageRef(value) = RefHash("MLS 1.0 KeyPackage Reference", value)
  Bytes ref(const CipherSuite& suite) const;
};

}  // namespace mlsref
