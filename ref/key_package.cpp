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
  signature =
      suite.sign_with_label(signature_private_key, signature_label::key_package_tbs, to_be_signed());
}

bool KeyPackage::verify(const CipherSuite& suite) const {
  return suite.verify_with_label(leaf_node.signature_key, signature_label::key_package_tbs,
                                 to_be_signed(), signature);
}

Bytes KeyPackage::ref(const CipherSuite& suite) const {
  return suite.ref_hash("MLS 1.0 KeyPackage Reference", encode(*this));
}

}  // namespace mlsref
