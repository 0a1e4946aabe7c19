// RFC 9420 §12.4.3 GroupInfo, §12.4.3.1 Joining via Welcome Message
#include "welcome.h"

#include <set>

#include "registries.h"
#include "requirement_ids.h"
#include "rule_switch.h"

namespace mlsref {

Bytes GroupInfo::to_be_signed() const {
  // struct { GroupContext group_context; Extension extensions<V>;
  //          MAC confirmation_tag; uint32 signer; } GroupInfoTBS;
  Writer w;
  encode_into(w, group_context);
  encode_into(w, extensions);
  encode_into(w, confirmation_tag);
  encode_into(w, signer);
  return w.take();
}

void GroupInfo::sign(const CipherSuite& suite, ByteView signature_private_key) {
  signature =
      suite.sign_with_label(signature_private_key, signature_label::group_info_tbs, to_be_signed());
}

void GroupInfo::verify(const CipherSuite& suite, ByteView signer_public_key) const {
  // RFC 9420 §12.4.3.1 [R12.4.3.1-6]
  //    Verify the signature on the GroupInfo object. [...] If the node is
  //    blank or if signature verification fails, return an error.
  // RFC 9420 §12.4.3 [R12.4.3-4]
  //    New members also MUST verify the `signature` using the public key taken
  //    from the leaf node of the ratchet tree with leaf index `signer`.
  if (!enforced(req::R12_4_3_1_6)) {
    return;
  }
  try {
    suite.verify_with_label(signer_public_key, signature_label::group_info_tbs, to_be_signed(),
                            signature, "12.4.3.1");
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::crypto) {
      throw;  // a malformed signature key (§5.1.1)
    }
    // Rethrown with the rule that asked for the check; the kind is kept.
    throw Error(e.kind(), req::R12_4_3_1_6,
                "GroupInfo signature (signer " + std::to_string(signer) + "): " + e.message());
  }
}

Welcome make_welcome(const CipherSuite& suite, const GroupInfo& group_info,
                     const JoinerSecret& joiner_secret, std::span<const PskInput> psks,
                     std::span<const WelcomeRecipient> recipients,
                     Botan::RandomNumberGenerator& rng) {
  Welcome w;
  w.cipher_suite = suite.id();
  WelcomeSecret ws = welcome_secret(suite, joiner_secret, psk_secret(suite, psks));
  // encrypted_group_info = AEAD.Seal(welcome_key, welcome_nonce, "", GroupInfo)
  w.encrypted_group_info = aead_seal(suite.info().aead, welcome_key(suite, ws),
                                     welcome_nonce(suite, ws), {}, encode(group_info));
  for (const auto& r : recipients) {
    GroupSecrets gs;
    gs.joiner_secret = joiner_secret;
    if (r.path_secret) {
      gs.path_secret = PathSecret{*r.path_secret};
    }
    // RFC 9420 §12.4.1 [R12.4.1-14]
    //    The order of the `psks` MUST be the same as the order of
    //    PreSharedKey proposals in the `proposals` vector.
    // RFC 9420 §8.4 [R8.4-1]
    //    To ensure that existing and new members compute the same PSK input to the key
    //    schedule, the Commit and GroupSecrets objects MUST indicate the same set of PSKs,
    //    in the same order.
    // (`psks` comes in the order of the PreSharedKey proposals.)
    for (const auto& p : psks) {
      gs.psks.push_back(p.id);
    }
    // encrypted_group_secrets = EncryptWithLabel(init_key, "Welcome",
    //                               encrypted_group_info, group_secrets)
    HPKECiphertext ct = suite.encrypt_with_label(r.key_package.init_key, encryption_label::welcome,
                                                 w.encrypted_group_info, encode_secret(gs), rng);
    w.secrets.push_back(EncryptedGroupSecrets{r.key_package.ref(suite), std::move(ct)});
  }
  return w;
}

