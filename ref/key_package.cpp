// RFC 9420 §10 Key Packages
#include "key_package.h"

#include "registries.h"

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
  // RFC 9420 §10.1
  //    Verify that the signature on the KeyPackage is valid using the public key
  //    in leaf_node.credential.
  suite.verify_with_label(leaf_node.signature_key, signature_label::key_package_tbs, to_be_signed(),
                          signature, "10.1");
}

void KeyPackage::validate(const CipherSuite& suite, std::optional<uint64_t> now) const {
  // RFC 9420 §10.1
  //    Verify that the cipher suite and protocol version of the KeyPackage
  //    match those in the GroupContext.
  if (cipher_suite != suite.id() || version != mls10) {
    throw Error(ErrorKind::protocol, "10.1",
                "KeyPackage is for suite " + std::to_string(cipher_suite) + ", version " +
                    std::to_string(version));
  }
  //    Verify that the leaf_node of the KeyPackage is valid for a KeyPackage
  leaf_node.validate(suite, LeafNodeSource::key_package, {}, 0, now);
  //    Verify that the signature on the KeyPackage is valid
  verify(suite);
  //    Verify that the value of leaf_node.encryption_key is different from
  //    the value of the init_key field.
  if (init_key == leaf_node.encryption_key) {
    throw Error(ErrorKind::protocol, "10.1", "init_key equals leaf_node.encryption_key");
  }
}

Bytes KeyPackage::ref(const CipherSuite& suite) const {
  return suite.ref_hash("MLS 1.0 KeyPackage Reference", encode(*this));
}

}  // namespace mlsref
