// Message protection (RFC 9420 §6) and the secret tree (§9): protect/unprotect
// round trips in both wire formats, failure after any flipped bit, and
// secret-tree keys independent of the order generations are asked in.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>

#include "tests/props/structure_gen.h"

namespace mlsref {
namespace {

struct Group {
  CipherSuite suite;
  GroupContext ctx;
  SecureBytes sk;
  Bytes pk;
  EncryptionSecret encryption_secret;
  SenderDataSecret sender_data_secret;
  MembershipKey membership_key;
};

Group make_group() {
  uint16_t id = *rc::gen::inRange<uint16_t>(1, 8);
  Group g{CipherSuite(id),
          {},
          {},
          {},
          EncryptionSecret(Bytes(32, 1)),
          SenderDataSecret(Bytes(32, 2)),
          MembershipKey(Bytes(32, 3))};
  g.ctx = GroupContext{mls10,
                       id,
                       props::arb_bytes(),
                       *rc::gen::arbitrary<uint64_t>(),
                       props::arb_bytes(),
                       props::arb_bytes(),
                       {}};
  g.sk = g.suite.generate_signature_key(system_rng());
  g.pk = g.suite.signature_public_key(g.sk);
  return g;
}

FramedContent content_for(const Group& g, bool allow_application) {
  FramedContent fc = props::arb<FramedContent>();
  fc.group_id = g.ctx.group_id;
  fc.epoch = g.ctx.epoch;
  fc.sender = Sender::member(*rc::gen::inRange<uint32_t>(0, 4));
  if (!allow_application && fc.content_type == ContentType::application) {
    fc.content_type = ContentType::proposal;
    fc.proposal = props::arb<Proposal>();
    fc.application_data.clear();
  }
  return fc;
}

Bytes flip(Bytes b) {
  size_t bit = *rc::gen::inRange<size_t>(0, b.size() * 8);
  b[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
  return b;
}

template <class F>
bool rejects(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    RC_ASSERT(e.kind() != ErrorKind::internal);
    return true;
  }
  return false;
}

RC_GTEST_PROP(FramingProps, PublicMessageRoundTripAndTamper, ()) {
  Group g = make_group();
  FramedContent fc = content_for(g, false);
  Bytes tag = props::arb_bytes();
  tag.push_back(1);
  PublicMessage m = protect_public(g.suite, fc, g.sk, g.ctx, g.membership_key, tag);
  Bytes wire = encode(MLSMessage{mls10, m});
  MLSMessage back = decode<MLSMessage>(wire);
  AuthenticatedContent ac =
      unprotect_public(g.suite, std::get<PublicMessage>(back.body), g.ctx, g.membership_key, g.pk);
  RC_ASSERT(ac.content == fc);
  Bytes bad = flip(wire);
  RC_ASSERT(rejects([&] {
    MLSMessage x = decode<MLSMessage>(bad);
    unprotect_public(g.suite, std::get<PublicMessage>(x.body), g.ctx, g.membership_key, g.pk);
  }));
}

RC_GTEST_PROP(FramingProps, PrivateMessageRoundTripAndTamper, ()) {
  Group g = make_group();
  FramedContent fc = content_for(g, true);
  Bytes tag = props::arb_bytes();
  tag.push_back(1);
  SecretTree sender(g.suite, LeafCount(4), g.encryption_secret);
  size_t padding = *rc::gen::inRange<size_t>(0, 64);
  PrivateMessage m = protect_private(g.suite, fc, g.sk, g.ctx, sender, g.sender_data_secret,
                                     system_rng(), tag, padding);
  Bytes wire = encode(MLSMessage{mls10, m});
  auto signer = [&](LeafIndex) { return g.pk; };
  {
    SecretTree receiver(g.suite, LeafCount(4), g.encryption_secret);
    MLSMessage back = decode<MLSMessage>(wire);
    AuthenticatedContent ac = unprotect_private(g.suite, std::get<PrivateMessage>(back.body), g.ctx,
                                                receiver, g.sender_data_secret, signer);
    RC_ASSERT(ac.content == fc);
  }
  SecretTree receiver(g.suite, LeafCount(4), g.encryption_secret);
  Bytes bad = flip(wire);
  RC_ASSERT(rejects([&] {
    MLSMessage x = decode<MLSMessage>(bad);
    unprotect_private(g.suite, std::get<PrivateMessage>(x.body), g.ctx, receiver,
                      g.sender_data_secret, signer);
  }));
  // The failed attempt consumed nothing: the real message still opens.
  MLSMessage again = decode<MLSMessage>(wire);
  RC_ASSERT(unprotect_private(g.suite, std::get<PrivateMessage>(again.body), g.ctx, receiver,
                              g.sender_data_secret, signer)
                .content == fc);
}

RC_GTEST_PROP(SecretTreeProps, OrderDoesNotMatterAndKeysAreConsumed, ()) {
  CipherSuite suite(*rc::gen::inRange<uint16_t>(1, 8));
  uint32_t n = uint32_t{1} << *rc::gen::inRange(0, 6);
  LeafIndex leaf(*rc::gen::inRange<uint32_t>(0, n));
  RatchetType type =
      *rc::gen::arbitrary<bool>() ? RatchetType::handshake : RatchetType::application;
  // Generations within the default out-of-order window (32).
  std::vector<uint32_t> gens =
      *rc::gen::unique<std::vector<uint32_t>>(rc::gen::inRange<uint32_t>(0, 30));
  RC_PRE(!gens.empty());
  std::vector<uint32_t> sorted = gens;
  std::sort(sorted.begin(), sorted.end());
  SecretTree a(suite, LeafCount(n), EncryptionSecret(Bytes(suite.hash_size(), 5)));
  SecretTree b(suite, LeafCount(n), EncryptionSecret(Bytes(suite.hash_size(), 5)));
  std::map<uint32_t, SecureBytes> ka, kb;
  for (uint32_t x : sorted) {
    ka[x] = a.get(leaf, type, x).key;
  }
  for (uint32_t x : gens) {
    kb[x] = b.get(leaf, type, x).key;
  }
  RC_ASSERT(ka == kb);
  uint32_t again = *rc::gen::elementOf(gens);
  RC_ASSERT(rejects([&] { b.get(leaf, type, again); }));
}

}  // namespace
}  // namespace mlsref
