#include "conformance/seeds.h"

#include <algorithm>
#include <fstream>

#include "conformance/check.h"
#include "conformance/json_reader.h"
#include "conformance/runner.h"
#include "conformance/vector_type.h"
#include "fuzz/group_fixture.h"
#include "fuzz/inputs.h"

namespace mlsref::conformance {

namespace {

json read_json_file(const std::filesystem::path& p) {
  std::optional<std::string> text = read_whole_file(p);
  if (!text) {
    throw std::runtime_error("cannot read " + p.string());
  }
  try {
    return read_json(*text);
  } catch (const JsonSyntaxError& e) {
    throw std::runtime_error(p.string() + " is not valid JSON: " + e.what());
  }
}

class CorpusWriter {
 public:
  CorpusWriter(const std::filesystem::path& out, const std::string& target) : dir_(out / target) {
    std::filesystem::create_directories(dir_);
  }
  void add(ByteView data) {
    std::ofstream f(dir_ / ("seed-" + std::to_string(n_++)), std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
    if (!f) {
      throw std::runtime_error("cannot write " + dir_.string());
    }
  }
  // A seed of a target whose input byte 0 picks a mode: `mode`, then `body`.
  void add(uint8_t mode, ByteView body) {
    Bytes seed{mode};
    seed.insert(seed.end(), body.begin(), body.end());
    add(seed);
  }
  size_t count() const { return n_; }

 private:
  std::filesystem::path dir_;
  size_t n_ = 0;
};

// fuzz_group_state: kept states of the fixed groups' members without their
// trailing SHA-256 (fuzz/fuzz_group_state.cpp appends it), byte 0 the
// group: alice as built (a stored proposal), with an Update of her own
// stored (fuzz/group_fixture.h OwnUpdateCommit), having read carol's
// messages out of order (a skipped key kept), with a pending commit, and
// after merging it; and bob once a commit removed him. Each is checked to
// import.
size_t write_group_state_seeds(const std::filesystem::path& out) {
  CorpusWriter states(out, "fuzz_group_state");
  for (uint8_t mode : {0, 1}) {
    fuzz::FixedGroup f(mode == 1);
    Group alice = f.members[0], bob = f.members[1];
    const Signer& signer = f.clients[0].signer;
    auto add = [&](const Group& g) {
      SecureBytes kept = g.export_state();
      Group::import_state(f.config, kept);  // a seed must import
      states.add(mode, ByteView(kept).first(kept.size() - 32));
    };
    add(alice);
    add(fuzz::OwnUpdateCommit(f).alice);
    alice.process_message(f.carol_probe);
    add(alice);
    auto apply = [](Group& g, const CommitBundle& b) {
      g.merge_staged_commit(std::get<StagedCommit>(g.process_message(encode(b.commit)).content));
    };
    CommitBundle commit = alice.commit_to_pending_proposals(signer);
    add(alice);
    alice.merge_pending_commit();
    add(alice);
    apply(bob, commit);
    const LeafIndex removed[] = {LeafIndex(1)};
    apply(bob, alice.remove_members(signer, removed));
    add(bob);
  }
  return states.count();
}

// fuzz_process_message: real messages from bob and carol to alice in the
// fixed groups (byte 0 picks the group and the mode), each checked to
// process; and
// fuzz_join_welcome: Welcomes for the fixed joiner's KeyPackage, sealed
// (byte 0 = 0) and in clear for the harness to seal (byte 0 = 1), each
// checked to join.
size_t write_group_seeds(const std::filesystem::path& out) {
  CorpusWriter messages(out, "fuzz_process_message");
  for (uint8_t mode : {0, 1}) {
    fuzz::FixedGroup f(mode == 1);
    Group &bob = f.members[1], &carol = f.members[2];
    const Signer &bob_signer = f.clients[1].signer, &carol_signer = f.clients[2].signer;
    fuzz::FixedClient dave(f.suite, *f.rng, "dave");
    const KeyPackage dave_kp[] = {dave.key_package.key_package};
    PreSharedKeyID psk;
    psk.psktype = PSKType::external;
    psk.psk_id = fuzz::kFuzzPskId;
    psk.psk_nonce = Bytes(f.suite.hash_size(), 0x07);
    std::vector<MLSMessage> sent;
    auto commit = [&](Group& g, CommitBundle b) {
      sent.push_back(std::move(b.commit));
      g.clear_pending_commit();
    };
    commit(bob, bob.commit_to_pending_proposals(bob_signer));  // carol's Update, by reference
    commit(bob, bob.self_update(bob_signer));
    commit(bob, bob.add_members(bob_signer, dave_kp));
    commit(bob,
           bob.commit_builder().consume_proposal_store(false).add(dave_kp[0]).build(bob_signer));
    commit(
        bob,
        bob.commit_builder().consume_proposal_store(false).remove(LeafIndex(2)).build(bob_signer));
    commit(bob, bob.commit_builder().consume_proposal_store(false).psk(psk).build(bob_signer));
    commit(carol, carol.self_update(carol_signer));
    commit(carol, carol.commit_builder()
                      .consume_proposal_store(false)
                      .remove(LeafIndex(1))
                      .build(carol_signer));
    sent.push_back(bob.propose_self_update(bob_signer).first);
    sent.push_back(bob.propose_remove_member(bob_signer, LeafIndex(2)).first);
    sent.push_back(bob.propose_add_member(bob_signer, dave_kp[0]).first);
    sent.push_back(bob.propose_psk(bob_signer, psk).first);
    sent.push_back(bob.propose_group_context_extensions(bob_signer, {}).first);
    // An external commit (§12.4.3.2): dave joins from alice's GroupInfo.
    sent.push_back(Group::join_external(f.config, f.members[0].group_info(f.clients[0].signer, true),
                                        std::nullopt, dave.signer, dave.credential)
                       .second);
    if (mode == 0) {
      // A PrivateMessage alice read once does not decrypt twice.
      sent.push_back(decode<MLSMessage>(f.carol_update));
    }
    for (const Bytes* app : {&f.bob_hello, &f.carol_hello}) {
      sent.push_back(decode<MLSMessage>(*app));
    }
    for (const MLSMessage& m : sent) {
      Bytes wire = encode(m);
      Group alice = f.members[0];
      alice.process_message(wire);  // a seed must process, or the fuzzer starts from rejections
      // The public group's messages twice: as they are, and with the checks
      // that authenticate them switched off (byte 0 bit 1), where mutants
      // of their content get past the signature. A PrivateMessage's content
      // is out of the mutator's reach, so the private group has one mode.
      std::vector<uint8_t> firsts{mode};
      if (mode == 0) {
        firsts.push_back(2);
      }
      for (uint8_t first : firsts) {
        messages.add(first, wire);
      }
    }
  }

  CorpusWriter welcomes(out, "fuzz_join_welcome");
  const fuzz::FixedJoiner joiner;
  const KeyPackage kp[] = {joiner.client.key_package.key_package};
  std::vector<fuzz::JoinInput> inputs;
  auto welcome_of = [](const CommitBundle& b) { return std::get<Welcome>(b.welcome.value().body); };
  for (bool with_tree : {true, false}) {
    auto rng = seeded_rng(0, "fuzz join seeds");
    GroupConfig config = fuzz::fixed_config(false, rng.get());
    config.ratchet_tree_extension = with_tree;
    fuzz::FixedClient creator(joiner.suite, *rng, "creator");
    Group g = Group::create(config, joiner.suite.id(), to_bytes("join group"), creator.signer,
                            creator.credential);
    CommitBundle b = g.add_members(creator.signer, kp);
    g.merge_pending_commit();
    inputs.push_back(
        {welcome_of(b), with_tree ? std::nullopt : std::optional(encode(g.tree().to_nodes()))});
  }
  for (bool handshake_private : {false, true}) {
    fuzz::FixedGroup f(handshake_private);
    Group& alice = f.members[0];
    const Signer& signer = f.clients[0].signer;
    PreSharedKeyID psk;
    psk.psktype = PSKType::external;
    psk.psk_id = fuzz::kFuzzPskId;
    psk.psk_nonce = Bytes(f.suite.hash_size(), 0x09);
    inputs.push_back({welcome_of(alice.add_members(signer, kp)), std::nullopt});
    alice.clear_pending_commit();
    inputs.push_back(
        {welcome_of(alice.commit_builder().consume_proposal_store(false).add(kp[0]).build(signer)),
         std::nullopt});
    alice.clear_pending_commit();
    inputs.push_back(
        {welcome_of(alice.commit_builder().add(kp[0]).psk(psk).build(signer)), std::nullopt});
    alice.clear_pending_commit();
  }
  for (const auto& in : inputs) {
    Bytes body = encode(in);
    joiner.join(decode<fuzz::JoinInput>(body));  // a seed must join
    // Byte 0: each Welcome as sent (0), and its plaintext parts (1, see
    // fuzz/fuzz_join_welcome.cpp), which the harness seals, so that mutants
    // get past the decryption and the signature.
    fuzz::ResealedJoinInput plain = joiner.open(in);
    Bytes plain_body = encode(plain);
    fuzz::JoinInput sealed = joiner.seal(decode<fuzz::ResealedJoinInput>(plain_body));
    // The harness's tree hash, confirmation tag and sealing are the library's:
    // what it seals opens to the same GroupSecrets and GroupInfo.
    if (joiner.open(sealed) != plain) {
      throw Error(ErrorKind::internal, "12.4.3.1",
                  "FixedJoiner::seal changed the GroupSecrets or a signed GroupInfo");
    }
    joiner.join(sealed);  // a seed must join, with the GroupInfo signature checked
    welcomes.add(0, body);
    welcomes.add(1, plain_body);
  }

  // fuzz_external_join: GroupInfos of the fixed groups, with the tree in them
  // or out of band, each checked to join.
  CorpusWriter group_infos(out, "fuzz_external_join");
  const fuzz::FixedExternalJoiner external;
  for (bool handshake_private : {false, true}) {
    fuzz::FixedGroup f(handshake_private);
    for (bool with_tree : {true, false}) {
      fuzz::ExternalJoinInput in{f.members[1].group_info(f.clients[1].signer, with_tree),
                                 with_tree ? std::nullopt
                                           : std::optional(encode(f.members[1].tree().to_nodes()))};
      Bytes body = encode(in);
      external.join(decode<fuzz::ExternalJoinInput>(body));  // a seed must join
      fuzz::ExternalJoinInput resealed = in;
      fuzz::reseal(resealed);
      if (resealed != in) {  // the harness's tree hash is the library's
        throw Error(ErrorKind::internal, "12.4.3.2", "fuzz::reseal changed a signed GroupInfo");
      }
      // Byte 0: each GroupInfo as signed (0) and resealed (1, see
      // fuzz/fuzz_external_join.cpp), where mutants get past the signature.
      group_infos.add(0, body);
      group_infos.add(1, body);
    }
  }
  return messages.count() + welcomes.count() + group_infos.count();
}

}  // namespace

size_t write_seed_corpora(const std::filesystem::path& root, const std::filesystem::path& out) {
  json headers = read_json_file(root / "ietf" / "deserialization.json");
  json crypto = read_json_file(root / "ietf" / "crypto-basics.json");

  // fuzz_codec: a VectorSample (fuzz/inputs.h) built around each header and
  // each crypto-basics value.
  CorpusWriter codec(out, "fuzz_codec");
  for (const auto& h : headers) {
    Bytes header = from_hex(h.at("vlbytes_header").get<std::string>());
    Bytes sample = header;
    sample.resize(header.size() + std::min<uint64_t>(h.at("length").get<uint64_t>(), 64), 0x41);
    codec.add(sample);
  }
  for (const auto& c : crypto) {
    const json& e = c.at("encrypt_with_label");
    fuzz::VectorSample s;
    s.id = static_cast<uint16_t>(c.at("cipher_suite").get<uint64_t>());
    s.blobs = {from_hex(e.at("kem_output").get<std::string>()),
               from_hex(e.at("ciphertext").get<std::string>())};
    s.maybe = from_hex(e.at("context").get<std::string>());
    s.flags = {true, false};
    codec.add(encode(s));
  }

  // fuzz_hpke_open: every encrypt_with_label case, as an HpkeOpenInput.
  CorpusWriter hpke(out, "fuzz_hpke_open");
  for (const auto& c : crypto) {
    const json& e = c.at("encrypt_with_label");
    fuzz::HpkeOpenInput in;
    in.cipher_suite = static_cast<uint16_t>(c.at("cipher_suite").get<uint64_t>());
    in.private_key = from_hex(e.at("priv").get<std::string>());
    in.label = to_bytes(e.at("label").get<std::string>());
    in.context = from_hex(e.at("context").get<std::string>());
    in.kem_output = from_hex(e.at("kem_output").get<std::string>());
    in.ciphertext = from_hex(e.at("ciphertext").get<std::string>());
    hpke.add(encode(in));
  }
  // The message targets, from messages.json (every 10th case), welcome.json
  // and message-protection.json. The structure targets take the MLSMessage
  // body, without its 4-byte version and wire_format header.
  json messages = read_json_file(root / "ietf" / "messages.json");
  json welcomes = read_json_file(root / "ietf" / "welcome.json");
  json protection = read_json_file(root / "ietf" / "message-protection.json");
  CorpusWriter mls(out, "fuzz_mls_message"), welcome(out, "fuzz_welcome"),
      group_info(out, "fuzz_group_info"), key_package(out, "fuzz_key_package"),
      unprotect(out, "fuzz_unprotect");
  auto body = [](const Bytes& m) {
    return Bytes(m.begin() + std::min<size_t>(4, m.size()), m.end());
  };
  for (size_t i = 0; i < messages.size(); i += 10) {
    const json& c = messages[i];
    for (const char* f :
         {"mls_welcome", "mls_group_info", "mls_key_package", "public_message_application",
          "public_message_proposal", "public_message_commit", "private_message"}) {
      mls.add(from_hex(c.at(f).get<std::string>()));
    }
    welcome.add(body(from_hex(c.at("mls_welcome").get<std::string>())));
    group_info.add(body(from_hex(c.at("mls_group_info").get<std::string>())));
    key_package.add(body(from_hex(c.at("mls_key_package").get<std::string>())));
  }
  for (const auto& c : welcomes) {
    welcome.add(body(from_hex(c.at("welcome").get<std::string>())));
    key_package.add(body(from_hex(c.at("key_package").get<std::string>())));
  }
  for (const auto& c : protection) {
    for (const char* f :
         {"proposal_pub", "proposal_priv", "commit_pub", "commit_priv", "application_priv"}) {
      unprotect.add(from_hex(c.at(f).get<std::string>()));
    }
  }
  // Messages that do unprotect against fuzz_unprotect's fixed epoch.
  const fuzz::FixedEpoch epoch;
  auto rng = seeded_rng(0, "fuzz seeds");
  SecretTree tree = epoch.fresh_tree();
  FramedContent fc;
  fc.group_id = epoch.context.group_id;
  fc.epoch = epoch.context.epoch;
  fc.sender = Sender::member(1);
  fc.content_type = ContentType::proposal;
  fc.proposal.body = Remove{0};
  Bytes tag(32, 0x77);
  unprotect.add(
      encode(MLSMessage{mls10, protect_public(epoch.suite, fc, epoch.signature_private_key,
                                              epoch.context, epoch.membership_key)}));
  unprotect.add(encode(
      MLSMessage{mls10, protect_private(epoch.suite, fc, epoch.signature_private_key, epoch.context,
                                        tree, epoch.sender_data_secret, *rng, {}, 8)}));
  FramedContent commit = fc;
  commit.content_type = ContentType::commit;
  commit.commit.proposals.push_back(ProposalOrRef{ProposalOrRefType::proposal, fc.proposal, {}});
  unprotect.add(
      encode(MLSMessage{mls10, protect_public(epoch.suite, commit, epoch.signature_private_key,
                                              epoch.context, epoch.membership_key, tag)}));
  FramedContent app = fc;
  app.content_type = ContentType::application;
  app.application_data = to_bytes("hello, fuzzer");
  SecretTree app_tree = epoch.fresh_tree();
  unprotect.add(encode(
      MLSMessage{mls10, protect_private(epoch.suite, app, epoch.signature_private_key,
                                        epoch.context, app_tree, epoch.sender_data_secret, *rng)}));
  // fuzz_ratchet_tree: the trees of tree-validation.json (every 5th case).
  CorpusWriter trees(out, "fuzz_ratchet_tree");
  json validation = read_json_file(root / "ietf" / "tree-validation.json");
  for (size_t i = 0; i < validation.size(); i += 5) {
    const json& c = validation[i];
    trees.add(encode(fuzz::RatchetTreeInput{
        static_cast<uint16_t>(c.at("cipher_suite").get<uint64_t>()),
        from_hex(c.at("group_id").get<std::string>()), from_hex(c.at("tree").get<std::string>())}));
  }
  // fuzz_update_path: UpdatePaths from treekem.json, and ones made by the
  // fixed group's sender, which process.
  CorpusWriter paths(out, "fuzz_update_path");
  json treekem = read_json_file(root / "ietf" / "treekem.json");
  for (size_t i = 0; i < treekem.size(); i += 10) {
    paths.add(from_hex(treekem[i].at("update_paths").at(0).at("update_path").get<std::string>()));
  }
  const fuzz::FixedTreeGroup group;
  for (int k = 0; k < 3; ++k) {
    RatchetTree group_tree = group.history.tree();
    GroupContext ctx = group.history.context();
    paths.add(
        encode(create_update_path(group.suite, group_tree, group.sender,
                                  group.history.members().at(group.sender.value).signature_priv,
                                  ctx, {}, *rng)
                   .update_path));
  }

  // fuzz_json: the first case of each IETF vector file as JSON text (each of
  // its members on its own where the whole is over 4 KiB: small inputs keep
  // the fuzzer fast), and texts at the edges of RFC 8259 (escapes,
  // surrogates, UTF-8, numbers).
  CorpusWriter texts(out, "fuzz_json");
  auto add_text = [&](const std::string& t) {
    texts.add(ByteView(reinterpret_cast<const uint8_t*>(t.data()), t.size()));
  };
  std::vector<std::filesystem::path> ietf;
  for (const auto& e : std::filesystem::directory_iterator(root / "ietf")) {
    if (e.path().extension() == ".json") {
      ietf.push_back(e.path());
    }
  }
  std::sort(ietf.begin(), ietf.end());
  for (const auto& f : ietf) {
    json cases = read_json_file(f);
    if (!cases.is_array() || cases.empty()) {
      continue;
    }
    const int indent = texts.count() % 2 == 0 ? -1 : 1;
    if (std::string whole = cases[0].dump(indent); whole.size() <= 4096) {
      add_text(whole);
    } else if (cases[0].is_object()) {
      for (const auto& [name, value] : cases[0].items()) {
        if (std::string one = json{{name, value}}.dump(indent); one.size() <= 4096) {
          add_text(one);
        }
      }
    }
  }
  for (const char* t : {"[\"\\u00e9\\ud83d\\ude00\\n\\/\", \"\xc3\xa9\xf0\x9f\x98\x80\"]",
                        "{\"a\": [-0, 1.5e-3, 18446744073709551615, -9223372036854775808, 1E+2]}",
                        "\xef\xbb\xbf[true, false, null, {}, []]"}) {
    add_text(t);
  }
  return codec.count() + hpke.count() + mls.count() + welcome.count() + group_info.count() +
         key_package.count() + unprotect.count() + trees.count() + paths.count() + texts.count() +
         write_group_seeds(out) + write_group_state_seeds(out);
}

}  // namespace mlsref::conformance
