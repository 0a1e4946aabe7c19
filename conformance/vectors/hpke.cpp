// RFC 9180 Appendix A test vectors, in the CFRG JSON layout (encryptions in
// sequence order) or with an explicit `seq` per encryption, as in
// ../shared/vectors/hpke/rfc9180-appendix-a.json.
//
// Verification, every value the vector gives:
// * DeriveKeyPair(ikmE) == (skEm, pkEm); likewise ikmR, and ikmS in auth modes
// * Encap/AuthEncap with that ephemeral key gives `enc` and `shared_secret`;
//   Decap/AuthDecap of `enc` gives `shared_secret`
// * the key schedule gives key_schedule_context, secret, key, base_nonce,
//   exporter_secret
// * each encryption: nonce == ComputeNonce(seq), Seal(aad, pt) == ct at that
//   sequence number, Open(aad, ct) == pt on the receiver's context
// * each export: Export(exporter_context, L) == exported_value on both sides
#include "ref/hpke.h"

#include "conformance/vector_type.h"

namespace mlsref::conformance {

namespace {

void check_key_pair(const json& c, const hpke::Kem& kem, const std::string& who,
                    hpke::KeyPair& out) {
  Bytes ikm = hex_field(c, "ikm" + who);
  out = kem.derive_key_pair(ikm);
  expect_bytes("sk" + who + "m", hex_field(c, "sk" + who + "m"), out.private_key);
  expect_bytes("pk" + who + "m", hex_field(c, "pk" + who + "m"), out.public_key);
}

}  // namespace

void verify_hpke(const json& c) {
  uint64_t mode_value = uint_field(c, "mode", 0xff);
  if (mode_value > 3) {
    malformed("mode", "unknown HPKE mode " + std::to_string(mode_value));
  }
  auto mode = static_cast<hpke::Mode>(mode_value);
  auto kem_id = static_cast<hpke::KemId>(uint_field(c, "kem_id", 0xffff));
  auto kdf_id = static_cast<hpke::KdfId>(uint_field(c, "kdf_id", 0xffff));
  auto aead_id = static_cast<AeadAlg>(uint_field(c, "aead_id", 0xffff));
  hpke::Hpke suite(kem_id, kdf_id, aead_id);  // Error{unsupported} for unknown ids
  const hpke::Kem& kem = suite.kem();
  bool auth = mode == hpke::Mode::auth || mode == hpke::Mode::auth_psk;
  bool psk = mode == hpke::Mode::psk || mode == hpke::Mode::auth_psk;

  hpke::KeyPair ephemeral, recipient, sender;
  check_key_pair(c, kem, "E", ephemeral);
  check_key_pair(c, kem, "R", recipient);
  if (auth) {
    check_key_pair(c, kem, "S", sender);
  }

  hpke::SetupParams params{mode, hex_field(c, "info"), {}, {}};
  if (psk) {
    Bytes psk_value = hex_field(c, "psk");
    params.psk.assign(psk_value.begin(), psk_value.end());
    params.psk_id = hex_field(c, "psk_id");
  }

  hpke::Hpke::SenderSetup s =
      suite.setup_sender(params, recipient.public_key, ephemeral, auth ? &sender : nullptr);
  expect_bytes("enc", hex_field(c, "enc"), s.enc);
  expect_bytes("shared_secret", hex_field(c, "shared_secret"), s.shared_secret);

  std::optional<ByteView> pkS;
  if (auth) {
    pkS = sender.public_key;
  }
  hpke::Context r = suite.setup_receiver(params, hex_field(c, "enc"), recipient, pkS);
  expect_bytes("shared_secret (receiver)", s.shared_secret,
               suite.kem().decap(hex_field(c, "enc"), recipient, pkS));

  const hpke::Context& ctx = s.context;
  expect_bytes("key_schedule_context", hex_field(c, "key_schedule_context"),
               ctx.key_schedule_context);
  expect_bytes("secret", hex_field(c, "secret"), ctx.secret);
  expect_bytes("key", hex_field(c, "key"), ctx.key);
  expect_bytes("base_nonce", hex_field(c, "base_nonce"), ctx.base_nonce);
  expect_bytes("exporter_secret", hex_field(c, "exporter_secret"), ctx.exporter_secret);

  const json& encryptions = member(c, "encryptions");
  if (!encryptions.is_array()) {
    malformed("encryptions", "not an array");
  }
  for (size_t i = 0; i < encryptions.size(); ++i) {
    const json& e = encryptions[i];
    std::string at = "encryptions[" + std::to_string(i) + "]";
    // Without `seq`, the CFRG layout lists encryptions in sequence order.
    uint64_t seq = e.contains("seq") ? uint_field(e, "seq") : i;
    Bytes pt = hex_field(e, "pt");
    Bytes aad = hex_field(e, "aad");
    Bytes ct = hex_field(e, "ct");
    expect_bytes(at + ".nonce", hex_field(e, "nonce"), ctx.compute_nonce(seq));
    expect_bytes(at + ".ct", ct, ctx.seal_at(seq, aad, pt));
    SecureBytes opened;
    try {
      opened = r.open_at(seq, aad, ct);
    } catch (const Error& err) {
      throw CheckFailure(at + ".ct", "Open fails: " + err.message());
    }
    expect_bytes(at + ".pt", pt, opened);
  }

  const json& exports = member(c, "exports");
  if (!exports.is_array()) {
    malformed("exports", "not an array");
  }
  for (size_t i = 0; i < exports.size(); ++i) {
    const json& e = exports[i];
    std::string at = "exports[" + std::to_string(i) + "]";
    Bytes exporter_context = hex_field(e, "exporter_context");
    size_t length = uint_field(e, "L", 0xffff);
    Bytes expected = hex_field(e, "exported_value");
    expect_bytes(at + ".exported_value", expected, ctx.export_secret(exporter_context, length));
    expect_bytes(at + ".exported_value (receiver)", expected,
                 r.export_secret(exporter_context, length));
  }
}

}  // namespace mlsref::conformance
