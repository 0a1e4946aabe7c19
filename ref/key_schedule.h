// RFC 9420 §8 Key Schedule: §8.1 Group Context, §8.3 External Initialization,
// §8.4 Pre-Shared Keys, §8.5 Exporters; §12.4.3.1 the welcome key and nonce.
#pragma once

#include <span>

#include "cipher_suite.h"
#include "leaf_node.h"
#include "secrets.h"

namespace mlsref {

// struct {
//     ProtocolVersion version = mls10;
//     CipherSuite cipher_suite;
//     opaque group_id<V>;
//     uint64 epoch;
//     opaque tree_hash<V>;
//     opaque confirmed_transcript_hash<V>;
//     Extension extensions<V>;
// } GroupContext;
struct GroupContext {
  ProtocolVersion version = mls10;
  CipherSuiteId cipher_suite = 0;
  Bytes group_id;
  uint64_t epoch = 0;
  Bytes tree_hash;
  Bytes confirmed_transcript_hash;
  std::vector<Extension> extensions;
  bool operator==(const GroupContext&) const = default;
  static constexpr std::string_view type_name = "GroupContext";
  static constexpr auto fields =
      std::tuple{field("version", &GroupContext::version),
                 field("cipher_suite", &GroupContext::cipher_suite),
                 field("group_id", &GroupContext::group_id),
                 field("epoch", &GroupContext::epoch),
                 field("tree_hash", &GroupContext::tree_hash),
                 field("confirmed_transcript_hash", &GroupContext::confirmed_transcript_hash),
                 field("extensions", &GroupContext::extensions)};
};

// enum { reserved(0), external(1), resumption(2), (255) } PSKType;
enum class PSKType : uint8_t { external = 1, resumption = 2 };
inline bool is_known(PSKType t) { return t == PSKType::external || t == PSKType::resumption; }

// enum { reserved(0), application(1), reinit(2), branch(3), (255) } ResumptionPSKUsage;
enum class ResumptionPSKUsage : uint8_t { application = 1, reinit = 2, branch = 3 };
inline bool is_known(ResumptionPSKUsage u) {
  return u == ResumptionPSKUsage::application || u == ResumptionPSKUsage::reinit ||
         u == ResumptionPSKUsage::branch;
}

// struct {
//   PSKType psktype;
//   select (PreSharedKeyID.psktype) {
//     case external:
//       opaque psk_id<V>;
//
//     case resumption:
//       ResumptionPSKUsage usage;
//       opaque psk_group_id<V>;
//       uint64 psk_epoch;
//   };
//   opaque psk_nonce<V>;
// } PreSharedKeyID;
struct PreSharedKeyID {
  PSKType psktype = PSKType::external;
  Bytes psk_id;                                                // external
  ResumptionPSKUsage usage = ResumptionPSKUsage::application;  // resumption
  Bytes psk_group_id;                                          // resumption
  uint64_t psk_epoch = 0;                                      // resumption
  Bytes psk_nonce;
  bool operator==(const PreSharedKeyID&) const = default;
  static constexpr std::string_view type_name = "PreSharedKeyID";
  void encode(Writer& w) const;
  void decode(Reader& r);
};

// A PSK with its identifier, as the psk_secret chain takes them.
struct PskInput {
  PreSharedKeyID id;
  SecureBytes psk;
};

// §8.4: psk_secret_[n] over the PSKs in order; the all-zero vector for none.
PskSecret psk_secret(const CipherSuite& suite, std::span<const PskInput> psks);

// The secrets of one epoch (§8, table "Epoch-Derived Secrets"). The
// epoch_secret itself is deleted once these are derived.
struct EpochSecrets {
  JoinerSecret joiner_secret;
  WelcomeSecret welcome_secret;
  SenderDataSecret sender_data_secret;
  EncryptionSecret encryption_secret;
  ExporterSecret exporter_secret;
  ExternalSecret external_secret;
  ConfirmationKey confirmation_key;
  MembershipKey membership_key;
  ResumptionPsk resumption_psk;
  EpochAuthenticator epoch_authenticator;
  InitSecret init_secret;  // init_secret_[n], for the next epoch

