// RFC 9420 §8 Key Schedule, §8.3, §8.4 Pre-Shared Keys, §8.5 Exporters
#include "key_schedule.h"

namespace mlsref {

void PreSharedKeyID::encode(Writer& w) const {
  encode_into(w, psktype);
  if (psktype == PSKType::external) {
    encode_into(w, psk_id);
  } else {
    encode_into(w, usage);
    encode_into(w, psk_group_id);
    encode_into(w, psk_epoch);
  }
  encode_into(w, psk_nonce);
}

void PreSharedKeyID::decode(Reader& r) {
  decode_field(r, "psktype", psktype);
  if (psktype == PSKType::external) {
    decode_field(r, "psk_id", psk_id);
  } else {
    decode_field(r, "usage", usage);
    decode_field(r, "psk_group_id", psk_group_id);
    decode_field(r, "psk_epoch", psk_epoch);
  }
  decode_field(r, "psk_nonce", psk_nonce);
}

namespace {
// struct {
//     PreSharedKeyID id;
//     uint16 index;
//     uint16 count;
// } PSKLabel;
struct PSKLabel {
  PreSharedKeyID id;
  uint16_t index = 0;
  uint16_t count = 0;
  bool operator==(const PSKLabel&) const = default;
  static constexpr std::string_view type_name = "PSKLabel";
  static constexpr auto fields =
      std::tuple{field("id", &PSKLabel::id), field("index", &PSKLabel::index),
                 field("count", &PSKLabel::count)};
};
}  // namespace

SecureBytes psk_secret(const CipherSuite& suite, std::span<const PskInput> psks) {
  if (psks.size() > 0xffff) {
    throw Error(ErrorKind::protocol, "8.4", "more than 65535 PSKs");
  }
  const SecureBytes zero(suite.hash_size(), 0);
  // psk_secret_[0] = 0
  SecureBytes secret = zero;
  for (size_t i = 0; i < psks.size(); ++i) {
    // psk_extracted_[i] = KDF.Extract(0, psk_[i])
    SecureBytes extracted = suite.extract(zero, psks[i].psk);
    // psk_input_[i] = ExpandWithLabel(psk_extracted_[i], "derived psk", PSKLabel, KDF.Nh)
    PSKLabel label{psks[i].id, static_cast<uint16_t>(i), static_cast<uint16_t>(psks.size())};
    SecureBytes input =
        suite.expand_with_label(extracted, "derived psk", encode(label), suite.hash_size());
    // psk_secret_[i] = KDF.Extract(psk_input_[i-1], psk_secret_[i-1])
    secret = suite.extract(input, secret);
  }
  return secret;
}

EpochSecrets derive_epoch(const CipherSuite& suite, ByteView init_secret, ByteView commit_secret,
                          ByteView psk_secret, const GroupContext& context) {
  // KDF.Extract(salt = init_secret_[n-1], ikm = commit_secret), then
  // joiner_secret = ExpandWithLabel(., "joiner", GroupContext_[n], KDF.Nh)
  SecureBytes prk = suite.extract(init_secret, commit_secret);
  SecureBytes joiner = suite.expand_with_label(prk, "joiner", encode(context), suite.hash_size());
  return derive_epoch_from_joiner(suite, joiner, psk_secret, context);
}

namespace {
// KDF.Extract(salt = joiner_secret, ikm = psk_secret (or 0)); empty means 0.
SecureBytes member_secret(const CipherSuite& suite, ByteView joiner_secret, ByteView psk_secret) {
  SecureBytes zero(suite.hash_size(), 0);
  return suite.extract(joiner_secret, psk_secret.empty() ? ByteView(zero) : psk_secret);
}
}  // namespace

SecureBytes welcome_secret(const CipherSuite& suite, ByteView joiner_secret, ByteView psk_secret) {
  // welcome_secret = DeriveSecret(., "welcome")
  return suite.derive_secret(member_secret(suite, joiner_secret, psk_secret), "welcome");
}

EpochSecrets derive_epoch_from_joiner(const CipherSuite& suite, ByteView joiner_secret,
                                      ByteView psk_secret, const GroupContext& context) {
  EpochSecrets e;
  e.joiner_secret.assign(joiner_secret.begin(), joiner_secret.end());
  SecureBytes member = member_secret(suite, joiner_secret, psk_secret);
  // welcome_secret = DeriveSecret(., "welcome")
  e.welcome_secret = suite.derive_secret(member, "welcome");
  // epoch_secret = ExpandWithLabel(., "epoch", GroupContext_[n], KDF.Nh)
  SecureBytes epoch_secret =
      suite.expand_with_label(member, "epoch", encode(context), suite.hash_size());
  e.sender_data_secret = suite.derive_secret(epoch_secret, "sender data");
  e.encryption_secret = suite.derive_secret(epoch_secret, "encryption");
  e.exporter_secret = suite.derive_secret(epoch_secret, "exporter");
  e.external_secret = suite.derive_secret(epoch_secret, "external");
  e.confirmation_key = suite.derive_secret(epoch_secret, "confirm");
  e.membership_key = suite.derive_secret(epoch_secret, "membership");
  e.resumption_psk = suite.derive_secret(epoch_secret, "resumption");
  e.epoch_authenticator = suite.derive_secret(epoch_secret, "authentication");
  // init_secret_[n] = DeriveSecret(epoch_secret, "init")
  e.init_secret = suite.derive_secret(epoch_secret, "init");
  return e;  // epoch_secret and the member secret are zeroized as they go out of scope
}

hpke::KeyPair external_key_pair(const CipherSuite& suite, ByteView external_secret) {
  return suite.derive_key_pair(external_secret);
}

SecureBytes mls_exporter(const CipherSuite& suite, ByteView exporter_secret, ByteView label,
                         ByteView context, size_t length) {
  // ExpandWithLabel(DeriveSecret(exporter_secret, Label), "exported", Hash(Context), Length)
  std::string label_text(label.begin(), label.end());
  SecureBytes derived = suite.derive_secret(exporter_secret, label_text);
  return suite.expand_with_label(derived, "exported", suite.hash(context), length);
}

SecureBytes welcome_key(const CipherSuite& suite, ByteView welcome_secret) {
  return suite.expand_with_label(welcome_secret, "key", {}, suite.key_size());
}

SecureBytes welcome_nonce(const CipherSuite& suite, ByteView welcome_secret) {
  return suite.expand_with_label(welcome_secret, "nonce", {}, suite.nonce_size());
}

Bytes confirmation_tag(const CipherSuite& suite, ByteView confirmation_key,
                       ByteView confirmed_transcript_hash) {
  SecureBytes tag = suite.mac(confirmation_key, confirmed_transcript_hash);
  return Bytes(tag.begin(), tag.end());
}

}  // namespace mlsref