OpenedWelcome open_welcome(const CipherSuite& suite, const Welcome& welcome,
                           const KeyPackage& key_package, ByteView init_private_key,
                           const std::function<SecureBytes(const PreSharedKeyID&)>& resolve_psk) {
  // RFC 9420 §12.4.3.1 [R12.4.3.1-2]
  //    Identify an entry in the `secrets` array where the `new_member`
  //    value corresponds to one of this client's KeyPackages, using the hash
  //    indicated by the `cipher_suite` field. If no such field exists, or if the
  //    cipher suite indicated in the KeyPackage does not match the one in the
  //    Welcome message, return an error.
  if ((welcome.cipher_suite != suite.id() || key_package.cipher_suite != suite.id()) &&
      enforced(req::R12_4_3_1_2)) {
    throw Error(ErrorKind::protocol, req::R12_4_3_1_2,
                "Welcome cipher suite " + std::to_string(welcome.cipher_suite) +
                    " does not match the KeyPackage's " + std::to_string(key_package.cipher_suite));
  }
  Bytes ref = key_package.ref(suite);
  const EncryptedGroupSecrets* mine = nullptr;
  for (const auto& s : welcome.secrets) {
    if (s.new_member == ref) {
      mine = &s;
      break;
    }
  }
  // Not switchable (ref/rule_switch.h): without our EncryptedGroupSecrets there is nothing to decrypt.
  if (mine == nullptr) {
    // RFC 9420 §12.4.3.1 [R12.4.3.1-2]
    //    Identify an entry in the `secrets` array where the `new_member`
    //    value corresponds to one of this client's KeyPackages, [...] If no
    //    such field exists, [...] return an error.
    throw Error(ErrorKind::protocol, req::R12_4_3_1_2,
                "the Welcome has no secrets for our KeyPackage (ref " + to_hex(ref) + ")");
  }
  OpenedWelcome j;
  SecureBytes gs_plain;
  // RFC 9420 §12.4.3.1 [R12.4.3.1-3]
  //    Decrypt the `encrypted_group_secrets` value with the algorithms indicated by
  //    the cipher suite and the private key `init_key_priv` corresponding to
  //    `init_key` in the referenced KeyPackage.
  try {
    gs_plain = suite.decrypt_with_label(
        init_private_key, encryption_label::welcome, welcome.encrypted_group_info,
        mine->encrypted_group_secrets.kem_output, mine->encrypted_group_secrets.ciphertext);
  } catch (const Error& e) {
    // Rethrown with the rule that asked for the decryption; the kind is kept.
    // Not switchable (ref/rule_switch.h): there are no GroupSecrets to go on with.
    throw Error(e.kind(), req::R12_4_3_1_3, "GroupSecrets do not decrypt: " + e.message());
  }
  j.secrets = decode<GroupSecrets>(gs_plain);

  // Checked over the whole list before any PSK is looked up, so that a second
  // reinit or branch PSK is named even when we hold neither.
  // RFC 9420 §12.4.3.1 [R12.4.3.1-i1]
  //    Additionally, if a PreSharedKeyID has type `resumption` with usage `reinit` or
  //    `branch`, verify that it is the only such PSK.
  size_t resumed = 0;
  for (const auto& id : j.secrets.psks) {
    if (id.psktype == PSKType::resumption && id.usage != ResumptionPSKUsage::application) {
      ++resumed;
    }
  }
  if (resumed > 1 && enforced(req::R12_4_3_1_i1)) {
    throw Error(ErrorKind::protocol, req::R12_4_3_1_i1,
                "the Welcome names " + std::to_string(resumed) + " reinit or branch PSKs");
  }

  // Checked over the whole list before any PSK is looked up, as above. The
  // PSKs of a Welcome are those of the Commit's PreSharedKey proposals (R8.4-1).
  std::set<Bytes> named;  // each PreSharedKeyID, encoded
  for (const auto& id : j.secrets.psks) {
    // RFC 9420 §12.1.4 [R12.1.4-3]: a PreSharedKey proposal is invalid when
    //    The `psk_nonce` is not of length `KDF.Nh`.
    if (id.psk_nonce.size() != suite.hash_size() && enforced(req::R12_1_4_3)) {
      throw Error(ErrorKind::protocol, req::R12_1_4_3,
                  "a PSK of the Welcome has a psk_nonce of " + std::to_string(id.psk_nonce.size()) +
                      " bytes, KDF.Nh is " + std::to_string(suite.hash_size()));
    }
    // RFC 9420 §8.4 [R8.4-i2]: no valid Commit names a PreSharedKeyID twice (R12.2-10)
    //    To ensure that existing and new members compute the same PSK input to the key
    //    schedule, the Commit and GroupSecrets objects MUST indicate the same set of PSKs,
    //    in the same order.
    if (!named.insert(encode(id)).second && enforced(req::R8_4_i2)) {
      throw Error(ErrorKind::protocol, req::R8_4_i2,
                  "the Welcome names the same PSK twice (psk_id " + to_hex(id.psk_id) +
                      ", psk_epoch " + std::to_string(id.psk_epoch) + ")");
    }
  }

  std::vector<PskInput> psks;
  for (const auto& id : j.secrets.psks) {
    // RFC 9420 §12.4.3.1 [R12.4.3.1-4]
    //    If a PreSharedKeyID is part of the GroupSecrets and the client is not in
    //    possession of the corresponding PSK, return an error.
    // Not switchable (ref/rule_switch.h): the PSK value is unknown, so no key schedule can be run.
    if (!resolve_psk) {
      throw Error(ErrorKind::protocol, req::R12_4_3_1_4,
                  "the Welcome names a PSK we do not have (psk_id " + to_hex(id.psk_id) + ")");
    }
    psks.push_back(PskInput{id, resolve_psk(id)});
  }
  j.psk_secret = psk_secret(suite, psks);
  const PskSecret& psk = j.psk_secret;

  // The welcome key depends only on joiner_secret and psk_secret, not on the
  // GroupContext still inside the encrypted GroupInfo.
  WelcomeSecret ws = welcome_secret(suite, j.secrets.joiner_secret, psk);
  SecureBytes gi_plain;
  // RFC 9420 §12.4.3.1 [R12.4.3.1-5]
  //    From the `joiner_secret` in the decrypted GroupSecrets object and the PSKs
  //    specified in the GroupSecrets, derive the `welcome_secret` and then
  //    the `welcome_key` and `welcome_nonce`. Use the key and nonce to decrypt the
  //    `encrypted_group_info` field.
  try {
    gi_plain = aead_open(suite.info().aead, welcome_key(suite, ws), welcome_nonce(suite, ws), {},
                         welcome.encrypted_group_info);
  } catch (const Error& e) {
    // Rethrown with the rule that asked for the decryption; the kind is kept.
    // Not switchable (ref/rule_switch.h): there is no GroupInfo to go on with.
    throw Error(e.kind(), req::R12_4_3_1_5, "GroupInfo does not decrypt: " + e.message());
  }
  j.group_info = decode<GroupInfo>(gi_plain);
  return j;
}

