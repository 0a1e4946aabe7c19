// The live groups of fuzz_process_message and the joiner of
// fuzz_join_welcome. Every key comes from a seeded RNG and every lifetime
// from a fixed clock, so the fixture is the same in every process: the seeds
// `mlsref seeds` writes from it (real messages and Welcomes) are valid for
// the fixture the fuzz target builds.
#pragma once

#include <map>
#include <memory>
#include <vector>

#include "conformance/vector_type.h"
#include "ref/group.h"

namespace mlsref::fuzz {

// The fixed clock: every lifetime is [now - 1 h, now + 90 days] around it.
inline constexpr uint64_t kFixedNow = 1'750'000'000;
inline const Bytes kFuzzPskId = to_bytes("fuzz psk");
inline const SecureBytes kFuzzPsk = SecureBytes(32, 0x42);

inline GroupConfig fixed_config(bool handshake_private, Botan::RandomNumberGenerator* rng) {
  GroupConfig config;
  config.handshake_private = handshake_private;
  config.clock = [] { return kFixedNow; };
  config.rng = rng;
  return config;
}

struct FixedClient {
  Signer signer;
  CredentialWithKey credential;
  KeyPackageBundle key_package;
  FixedClient(const CipherSuite& suite, Botan::RandomNumberGenerator& rng,
              const std::string& name) {
    signer = Signer::generate(suite, rng);
    credential = CredentialWithKey{Credential::basic(to_bytes(name)), signer.public_key};
    key_package = create_key_package(suite, signer, credential, {}, rng, [] { return kFixedNow; });
  }
};

// A 3-member group, suite 1, handshake messages public or private: alice
// (leaf 0) created it and added bob (leaf 1) and carol (leaf 2); carol then
// proposed an Update that alice and bob stored. members[i] is each one's
// view; alice's (members[0]) receives the fuzzed messages. Application
// messages of bob's and carol's were made before the Update (a member with
// proposals pending commits before it sends application data, RFC 9420 §12.4).
struct FixedGroup {
  CipherSuite suite{1};
  std::unique_ptr<Botan::RandomNumberGenerator> rng;  // config.rng points into it
  GroupConfig config;
  std::vector<FixedClient> clients;
  std::vector<Group> members;
  Bytes carol_update;  // carol's Update proposal, an encoded MLSMessage
  // Encoded application messages: bob's (with authenticated data) and two of
  // carol's, the second a probe that alice must always read.
  Bytes bob_hello, carol_hello, carol_probe;

  explicit FixedGroup(bool handshake_private)
      : rng(conformance::seeded_rng(handshake_private ? 1 : 0, "fuzz group")),
        config(fixed_config(handshake_private, rng.get())) {
    for (const char* name : {"alice", "bob", "carol"}) {
      clients.emplace_back(suite, *rng, name);
    }
    members.push_back(Group::create(config, suite.id(), to_bytes("fuzz group"), clients[0].signer,
                                    clients[0].credential));
    members[0].add_external_psk(kFuzzPskId, kFuzzPsk);
    KeyPackage kps[] = {clients[1].key_package.key_package, clients[2].key_package.key_package};
    CommitBundle bundle = members[0].add_members(clients[0].signer, kps);
    members[0].merge_pending_commit();
    const Welcome& welcome = std::get<Welcome>(bundle.welcome.value().body);
    for (size_t i = 1; i < 3; ++i) {
      members.push_back(Group::join(config, welcome, clients[i].key_package, std::nullopt,
                                    {{kFuzzPskId, kFuzzPsk}}));
    }
    bob_hello = encode(
        members[1].create_message(clients[1].signer, to_bytes("hello alice"), to_bytes("aad")));
    carol_hello = encode(members[2].create_message(clients[2].signer, to_bytes("hello from carol")));
    carol_probe = encode(members[2].create_message(clients[2].signer, to_bytes("probe")));
    auto [update, ref] = members[2].propose_self_update(clients[2].signer);
    carol_update = encode(update);
    for (size_t i = 0; i < 2; ++i) {
      ProcessedMessage pm = members[i].process_message(carol_update);
      members[i].store_pending_proposal(std::get<QueuedProposal>(pm.content));
    }
  }
  FixedGroup(const FixedGroup&) = delete;
  FixedGroup& operator=(const FixedGroup&) = delete;
};

// Alice's group after she proposed an Update of her own, which bob stored,
// and bob's commit of the proposals he stored (carol's Update and alice's):
// fuzz_group_state's seed and message that reach an imported own-Update key.
// The two groups are imported with a randomness of their own, so that the
// seeds (conformance/seeds.cpp) and the target make the same bytes.
struct OwnUpdateCommit {
  std::unique_ptr<Botan::RandomNumberGenerator> rng;
  Group alice;
  Bytes bob_commit;
  explicit OwnUpdateCommit(const FixedGroup& f)
      : rng(conformance::seeded_rng(f.config.handshake_private ? 1 : 0, "own update")),
        alice(import(f, 0)) {
    Group bob = import(f, 1);
    auto [proposal, ref] = alice.propose_self_update(f.clients[0].signer);
    bob.store_pending_proposal(
        std::get<QueuedProposal>(bob.process_message(encode(proposal)).content));
    bob_commit = encode(bob.commit_to_pending_proposals(f.clients[1].signer).commit);
  }

