// RFC 9420 §12.4.3 Adding Members to the Group: GroupInfo (§12.4.3),
// GroupSecrets, EncryptedGroupSecrets, Welcome (§12.4.3.1) and joining.
#pragma once

#include <functional>

#include "key_package.h"
#include "key_schedule.h"

namespace mlsref {

// struct {
//     GroupContext group_context;
//     Extension extensions<V>;
//     MAC confirmation_tag;
//     uint32 signer;
//     /* SignWithLabel(., "GroupInfoTBS", GroupInfoTBS) */
//     opaque signature<V>;
// } GroupInfo;
struct GroupInfo {
  GroupContext group_context;
  std::vector<Extension> extensions;
  Bytes confirmation_tag;
  uint32_t signer = 0;
  Bytes signature;
  bool operator==(const GroupInfo&) const = default;
  static constexpr std::string_view type_name = "GroupInfo";
  static constexpr auto fields =
      std::tuple{field("group_context", &GroupInfo::group_context),
                 field("extensions", &GroupInfo::extensions),
                 field("confirmation_tag", &GroupInfo::confirmation_tag),
                 field("signer", &GroupInfo::signer), field("signature", &GroupInfo::signature)};

  // GroupInfoTBS: every field but the signature.
  Bytes to_be_signed() const;
  void sign(const CipherSuite& suite, ByteView signature_private_key);
  // Error{crypto, R12.4.3.1-6} when the signature does not verify,
  // Error{decode, "5.1.1"} for a malformed key.
  void verify(const CipherSuite& suite, ByteView signer_public_key) const;
};

// struct { opaque path_secret<V>; } PathSecret;
struct PathSecret {
  TreeKemPathSecret path_secret;
  bool operator==(const PathSecret&) const = default;
  static constexpr std::string_view type_name = "PathSecret";
  static constexpr auto fields = std::tuple{field("path_secret", &PathSecret::path_secret)};
};

// struct {
//   opaque joiner_secret<V>;
//   optional<PathSecret> path_secret;
//   PreSharedKeyID psks<V>;
// } GroupSecrets;
struct GroupSecrets {
  JoinerSecret joiner_secret;
  std::optional<PathSecret> path_secret;
  std::vector<PreSharedKeyID> psks;
  bool operator==(const GroupSecrets&) const = default;
  static constexpr std::string_view type_name = "GroupSecrets";
  static constexpr auto fields = std::tuple{field("joiner_secret", &GroupSecrets::joiner_secret),
                                            field("path_secret", &GroupSecrets::path_secret),
                                            field("psks", &GroupSecrets::psks)};
};

// struct {
//   KeyPackageRef new_member;
//   HPKECiphertext encrypted_group_secrets;
// } EncryptedGroupSecrets;
struct EncryptedGroupSecrets {
  Bytes new_member;
  HPKECiphertext encrypted_group_secrets;
  bool operator==(const EncryptedGroupSecrets&) const = default;
  static constexpr std::string_view type_name = "EncryptedGroupSecrets";
  static constexpr auto fields =
      std::tuple{field("new_member", &EncryptedGroupSecrets::new_member),
                 field("encrypted_group_secrets", &EncryptedGroupSecrets::encrypted_group_secrets)};
};

// struct {
//   CipherSuite cipher_suite;
//   EncryptedGroupSecrets secrets<V>;
//   opaque encrypted_group_info<V>;
// } Welcome;
struct Welcome {
  CipherSuiteId cipher_suite = 0;
  std::vector<EncryptedGroupSecrets> secrets;
  Bytes encrypted_group_info;
  bool operator==(const Welcome&) const = default;
  static constexpr std::string_view type_name = "Welcome";
  static constexpr auto fields =
      std::tuple{field("cipher_suite", &Welcome::cipher_suite), field("secrets", &Welcome::secrets),
                 field("encrypted_group_info", &Welcome::encrypted_group_info)};
};

// A new member the Welcome is for, with the path secret it gets (if any).
struct WelcomeRecipient {
  KeyPackage key_package;
  std::optional<TreeKemPathSecret> path_secret;
};

// §12.4.3.1: encrypt the (signed) GroupInfo with the welcome key and the
// GroupSecrets to each recipient's init_key.
// The GroupSecrets plaintext exists only in zeroizing memory.
Welcome make_welcome(const CipherSuite& suite, const GroupInfo& group_info,
                     const JoinerSecret& joiner_secret, std::span<const PskInput> psks,
                     std::span<const WelcomeRecipient> recipients,
                     Botan::RandomNumberGenerator& rng);

// The first half of joining (§12.4.3.1): our GroupSecrets decrypted with
// init_priv, the PSKs resolved, the GroupInfo decrypted with the welcome key.
// Nothing is verified yet: the GroupInfo's signer key may be in its own
// ratchet_tree extension.
struct OpenedWelcome {
  GroupSecrets secrets;
  GroupInfo group_info;
  PskSecret psk_secret;
};
OpenedWelcome open_welcome(const CipherSuite& suite, const Welcome& welcome,
                           const KeyPackage& key_package, ByteView init_private_key,
                           const std::function<SecureBytes(const PreSharedKeyID&)>& resolve_psk);

struct JoinedGroup {
  GroupSecrets secrets;
  GroupInfo group_info;
  EpochSecrets epoch;
};

// §12.4.3.1 joining from a Welcome: find our EncryptedGroupSecrets by
// KeyPackageRef, decrypt it with init_priv, derive the welcome key, decrypt
// the GroupInfo, verify its signature with `signer_public_key` and its
// confirmation_tag against the key schedule from joiner_secret.
// `resolve_psk` returns the PSK for each PreSharedKeyID (Error if unknown).
JoinedGroup join_welcome(const CipherSuite& suite, const Welcome& welcome,
                         const KeyPackage& key_package, ByteView init_private_key,
                         const std::function<Bytes(uint32_t signer)>& signer_public_key,
                         const std::function<SecureBytes(const PreSharedKeyID&)>& resolve_psk = {});

}  // namespace mlsref
