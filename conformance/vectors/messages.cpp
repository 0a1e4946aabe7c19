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
    throw CheckFailure(name,
                       "does not decode as " + std::string(T::type_name) + ": " + e.message());
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

}  // namespace

struct RatchetTree {  // optional<Node> ratchet_tree<V>
  RatchetTreeNodes nodes;
  static constexpr std::string_view type_name = "ratchet_tree";
  void encode(Writer& w) const { encode_into(w, nodes); }
  void decode(Reader& r) { decode_from(r, nodes); }
};

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
  expect_message(c, "public_message_commit", wire_format::mls_public_message, ContentType::commit);
  expect_message(c, "private_message", wire_format::mls_private_message);
}

}  // namespace mlsref::conformance

namespace mlsref::conformance {

// One file case per suite, every structure built from real keys: a signed
// KeyPackage, a Welcome that decrypts, a signed GroupInfo, a small ratchet
// tree, every proposal type, a commit with a path, and protected messages.
json generate_messages(const GenerateOptions& options) {
  return per_suite(
      options, "messages",
      [&](const CipherSuite& suite, Botan::RandomNumberGenerator& rng, json& out) {
        uint16_t id = suite.id();
        size_t nh = suite.hash_size();
        hpke::KeyPair init;
        SecureBytes sk;
        KeyPackage kp = make_key_package(suite, rng, "alice", init, sk);

        GroupContext ctx{mls10,
                         id,
                         random_bytes(rng, 16),
                         1 + random_below(rng, 100),
                         random_bytes(rng, nh),
                         random_bytes(rng, nh),
                         {}};
        JoinerSecret joiner(random_bytes(rng, nh));
        EpochSecrets epoch = derive_epoch_from_joiner(suite, joiner, {}, ctx);
        GroupInfo gi{ctx,
                     {},
                     confirmation_tag(suite, epoch.confirmation_key, ctx.confirmed_transcript_hash),
                     0,
                     {}};
        gi.extensions.push_back(
            Extension{0x0004, encode(external_key_pair(suite, epoch.external_secret).public_key)});
        gi.sign(suite, sk);
        std::vector<WelcomeRecipient> to{{kp, std::nullopt}};
        Welcome welcome = make_welcome(suite, gi, joiner, {}, to, rng);

        // Two leaves and their parent.
        LeafNode member_leaf = kp.leaf_node;
        ParentNode parent{suite.generate_key_pair(rng).public_key, random_bytes(rng, nh), {1}};
        RatchetTree tree;
        tree.nodes = {Node{NodeType::leaf, member_leaf, {}}, Node{NodeType::parent, {}, parent},
                      Node{NodeType::leaf, member_leaf, {}}};

        PreSharedKeyID external_psk{
            PSKType::external,    random_bytes(rng, 8), ResumptionPSKUsage::application, {}, 0,
            random_bytes(rng, nh)};
        PreSharedKeyID resumption_psk{PSKType::resumption, {},        ResumptionPSKUsage::reinit,
                                      ctx.group_id,        ctx.epoch, random_bytes(rng, nh)};
        GroupSecrets secrets;
        secrets.joiner_secret = joiner;
        TreeKemPathSecret path_secret(random_bytes(rng, nh));
        secrets.path_secret = PathSecret{path_secret};
        secrets.psks = {external_psk};

        LeafNode update_leaf = member_leaf;
        update_leaf.leaf_node_source = LeafNodeSource::update;
        update_leaf.encryption_key = suite.generate_key_pair(rng).public_key;
        update_leaf.sign(suite, sk, ctx.group_id, 1);
        auto external_init = suite.hpke().setup_sender(
            hpke::SetupParams{}, external_key_pair(suite, epoch.external_secret).public_key, rng);
        Add add{kp};
        Update update{update_leaf};
        Remove remove{1};
        PreSharedKey psk{resumption_psk};
        ReInit reinit{random_bytes(rng, 16), mls10, id, {}};
        ExternalInit ext{external_init.enc};
        // required_capabilities (§11.1) asking for basic credentials.
        GroupContextExtensions gce{{Extension{0x0003, from_hex("000002"
                                                               "0001")}}};

        LeafNode commit_leaf = member_leaf;
        commit_leaf.leaf_node_source = LeafNodeSource::commit;
        commit_leaf.parent_hash = random_bytes(rng, nh);
        commit_leaf.sign(suite, sk, ctx.group_id, 0);
        HPKECiphertext path_ct = suite.encrypt_with_label(parent.encryption_key, "UpdatePathNode",
                                                          encode(ctx), path_secret.view(), rng);
        Commit commit;
        ProposalOrRef by_value;
        by_value.proposal = Proposal{remove};
        ProposalOrRef by_ref;
        by_ref.type = ProposalOrRefType::reference;
        by_ref.reference = random_bytes(rng, nh);
        commit.proposals = {by_value, by_ref};
        commit.path = UpdatePath{commit_leaf, {UpdatePathNode{parent.encryption_key, {path_ct}}}};

        FramedContent fc;
        fc.group_id = ctx.group_id;
        fc.epoch = ctx.epoch;
        fc.sender = Sender::member(0);
        fc.authenticated_data = random_bytes(rng, 4);
        MembershipKey membership_key(random_bytes(rng, nh));
        Bytes tag = random_bytes(rng, nh);

        // Application data as a PublicMessage is well-formed syntax but not
        // something protect_public produces (§6); it is built by hand here.
        PublicMessage app_pub;
        app_pub.content = fc;
        app_pub.content.application_data = random_bytes(rng, 32);
        app_pub.auth.signature = suite.sign_with_label(
            sk, "FramedContentTBS",
            framed_content_tbs(wire_format::mls_public_message, app_pub.content, ctx));
        app_pub.membership_tag = random_bytes(rng, nh);

        FramedContent proposal_fc = fc;
        proposal_fc.content_type = ContentType::proposal;
        proposal_fc.proposal.body = add;
        FramedContent commit_fc = fc;
        commit_fc.content_type = ContentType::commit;
        commit_fc.commit = commit;
        SecretTree secret_tree(suite, LeafCount(2), EncryptionSecret(random_bytes(rng, nh)));
        FramedContent app_fc = fc;
        app_fc.application_data = random_bytes(rng, 32);

        auto msg = [](MLSMessage::Body b) {
          return to_hex(encode(MLSMessage{mls10, std::move(b)}));
        };
        out.push_back(json{
            {"mls_welcome", msg(welcome)},
            {"mls_group_info", msg(gi)},
            {"mls_key_package", msg(kp)},
            {"ratchet_tree", to_hex(encode(tree))},
            {"group_secrets", to_hex(encode_secret(secrets))},
            {"add_proposal", to_hex(encode(add))},
            {"update_proposal", to_hex(encode(update))},
            {"remove_proposal", to_hex(encode(remove))},
            {"pre_shared_key_proposal", to_hex(encode(psk))},
            {"re_init_proposal", to_hex(encode(reinit))},
            {"external_init_proposal", to_hex(encode(ext))},
            {"group_context_extensions_proposal", to_hex(encode(gce))},
            {"commit", to_hex(encode(commit))},
            {"public_message_application", msg(app_pub)},
            {"public_message_proposal",
             msg(protect_public(suite, proposal_fc, sk, ctx, membership_key))},
            {"public_message_commit",
             msg(protect_public(suite, commit_fc, sk, ctx, membership_key, tag))},
            {"private_message", msg(protect_private(suite, app_fc, sk, ctx, secret_tree,
                                                    SenderDataSecret(random_bytes(rng, nh)), rng))},
        });
      });
}

}  // namespace mlsref::conformance