 private:
  Group import(const FixedGroup& f, size_t member) {
    GroupConfig config = f.config;
    config.rng = rng.get();
    return Group::import_state(config, f.members[member].export_state());
  }
};

// What a rejected message must leave exactly as it was.
inline Bytes group_fingerprint(const Group& g) {
  const GroupState& s = g.state();
  Writer w;
  auto put = [&w](ByteView b) {
    w.put_varint(b.size());
    w.put_bytes(b);
  };
  encode_into(w, s.context);
  encode_into(w, s.tree.to_nodes());
  put(s.secrets.epoch_authenticator.view());
  put(s.secrets.init_secret.view());
  put(s.interim_transcript_hash);
  put(s.confirmation_tag);
  for (const auto& q : s.proposal_store) {
    put(q.ref);
  }
  for (const auto& [node, key] : s.own.private_keys) {
    w.put_varint(node);
    put(key);
  }
  for (const auto& [key, priv] : s.own_update_keys) {
    put(key);
  }
  w.put_varint(s.active ? 1 : 0);
  w.put_varint(g.pending_commit() ? 1 : 0);
  return w.bytes();
}

// The resealed modes of fuzz_join_welcome and fuzz_external_join: `gi`'s
// tree_hash set to the hash, under the suite `suite_id`, of the tree the join
// will use (the GroupInfo's ratchet_tree extension, else `ratchet_tree` out of
// band), as a hostile signer would compute it. A tree that does not decode, or a suite
// mlsref does not know, is left for the join to refuse.
inline void reseal_tree_hash(CipherSuiteId suite_id, GroupInfo& gi,
                             const std::optional<Bytes>& ratchet_tree) {
  try {
    std::optional<RatchetTreeNodes> nodes;
    if (ratchet_tree) {
      nodes = decode<RatchetTreeNodes>(*ratchet_tree);
    }
    for (const Extension& e : gi.extensions) {  // as Group::joined_tree reads it
      if (e.extension_type == extension_type::ratchet_tree) {
        nodes = decode<RatchetTreeNodes>(e.extension_data);
      }
    }
    if (nodes) {
      CipherSuite suite(suite_id);
      gi.group_context.tree_hash = RatchetTree::from_nodes(std::move(*nodes)).root_tree_hash(suite);
    }
  } catch (const Error&) {
  }
}

// The tree a resealed mode's mutator changes structurally (as
// RatchetTreeNodes, fuzz/mutator.h): the GroupInfo's ratchet_tree extension,
// else the one out of band; nullptr when there is none.
inline Bytes* resealed_tree(GroupInfo& gi, std::optional<Bytes>& ratchet_tree) {
  Bytes* tree = ratchet_tree ? &*ratchet_tree : nullptr;
  for (Extension& e : gi.extensions) {
    if (e.extension_type == extension_type::ratchet_tree) {
      tree = &e.extension_data;
    }
  }
  return tree;
}

// fuzz_join_welcome's input: a Welcome and, optionally, the ratchet tree
// supplied out of band (encoded optional<Node> ratchet_tree<V>).
struct JoinInput {
  Welcome welcome;
  std::optional<Bytes> ratchet_tree;
  bool operator==(const JoinInput&) const = default;
  static constexpr std::string_view type_name = "JoinInput";
  static constexpr auto fields = std::tuple{field("welcome", &JoinInput::welcome),
                                            field("ratchet_tree", &JoinInput::ratchet_tree)};
};

// fuzz_join_welcome's resealed mode: what a Welcome carries, in clear (the
// Welcome's cipher_suite, the GroupSecrets, the GroupInfo) and, optionally,
// the ratchet tree out of band. FixedJoiner::seal makes the Welcome.
struct ResealedJoinInput {
  CipherSuiteId cipher_suite = 0;  // Welcome.cipher_suite: the suite it is sealed and opened with
  GroupSecrets group_secrets;
  GroupInfo group_info;
  std::optional<Bytes> ratchet_tree;
  bool operator==(const ResealedJoinInput&) const = default;
  static constexpr std::string_view type_name = "ResealedJoinInput";
  static constexpr auto fields =
      std::tuple{field("cipher_suite", &ResealedJoinInput::cipher_suite),
                 field("group_secrets", &ResealedJoinInput::group_secrets),
                 field("group_info", &ResealedJoinInput::group_info),
                 field("ratchet_tree", &ResealedJoinInput::ratchet_tree)};
};

// The joiner of fuzz_join_welcome: one fixed KeyPackage bundle (suite 1), and
// the external PSK kFuzzPskId.
struct FixedJoiner {
  CipherSuite suite{1};
  std::unique_ptr<Botan::RandomNumberGenerator> rng = conformance::seeded_rng(0, "fuzz joiner");
  FixedClient client{suite, *rng, "joiner"};
  GroupConfig config = fixed_config(false, rng.get());
  std::map<Bytes, SecureBytes> psks{{kFuzzPskId, kFuzzPsk}};

