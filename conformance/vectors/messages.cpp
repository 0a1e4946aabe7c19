// messages.json (../shared/vectors/ietf/FORMAT.md "Messages"): every structure
// that travels on the wire.
//
// Verification:
// * The contents of each field must decode using the corresponding structure
// * Each decoded object must re-encode to produce the bytes in the test vector
// We also check that each MLSMessage has the wire format (and, for public
// messages, the content type) its field name says.
#include "conformance/vector_type.h"
#include "ref/mls_message.h"

namespace mlsref::conformance {

namespace {

template <class T>
T round_trip(const json& c, const std::string& name) {
  Bytes bytes = hex_field(c, name);
  T value;
  try {
    value = decode<T>(bytes);
  } catch (const Error& e) {
    throw CheckFailure(name, "does not decode as " + std::string(T::type_name) + ": " +
                                 e.message());
  }
  expect_bytes(name + " (re-encoded)", bytes, encode(value));
  return value;
}

void expect_message(const json& c, const std::string& name, WireFormat wf,
                    std::optional<ContentType> content_type = std::nullopt) {
  MLSMessage m = round_trip<MLSMessage>(c, name);
  expect_uint(name + ".wire_format", wf, m.wire_format());
  if (content_type) {
    auto ct = std::get<PublicMessage>(m.body).content.content_type;
    expect_uint(name + ".content.content_type", static_cast<uint64_t>(*content_type),
                static_cast<uint64_t>(ct));
  }
}

struct RatchetTree {  // optional<Node> ratchet_tree<V>
  RatchetTreeNodes nodes;
  static constexpr std::string_view type_name = "ratchet_tree";
  void encode(Writer& w) const { encode_into(w, nodes); }
  void decode(Reader& r) { decode_from(r, nodes); }
};

}  // namespace

void verify_messages(const json& c) {
  expect_message(c, "mls_welcome", wire_format::mls_welcome);
  expect_message(c, "mls_group_info", wire_format::mls_group_info);
  expect_message(c, "mls_key_package", wire_format::mls_key_package);
  round_trip<RatchetTree>(c, "ratchet_tree");
  round_trip<GroupSecrets>(c, "group_secrets");
  round_trip<Add>(c, "add_proposal");
  round_trip<Update>(c, "update_proposal");
  round_trip<Remove>(c, "remove_proposal");
  round_trip<PreSharedKey>(c, "pre_shared_key_proposal");
  round_trip<ReInit>(c, "re_init_proposal");
  round_trip<ExternalInit>(c, "external_init_proposal");
  round_trip<GroupContextExtensions>(c, "group_context_extensions_proposal");
  round_trip<Commit>(c, "commit");
  expect_message(c, "public_message_application", wire_format::mls_public_message,
                 ContentType::application);
  expect_message(c, "public_message_proposal", wire_format::mls_public_message,
                 ContentType::proposal);
  expect_message(c, "public_message_commit", wire_format::mls_public_message,
                 ContentType::commit);
  expect_message(c, "private_message", wire_format::mls_private_message);
}

}  // namespace mlsref::conformance
