// RFC 9420 §7.1 Parent Node Contents, §7.2 Leaf Node Contents, §7.6 Update
// Paths (UpdatePathNode, UpdatePath), §12.4.3.3 Ratchet Tree Extension (Node):
// the structures of the ratchet tree. Validation is in ratchet_tree.h.
#pragma once

#include <algorithm>
#include <optional>
#include <string_view>

#include "cipher_suite.h"
#include "credential.h"
#include "presentation_language.h"

namespace mlsref {

using ProtocolVersion = uint16_t;  // enum { reserved(0), mls10(1), (65535) }
inline constexpr ProtocolVersion mls10 = 1;
using CipherSuiteId = uint16_t;  // uint16 CipherSuite; (open registry)
using ExtensionType = uint16_t;  // open registry, §17.3
using ProposalType = uint16_t;   // open registry, §17.4
using HPKEPublicKey = Bytes;
using SignaturePublicKey = Bytes;

// struct {
//     ExtensionType extension_type;
//     opaque extension_data<V>;
// } Extension;
struct Extension {
  ExtensionType extension_type = 0;
  Bytes extension_data;
  bool operator==(const Extension&) const = default;
  static constexpr std::string_view type_name = "Extension";
  static constexpr auto fields = std::tuple{field("extension_type", &Extension::extension_type),
                                            field("extension_data", &Extension::extension_data)};
};

// Error{protocol, R13.4-5} when two extensions of `extensions` have the same
// type; `field` names the list in the message.
void check_extension_types_unique(const std::vector<Extension>& extensions, std::string_view field);

// struct {
//     ProtocolVersion versions<V>;
//     CipherSuite cipher_suites<V>;
//     ExtensionType extensions<V>;
//     ProposalType proposals<V>;
//     CredentialType credentials<V>;
// } Capabilities;
// RFC 9420 §7.2 [R7.2-4]: every list holds plain uint16 values, kept as decoded
//    As discussed in {{extensibility}}, unknown values in `capabilities` MUST be ignored [...]
struct Capabilities {
  std::vector<ProtocolVersion> versions;
  std::vector<CipherSuiteId> cipher_suites;
  std::vector<ExtensionType> extensions;
  std::vector<ProposalType> proposals;
  std::vector<CredentialType> credentials;
  bool operator==(const Capabilities&) const = default;
  static constexpr std::string_view type_name = "Capabilities";
  static constexpr auto fields = std::tuple{field("versions", &Capabilities::versions),
                                            field("cipher_suites", &Capabilities::cipher_suites),
                                            field("extensions", &Capabilities::extensions),
                                            field("proposals", &Capabilities::proposals),
                                            field("credentials", &Capabilities::credentials)};
};

// One list of a Capabilities, sorted once for lookups in log time: the list
// (a KeyPackage's, which anyone can sign) and what is looked up in it can
// each run to hundreds of thousands of entries, and a scan of the one for
// each of the other would be quadratic.
class SortedTypes {
 public:
  explicit SortedTypes(std::vector<uint16_t> values) : values_(std::move(values)) {
    std::sort(values_.begin(), values_.end());
  }
  bool has(uint16_t x) const { return std::binary_search(values_.begin(), values_.end(), x); }

 private:
  std::vector<uint16_t> values_;
};

// struct {
//     uint64 not_before;
//     uint64 not_after;
// } Lifetime;
struct Lifetime {
  uint64_t not_before = 0;
  uint64_t not_after = 0;
  bool operator==(const Lifetime&) const = default;
  static constexpr std::string_view type_name = "Lifetime";
  static constexpr auto fields = std::tuple{field("not_before", &Lifetime::not_before),
                                            field("not_after", &Lifetime::not_after)};
};

// enum { reserved(0), key_package(1), update(2), commit(3), (255) } LeafNodeSource;
enum class LeafNodeSource : uint8_t { key_package = 1, update = 2, commit = 3 };
inline bool is_known(LeafNodeSource s) {
  return s == LeafNodeSource::key_package || s == LeafNodeSource::update ||
         s == LeafNodeSource::commit;
}

// struct {
//     HPKEPublicKey encryption_key;
//     SignaturePublicKey signature_key;
//     Credential credential;
//     Capabilities capabilities;
//
//     LeafNodeSource leaf_node_source;
//     select (LeafNode.leaf_node_source) {
//         case key_package:
//             Lifetime lifetime;
//
//         case update:
//             struct{};
//
//         case commit:
//             opaque parent_hash<V>;
//     };
//
//     Extension extensions<V>;
//     /* SignWithLabel(., "LeafNodeTBS", LeafNodeTBS) */
//     opaque signature<V>;
// } LeafNode;
struct LeafNode {
  HPKEPublicKey encryption_key;
  SignaturePublicKey signature_key;
  Credential credential;
  Capabilities capabilities;
  LeafNodeSource leaf_node_source = LeafNodeSource::key_package;
  Lifetime lifetime;  // key_package
  Bytes parent_hash;  // commit
  std::vector<Extension> extensions;
  Bytes signature;
  bool operator==(const LeafNode&) const = default;
  static constexpr std::string_view type_name = "LeafNode";
  void encode(Writer& w) const;
  void decode(Reader& r);