  // §9.2: deletes the values an epoch has consumed once its secret tree is
  // set up (joiner_secret, welcome_secret, encryption_secret); the
  // commit_secret and epoch_secret are never kept, and init_secret replaces
  // the previous epoch's.
  void delete_consumed();
};

// §8: from the previous epoch's init_secret and this epoch's commit_secret.
// `psk_secret` empty means the all-zero vector ("psk_secret (or 0)").
EpochSecrets derive_epoch(const CipherSuite& suite, const InitSecret& init_secret,
                          const CommitSecret& commit_secret, const PskSecret& psk_secret,
                          const GroupContext& context);
// §8 from joiner_secret onwards, as a new member does from a Welcome (§12.4.3.1).
EpochSecrets derive_epoch_from_joiner(const CipherSuite& suite, const JoinerSecret& joiner_secret,
                                      const PskSecret& psk_secret, const GroupContext& context);

// §8: welcome_secret = DeriveSecret(KDF.Extract(joiner_secret, psk_secret (or 0)), "welcome"),
// which a new member needs before it has the GroupContext (§12.4.3.1).
WelcomeSecret welcome_secret(const CipherSuite& suite, const JoinerSecret& joiner_secret,
                             const PskSecret& psk_secret);

// §8.3: external_priv, external_pub = KEM.DeriveKeyPair(external_secret)
hpke::KeyPair external_key_pair(const CipherSuite& suite, const ExternalSecret& external_secret);

// §8.3 External Initialization, the joiner's side:
//    kem_output, context = SetupBaseS(external_pub, "")
//    init_secret = context.export("MLS 1.0 external init secret", KDF.Nh)
struct ExternalInitSecret {
  Bytes kem_output;
  InitSecret init_secret;
};
ExternalInitSecret external_init_secret(const CipherSuite& suite, ByteView external_pub,
                                        Botan::RandomNumberGenerator& rng);
// The members' side, with this epoch's external key pair:
//    context = SetupBaseR(kem_output, external_priv, "")
//    init_secret = context.export("MLS 1.0 external init secret", KDF.Nh)
InitSecret external_init_secret(const CipherSuite& suite, const ExternalSecret& external_secret,
                                ByteView kem_output);

// §8.5 MLS-Exporter(Label, Context, Length)
SecureBytes mls_exporter(const CipherSuite& suite, const ExporterSecret& exporter_secret,
                         ByteView label, ByteView context, size_t length);

// §12.4.3.1
//    welcome_nonce = ExpandWithLabel(welcome_secret, "nonce", "", AEAD.Nn)
//    welcome_key = ExpandWithLabel(welcome_secret, "key", "", AEAD.Nk)
SecureBytes welcome_key(const CipherSuite& suite, const WelcomeSecret& welcome_secret);
SecureBytes welcome_nonce(const CipherSuite& suite, const WelcomeSecret& welcome_secret);

// §6.1: MAC(confirmation_key, GroupContext.confirmed_transcript_hash)
Bytes confirmation_tag(const CipherSuite& suite, const ConfirmationKey& confirmation_key,
                       ByteView confirmed_transcript_hash);
// Checks a received confirmation_tag against that MAC in constant time
// (constant_time_equal). Error{crypto, section} when it differs; `section`
// is the rule asking for the check (12.4.2 for a Commit, 12.4.3.1 for a
// GroupInfo).
void verify_confirmation_tag(const CipherSuite& suite, const ConfirmationKey& confirmation_key,
                             ByteView confirmed_transcript_hash, ByteView confirmation_tag,
                             std::string_view section);
// The same, naming the requirement: req::R12_4_2_23 for a Commit,
// req::R12_4_3_1_15 for a GroupInfo.
void verify_confirmation_tag(const CipherSuite& suite, const ConfirmationKey& confirmation_key,
                             ByteView confirmed_transcript_hash, ByteView confirmation_tag,
                             const Requirement& rule);

}  // namespace mlsref