  Group join(const JoinInput& in) const {
    std::optional<RatchetTreeNodes> tree;
    if (in.ratchet_tree) {
      tree = decode<RatchetTreeNodes>(*in.ratchet_tree);
    }
    return Group::join(config, in.welcome, client.key_package, tree, psks);
  }

  // fuzz_join_welcome's resealed mode: `in` sealed into a Welcome for our
  // KeyPackage as a hostile sender that holds the group's keys would seal
  // it, with the library's functions (as Group::build_commit does):
  //  - the GroupInfo's tree_hash is the hash of the tree the join will use
  //    (reseal_tree_hash);
  //  - its confirmation_tag is the MAC under the confirmation_key of the key
  //    schedule from joiner_secret, psk_secret and that GroupContext
  //    (§12.4.3.1, R12.4.3.1-15, which stays on);
  //  - make_welcome encrypts the GroupInfo with the welcome key and nonce
  //    from joiner_secret and the psk_secret of the PSKs the GroupSecrets
  //    list, and the GroupSecrets (the same joiner_secret, path_secret and
  //    PSK list) to our init_key, under our KeyPackageRef.
  // The GroupInfo's signature is left as it is: the harness switches its
  // check (R12.4.3.1-6) off. A PSK other than kFuzzPskId gets an empty value
  // here (the joiner does not hold it and refuses it, R12.4.3.1-4, before it
  // opens the GroupInfo). What does not seal (a suite mlsref does not know,
  // an init_key the suite's KEM does not take) leaves a Welcome with the
  // cipher_suite alone, no secrets, for the join to refuse.
  JoinInput seal(ResealedJoinInput in) const {
    JoinInput out{Welcome{in.cipher_suite, {}, {}}, std::move(in.ratchet_tree)};
    GroupInfo& gi = in.group_info;
    const GroupSecrets& gs = in.group_secrets;
    try {
      const CipherSuite sealing(in.cipher_suite);
      reseal_tree_hash(in.cipher_suite, gi, out.ratchet_tree);
      std::vector<PskInput> inputs;
      for (const PreSharedKeyID& id : gs.psks) {
        auto it = id.psktype == PSKType::external ? psks.find(id.psk_id) : psks.end();
        inputs.push_back(PskInput{id, it != psks.end() ? it->second : SecureBytes{}});
      }
      EpochSecrets epoch = derive_epoch_from_joiner(sealing, gs.joiner_secret,
                                                    psk_secret(sealing, inputs), gi.group_context);
      gi.confirmation_tag = confirmation_tag(sealing, epoch.confirmation_key,
                                             gi.group_context.confirmed_transcript_hash);
      WelcomeRecipient to{client.key_package.key_package, std::nullopt};
      if (gs.path_secret) {
        to.path_secret = gs.path_secret->path_secret;
      }
      // Deterministic: an input seals the same way in every run.
      auto sealer_rng = conformance::seeded_rng(0, "fuzz welcome sealer");
      out.welcome = make_welcome(sealing, gi, gs.joiner_secret, inputs,
                                 std::span<const WelcomeRecipient>(&to, 1), *sealer_rng);
    } catch (const Error&) {
    }
    return out;
  }

