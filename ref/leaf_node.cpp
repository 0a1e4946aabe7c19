// RFC 9420 §7.1 Parent Node Contents, §7.2 Leaf Node Contents, §12.4.3.3 Node
#include "leaf_node.h"

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

bool LeafNode::verify(const CipherSuite& suite, ByteView group_id, uint32_t leaf_index) const {
  return suite.verify_with_label(signature_key, signature_label::leaf_node_tbs,
                                 to_be_signed(group_id, leaf_index), signature);
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
