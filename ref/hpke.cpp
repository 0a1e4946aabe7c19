// RFC 9180 Hybrid Public Key Encryption
#include "hpke.h"

#include "requirement_ids.h"
#include "rule_switch.h"

namespace mlsref::hpke {

namespace {

void i2osp(Bytes& out, uint64_t value, size_t width) {
  for (size_t i = width; i-- > 0;) {
    out.push_back(static_cast<uint8_t>(value >> (8 * i)));
  }
}

void append(Bytes& out, ByteView b) { out.insert(out.end(), b.begin(), b.end()); }
void append(Bytes& out, std::string_view s) { out.insert(out.end(), s.begin(), s.end()); }

// RFC 9180 §4
//    def LabeledExtract(salt, label, ikm):
//      labeled_ikm = concat("HPKE-v1", suite_id, label, ikm)
//      return Extract(salt, labeled_ikm)
SecureBytes labeled_extract(HashAlg h, ByteView suite_id, ByteView salt, std::string_view label,
                            ByteView ikm) {
  SecureBytes labeled_ikm;
  Bytes prefix;
  append(prefix, "HPKE-v1");
  append(prefix, suite_id);
  append(prefix, label);
  labeled_ikm.assign(prefix.begin(), prefix.end());
  labeled_ikm.insert(labeled_ikm.end(), ikm.begin(), ikm.end());
  return hkdf_extract(h, salt, labeled_ikm);
}

// RFC 9180 §4
//    def LabeledExpand(prk, label, info, L):
//      labeled_info = concat(I2OSP(L, 2), "HPKE-v1", suite_id,
//                            label, info)
//      return Expand(prk, labeled_info, L)
SecureBytes labeled_expand(HashAlg h, ByteView suite_id, ByteView prk, std::string_view label,
                           ByteView info, size_t length) {
  // I2OSP(L, 2): a length the caller asks for that does not fit in two bytes
  // is a request mlsref cannot carry out, not a rule of the RFC.
  if (length > 0xffff) {
    throw Error(ErrorKind::usage, "9180 4", "LabeledExpand length does not fit in 2 bytes");
  }
  Bytes labeled_info;
  i2osp(labeled_info, length, 2);
  append(labeled_info, "HPKE-v1");
  append(labeled_info, suite_id);
  append(labeled_info, label);
  append(labeled_info, info);
  return hkdf_expand(h, prk, labeled_info, length);
}

HashAlg kdf_hash(KdfId k) {
  switch (k) {
    case KdfId::hkdf_sha256:
      return HashAlg::sha256;
    case KdfId::hkdf_sha384:
      return HashAlg::sha384;
    case KdfId::hkdf_sha512:
      return HashAlg::sha512;
  }
  throw Error(ErrorKind::unsupported, "9180 7.2",
              "KDF id " + std::to_string(static_cast<unsigned>(k)) + " is not supported");
}

}  // namespace

bool is_known(KemId k) {
  switch (k) {
    case KemId::dhkem_p256_sha256:
    case KemId::dhkem_p384_sha384:
    case KemId::dhkem_p521_sha512:
    case KemId::dhkem_x25519_sha256:
    case KemId::dhkem_x448_sha512:
      return true;
  }
  return false;
}

bool is_known(KdfId k) {
  return k == KdfId::hkdf_sha256 || k == KdfId::hkdf_sha384 || k == KdfId::hkdf_sha512;
}

std::string_view to_string(KemId k) {
  switch (k) {
    case KemId::dhkem_p256_sha256:
      return "DHKEM(P-256, HKDF-SHA256)";
    case KemId::dhkem_p384_sha384:
      return "DHKEM(P-384, HKDF-SHA384)";
    case KemId::dhkem_p521_sha512:
      return "DHKEM(P-521, HKDF-SHA512)";
    case KemId::dhkem_x25519_sha256:
      return "DHKEM(X25519, HKDF-SHA256)";
    case KemId::dhkem_x448_sha512:
      return "DHKEM(X448, HKDF-SHA512)";
  }
  return "?";
}

std::string_view to_string(KdfId k) {
  switch (k) {
    case KdfId::hkdf_sha256:
      return "HKDF-SHA256";
    case KdfId::hkdf_sha384:
      return "HKDF-SHA384";
    case KdfId::hkdf_sha512:
      return "HKDF-SHA512";
  }
  return "?";
}

std::string_view to_string(Mode m) {
  switch (m) {
    case Mode::base:
      return "base";
    case Mode::psk:
      return "psk";
    case Mode::auth:
      return "auth";
    case Mode::auth_psk:
      return "auth_psk";
  }
  return "?";
}

// ---------------------------------------------------------------- DHKEM (§4.1)

Kem::Kem(KemId id) : id_(id) {
  switch (id) {
    case KemId::dhkem_p256_sha256:
      group_ = DhGroup::p256;
      hash_ = HashAlg::sha256;
      break;
    case KemId::dhkem_p384_sha384:
      group_ = DhGroup::p384;
      hash_ = HashAlg::sha384;
      break;
    case KemId::dhkem_p521_sha512:
      group_ = DhGroup::p521;
      hash_ = HashAlg::sha512;
      break;
    case KemId::dhkem_x25519_sha256:
      group_ = DhGroup::x25519;
      hash_ = HashAlg::sha256;
      break;
    case KemId::dhkem_x448_sha512:
      group_ = DhGroup::x448;
      hash_ = HashAlg::sha512;
      break;
    default:
      throw Error(ErrorKind::unsupported, "9180 7.1",
                  "KEM id " + std::to_string(static_cast<unsigned>(id)) + " is not supported");
  }
  // suite_id = concat("KEM", I2OSP(kem_id, 2))
  append(suite_id_, "KEM");
  i2osp(suite_id_, static_cast<uint16_t>(id), 2);
}

size_t Kem::secret_size() const { return hash_size(hash_); }
size_t Kem::enc_size() const { return dh_public_size(group_); }
size_t Kem::public_key_size() const { return dh_public_size(group_); }
size_t Kem::private_key_size() const { return dh_private_size(group_); }

SecureBytes Kem::labeled_extract(ByteView salt, std::string_view label, ByteView ikm) const {
  return hpke::labeled_extract(hash_, suite_id_, salt, label, ikm);
}

SecureBytes Kem::labeled_expand(ByteView prk, std::string_view label, ByteView info,
                                size_t length) const {
  return hpke::labeled_expand(hash_, suite_id_, prk, label, info, length);
}

KeyPair Kem::derive_key_pair(ByteView ikm) const {
  // AMBIGUITY: RFC 9180 §7.1.3 asks for ikm with at least Nsk bytes of
  // entropy, which no length check can establish; MLS itself derives the
  // P-521 external key pair (Nsk = 66) from a 64-byte external_secret
  // (RFC 9420 §8.3). Any length is accepted.
  // dkp_prk = LabeledExtract("", "dkp_prk", ikm)
  SecureBytes dkp_prk = labeled_extract({}, "dkp_prk", ikm);
  if (!dh_is_nist(group_)) {
    // sk = LabeledExpand(dkp_prk, "sk", "", Nsk)
    return key_pair(labeled_expand(dkp_prk, "sk", {}, private_key_size()));
  }
  // bitmask is 0xFF for P-256 and P-384, 0x01 for P-521
  uint8_t bitmask = group_ == DhGroup::p521 ? 0x01 : 0xff;
  for (unsigned counter = 0; counter < 256; ++counter) {
    // bytes = LabeledExpand(dkp_prk, "candidate", I2OSP(counter, 1), Nsk)
    uint8_t c = static_cast<uint8_t>(counter);
    SecureBytes bytes = labeled_expand(dkp_prk, "candidate", ByteView(&c, 1), private_key_size());
    bytes[0] &= bitmask;
    if (dh_scalar_in_range(group_, bytes)) {
      return key_pair(bytes);
    }
  }
  // raise DeriveKeyPairError
  // RFC 9180 §7.1.3 [H7.1.3-i1]: no candidate is a scalar in [1, order), so this ikm gives
  // no key pair
  //    The precise likelihood of `DeriveKeyPair()` failing with DeriveKeyPairError
  //    depends on the group being used, but it is negligibly small in all cases.
  // Not switchable (ref/rule_switch.h): there is no key pair to return.
  throw Error(ErrorKind::crypto, req::H7_1_3_i1, "DeriveKeyPair found no valid candidate");
}

KeyPair Kem::generate_key_pair(Botan::RandomNumberGenerator& rng) const {
  SecureBytes ikm(private_key_size());
  rng.randomize(ikm.data(), ikm.size());
  return derive_key_pair(ikm);
}

KeyPair Kem::key_pair(ByteView private_key) const {
  KeyPair kp;
  kp.private_key.assign(private_key.begin(), private_key.end());
  kp.public_key = dh_public_key(group_, private_key);
  return kp;
}

bool Kem::public_key_valid(ByteView pk) const { return dh_public_key_valid(group_, pk); }

SecureBytes Kem::extract_and_expand(ByteView dh, ByteView kem_context) const {
  // eae_prk = LabeledExtract("", "eae_prk", dh)
  SecureBytes eae_prk = labeled_extract({}, "eae_prk", dh);
  // shared_secret = LabeledExpand(eae_prk, "shared_secret", kem_context, Nsecret)
  return labeled_expand(eae_prk, "shared_secret", kem_context, secret_size());
}

Kem::Encapsulation Kem::encap(ByteView pkR, const KeyPair& ephemeral, const KeyPair* sender) const {
  // dh = DH(skE, pkR)   [AuthEncap: concat(DH(skE, pkR), DH(skS, pkR))]
  SecureBytes dh_value = dh(group_, ephemeral.private_key, pkR);
  // enc = SerializePublicKey(pkE)
  Encapsulation out;
  out.enc = ephemeral.public_key;
  // kem_context = concat(enc, pkRm)   [AuthEncap: concat(enc, pkRm, pkSm)]
  Bytes kem_context = out.enc;
  append(kem_context, pkR);
  if (sender != nullptr) {
    SecureBytes dh2 = dh(group_, sender->private_key, pkR);
    dh_value.insert(dh_value.end(), dh2.begin(), dh2.end());
    append(kem_context, sender->public_key);
  }
  out.shared_secret = extract_and_expand(dh_value, kem_context);
  return out;
}

SecureBytes Kem::decap(ByteView enc, const KeyPair& recipient, std::optional<ByteView> pkS) const {
  // RFC 9180 §7.1.1 [H7.1.1-i1]: enc is SerializePublicKey(pkE); bytes of another length
  // than Nenc = Npk deserialize to no public key
  //    For X25519 and X448, the `SerializePublicKey()` and `DeserializePublicKey()`
  //    functions are the identity function, since these curves already use
  //    fixed-length byte strings for public keys.
  // Not switchable (ref/rule_switch.h): there is no public key pkE to compute DH with.
  if (enc.size() != enc_size()) {
    throw Error(ErrorKind::crypto, req::H7_1_1_i1,
                "enc is " + std::to_string(enc.size()) +
                    " bytes, expected Nenc = " + std::to_string(enc_size()));
  }
  // pkE = DeserializePublicKey(enc); dh = DH(skR, pkE)
  SecureBytes dh_value = dh(group_, recipient.private_key, enc);
  // kem_context = concat(enc, pkRm)   [AuthDecap: concat(enc, pkRm, pkSm)]
  Bytes kem_context(enc.begin(), enc.end());
  append(kem_context, recipient.public_key);
  if (pkS.has_value()) {
    SecureBytes dh2 = dh(group_, recipient.private_key, *pkS);
    dh_value.insert(dh_value.end(), dh2.begin(), dh2.end());
    append(kem_context, *pkS);
  }
  return extract_and_expand(dh_value, kem_context);
}

// ---------------------------------------------------------------- context (§5.2, §5.3)

Bytes Context::compute_nonce(uint64_t seq) const {
  // seq_bytes = I2OSP(seq, Nn); return xor(self.base_nonce, seq_bytes)
  Bytes nonce(base_nonce.begin(), base_nonce.end());
  for (size_t i = 0; i < 8 && i < nonce.size(); ++i) {
    nonce[nonce.size() - 1 - i] ^= static_cast<uint8_t>(seq >> (8 * i));
  }
  return nonce;
}

Bytes Context::seal_at(uint64_t seq, ByteView aad, ByteView plaintext) const {
  // RFC 9180 §5.2 [H5.2-7]: a request of the application, refused
  //    Similarly, the recipient's context MUST NOT be used for encryption.
  // (Switched off, it seals with the same key and nonce as the sender's would.)
  if (role_ == Role::recipient && enforced(req::H5_2_7)) {
    throw Error(ErrorKind::usage, req::H5_2_7, "a recipient's context cannot seal");
  }
  return aead_seal(aead_, key, compute_nonce(seq), aad, plaintext);
}

SecureBytes Context::open_at(uint64_t seq, ByteView aad, ByteView ciphertext) const {
  // RFC 9180 §5.2 [H5.2-6]: a request of the application, refused
  //    The sender's context MUST NOT be used for decryption.
  // (Switched off, it opens with the same key and nonce as the recipient's would.)
  if (role_ == Role::sender && enforced(req::H5_2_6)) {
    throw Error(ErrorKind::usage, req::H5_2_6, "a sender's context cannot open");
  }
  return aead_open(aead_, key, compute_nonce(seq), aad, ciphertext);
}

namespace {
void check_sequence(uint64_t seq) {
  // RFC 9180 §5.2 [H5.2-5, H5.2-8]: IncrementSeq raises MessageLimitReachedError at
  // 2^(8*Nn) - 1; with Nn = 12 mlsref's 64-bit counter overflows first
  //    Implementations MAY use a sequence number that is shorter than the nonce length
  //    (padding on the left with zero), but MUST raise an error if the sequence number
  //    overflows.
  //    [...] If `ContextS.Seal()` or `ContextR.Open()` would cause the `seq` field to
  //    overflow, then the implementation MUST fail with an error.
  // (Switched off, the unsigned counter wraps to 0: nonces repeat, nothing undefined.)
  if (seq == UINT64_MAX && enforced(req::H5_2_8)) {
    throw Error(ErrorKind::protocol, req::H5_2_8, "message limit reached");
  }
}
}  // namespace

Bytes Context::seal(ByteView aad, ByteView plaintext) {
  check_sequence(seq_);
  Bytes ct = seal_at(seq_, aad, plaintext);
  ++seq_;
  return ct;
}

SecureBytes Context::open(ByteView aad, ByteView ciphertext) {
  check_sequence(seq_);
  SecureBytes pt = open_at(seq_, aad, ciphertext);
  ++seq_;
  return pt;
}

SecureBytes Context::export_secret(ByteView exporter_context, size_t length) const {
  // RFC 9180 §5.3: for the KDFs of the RFC, L has a maximum value of 255*Nh. The
  // application asks for L: a longer export is a request mlsref cannot carry out.
  if (length > 255 * hash_size(hash_)) {
    throw Error(ErrorKind::usage, "9180 5.3",
                "export length " + std::to_string(length) + " exceeds 255*Nh");
  }
  // return LabeledExpand(self.exporter_secret, "sec", exporter_context, L)
  return hpke::labeled_expand(hash_, suite_id_, exporter_secret, "sec", exporter_context, length);
}

// ---------------------------------------------------------------- HPKE (§5.1)

Hpke::Hpke(KemId kem, KdfId kdf, AeadAlg aead)
    : kem_(kem), kdf_(kdf), aead_(aead), hash_(kdf_hash(kdf)) {
  if (!is_known(aead)) {
    throw Error(ErrorKind::unsupported, "9180 7.3",
                "AEAD id " + std::to_string(static_cast<unsigned>(aead)) + " is not supported");
  }
  // suite_id = concat("HPKE", I2OSP(kem_id, 2), I2OSP(kdf_id, 2), I2OSP(aead_id, 2))
  append(suite_id_, "HPKE");
  i2osp(suite_id_, static_cast<uint16_t>(kem), 2);
  i2osp(suite_id_, static_cast<uint16_t>(kdf), 2);
  i2osp(suite_id_, static_cast<uint16_t>(aead), 2);
}

SecureBytes Hpke::labeled_extract(ByteView salt, std::string_view label, ByteView ikm) const {
  return hpke::labeled_extract(hash_, suite_id_, salt, label, ikm);
}

SecureBytes Hpke::labeled_expand(ByteView prk, std::string_view label, ByteView info,
                                 size_t length) const {
  return hpke::labeled_expand(hash_, suite_id_, prk, label, info, length);
}

Context Hpke::key_schedule(const SetupParams& p, ByteView shared_secret) const {
  // RFC 9180 §5.1 VerifyPSKInputs(mode, psk, psk_id)
  bool got_psk = !p.psk.empty();
  bool got_psk_id = !p.psk_id.empty();
  // RFC 9180 §5.1 [H5.1-2, H5.1-3]
  //    The `psk` and `psk_id` fields MUST appear together or not at all. That is, if a
  //    non-default value is provided for one of them, then the other MUST be set to a
  //    non-default value.
  // (Switched off, the key schedule runs with the one given and the other empty,
  // both well-defined inputs of LabeledExtract.)
  if (got_psk != got_psk_id && enforced(req::H5_1_2)) {
    throw Error(ErrorKind::usage, req::H5_1_2, "inconsistent PSK inputs");
  }
  // The mode and the PSK inputs are the application's request: a PSK in a mode
  // without one, or none in a PSK mode, is a request mlsref cannot carry out.
  bool psk_mode = p.mode == Mode::psk || p.mode == Mode::auth_psk;
  if (got_psk && !psk_mode) {
    throw Error(ErrorKind::usage, "9180 5.1", "PSK input provided when not needed");
  }
  if (!got_psk && psk_mode) {
    throw Error(ErrorKind::usage, "9180 5.1", "missing required PSK input");
  }

  Context ctx;
  ctx.aead_ = aead_;
  ctx.hash_ = hash_;
  ctx.suite_id_ = suite_id_;
  // psk_id_hash = LabeledExtract("", "psk_id_hash", psk_id)
  SecureBytes psk_id_hash = labeled_extract({}, "psk_id_hash", p.psk_id);
  // info_hash = LabeledExtract("", "info_hash", info)
  SecureBytes info_hash = labeled_extract({}, "info_hash", p.info);
  // key_schedule_context = concat(mode, psk_id_hash, info_hash)
  ctx.key_schedule_context.push_back(static_cast<uint8_t>(p.mode));
  append(ctx.key_schedule_context, psk_id_hash);
  append(ctx.key_schedule_context, info_hash);
  // secret = LabeledExtract(shared_secret, "secret", psk)
  ctx.secret = labeled_extract(shared_secret, "secret", p.psk);
  // key = LabeledExpand(secret, "key", key_schedule_context, Nk)
  ctx.key = labeled_expand(ctx.secret, "key", ctx.key_schedule_context, aead_key_size(aead_));
  // base_nonce = LabeledExpand(secret, "base_nonce", key_schedule_context, Nn)
  ctx.base_nonce =
      labeled_expand(ctx.secret, "base_nonce", ctx.key_schedule_context, aead_nonce_size(aead_));
  // exporter_secret = LabeledExpand(secret, "exp", key_schedule_context, Nh)
  ctx.exporter_secret =
      labeled_expand(ctx.secret, "exp", ctx.key_schedule_context, hash_size(hash_));
  return ctx;
}

namespace {
bool is_auth(Mode m) { return m == Mode::auth || m == Mode::auth_psk; }
}  // namespace

Hpke::SenderSetup Hpke::setup_sender(const SetupParams& p, ByteView pkR, const KeyPair& ephemeral,
                                     const KeyPair* sender) const {
  // The mode and the sender's key pair are the application's request.
  if (is_auth(p.mode) != (sender != nullptr)) {
    throw Error(ErrorKind::usage, "9180 5.1",
                std::string("mode ") + std::string(to_string(p.mode)) +
                    (sender ? " takes no sender key" : " needs the sender's key pair"));
  }
  Kem::Encapsulation e = kem_.encap(pkR, ephemeral, sender);
  SenderSetup out{e.enc, e.shared_secret, key_schedule(p, e.shared_secret)};
  out.context.role_ = Context::Role::sender;
  return out;
}

Hpke::SenderSetup Hpke::setup_sender(const SetupParams& p, ByteView pkR,
                                     Botan::RandomNumberGenerator& rng,
                                     const KeyPair* sender) const {
  KeyPair ephemeral = kem_.generate_key_pair(rng);
  return setup_sender(p, pkR, ephemeral, sender);
}

Context Hpke::setup_receiver(const SetupParams& p, ByteView enc, const KeyPair& recipient,
                             std::optional<ByteView> pkS) const {
  // The mode and the sender's public key are the application's request.
  if (is_auth(p.mode) != pkS.has_value()) {
    throw Error(ErrorKind::usage, "9180 5.1",
                std::string("mode ") + std::string(to_string(p.mode)) +
                    (pkS ? " takes no sender key" : " needs the sender's public key"));
  }
  SecureBytes shared_secret = kem_.decap(enc, recipient, pkS);
  Context ctx = key_schedule(p, shared_secret);
  ctx.role_ = Context::Role::recipient;
  return ctx;
}

std::pair<Bytes, Bytes> Hpke::seal_base(ByteView pkR, ByteView info, ByteView aad,
                                        ByteView plaintext,
                                        Botan::RandomNumberGenerator& rng) const {
  SetupParams p;
  p.info.assign(info.begin(), info.end());
  SenderSetup s = setup_sender(p, pkR, rng);
  return {s.enc, s.context.seal(aad, plaintext)};
}

SecureBytes Hpke::open_base(ByteView enc, const KeyPair& recipient, ByteView info, ByteView aad,
                            ByteView ciphertext) const {
  SetupParams p;
  p.info.assign(info.begin(), info.end());
  Context ctx = setup_receiver(p, enc, recipient);
  return ctx.open(aad, ciphertext);
}

}  // namespace mlsref::hpke
