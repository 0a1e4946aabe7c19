// HPKE seal/open and sign/verify round trips in every cipher suite, and
// failure after any single flipped bit in ciphertext, enc or signature.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>

#include "ref/cipher_suite.h"

namespace mlsref {
namespace {

rc::Gen<uint16_t> gen_suite() {
  return rc::gen::elementOf(std::vector<uint16_t>{1, 2, 3, 4, 5, 6, 7});
}

Bytes flip_bit(Bytes b, size_t bit) {
  b[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
  return b;
}

bool opens(const CipherSuite& s, const hpke::KeyPair& kp, const Bytes& label, ByteView enc,
           ByteView ct, const Bytes& pt) {
  try {
    return std::ranges::equal(
        s.decrypt_with_label(kp.private_key, std::string(label.begin(), label.end()), {}, enc, ct),
        pt);
  } catch (const Error& e) {
    RC_ASSERT(e.kind() == ErrorKind::crypto);
    return false;
  }
}

RC_GTEST_PROP(CryptoProps, EncryptWithLabelRoundTrip, (const Bytes& pt, const Bytes& context)) {
  CipherSuite s(*gen_suite());
  Bytes ikm =
      *rc::gen::container<Bytes>(s.hpke().kem().private_key_size(), rc::gen::arbitrary<uint8_t>());
  hpke::KeyPair kp = s.derive_key_pair(ikm);
  HPKECiphertext c = s.encrypt_with_label(kp.public_key, "Props", context, pt, system_rng());
  RC_ASSERT(std::ranges::equal(
      s.decrypt_with_label(kp.private_key, "Props", context, c.kem_output, c.ciphertext), pt));
  Bytes label = to_bytes("Props");
  // Flip one bit of the ciphertext, or of enc.
  size_t ct_bit = *rc::gen::inRange<size_t>(0, c.ciphertext.size() * 8);
  RC_ASSERT(!opens(s, kp, label, c.kem_output, flip_bit(c.ciphertext, ct_bit), pt));
  size_t enc_bit = *rc::gen::inRange<size_t>(0, c.kem_output.size() * 8);
  RC_ASSERT(!opens(s, kp, label, flip_bit(c.kem_output, enc_bit), c.ciphertext, pt));
}

RC_GTEST_PROP(CryptoProps, HpkeContextRoundTrip, (const Bytes& pt, const Bytes& aad)) {
  CipherSuite s(*gen_suite());
  const hpke::Hpke& h = s.hpke();
  hpke::KeyPair r = h.kem().generate_key_pair(system_rng());
  auto sender =
      h.setup_sender(hpke::SetupParams{hpke::Mode::base, aad}, r.public_key, system_rng());
  hpke::Context rc = h.setup_receiver(hpke::SetupParams{hpke::Mode::base, aad}, sender.enc, r);
  Bytes ct = sender.context.seal(aad, pt);
  RC_ASSERT(std::ranges::equal(rc.open(aad, ct), pt));
}

RC_GTEST_PROP(CryptoProps, SignWithLabelRoundTrip, (const Bytes& content)) {
  CipherSuite s(*gen_suite());
  SecureBytes sk = s.generate_signature_key(system_rng());
  Bytes pk = s.signature_public_key(sk);
  Bytes sig = s.sign_with_label(sk, "Props", content);
  RC_ASSERT(s.verify_with_label(pk, "Props", content, sig));
  size_t bit = *rc::gen::inRange<size_t>(0, sig.size() * 8);
  RC_ASSERT(!s.verify_with_label(pk, "Props", content, flip_bit(sig, bit)));
}

}  // namespace
}  // namespace mlsref