  // The plaintext parts of a Welcome for us (what seal takes), for the seeds.
  ResealedJoinInput open(const JoinInput& in) const {
    OpenedWelcome o = open_welcome(suite, in.welcome, client.key_package.key_package,
                                   client.key_package.init_private_key,
                                   [this](const PreSharedKeyID& id) { return psks.at(id.psk_id); });
    return ResealedJoinInput{in.welcome.cipher_suite, std::move(o.secrets),
                             std::move(o.group_info), in.ratchet_tree};
  }
};

// fuzz_external_join's input: a GroupInfo and, optionally, the ratchet tree
// supplied out of band.
struct ExternalJoinInput {
  GroupInfo group_info;
  std::optional<Bytes> ratchet_tree;
  bool operator==(const ExternalJoinInput&) const = default;
  static constexpr std::string_view type_name = "ExternalJoinInput";
  static constexpr auto fields =
      std::tuple{field("group_info", &ExternalJoinInput::group_info),
                 field("ratchet_tree", &ExternalJoinInput::ratchet_tree)};
};

// fuzz_external_join's resealed mode: the GroupInfo's tree_hash set to the
// hash of the tree the join will use (reseal_tree_hash under the GroupInfo's
// suite).
inline void reseal(ExternalJoinInput& in) {
  reseal_tree_hash(in.group_info.group_context.cipher_suite, in.group_info, in.ratchet_tree);
}

// The joiner of fuzz_external_join: a fixed signer and credential (suite 1).
struct FixedExternalJoiner {
  CipherSuite suite{1};
  std::unique_ptr<Botan::RandomNumberGenerator> rng =
      conformance::seeded_rng(0, "fuzz external joiner");
  FixedClient client{suite, *rng, "external joiner"};
  GroupConfig config = fixed_config(false, rng.get());

  std::pair<Group, MLSMessage> join(const ExternalJoinInput& in) const {
    std::optional<RatchetTreeNodes> tree;
    if (in.ratchet_tree) {
      tree = decode<RatchetTreeNodes>(*in.ratchet_tree);
    }
    return Group::join_external(config, in.group_info, tree, client.signer, client.credential);
  }
};

}  // namespace mlsref::fuzz
