// RFC 9420 §6 Message Framing
#include "framing.h"

#include <algorithm>

#include "registries.h"
#include "rule_switch.h"

namespace mlsref {

// ---------------------------------------------------------------- codecs

void Sender::encode(Writer& w) const {
  encode_into(w, sender_type);
  if (sender_type == SenderType::member) {
    encode_into(w, leaf_index);
  } else if (sender_type == SenderType::external) {
    encode_into(w, sender_index);
  }
}

void Sender::decode(Reader& r) {
  decode_field(r, "sender_type", sender_type);
  if (sender_type == SenderType::member) {
    decode_field(r, "leaf_index", leaf_index);
  } else if (sender_type == SenderType::external) {
    decode_field(r, "sender_index", sender_index);
  }
}

void FramedContent::encode_body(Writer& w) const {
  switch (content_type) {
    case ContentType::application:
      encode_into(w, application_data);
      break;
    case ContentType::proposal:
      encode_into(w, proposal);
      break;
    case ContentType::commit:
      encode_into(w, commit);
      break;
  }
}

void FramedContent::decode_body(Reader& r) {
  switch (content_type) {
    case ContentType::application:
      decode_field(r, "application_data", application_data);
      break;
    case ContentType::proposal:
      decode_field(r, "proposal", proposal);
      break;
    case ContentType::commit:
      decode_field(r, "commit", commit);
      break;
  }
}

void FramedContent::encode(Writer& w) const {
  encode_into(w, group_id);
  encode_into(w, epoch);
  encode_into(w, sender);
  encode_into(w, authenticated_data);
  encode_into(w, content_type);
  encode_body(w);
}

void FramedContent::decode(Reader& r) {
  decode_field(r, "group_id", group_id);
  decode_field(r, "epoch", epoch);
  decode_field(r, "sender", sender);
  decode_field(r, "authenticated_data", authenticated_data);
  decode_field(r, "content_type", content_type);
  decode_body(r);
}

void FramedContentAuthData::encode(Writer& w, ContentType content_type) const {
  encode_into(w, signature);
  if (content_type == ContentType::commit) {
    encode_into(w, confirmation_tag);
  }
}

void FramedContentAuthData::decode(Reader& r, ContentType content_type) {
  Reader::Scope s(r, "auth");
  decode_field(r, "signature", signature);
  if (content_type == ContentType::commit) {
    decode_field(r, "confirmation_tag", confirmation_tag);
  }
}

void AuthenticatedContent::encode(Writer& w) const {
  encode_into(w, wire_format);
  encode_into(w, content);
  auth.encode(w, content.content_type);
}

void AuthenticatedContent::decode(Reader& r) {
  decode_field(r, "wire_format", wire_format);
  decode_field(r, "content", content);
  auth.decode(r, content.content_type);
}

void PublicMessage::encode(Writer& w) const {
  encode_into(w, content);
  auth.encode(w, content.content_type);
  if (content.sender.sender_type == SenderType::member) {
    encode_into(w, membership_tag);
  }
}

void PublicMessage::decode(Reader& r) {
  decode_field(r, "content", content);
  auth.decode(r, content.content_type);
  if (content.sender.sender_type == SenderType::member) {
    decode_field(r, "membership_tag", membership_tag);
  }
}

Bytes proposal_ref(const CipherSuite& suite, const AuthenticatedContent& content) {
  return suite.ref_hash("MLS 1.0 Proposal Reference", encode(content));
}

// ---------------------------------------------------------------- §6.1 signing

Bytes framed_content_tbs(WireFormat wire_format, const FramedContent& content,
                         const GroupContext& context) {
  // struct {
  //     ProtocolVersion version = mls10;
  //     WireFormat wire_format;
  //     FramedContent content;
  //     select (FramedContentTBS.content.sender.sender_type) {
  //         case member:
  //         case new_member_commit:
  //             GroupContext context;
  //         case external:
  //         case new_member_proposal:
  //             struct{};
  //     };
  // } FramedContentTBS;
  Writer w;
  encode_into(w, mls10);
  encode_into(w, wire_format);
  encode_into(w, content);
  SenderType t = content.sender.sender_type;
  if (t == SenderType::member || t == SenderType::new_member_commit) {
    encode_into(w, context);
  }
  return w.take();
}

namespace {

// A message is for one group and epoch.
void check_epoch(ByteView group_id, uint64_t epoch, ContentType content_type,
                 const GroupContext& ctx) {
  // RFC 9420 §8.1 [R8.1-1]: a message naming another group_id is not for this group
  //    The `group_id` field is constant.
  if (!std::equal(group_id.begin(), group_id.end(), ctx.group_id.begin(), ctx.group_id.end()) &&
      enforced(req::R8_1_1)) {
    throw Error(ErrorKind::protocol, req::R8_1_1, "message group_id does not match the group");
  }
  const std::string wrong_epoch = "message epoch " + std::to_string(epoch) +
                                  " is not the group's epoch " + std::to_string(ctx.epoch);
  // RFC 9420 §12.1 [R12.1-1]
  //    On receiving a FramedContent containing a Proposal, a client MUST verify the
  //    signature inside FramedContentAuthData and that the `epoch` field of the enclosing
  //    FramedContent is equal to the `epoch` field of the current GroupContext object.
  if (epoch != ctx.epoch && content_type == ContentType::proposal && enforced(req::R12_1_1)) {
    throw Error(ErrorKind::protocol, req::R12_1_1, wrong_epoch);
  }
  // RFC 9420 §12.4.2 [R12.4.2-1]
  //    Verify that the `epoch` field of the enclosing FramedContent is equal
  //    to the `epoch` field of the current GroupContext object.
  if (epoch != ctx.epoch && content_type == ContentType::commit && enforced(req::R12_4_2_1)) {
    throw Error(ErrorKind::protocol, req::R12_4_2_1, wrong_epoch);
  }
  // RFC 9420 §6.1 [R6.1-i1]: an application message's keys are the epoch's (§9), too
  //    If the sender's `sender_type` is `member`, the content also covers the
  //    GroupContext for the current epoch so that signatures are specific to a given
  //    group and epoch.
  if (epoch != ctx.epoch && content_type == ContentType::application && enforced(req::R6_1_i1)) {
    throw Error(ErrorKind::protocol, req::R6_1_i1, wrong_epoch);
  }
}

Bytes sign_content(const CipherSuite& suite, ByteView sk, WireFormat wf, const FramedContent& c,
                   const GroupContext& ctx) {
  // signature = SignWithLabel(., "FramedContentTBS", FramedContentTBS)
  return suite.sign_with_label(sk, signature_label::framed_content_tbs,
                               framed_content_tbs(wf, c, ctx));
}

void verify_content(const CipherSuite& suite, ByteView pk, WireFormat wf,
                    const AuthenticatedContent& ac, const GroupContext& ctx) {
  // RFC 9420 §6.1 [R6.1-9]
  //    Recipients of an MLSMessage MUST verify the signature with the key depending on
  //    the `sender_type` of the sender as described above.
  // RFC 9420 §12.4.2 [R12.4.2-3]
  //    Verify the signature on the FramedContent message as described in
  //    {{content-authentication}}.
  suite.verify_with_label(pk, signature_label::framed_content_tbs,
                          framed_content_tbs(wf, ac.content, ctx), ac.auth.signature, req::R6_1_9);
}

FramedContentAuthData make_auth(const CipherSuite& suite, ByteView sk, WireFormat wf,
                                const FramedContent& c, const GroupContext& ctx,
                                ByteView confirmation_tag) {
  FramedContentAuthData auth;
  auth.signature = sign_content(suite, sk, wf, c, ctx);
  if (c.content_type == ContentType::commit) {
    // RFC 9420 §6.1: a commit carries confirmation_tag.
    if (confirmation_tag.empty()) {
      throw Error(ErrorKind::usage, "6.1", "a commit needs a confirmation_tag");
    }
    auth.confirmation_tag.assign(confirmation_tag.begin(), confirmation_tag.end());
  }
  return auth;
}

// membership_tag = MAC(membership_key, AuthenticatedContentTBM)
// Kept in zeroizing memory: until it is sent, the tag is a forgery's target.
SecureBytes membership_tag_of(const CipherSuite& suite, const MembershipKey& membership_key,
                              const FramedContent& c, const FramedContentAuthData& auth,
                              const GroupContext& ctx) {
  // struct {
  //   FramedContentTBS content_tbs;
  //   FramedContentAuthData auth;
  // } AuthenticatedContentTBM;
  Writer w;
  w.put_bytes(framed_content_tbs(wire_format::mls_public_message, c, ctx));
  auth.encode(w, c.content_type);
  return suite.mac(membership_key.view(), w.bytes());
}

}  // namespace

// ---------------------------------------------------------------- §6.2 PublicMessage

PublicMessage protect_public(const CipherSuite& suite, const FramedContent& content,
                             ByteView signature_private_key, const GroupContext& context,
                             const MembershipKey& membership_key, ByteView confirmation_tag) {
  // RFC 9420 §6 [R6-1]
  //    Applications MUST use PrivateMessage to encrypt
  //    application messages
  // (Switched off, application data goes out as a PublicMessage: a must-reject
  // vector's message.)
  if (content.content_type == ContentType::application && enforced(req::R6_1)) {
    throw Error(ErrorKind::protocol, req::R6_1,
                "application data must be sent as a PrivateMessage");
  }
  PublicMessage m;
  m.content = content;
  m.auth = make_auth(suite, signature_private_key, wire_format::mls_public_message, content,
                     context, confirmation_tag);
  // RFC 9420 §6.2 [R6.2-1]: membership_tag_of computes that value
  //    For messages sent by members, it MUST be set to the following value:
  if (content.sender.sender_type == SenderType::member) {
    SecureBytes tag = membership_tag_of(suite, membership_key, content, m.auth, context);
    m.membership_tag.assign(tag.begin(), tag.end());
  }
  return m;
}

AuthenticatedContent unprotect_public(const CipherSuite& suite, const PublicMessage& message,
                                      const GroupContext& context,
                                      const MembershipKey& membership_key,
                                      ByteView signature_public_key) {
  // RFC 9420 §6 [R6-1]
  //    Applications MUST use PrivateMessage to encrypt
  //    application messages
  if (message.content.content_type == ContentType::application && enforced(req::R6_1)) {
    throw Error(ErrorKind::protocol, req::R6_1,
                "a PublicMessage carries application data, which must be a PrivateMessage");
  }
  check_epoch(message.content.group_id, message.content.epoch, message.content.content_type,
              context);
  if (message.content.sender.sender_type == SenderType::member) {
    // RFC 9420 §6.2 [R6.2-2]
    //    When decoding a PublicMessage into an AuthenticatedContent,
    //    the application MUST check `membership_tag` [...]
    SecureBytes expected =
        membership_tag_of(suite, membership_key, message.content, message.auth, context);
    // Constant time: a forger learns nothing from how long the check took.
    if (!constant_time_equal(expected, message.membership_tag) && enforced(req::R6_2_2)) {
      throw Error(ErrorKind::crypto, req::R6_2_2, "membership_tag does not verify");
    }
  }
  AuthenticatedContent ac{wire_format::mls_public_message, message.content, message.auth};
  verify_content(suite, signature_public_key, wire_format::mls_public_message, ac, context);
  return ac;
}

// ---------------------------------------------------------------- §6.3 PrivateMessage

namespace {

RatchetType ratchet_for(ContentType t) {
  return t == ContentType::application ? RatchetType::application : RatchetType::handshake;
}

// struct { opaque group_id<V>; uint64 epoch; ContentType content_type;
//          opaque authenticated_data<V>; } PrivateContentAAD;
Bytes private_content_aad(const PrivateMessage& m) {
  Writer w;
  encode_into(w, m.group_id);
  encode_into(w, m.epoch);
  encode_into(w, m.content_type);
  encode_into(w, m.authenticated_data);
  return w.take();
}

// struct { opaque group_id<V>; uint64 epoch; ContentType content_type; } SenderDataAAD;
Bytes sender_data_aad(const PrivateMessage& m) {
  Writer w;
  encode_into(w, m.group_id);
  encode_into(w, m.epoch);
  encode_into(w, m.content_type);
  return w.take();
}

// XORing it into the nonce changes nothing: the nonce of an implementation
// that ignores the reuse guard.
constexpr std::array<uint8_t, 4> kNoReuseGuard{};

// RFC 9420 §9.2 [R9.2-1]: the guarded nonce is ratchet_nonce_[N]_[j] but for
// its first four bytes, so it is wiped with the key and nonce it came from
//    As soon as a group member consumes a value, they MUST immediately delete
//    (all representations of) that value.
SecureBytes guarded_nonce(ByteView nonce, const std::array<uint8_t, 4>& reuse_guard) {
  SecureBytes n(nonce.begin(), nonce.end());
  for (size_t i = 0; i < 4; ++i) {
    n[i] ^= reuse_guard[i];
  }
  return n;
}

}  // namespace

PrivateMessage protect_private(const CipherSuite& suite, const FramedContent& content,
                               ByteView signature_private_key, const GroupContext& context,
                               SecretTree& tree, const SenderDataSecret& sender_data_secret,
                               Botan::RandomNumberGenerator& rng, ByteView confirmation_tag,
                               size_t padding) {
  // RFC 9420 §6.3.2 [R6.3.2-1]
  //    When constructing a SenderData object from a Sender object, the sender MUST verify
  //    Sender.sender_type is `member` and use Sender.leaf_index for
  //    SenderData.leaf_index.
  // Not switchable (ref/rule_switch.h): SenderData can name only a member.
  if (content.sender.sender_type != SenderType::member) {
    throw Error(ErrorKind::protocol, req::R6_3_2_1, "only members send PrivateMessages");
  }
  check_epoch(content.group_id, content.epoch, content.content_type, context);
  FramedContentAuthData auth =
      make_auth(suite, signature_private_key, wire_format::mls_private_message, content, context,
                confirmation_tag);
  // struct { select(content_type) {...}; FramedContentAuthData auth;
  //          opaque padding[length_of_padding]; } PrivateMessageContent;
  Writer plain = Writer::zeroizing();
  content.encode_body(plain);
  auth.encode(plain, content.content_type);
  // RFC 9420 §6.3.1 [R6.3.1-1]
  //    The `padding` field MUST be filled with all zero bytes.
  // RFC 9420 §15.1 [R15.1-1]: GroupConfig::padding zero bytes
  //    Application messages MAY be padded to provide some resistance against traffic analysis
  //    techniques over encrypted traffic {{?CLINIC=DOI.10.1007/978-3-319-08506-7_8}}
  //    {{?HCJ16=DOI.10.1186/s13635-016-0030-7}}.
  // (Switched off, the sender writes 0x01 bytes: a must-reject vector's padding.)
  plain.put_bytes(Bytes(padding, enforced(req::R6_3_1_1) ? 0 : 1));

  PrivateMessage m;
  m.group_id = content.group_id;
  m.epoch = content.epoch;
  m.content_type = content.content_type;
  m.authenticated_data = content.authenticated_data;

  LeafIndex leaf(content.sender.leaf_index);
  KeyAndNonce kn = tree.ratchet(leaf, ratchet_for(content.content_type)).next();
  SenderData sd{leaf.value, kn.generation, {}};
  // RFC 9420 §6.3.1 [R6.3.1-4, R6.3.1-5]
  //    To avoid this situation, the sender of a message MUST generate a fresh random four-byte
  //    "reuse guard" value and XOR it with the first four bytes of the nonce from the key schedule
  //    before using the nonce for encryption. The sender MUST include the reuse guard in the
  //    `reuse_guard` field of the sender data object, so that the recipient of the message can use
  //    it to compute the nonce to be used for decryption.
  // (Switched off, the guard is written but the nonce is used unguarded, as by
  // an implementation that ignores it: a must-reject vector's message.)
  rng.randomize(sd.reuse_guard.data(), sd.reuse_guard.size());
  m.ciphertext =
      aead_seal(suite.info().aead, kn.key,
                guarded_nonce(kn.nonce, enforced(req::R6_3_1_5) ? sd.reuse_guard : kNoReuseGuard),
                private_content_aad(m), plain.bytes());

  // §6.3.2: the sender data key and nonce come from a sample of the ciphertext.
  m.encrypted_sender_data = aead_seal(
      suite.info().aead, sender_data_key(suite, sender_data_secret, m.ciphertext),
      sender_data_nonce(suite, sender_data_secret, m.ciphertext), sender_data_aad(m), encode(sd));
  return m;
}

AuthenticatedContent unprotect_private(const CipherSuite& suite, const PrivateMessage& message,
                                       const GroupContext& context, SecretTree& tree,
                                       const SenderDataSecret& sender_data_secret,
                                       const std::function<Bytes(LeafIndex)>& signature_key) {
  check_epoch(message.group_id, message.epoch, message.content_type, context);
  SecureBytes sd_plain;
  // RFC 9420 §6.3 [R6.3-i1]
  //    `encrypted_sender_data` and `ciphertext` are encrypted using the AEAD function
  //    specified by the cipher suite in use, using the SenderData
  //    and PrivateMessageContent structures as input.
  try {
    sd_plain =
        aead_open(suite.info().aead, sender_data_key(suite, sender_data_secret, message.ciphertext),
                  sender_data_nonce(suite, sender_data_secret, message.ciphertext),
                  sender_data_aad(message), message.encrypted_sender_data);
  } catch (const Error& e) {
    // Rethrown with the rule that asked for the decryption; the kind is kept.
    // Not switchable (ref/rule_switch.h): there is no SenderData to go on with.
    throw Error(e.kind(), req::R6_3_i1, "encrypted_sender_data does not decrypt: " + e.message());
  }
  SenderData sd = decode<SenderData>(sd_plain);
  LeafIndex leaf(sd.leaf_index);
  // The signer's key first: an unknown or blank leaf is refused before any
  // ratchet key is consumed.
  // RFC 9420 §6.3.2 [R6.3.2-2]
  //    When parsing a SenderData struct as part of message decryption, the recipient
  //    MUST verify that the leaf index indicated in the `leaf_index` field identifies a
  //    non-blank node.
  Bytes signer;
  try {
    signer = signature_key(leaf);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::protocol && e.kind() != ErrorKind::usage) {
      throw;
    }
    // The callback refuses a blank leaf or one outside the tree.
    // Not switchable (ref/rule_switch.h): there is no signature key to verify with.
    throw Error(ErrorKind::protocol, req::R6_3_2_2,
                "SenderData.leaf_index " + std::to_string(sd.leaf_index) + ": " + e.message());
  }
  // The key is taken from a copy of the ratchet, which replaces the tree's
  // only once the message has checked out: a forged message consumes nothing.
  HashRatchet& ratchet = tree.ratchet(leaf, ratchet_for(message.content_type));
  HashRatchet trial = ratchet;
  KeyAndNonce kn = trial.get(sd.generation);
  // RFC 9420 §6.3.1 [R6.3.1-5]
  //    The sender MUST include the reuse guard in the `reuse_guard` field of the sender data
  //    object, so that the recipient of the message can use it to compute the nonce to be used
  //    for decryption.
  // Of the two reuse-guard sentences this is the one that says what the
  // recipient does: compute the nonce from the SenderData's reuse_guard. (R6.3.1-4,
  // a fresh random guard XORed into the nonce, binds only the sender: a receiver
  // cannot observe freshness.) A ciphertext that does not open with that nonce
  // breaks it.
  // AMBIGUITY: an AEAD failure cannot tell a nonce sealed with another (or no)
  // guard from a damaged ciphertext or a wrong key; we name R6.3.1-5 for every
  // failure here, since the nonce the recipient must use is the guarded one.
  // (Switched off, the receiver does not insist on the guard: it also tries the
  // nonce without it, which is what the sender then seals with. Such a
  // receiver still opens every message sealed as the RFC says.)
  SecureBytes plain;
  try {
    plain = aead_open(suite.info().aead, kn.key, guarded_nonce(kn.nonce, sd.reuse_guard),
                      private_content_aad(message), message.ciphertext);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::crypto) {
      throw;
    }
    if (enforced(req::R6_3_1_5)) {
      throw Error(ErrorKind::crypto, req::R6_3_1_5,
                  "the PrivateMessage ciphertext does not decrypt with the nonce guarded by "
                  "SenderData.reuse_guard: " +
                      e.message());
    }
    plain = aead_open(suite.info().aead, kn.key, guarded_nonce(kn.nonce, kNoReuseGuard),
                      private_content_aad(message), message.ciphertext);
  }

  AuthenticatedContent ac;
  ac.wire_format = wire_format::mls_private_message;
  ac.content.group_id = message.group_id;
  ac.content.epoch = message.epoch;
  ac.content.sender = Sender::member(sd.leaf_index);
  ac.content.authenticated_data = message.authenticated_data;
  ac.content.content_type = message.content_type;
  Reader r(plain);
  {
    Reader::Scope s(r, "PrivateMessageContent", false);
    ac.content.decode_body(r);
    ac.auth.decode(r, message.content_type);
  }
  // RFC 9420 §6.3.1 [R6.3.1-2]
  //    A receiver MUST verify that
  //    there are no non-zero bytes in the `padding` field, and if this check fails, the
  //    enclosing PrivateMessage MUST be rejected as malformed.
  ByteView padding = r.get_bytes(r.remaining());
  for (uint8_t b : padding) {
    if (b != 0 && enforced(req::R6_3_1_2)) {
      throw Error(ErrorKind::decode, req::R6_3_1_2,
                  "PrivateMessageContent padding is not all zero");
    }
  }
  // RFC 9420 §6.3.1 [R6.3.1-6]: the signature here; a commit's confirmation_tag in stage_commit
  //    When decoding a PrivateMessageContent, the application MUST check that the
  //    FramedContentAuthData is valid.
  verify_content(suite, signer, wire_format::mls_private_message, ac, context);
  ratchet = std::move(trial);
  return ac;
}

}  // namespace mlsref
