// RFC 9420 §7.1 Parent Node Contents, §7.2 Leaf Node Contents, §12.4.3.3 Node
#include "leaf_node.h"

#include <algorithm>

#include "registries.h"
#include "rule_switch.h"

namespace mlsref {

void check_extension_types_unique(const std::vector<Extension>& extensions,
                                  std::string_view field) {
  // RFC 9420 §13.4 [R13.4-5]
  //    Any field containing a list of extensions MUST NOT have more than one extension of any
  //    given type.
  // (The types sorted, not every pair compared: a list anyone can sign, in a
  // KeyPackage, can hold hundreds of thousands.)
  std::vector<ExtensionType> types;
  types.reserve(extensions.size());
  for (const Extension& e : extensions) {
    types.push_back(e.extension_type);
  }
  std::sort(types.begin(), types.end());
  auto repeated = std::adjacent_find(types.begin(), types.end());
  if (repeated != types.end() && enforced(req::R13_4_5)) {
    throw Error(
        ErrorKind::protocol, req::R13_4_5,
        std::string(field) + " has more than one extension of type " + std::to_string(*repeated));
  }
}

void check_total_lifetime(const LeafNode& leaf, std::optional<uint64_t> max_seconds,
                          std::string_view what) {
  if (!max_seconds || leaf.leaf_node_source != LeafNodeSource::key_package) {
    return;  // only a key_package leaf has a lifetime
  }
  const Lifetime& t = leaf.lifetime;
  const uint64_t total = t.not_after > t.not_before ? t.not_after - t.not_before : 0;
  // RFC 9420 §7.2 [R7.2-5]: the application's limit is GroupConfig::max_leaf_lifetime
  //    Applications MUST define a maximum total lifetime that is acceptable for a
  //    LeafNode, and reject any LeafNode where the total lifetime is longer than this
  //    duration.
  if (total > *max_seconds && enforced(req::R7_2_5)) {
    throw Error(ErrorKind::protocol, req::R7_2_5,
                std::string(what) + " has a total lifetime of " + std::to_string(total) +
                    " s, longer than the application's maximum of " + std::to_string(*max_seconds) +
                    " s");
  }
}

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
  // RFC 9420 §7.3 [R7.3-2]
  //    Verify that the signature on the LeafNode is valid using `signature_key`.
  suite.verify_with_label(signature_key, signature_label::leaf_node_tbs,
                          to_be_signed(group_id, leaf_index), signature, req::R7_3_2);
}

void LeafNode::validate(const CipherSuite& suite, LeafNodeSource expected, ByteView group_id,
                        uint32_t leaf_index, std::optional<uint64_t> now) const {
  // RFC 9420 §7.3 [R7.3-10, R7.3-11, R7.3-12, R7.3-13]
  //    Verify the `leaf_node_source` field:
  //      * If the LeafNode appears in a KeyPackage, verify that `leaf_node_source` is
  //        set to `key_package`.
  //      * If the LeafNode appears in an Update proposal, verify that `leaf_node_source`
  //        is set to `update` [...]
  //      * If the LeafNode appears in the `leaf_node` value of the UpdatePath in
  //        a Commit, verify that `leaf_node_source` is set to `commit`.
  const Requirement& rule = expected == LeafNodeSource::key_package ? req::R7_3_11
                            : expected == LeafNodeSource::update    ? req::R7_3_12
                            : expected == LeafNodeSource::commit    ? req::R7_3_13
                                                                    : req::R7_3_10;
  if (leaf_node_source != expected && enforced(rule)) {
    throw Error(ErrorKind::protocol, rule,
                "leaf_node_source is " + std::to_string(static_cast<int>(leaf_node_source)) +
                    ", expected " + std::to_string(static_cast<int>(expected)));
  }
  // Verify that the signature on the LeafNode is valid using `signature_key`
  // (LeafNode::verify).
  verify(suite, group_id, leaf_index);
  check_extension_types_unique(extensions, "LeafNode.extensions");
  // RFC 9420 §7.3 [R7.3-9]
  //    Verify that the extensions in the LeafNode are supported by checking that the
  //    ID for each extension in the `extensions` field is listed in the
  //    `capabilities.extensions` field of the LeafNode.
  // RFC 9420 §7.2 [R7.2-3]
  //    The types of any non-default extensions that appear in the `extensions` field of a LeafNode
  //    MUST be included in the `extensions` field of the `capabilities` field [...]
  const SortedTypes listed(capabilities.extensions);
  for (const auto& ext : extensions) {
    bool is_default = false;
    for (const auto& row : extension_type_registry()) {
      is_default |= row.value == ext.extension_type && row.is_default;
    }
    if (!is_default && !listed.has(ext.extension_type) &&
        enforced(req::R7_3_9)) {
      throw Error(ErrorKind::protocol, req::R7_3_9,
                  "extension " + std::to_string(ext.extension_type) +
                      " is not listed in the leaf's capabilities");
    }
  }
  // RFC 9420 §7.2 [R7.2-3]
  //    [...] the
  //    credential type used in the LeafNode MUST be included in the `credentials` field
  //    of the `capabilities` field.
  const auto& creds = capabilities.credentials;
  if (std::find(creds.begin(), creds.end(), credential.credential_type) == creds.end() &&
      enforced(req::R7_2_3)) {
    throw Error(ErrorKind::protocol, req::R7_2_3,
                "the leaf's own credential type " + std::to_string(credential.credential_type) +
                    " is not in its capabilities");
  }
  // RFC 9420 §7.3 [R7.3-6, R7.3-7, R7.3-8]
  //    Verify the `lifetime` field:
  //      * If the LeafNode appears in a message being sent by the client, e.g., a
  //        Proposal or a Commit, then the client MUST verify that the current time is within
  //        the range of the `lifetime` field.
  //      * If instead the LeafNode appears in a message being received by the client, e.g.,
  //        a Proposal, a Commit, or a ratchet tree of the group the client is joining, it is
  //        RECOMMENDED that the client verifies that the current time is within the range
  //        of the `lifetime` field.
  // Only a key_package leaf has a lifetime; the caller gives `now` to ask for
  // the check.
  if (now.has_value()) {
    check_lifetime(*now);
  }
}

void LeafNode::check_lifetime(uint64_t now) const {
  if (leaf_node_source == LeafNodeSource::key_package &&
      (now < lifetime.not_before || now > lifetime.not_after) && enforced(req::R7_3_6)) {
    throw Error(ErrorKind::protocol, req::R7_3_6,
                "the current time " + std::to_string(now) + " is outside the lifetime [" +
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