JoinedGroup join_welcome(const CipherSuite& suite, const Welcome& welcome,
                         const KeyPackage& key_package, ByteView init_private_key,
                         const std::function<Bytes(uint32_t)>& signer_public_key,
                         const std::function<SecureBytes(const PreSharedKeyID&)>& resolve_psk) {
  OpenedWelcome opened = open_welcome(suite, welcome, key_package, init_private_key, resolve_psk);
  JoinedGroup j{std::move(opened.secrets), std::move(opened.group_info), {}};
  const PskSecret& psk = opened.psk_secret;
  // RFC 9420 §12.4.3.1 [R12.4.3.1-8]
  //    Verify that the `cipher_suite` in the GroupInfo matches the `cipher_suite` in
  //    the KeyPackage.
  if (j.group_info.group_context.cipher_suite != suite.id() && enforced(req::R12_4_3_1_8)) {
    throw Error(ErrorKind::protocol, req::R12_4_3_1_8,
                "GroupInfo cipher suite " +
                    std::to_string(j.group_info.group_context.cipher_suite) +
                    " differs from the KeyPackage's " + std::to_string(suite.id()));
  }
  // Verify the signature on the GroupInfo object (R12.4.3.1-6, in verify).
  j.group_info.verify(suite, signer_public_key(j.group_info.signer));
  j.epoch =
      derive_epoch_from_joiner(suite, j.secrets.joiner_secret, psk, j.group_info.group_context);
  // RFC 9420 §12.4.3.1 [R12.4.3.1-15]
  //    Verify the confirmation tag in the GroupInfo using the derived confirmation
  //    key and the `confirmed_transcript_hash` from the GroupInfo.
  try {
    verify_confirmation_tag(suite, j.epoch.confirmation_key,
                            j.group_info.group_context.confirmed_transcript_hash,
                            j.group_info.confirmation_tag, "12.4.3.1");
  } catch (const Error& e) {
    // Rethrown with the rule that asked for the check; the kind is kept.
    if (enforced(req::R12_4_3_1_15)) {
      throw Error(e.kind(), req::R12_4_3_1_15, "GroupInfo confirmation_tag: " + e.message());
    }
  }
  return j;
}

}  // namespace mlsref
