// RFC 9420 §8 Key Schedule, §8.3, §8.4 Pre-Shared Keys, §8.5 Exporters
#include "key_schedule.h"

#include "rule_switch.h"

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

PskSecret psk_secret(const CipherSuite& suite, std::span<const PskInput> psks) {
  // RFC 9420 §8.4 [R8.4-i1]
  //    The `index` field in PSKLabel corresponds to the index of the PSK in the `psk`
  //    array, while the `count` field contains the total number of PSKs.
  if (psks.size() > 0xffff) {
    // Not switchable (ref/rule_switch.h): a count above 65535 has no PSKLabel encoding.
    throw Error(ErrorKind::protocol, req::R8_4_i1,
                std::to_string(psks.size()) + " PSKs: PSKLabel.count is a uint16");
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
  return PskSecret(std::move(secret));
}

EpochSecrets derive_epoch(const CipherSuite& suite, const InitSecret& init_secret,
                          const CommitSecret& commit_secret, const PskSecret& psk_secret,
                          const GroupContext& context) {
  // KDF.Extract(salt = init_secret_[n-1], ikm = commit_secret), then
  // joiner_secret = ExpandWithLabel(., "joiner", GroupContext_[n], KDF.Nh)
  SecureBytes prk = suite.extract(init_secret.view(), commit_secret.view());
  JoinerSecret joiner(suite.expand_with_label(prk, "joiner", encode(context), suite.hash_size()));
  return derive_epoch_from_joiner(suite, joiner, psk_secret, context);
}

namespace {
// KDF.Extract(salt = joiner_secret, ikm = psk_secret (or 0)); empty means 0.
// The RFC gives this value no name; it feeds both welcome_secret and epoch_secret.
SecureBytes member_secret(const CipherSuite& suite, const JoinerSecret& joiner_secret,
                          const PskSecret& psk_secret) {
  SecureBytes zero(suite.hash_size(), 0);
  return suite.extract(joiner_secret.view(),
                       psk_secret.empty() ? ByteView(zero) : psk_secret.view());
}
}  // namespace

WelcomeSecret welcome_secret(const CipherSuite& suite, const JoinerSecret& joiner_secret,
                             const PskSecret& psk_secret) {
  // welcome_secret = DeriveSecret(., "welcome")
  return WelcomeSecret(
      suite.derive_secret(member_secret(suite, joiner_secret, psk_secret), "welcome"));
}

EpochSecrets derive_epoch_from_joiner(const CipherSuite& suite, const JoinerSecret& joiner_secret,
                                      const PskSecret& psk_secret, const GroupContext& context) {
  EpochSecrets e;
  e.joiner_secret = joiner_secret;
  SecureBytes member = member_secret(suite, joiner_secret, psk_secret);
  // welcome_secret = DeriveSecret(., "welcome")
  e.welcome_secret = WelcomeSecret(suite.derive_secret(member, "welcome"));
  // epoch_secret = ExpandWithLabel(., "epoch", GroupContext_[n], KDF.Nh)
  EpochSecret epoch_secret(
      suite.expand_with_label(member, "epoch", encode(context), suite.hash_size()));
  // <secret> = DeriveSecret(epoch_secret, <label>), table "Epoch-Derived Secrets"
  auto derive = [&](std::string_view label) {
    return suite.derive_secret(epoch_secret.view(), label);
  };
  e.sender_data_secret = SenderDataSecret(derive("sender data"));
  e.encryption_secret = EncryptionSecret(derive("encryption"));
  e.exporter_secret = ExporterSecret(derive("exporter"));
  e.external_secret = ExternalSecret(derive("external"));
  e.confirmation_key = ConfirmationKey(derive("confirm"));
  e.membership_key = MembershipKey(derive("membership"));
  e.resumption_psk = ResumptionPsk(derive("resumption"));
  e.epoch_authenticator = EpochAuthenticator(derive("authentication"));
  // init_secret_[n] = DeriveSecret(epoch_secret, "init")
  e.init_secret = InitSecret(derive("init"));
  return e;  // epoch_secret and the member secret are zeroized as they go out of scope
}

hpke::KeyPair external_key_pair(const CipherSuite& suite, const ExternalSecret& external_secret) {
  return suite.derive_key_pair(external_secret.view());
}

// RFC 9420 §9.2 [R9.2-3, R9.2-4]
//    Then, for that member, at least the following values have been consumed and MUST be
//    deleted:
//    [...] the `commit_secret`, `joiner_secret`, `epoch_secret`, and `encryption_secret` of
//    that epoch n as well as the `init_secret` of the previous epoch n-1,
// (Secret's storage is a zeroizing vector: the bytes are wiped as they go.)
void EpochSecrets::delete_consumed() {
  joiner_secret = JoinerSecret();
  welcome_secret = WelcomeSecret();
  encryption_secret = EncryptionSecret();
}

namespace {
constexpr std::string_view kExternalInitLabel = "MLS 1.0 external init secret";
}

ExternalInitSecret external_init_secret(const CipherSuite& suite, ByteView external_pub,
                                        Botan::RandomNumberGenerator& rng) {
  auto setup = suite.hpke().setup_sender(hpke::SetupParams{}, external_pub, rng);
  Bytes label(kExternalInitLabel.begin(), kExternalInitLabel.end());
  return {std::move(setup.enc), InitSecret(setup.context.export_secret(label, suite.hash_size()))};
}

InitSecret external_init_secret(const CipherSuite& suite, const ExternalSecret& external_secret,
                                ByteView kem_output) {
  hpke::Context context = suite.hpke().setup_receiver(hpke::SetupParams{}, kem_output,
                                                      external_key_pair(suite, external_secret));
  Bytes label(kExternalInitLabel.begin(), kExternalInitLabel.end());
  return InitSecret(context.export_secret(label, suite.hash_size()));
}

SecureBytes mls_exporter(const CipherSuite& suite, const ExporterSecret& exporter_secret,
                         ByteView label, ByteView context, size_t length) {
  // ExpandWithLabel(DeriveSecret(exporter_secret, Label), "exported", Hash(Context), Length)
  std::string label_text(label.begin(), label.end());
  SecureBytes derived = suite.derive_secret(exporter_secret.view(), label_text);
  return suite.expand_with_label(derived, "exported", suite.hash(context), length);
}

SecureBytes welcome_key(const CipherSuite& suite, const WelcomeSecret& welcome_secret) {
  return suite.expand_with_label(welcome_secret.view(), "key", {}, suite.key_size());
}

SecureBytes welcome_nonce(const CipherSuite& suite, const WelcomeSecret& welcome_secret) {
  return suite.expand_with_label(welcome_secret.view(), "nonce", {}, suite.nonce_size());
}

Bytes confirmation_tag(const CipherSuite& suite, const ConfirmationKey& confirmation_key,
                       ByteView confirmed_transcript_hash) {
  // The tag is sent in the clear (FramedContentAuthData, GroupInfo): plain bytes.
  SecureBytes tag = suite.mac(confirmation_key.view(), confirmed_transcript_hash);
  return Bytes(tag.begin(), tag.end());
}

namespace {
// `Rule` is the section (std::string) or the Requirement asking for the check.
template <class Rule>
void check_confirmation_tag(const CipherSuite& suite, const ConfirmationKey& confirmation_key,
                            ByteView confirmed_transcript_hash, ByteView confirmation_tag,
                            const Rule& rule) {
  SecureBytes expected = suite.mac(confirmation_key.view(), confirmed_transcript_hash);
  // RFC 9420 §12.4.2 [R12.4.2-23]
  //    Use the `confirmation_key` for the new epoch to compute the confirmation tag
  //    for this message, as described below, and verify that it is the same as the
  //    `confirmation_tag` field in the FramedContentAuthData object.
  // RFC 9420 §12.4.3.1 [R12.4.3.1-15]
  //    Verify the confirmation tag in the GroupInfo using the derived confirmation
  //    key and the `confirmed_transcript_hash` from the GroupInfo.
  // verify_confirmation_tag checks enforced() for its Requirement (ref/rule_switch.h).
  if (!constant_time_equal(expected, confirmation_tag)) {
    throw Error(ErrorKind::crypto, rule, "confirmation_tag does not verify");
  }
}
}  // namespace

void verify_confirmation_tag(const CipherSuite& suite, const ConfirmationKey& confirmation_key,
                             ByteView confirmed_transcript_hash, ByteView confirmation_tag,
                             std::string_view section) {
  check_confirmation_tag(suite, confirmation_key, confirmed_transcript_hash, confirmation_tag,
                         std::string(section));
}

void verify_confirmation_tag(const CipherSuite& suite, const ConfirmationKey& confirmation_key,
                             ByteView confirmed_transcript_hash, ByteView confirmation_tag,
                             const Requirement& rule) {
  // The check `rule` asks for, unless a RuleSwitchedOff guard switched it off.
  if (!enforced(rule)) {
    return;
  }
  check_confirmation_tag(suite, confirmation_key, confirmed_transcript_hash, confirmation_tag,
                         rule);
}

}  // namespace mlsref