  // LeafNodeTBS (§7.2): the fields above the signature, then group_id and
  // leaf_index for the update and commit sources.
  Bytes to_be_signed(ByteView group_id, uint32_t leaf_index) const;
  // SignWithLabel(., "LeafNodeTBS", LeafNodeTBS)
  void sign(const CipherSuite& suite, ByteView signature_private_key, ByteView group_id = {},
            uint32_t leaf_index = 0);
  // The signature: Error{crypto, "7.3"} when it does not verify,
  // Error{decode, "5.1.1"} for a malformed signature_key.
  void verify(const CipherSuite& suite, ByteView group_id = {}, uint32_t leaf_index = 0) const;

  // §7.3 checks that need only the leaf itself: the source is `expected`, the
  // signature verifies (with group_id and leaf_index for update and commit),
  // the extensions are listed in its capabilities (default types excepted,
  // §7.2), its credential type is in its capabilities, and for key_package
  // leaves `now` (seconds since the epoch, when given) is within the
  // lifetime. Error naming the rule otherwise. The group-wide checks are
  // RatchetTree::verify_leaves.
  void validate(const CipherSuite& suite, LeafNodeSource expected, ByteView group_id,
                uint32_t leaf_index, std::optional<uint64_t> now) const;
  // The lifetime part alone: for a key_package leaf, `now` is within the
  // lifetime (R7.3-6). Other leaves have none.
  void check_lifetime(uint64_t now) const;

 private:
  void encode_content(Writer& w) const;
};

// §7.2: a key_package leaf's total lifetime (not_after - not_before) is at
// most `max_seconds`, the application's limit (unset: none). Error naming R7.2-5.
void check_total_lifetime(const LeafNode& leaf, std::optional<uint64_t> max_seconds,
                          std::string_view what);

// struct {
//     HPKEPublicKey encryption_key;
//     opaque parent_hash<V>;
//     uint32 unmerged_leaves<V>;
// } ParentNode;
struct ParentNode {
  HPKEPublicKey encryption_key;
  Bytes parent_hash;
  std::vector<uint32_t> unmerged_leaves;
  bool operator==(const ParentNode&) const = default;
  static constexpr std::string_view type_name = "ParentNode";
  static constexpr auto fields = std::tuple{field("encryption_key", &ParentNode::encryption_key),
                                            field("parent_hash", &ParentNode::parent_hash),
                                            field("unmerged_leaves", &ParentNode::unmerged_leaves)};
};

// enum { reserved(0), leaf(1), parent(2), (255) } NodeType;
enum class NodeType : uint8_t { leaf = 1, parent = 2 };
inline bool is_known(NodeType t) { return t == NodeType::leaf || t == NodeType::parent; }

// struct {
//     NodeType node_type;
//     select (Node.node_type) {
//         case leaf:   LeafNode leaf_node;
//         case parent: ParentNode parent_node;
//     };
// } Node;
struct Node {
  NodeType node_type = NodeType::leaf;
  LeafNode leaf_node;
  ParentNode parent_node;
  bool operator==(const Node&) const = default;
  static constexpr std::string_view type_name = "Node";
  void encode(Writer& w) const;
  void decode(Reader& r);
};

// optional<Node>, a blank node costing one pointer (see BoxedOptional).
using OptionalNode = BoxedOptional<Node>;
// optional<Node> ratchet_tree<V>;   (§12.4.3.3)
using RatchetTreeNodes = std::vector<OptionalNode>;

// struct {
//     HPKEPublicKey encryption_key;
//     HPKECiphertext encrypted_path_secret<V>;
// } UpdatePathNode;
struct UpdatePathNode {
  HPKEPublicKey encryption_key;
  std::vector<HPKECiphertext> encrypted_path_secret;
  bool operator==(const UpdatePathNode&) const = default;
  static constexpr std::string_view type_name = "UpdatePathNode";
  static constexpr auto fields =
      std::tuple{field("encryption_key", &UpdatePathNode::encryption_key),
                 field("encrypted_path_secret", &UpdatePathNode::encrypted_path_secret)};
};

// struct {
//     LeafNode leaf_node;
//     UpdatePathNode nodes<V>;
// } UpdatePath;
struct UpdatePath {
  LeafNode leaf_node;
  std::vector<UpdatePathNode> nodes;
  bool operator==(const UpdatePath&) const = default;
  static constexpr std::string_view type_name = "UpdatePath";
  static constexpr auto fields =
      std::tuple{field("leaf_node", &UpdatePath::leaf_node), field("nodes", &UpdatePath::nodes)};
};

}  // namespace mlsref
