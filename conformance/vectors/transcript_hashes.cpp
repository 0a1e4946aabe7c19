// transcript-hashes.json (../shared/vectors/ietf/FORMAT.md "Transcript Hashes"),
// RFC 9420 §8.2.
//
// Verification:
// * `authenticated_content` contains a Commit, and its
//   `auth.confirmation_tag` is a valid MAC for it with key `confirmation_key`
//   and input `confirmed_transcript_hash_after`
// * `confirmed_transcript_hash_after` and `interim_transcript_hash_after` are
//   the result of updating `interim_transcript_hash_before` with
//   `authenticated_content`
#include "conformance/vector_type.h"
#include "ref/transcript_hash.h"

namespace mlsref::conformance {

void verify_transcript_hashes(const json& c) {
  CipherSuite suite(static_cast<uint16_t>(uint_field(c, "cipher_suite", 0xffff)));
  Bytes bytes = hex_field(c, "authenticated_content");
  AuthenticatedContent ac;
  try {
    ac = decode<AuthenticatedContent>(bytes);
  } catch (const Error& e) {
    throw CheckFailure("authenticated_content", "does not decode: " + e.message());
  }
  expect_true("authenticated_content.content.content_type",
              ac.content.content_type == ContentType::commit, "does not carry a Commit");
  Bytes confirmed =
      confirmed_transcript_hash(suite, hex_field(c, "interim_transcript_hash_before"), ac);
  expect_bytes("confirmed_transcript_hash_after", hex_field(c, "confirmed_transcript_hash_after"),
               confirmed);
  expect_bytes(
      "authenticated_content.auth.confirmation_tag",
      confirmation_tag(suite, ConfirmationKey(hex_field(c, "confirmation_key")), confirmed),
      ac.auth.confirmation_tag);
  expect_bytes("interim_transcript_hash_after", hex_field(c, "interim_transcript_hash_after"),
               interim_transcript_hash(suite, confirmed, ac.auth.confirmation_tag));
}

json generate_transcript_hashes(const GenerateOptions& options) {
  return per_suite(
      options, "transcript-hashes",
      [&](const CipherSuite& suite, Botan::RandomNumberGenerator& rng, json& out) {
        uint16_t id = suite.id();
        size_t nh = suite.hash_size();
        ConfirmationKey confirmation_key(random_bytes(rng, nh));
        Bytes interim_before = random_bytes(rng, nh);
        // A real commit: signed by a member, with a Remove proposal by value.
        SecureBytes sk = suite.generate_signature_key(rng);
        GroupContext ctx{mls10,
                         id,
                         random_bytes(rng, 16),
                         random_below(rng, 1000),
                         random_bytes(rng, nh),
                         random_bytes(rng, nh),
                         {}};
        AuthenticatedContent ac;
        ac.wire_format = wire_format::mls_public_message;
        ac.content.group_id = ctx.group_id;
        ac.content.epoch = ctx.epoch;
        ac.content.sender = Sender::member(static_cast<uint32_t>(random_below(rng, 8)));
        ac.content.content_type = ContentType::commit;
        ProposalOrRef por;
        por.proposal = Proposal{Remove{static_cast<uint32_t>(random_below(rng, 8))}};
        ac.content.commit.proposals.push_back(por);
        ac.auth.signature = suite.sign_with_label(
            sk, "FramedContentTBS", framed_content_tbs(ac.wire_format, ac.content, ctx));
        Bytes confirmed = confirmed_transcript_hash(suite, interim_before, ac);
        ac.auth.confirmation_tag = confirmation_tag(suite, confirmation_key, confirmed);
        out.push_back(
            json{{"cipher_suite", id},
                 {"confirmation_key", to_hex(confirmation_key.view())},
                 {"authenticated_content", to_hex(encode(ac))},
                 {"interim_transcript_hash_before", to_hex(interim_before)},
                 {"confirmed_transcript_hash_after", to_hex(confirmed)},
                 {"interim_transcript_hash_after",
                  to_hex(interim_transcript_hash(suite, confirmed, ac.auth.confirmation_tag))}});
      });
}

}  // namespace mlsref::conformance
