// RFC 9420 §6 Message Framing: §6.1 Content Authentication, §6.2 Encoding and
// Decoding a Public Message, §6.3 Encoding and Decoding a Private Message
// (§6.3.1 Content Encryption, §6.3.2 Sender Data Encryption).
#pragma once

#include <functional>

#include "commit.h"
#include "key_schedule.h"
#include "secret_tree.h"

namespace mlsref {

// enum { reserved(0), application(1), proposal(2), commit(3), (255) } ContentType;
enum class ContentType : uint8_t { application = 1, proposal = 2, commit = 3 };
inline bool is_known(ContentType t) {
  return t == ContentType::application || t == ContentType::proposal || t == ContentType::commit;
}

// enum { reserved(0), member(1), external(2), new_member_proposal(3),
//        new_member_commit(4), (255) } SenderType;
enum class SenderType : uint8_t {
  member = 1,
  external = 2,
  new_member_proposal = 3,
  new_member_commit = 4
};
inline bool is_known(SenderType t) {
  return t == SenderType::member || t == SenderType::external ||
         t == SenderType::new_member_proposal || t == SenderType::new_member_commit;
}

// uint16 WireFormat; (open registry, §17.2)
using WireFormat = uint16_t;
namespace wire_format {
inline constexpr WireFormat mls_public_message = 0x0001;
inline constexpr WireFormat mls_private_message = 0x0002;
inline constexpr WireFormat mls_welcome = 0x0003;
inline constexpr WireFormat mls_group_info = 0x0004;
inline constexpr WireFormat mls_key_package = 0x0005;
}  // namespace wire_format

// struct {
//     SenderType sender_type;
//     select (Sender.sender_type) {
//         case member:
//             uint32 leaf_index;
//         case external:
//             uint32 sender_index;
//         case new_member_commit:
//         case new_member_proposal:
//             struct{};
//     };
// } Sender;
struct Sender {
  SenderType sender_type = SenderType::member;
  uint32_t leaf_index = 0;    // member
  uint32_t sender_index = 0;  // external
  bool operator==(const Sender&) const = default;
  static constexpr std::string_view type_name = "Sender";
  static Sender member(uint32_t leaf) { return Sender{SenderType::member, leaf, 0}; }
  void encode(Writer& w) const;
  void decode(Reader& r);
};

// struct {
//     opaque group_id<V>;
//     uint64 epoch;
//     Sender sender;
//     opaque authenticated_data<V>;
//
//     ContentType content_type;
//     select (FramedContent.content_type) {
//         case application:
//           opaque application_data<V>;
//         case proposal:
//           Proposal proposal;
//         case commit:
//           Commit commit;
//     };
// } FramedContent;
struct FramedContent {
  Bytes group_id;
  uint64_t epoch = 0;
  Sender sender;
  Bytes authenticated_data;
  ContentType content_type = ContentType::application;
  Bytes application_data;  // application
  Proposal proposal;       // proposal
  Commit commit;           // commit
  bool operator==(const FramedContent&) const = default;
  static constexpr std::string_view type_name = "FramedContent";
  void encode(Writer& w) const;
  void decode(Reader& r);
  // The select(content_type) part alone (also the head of PrivateMessageContent).
  void encode_body(Writer& w) const;
  void decode_body(Reader& r);
};

// struct {
//     /* SignWithLabel(., "FramedContentTBS", FramedContentTBS) */
//     opaque signature<V>;
//     select (FramedContent.content_type) {
//         case commit:
//             MAC confirmation_tag;
//         case application:
//         case proposal:
//             struct{};
//     };
// } FramedContentAuthData;
struct FramedContentAuthData {
  Bytes signature;
  Bytes confirmation_tag;  // commit
  bool operator==(const FramedContentAuthData&) const = default;
  void encode(Writer& w, ContentType content_type) const;
  void decode(Reader& r, ContentType content_type);
};

// struct {
//     WireFormat wire_format;
//     FramedContent content;
//     FramedContentAuthData auth;
// } AuthenticatedContent;
struct AuthenticatedContent {
  WireFormat wire_format = wire_format::mls_public_message;
  FramedContent content;
  FramedContentAuthData auth;
  bool operator==(const AuthenticatedContent&) const = default;
  static constexpr std::string_view type_name = "AuthenticatedContent";
  void encode(Writer& w) const;
  void decode(Reader& r);
};

// MakeProposalRef(value) = RefHash("MLS 1.0 Proposal Reference", value), value
// being the AuthenticatedContent that carries the proposal (§5.2).
Bytes proposal_ref(const CipherSuite& suite, const AuthenticatedContent& content);

// struct {
//     FramedContent content;
//     FramedContentAuthData auth;
//     select (PublicMessage.content.sender.sender_type) {
//         case member:
//             MAC membership_tag;
//         case external:
//         case new_member_commit:
//         case new_member_proposal:
//             struct{};
//     };
// } PublicMessage;
struct PublicMessage {
  FramedContent content;
  FramedContentAuthData auth;
  Bytes membership_tag;  // member
  bool operator==(const PublicMessage&) const = default;
  static constexpr std::string_view type_name = "PublicMessage";
  void encode(Writer& w) const;
  void decode(Reader& r);
};

// struct {
//     opaque group_id<V>;
//     uint64 epoch;
//     ContentType content_type;
//     opaque authenticated_data<V>;
//     opaque encrypted_sender_data<V>;
//     opaque ciphertext<V>;
// } PrivateMessage;
struct PrivateMessage {
  Bytes group_id;
  uint64_t epoch = 0;
  ContentType content_type = ContentType::application;
  Bytes authenticated_data;
  Bytes encrypted_sender_data;
  Bytes ciphertext;
  bool operator==(const PrivateMessage&) const = default;
  static constexpr std::string_view type_name = "PrivateMessage";
  static constexpr auto fields =
      std::tuple{field("group_id", &PrivateMessage::group_id),
                 field("epoch", &PrivateMessage::epoch),
                 field("content_type", &PrivateMessage::content_type),
                 field("authenticated_data", &PrivateMessage::authenticated_data),
                 field("encrypted_sender_data", &PrivateMessage::encrypted_sender_data),
                 field("ciphertext", &PrivateMessage::ciphertext)};
};

// struct {
//     uint32 leaf_index;
//     uint32 generation;
//     opaque reuse_guard[4];
// } SenderData;
struct SenderData {
  uint32_t leaf_index = 0;
  uint32_t generation = 0;
  std::array<uint8_t, 4> reuse_guard{};
  bool operator==(const SenderData&) const = default;
  static constexpr std::string_view type_name = "SenderData";
  static constexpr auto fields = std::tuple{field("leaf_index", &SenderData::leaf_index),
                                            field("generation", &SenderData::generation),
                                            field("reuse_guard", &SenderData::reuse_guard)};
};

// §6.1: the FramedContentTBS of `content` sent as `wire_format`; the
// GroupContext is included for member and new_member_commit senders.
Bytes framed_content_tbs(WireFormat wire_format, const FramedContent& content,
                         const GroupContext& context);

// §6.2: sign (and for a member, MAC) `content` as a PublicMessage. A commit
// needs its confirmation_tag. Application data is refused (§6).
PublicMessage protect_public(const CipherSuite& suite, const FramedContent& content,
                             ByteView signature_private_key, const GroupContext& context,
                             const MembershipKey& membership_key, ByteView confirmation_tag = {});
// §6.2: check group_id/epoch, the membership tag (members) and the signature.
AuthenticatedContent unprotect_public(const CipherSuite& suite, const PublicMessage& message,
                                      const GroupContext& context,
                                      const MembershipKey& membership_key,
                                      ByteView signature_public_key);

// §6.3: encrypt `content` from a member with the next generation of its
// ratchet; `padding` zero bytes are appended to the plaintext.
PrivateMessage protect_private(const CipherSuite& suite, const FramedContent& content,
                               ByteView signature_private_key, const GroupContext& context,
                               SecretTree& tree, const SenderDataSecret& sender_data_secret,
                               Botan::RandomNumberGenerator& rng, ByteView confirmation_tag = {},
                               size_t padding = 0);
// §6.3: decrypt the sender data and content, check padding and signature.
// `signature_key` gives the signature public key of a leaf (Error to refuse).
AuthenticatedContent unprotect_private(const CipherSuite& suite, const PrivateMessage& message,
                                       const GroupContext& context, SecretTree& tree,
                                       const SenderDataSecret& sender_data_secret,
                                       const std::function<Bytes(LeafIndex)>& signature_key);

}  // namespace mlsref
