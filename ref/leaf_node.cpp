// RFC 9420 §7.1 Parent Node Contents, §7.2 Leaf Node Contents, §12.4.3.3 Node
#include "leaf_node.h"

#include <algorithm>

#include "registries.h"

namespace mlsref {

void LeafNode::encode_content(Writer& w) const {
  encode_into(w, encryption_key);
  encode_into(w, signature_key);
  encode_into(w, credential);
  encode_into(w, capabilities);
  encode_into(w, leaf_node_source);
  switch (leaf_node_source) {
    case LeafNodeSource::key_package:
      encode_into(w, lifetime);
      break;
    case LeafNodeSource::update:
      break;
    case LeafNodeSource::commit:
      encode_into(w, parent_hash);
      break;
  }
  encode_into(w, extensions);
}

void LeafNode::encode(Writer& w) const {
  encode_content(w);
  encode_into(w, signature);
}

void LeafNode::decode(Reader& r) {
  decode_field(r, "encryption_key", encryption_key);
  decode_field(r, "signature_key", signature_key);
  decode_field(r, "credential", credential);
  decode_field(r, "capabilities", capabilities);
  decode_field(r, "leaf_node_source", leaf_node_source);
  switch (leaf_node_source) {
    case LeafNodeSource::key_package:
      decode_field(r, "lifetime", lifetime);
      break;
    case LeafNodeSource::update:
      break;
    case LeafNodeSource::commit:
      decode_field(r, "parent_hash", parent_hash);
      break;
  }
  decode_field(r, "extensions", extensions);
  decode_field(r, "signature", signature);
}

Bytes LeafNode::to_be_signed(ByteView group_id, uint32_t leaf_index) const {
  // struct { ...the LeafNode fields but signature...;
  //     select (LeafNodeTBS.leaf_node_source) {
  //         case key_package: struct{};
  //         case update:      opaque group_id<V>; uint32 leaf_index;
  //         case commit:      opaque group_id<V>; uint32 leaf_index;
  //     };
  // } LeafNodeTBS;
  Writer w;
  encode_content(w);
  if (leaf_node_source != LeafNodeSource::key_package) {
    w.put_varint(group_id.size());
    w.put_bytes(group_id);
    encode_into(w, leaf_index);
  }
  return w.take();
}

void LeafNode::sign(const CipherSuite& suite, ByteView signature_private_key, ByteView group_id,
                    uint32_t leaf_index) {
  signature = suite.sign_with_label(signature_private_key, signature_label::leaf_node_tbs,
                                    to_be_signed(group_id, leaf_index));
}

void LeafNode::verify(const CipherSuite& suite, ByteView group_id, uint32_t leaf_index) const {
  // RFC 9420 §7.3
  //    Verify that the signature on the LeafNode is valid using signature_key.
  suite.verify_with_label(signature_key, signature_label::leaf_node_tbs,
                          to_be_signed(group_id, leaf_index), signature, "7.3");
}

void LeafNode::validate(const CipherSuite& suite, LeafNodeSource expected, ByteView group_id,
                        uint32_t leaf_index, std::optional<uint64_t> now) const {
  // Verify the leaf_node_source field [...]
  if (leaf_node_source != expected) {
    throw Error(ErrorKind::protocol, "7.3",
                "leaf_node_source is " + std::to_string(static_cast<int>(leaf_node_source)) +
                    ", expected " + std::to_string(static_cast<int>(expected)));
  }
  // Verify that the signature on the LeafNode is valid using signature_key.
  verify(suite, group_id, leaf_index);
  // Verify that the extensions in the LeafNode are supported [...]
  for (const auto& ext : extensions) {
    bool is_default = false;
    for (const auto& row : extension_type_registry()) {
      is_default |= row.value == ext.extension_type && row.is_default;
    }
    const auto& listed = capabilities.extensions;
    if (!is_default &&
        std::find(listed.begin(), listed.end(), ext.extension_type) == listed.end()) {
      throw Error(ErrorKind::protocol, "7.3",
                  "extension " + std::to_string(ext.extension_type) +
                      " is not listed in the leaf's capabilities");
    }
  }
  const auto& creds = capabilities.credentials;
  if (std::find(creds.begin(), creds.end(), credential.credential_type) == creds.end()) {
    throw Error(ErrorKind::protocol, "7.3",
                "the leaf's own credential type " + std::to_string(credential.credential_type) +
                    " is not in its capabilities");
  }
  // Verify the lifetime field [...]
  if (leaf_node_source == LeafNodeSource::key_package && now.has_value() &&
      (*now < lifetime.not_before || *now > lifetime.not_after)) {
    throw Error(ErrorKind::protocol, "7.3",
                "the current time " + std::to_string(*now) + " is outside the lifetime [" +
                    std::to_string(lifetime.not_before) + ", " +
                    std::to_string(lifetime.not_after) + "]");
  }
}

void Node::encode(Writer& w) const {
  encode_into(w, node_type);
  if (node_type == NodeType::leaf) {
    encode_into(w, leaf_node);
  } else {
    encode_into(w, parent_node);
  }
}

void Node::decode(Reader& r) {
  decode_field(r, "node_type", node_type);
  if (node_type == NodeType::leaf) {
    decode_field(r, "leaf_node", leaf_node);
  } else {
    decode_field(r, "parent_node", parent_node);
  }
}

}  // namespace mlsref
