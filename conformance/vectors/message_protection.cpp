// message-protection.json (../shared/vectors/ietf/FORMAT.md "Message
// Protection"), RFC 9420 §6.
//
// Verification, with GroupContext {cipher_suite, group_id, epoch, tree_hash,
// confirmed_transcript_hash, extensions = {}} and leaf 1 as the sender of all:
// * For each of `proposal`, `commit` and `application`:
//   * the `pub` message verifies with `membership_key` and `signature_pub`
//     and gives the raw proposal / commit (application: no `pub` message)
//   * protecting the raw value as a PublicMessage with `membership_key` and
//     `signature_priv` gives a message that verifies; for application data,
//     protecting as a PublicMessage fails
//   * the `priv` message unprotects with a secret tree of 2 members from
//     `encryption_secret`, `sender_data_secret` and `signature_pub`
//   * protecting the raw value as a PrivateMessage gives a message that
//     unprotects the same way
#include "conformance/vector_type.h"
#include "conformance/vectors/fields.h"
#include "ref/mls_message.h"

namespace mlsref::conformance {

namespace {

struct Inputs {
  CipherSuite suite;
  GroupContext ctx;
  Bytes signature_priv, signature_pub;
  EncryptionSecret encryption_secret;
  SenderDataSecret sender_data_secret;
  MembershipKey membership_key;
};

Inputs inputs_of(const json& c) {
  auto id = static_cast<uint16_t>(uint_field(c, "cipher_suite", 0xffff));
  Inputs in{CipherSuite(id),
            GroupContext{},
            hex_field(c, "signature_priv"),
            hex_field(c, "signature_pub"),
            EncryptionSecret(hex_field(c, "encryption_secret")),
            SenderDataSecret(hex_field(c, "sender_data_secret")),
            MembershipKey(hex_field(c, "membership_key"))};
  in.ctx.cipher_suite = id;
  in.ctx.group_id = hex_field(c, "group_id");
  in.ctx.epoch = uint_field(c, "epoch");
  in.ctx.tree_hash = hex_field(c, "tree_hash");
  in.ctx.confirmed_transcript_hash = hex_field(c, "confirmed_transcript_hash");
  return in;
}

// The raw content of `kind` as a FramedContent body.
void set_body(FramedContent& fc, const std::string& kind, const json& c) {
  try {
    if (kind == "proposal") {
      fc.content_type = ContentType::proposal;
      fc.proposal = decode<Proposal>(hex_field(c, kind));
    } else if (kind == "commit") {
      fc.content_type = ContentType::commit;
      fc.commit = decode<Commit>(hex_field(c, kind));
    } else {
      fc.content_type = ContentType::application;
      fc.application_data = hex_field(c, kind);
    }
  } catch (const Error& e) {
    throw CheckFailure(kind, "does not decode: " + e.message());
  }
}

template <class F>
auto checked(const std::string& check, F&& f) {
  try {
    return f();
  } catch (const Error& e) {
    throw CheckFailure(check, e.message());
  }
}

void verify_kind(const json& c, const Inputs& in, const std::string& kind) {
  const CipherSuite& suite = in.suite;
  FramedContent raw;
  raw.group_id = in.ctx.group_id;
  raw.epoch = in.ctx.epoch;
  raw.sender = Sender::member(1);
  set_body(raw, kind, c);
  auto signer = [&](LeafIndex) { return in.signature_pub; };
  Bytes confirmation_tag;

  if (kind != "application") {
    auto pub = message_field<PublicMessage>(c, kind + "_pub");
    AuthenticatedContent ac = checked(kind + "_pub", [&] {
      return unprotect_public(suite, pub, in.ctx, in.membership_key, in.signature_pub);
    });
    raw.authenticated_data = ac.content.authenticated_data;
    expect_true(kind + "_pub", ac.content == raw, "does not carry the raw " + kind);
    confirmation_tag = ac.auth.confirmation_tag;
    PublicMessage ours =
        protect_public(suite, raw, in.signature_priv, in.ctx, in.membership_key, confirmation_tag);
    AuthenticatedContent back = checked(kind + " (our PublicMessage)", [&] {
      return unprotect_public(suite, ours, in.ctx, in.membership_key, in.signature_pub);
    });
    expect_true(kind + " (our PublicMessage)", back.content == raw, "content differs");
  } else {
    bool refused = false;
    try {
      protect_public(suite, raw, in.signature_priv, in.ctx, in.membership_key);
    } catch (const Error& e) {
      refused = e.kind() == ErrorKind::protocol;
    }
    expect_true("application (as PublicMessage)", refused,
                "protecting application data as a PublicMessage did not fail");
  }

  auto priv = message_field<PrivateMessage>(c, kind + "_priv");
  SecretTree receiver(suite, LeafCount(2), in.encryption_secret);
  AuthenticatedContent ac = checked(kind + "_priv", [&] {
    return unprotect_private(suite, priv, in.ctx, receiver, in.sender_data_secret, signer);
  });
  raw.authenticated_data = ac.content.authenticated_data;
  expect_true(kind + "_priv", ac.content == raw, "does not carry the raw " + kind);
  if (kind == "commit") {
    confirmation_tag = ac.auth.confirmation_tag;
  }
  SecretTree sender_tree(suite, LeafCount(2), in.encryption_secret);
  SecretTree receiver2(suite, LeafCount(2), in.encryption_secret);
  PrivateMessage ours = protect_private(suite, raw, in.signature_priv, in.ctx, sender_tree,
                                        in.sender_data_secret, system_rng(), confirmation_tag);
  AuthenticatedContent back = checked(kind + " (our PrivateMessage)", [&] {
    return unprotect_private(suite, ours, in.ctx, receiver2, in.sender_data_secret, signer);
  });
  expect_true(kind + " (our PrivateMessage)", back.content == raw, "content differs");
}

}  // namespace

void verify_message_protection(const json& c) {
  Inputs in = inputs_of(c);
  expect_bytes("signature_pub", in.signature_pub, in.suite.signature_public_key(in.signature_priv));
  for (const char* kind : {"proposal", "commit", "application"}) {
    verify_kind(c, in, kind);
  }
}

json generate_message_protection(const GenerateOptions& options) {
  return per_suite(
      options, "message-protection",
      [&](const CipherSuite& suite, Botan::RandomNumberGenerator& rng, json& out) {
        uint16_t id = suite.id();
        size_t nh = suite.hash_size();
        GroupContext ctx{mls10,
                         id,
                         random_bytes(rng, 16),
                         random_below(rng, 1u << 20),
                         random_bytes(rng, nh),
                         random_bytes(rng, nh),
                         {}};
        SecureBytes sk = suite.generate_signature_key(rng);
        Bytes enc = random_bytes(rng, nh), sds = random_bytes(rng, nh),
              membership = random_bytes(rng, nh), app = random_bytes(rng, 40);

        Proposal proposal{Remove{static_cast<uint32_t>(random_below(rng, 4))}};
        Commit commit;
        ProposalOrRef por;
        por.type = ProposalOrRefType::reference;
        por.reference = random_bytes(rng, nh);
        commit.proposals.push_back(por);
        Bytes tag = random_bytes(rng, nh);

        json v{{"cipher_suite", id},
               {"group_id", to_hex(ctx.group_id)},
               {"epoch", ctx.epoch},
               {"tree_hash", to_hex(ctx.tree_hash)},
               {"confirmed_transcript_hash", to_hex(ctx.confirmed_transcript_hash)},
               {"signature_priv", to_hex(sk)},
               {"signature_pub", to_hex(suite.signature_public_key(sk))},
               {"encryption_secret", to_hex(enc)},
               {"sender_data_secret", to_hex(sds)},
               {"membership_key", to_hex(membership)},
               {"proposal", to_hex(encode(proposal))},
               {"commit", to_hex(encode(commit))},
               {"application", to_hex(app)}};
        SecretTree tree(suite, LeafCount(2), EncryptionSecret(enc));
        for (const char* kind : {"proposal", "commit", "application"}) {
          FramedContent fc;
          fc.group_id = ctx.group_id;
          fc.epoch = ctx.epoch;
          fc.sender = Sender::member(1);
          std::string k = kind;
          set_body(fc, k, v);
          ByteView ct = k == "commit" ? ByteView(tag) : ByteView();
          if (k != "application") {
            v[k + "_pub"] = to_hex(encode(MLSMessage{
                mls10, protect_public(suite, fc, sk, ctx, MembershipKey(membership), ct)}));
          }
          v[k + "_priv"] = to_hex(encode(MLSMessage{
              mls10, protect_private(suite, fc, sk, ctx, tree, SenderDataSecret(sds), rng, ct)}));
        }
        out.push_back(v);
      });
}

}  // namespace mlsref::conformance
