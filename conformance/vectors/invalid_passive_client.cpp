// invalid-passive-client: must-reject vectors. Each case is an IETF
// passive-client case (../shared/vectors/ietf/FORMAT.md "Passive Client
// Scenarios") in which exactly one message, the last, breaks exactly one rule
// of RFC 9420, marked by an extra member:
//
//   "invalid": {"epoch": k | "welcome", "rule": "R12.2-4", "section": "12.2",
//               "description": "...", ["accepted_state": false], ["decode": true],
//               ["also_breaks": [IDs]]}
//
// k indexes "epochs" and is its last entry; "welcome" means the Welcome (and
// the tree and PSKs given with it) is the invalid message and the case has no
// epochs. The invalid epoch's epoch_authenticator (the
// initial_epoch_authenticator for "welcome") is what an implementation that
// wrongly accepted the message computes: mlsref computes it with that one rule
// switched off (ref/rule_switch.h). Where accepting leaves no state to compute
// from (the Welcome names a PSK the client lacks, the commit references a
// proposal it never received, ...), "accepted_state" is false and the
// authenticator is left out; decoding rules are also marked "decode". A rule
// the same message breaks by necessity (two Adds of "the same client" also
// repeat a signature key in the tree) is listed in "also_breaks" and switched
// off with the rule for the authenticator.
//
// Verification (verify_invalid_passive_client, in passive_client.cpp): as for
// passive-client, except that the marked message must be rejected, with an
// error naming the marked rule, and nothing before it may be.
//
// Generation: per rule and cipher suite, a real group (conformance/vectors/
// passive_scenario.h, the writer of the passive-client vectors) grows to three
// members, a watcher joins by Welcome and follows one valid epoch; then one
// member produces the invalid message: through the group API with the rule
// switched off on the sending side (the CommitBuilder refuses an invalid list
// otherwise), or by changing a valid message and signing, MACing or
// encrypting it again (and recomputing the GroupInfo's tree hash and
// confirmation tag) so that only the target rule breaks. Before a case is
// written the generator checks that a copy of the watcher rejects the message
// for that rule; a generator that breaks another rule fails loudly.
#include <functional>

#include "conformance/vectors/passive_scenario.h"
#include "ref/framing.h"
#include "ref/registries.h"
#include "ref/requirement_ids.h"
#include "ref/rule_switch.h"

namespace mlsref::conformance {

namespace {

using namespace passive;

Bytes to_bytes_of(ByteView v) { return Bytes(v.begin(), v.end()); }

// The lifetime every generated KeyPackage has (passive_scenario.h's joiner()).
KeyPackageOptions key_package_options() {
  KeyPackageOptions o;
  o.lifetime = Lifetime{kGeneratedAt - 3600, kGeneratedAt + 90ull * 24 * 3600};
  return o;
}

// ---------------------------------------------------------------- what a rule's generator gets

// The last epoch of a case whose commit (or a proposal before it) breaks the rule.
struct BadEpoch {
  Scenario& s;
  Botan::RandomNumberGenerator& rng;
  size_t committer;  // indices into s.members()
  size_t other;
  std::vector<MLSMessage> proposals;  // the watcher receives them before the commit
  std::optional<MLSMessage> commit;
  std::optional<Bytes> commit_bytes;      // instead of `commit`: bytes that do not decode
  std::optional<Signer> joiner_signer;    // of external_commit()
  std::optional<Signer> external_sender;  // external sender 0 (RuleCase::external_sender)

  Member& c() { return s.members()[committer]; }
  Member& o() { return s.members()[other]; }
  const CipherSuite& suite() const { return s.suite(); }

  // An external PSK every member (and the watcher) has, with a fresh nonce.
  PreSharedKeyID external_psk() {
    return PreSharedKeyID{PSKType::external,
                          s.psk_ids()[0],
                          ResumptionPSKUsage::application,
                          {},
                          0,
                          random_bytes(rng, suite().hash_size())};
  }

  // The committer takes `m` into its proposal store (with whatever rule the
  // caller switched off) and the watcher will receive it.
  void deliver_proposal(const MLSMessage& m) {
    Scenario::store(c().group, m);
    proposals.push_back(m);
  }

  // The AuthenticatedContent of a handshake message of this epoch, as a copy
  // of the watcher opens it (PrivateMessages decrypted).
  AuthenticatedContent open(const MLSMessage& m) {
    const GroupState& w = s.passive_group().state();
    if (const auto* pm = std::get_if<PublicMessage>(&m.body)) {
      return AuthenticatedContent{wire_format::mls_public_message, pm->content, pm->auth};
    }
    SecretTree tree = *w.secret_tree;
    return unprotect_private(suite(), std::get<PrivateMessage>(m.body), w.context, tree,
                             w.secrets.sender_data_secret,
                             [&](LeafIndex l) { return w.tree.leaf(l).signature_key; });
  }

  // `content` protected again by member `sender` (signed with `signature_key`,
  // MACed or encrypted with the sender's keys of this epoch, a PrivateMessage
  // with the next generation of a copy of its ratchet: the sender sends nothing
  // else in this epoch).
  MLSMessage protect(Member& sender, const FramedContent& content, ByteView signature_key,
                     ByteView confirmation_tag = {}, size_t padding = 0) {
    const GroupState& st = sender.group.state();
    if (!s.config().handshake_private) {
      return MLSMessage{mls10, protect_public(suite(), content, signature_key, st.context,
                                              st.secrets.membership_key, confirmation_tag)};
    }
    SecretTree tree = *st.secret_tree;
    return MLSMessage{
        mls10, protect_private(suite(), content, signature_key, st.context, tree,
                               st.secrets.sender_data_secret, rng, confirmation_tag, padding)};
  }

  // A fresh client's KeyPackage, changed by `change` and signed again (the
  // leaf first when `resign_leaf`).
  KeyPackage key_package(const std::function<void(KeyPackage&)>& change, bool resign_leaf) {
    Joiner j = s.joiner("invalid joiner");
    KeyPackage kp = j.bundle.key_package;
    change(kp);
    if (resign_leaf) {
      kp.leaf_node.sign(suite(), j.signer.private_key);
    }
    kp.sign(suite(), j.signer.private_key);
    return kp;
  }

  // An external Commit of a new client, from the committer's GroupInfo,
  // with `extra` proposals before its ExternalInit and `rule` switched off.
  // `own_credential`: the new client keeps its own credential even when it
  // removes a member (a resync by someone else).
  void external_commit(const Requirement& rule, std::vector<Proposal> extra,
                       std::optional<LeafIndex> remove_prior = std::nullopt,
                       std::vector<QueuedProposal> by_reference = {},
                       std::optional<ExternalInitSecret> init = std::nullopt,
                       bool own_credential = false) {
    Joiner j = s.joiner("external joiner");
    joiner_signer = j.signer;
    GroupInfo gi = c().group.group_info(c().signer, true);
    ExternalJoinOptions options;
    options.extra_proposals = std::move(extra);
    options.remove_prior = remove_prior;
    options.proposals_by_reference = std::move(by_reference);
    options.external_init = std::move(init);
    // A resync is the removed member coming back (R12.2-20): its credential.
    // The member is remove_prior, or the one a Remove by reference names.
    std::optional<LeafIndex> removed = remove_prior;
    for (const QueuedProposal& q : options.proposals_by_reference) {
      if (const auto* r = std::get_if<Remove>(&q.proposal.body); r && !removed) {
        removed = LeafIndex(r->removed);
      }
    }
    const Credential credential = removed && !own_credential
                                      ? c().group.tree().leaf(*removed).credential
                                      : j.bundle.key_package.leaf_node.credential;
    RuleSwitchedOff off(rule);
    commit = Group::join_external(s.config(), gi, std::nullopt, j.signer,
                                  {credential, j.signer.public_key}, options)
                 .second;
  }

  // `m`, sent by a member in this epoch, as the watcher stores it (with its ref).
  QueuedProposal queued(const MLSMessage& m) {
    Group w = s.passive_group();
    return std::get<QueuedProposal>(w.process_message(encode(m)).content);
  }

  // A proposal from external sender 0, with `rule` switched off.
  MLSMessage external_proposal(const Requirement& rule, Proposal p) {
    RuleSwitchedOff off(rule);
    return external_sender_proposal(c().group.context(), 0, std::move(p), *external_sender);
  }

  // The first blank leaf of the committer's tree.
  LeafIndex blank_leaf() {
    const RatchetTree& t = c().group.tree();
    LeafIndex l(0);
    while (t.has_leaf(l)) {
      l = LeafIndex(l.value + 1);
    }
    return l;
  }

  // Another member's valid PreSharedKey proposal, sent again as from `sender`
  // (signed with the member's key; MACed or encrypted as that sender would be).
  MLSMessage forged_proposal(const Sender& sender) {
    MLSMessage valid = o().group.propose_psk(o().signer, external_psk()).first;
    AuthenticatedContent ac = open(valid);
    ac.content.sender = sender;
    return protect(o(), ac.content, o().signer.private_key);
  }

  // The committer's self-update Commit (with a path), its content changed by
  // `edit` and signed and MACed again; the confirmation_tag stays the one of
  // the unchanged Commit.
  void commit_with_path_edited(const std::function<void(FramedContent&)>& edit) {
    MLSMessage valid = c().group.commit_builder().force_self_update().build(c().signer).commit;
    AuthenticatedContent ac = open(valid);
    edit(ac.content);
    commit = protect(c(), ac.content, c().signer.private_key, ac.auth.confirmation_tag);
  }

  // A self-update Commit, built with `rule` switched off and `change` applied
  // to the builder, by the first member with a node `n` on its filtered
  // direct path for which `fits(group, n)` holds (that member becomes the
  // committer); an internal error, saying `none`, when no member has one.
  void self_update_at_path_node(const Requirement& rule,
                                const std::function<bool(Group&, NodeIndex)>& fits,
                                const std::function<void(CommitBuilder&, NodeIndex)>& change,
                                const std::string& none) {
    std::vector<Member>& members = s.members();
    for (size_t i = 0; i < members.size(); ++i) {
      Group& g = members[i].group;
      for (NodeIndex n : g.tree().filtered_direct_path(g.own_leaf_index())) {
        if (!fits(g, n)) {
          continue;
        }
        committer = i;
        other = (i + 1) % members.size();
        RuleSwitchedOff off(rule);
        CommitBuilder builder = g.commit_builder();
        builder.force_self_update();
        change(builder, n);
        commit = builder.build(members[i].signer).commit;
        return;
      }
    }
    throw Error(ErrorKind::internal, std::string(rule.section), none);
  }

  // A commit by the committer adding `kp`, built with `rule` switched off.
  void commit_add(const Requirement& rule, const KeyPackage& kp) {
    RuleSwitchedOff off(rule);
    commit = c().group.commit_builder().add(kp).build(c().signer).commit;
  }
};

// The Welcome of a case whose Welcome breaks the rule, with what is given
// beside it.
struct BadWelcome {
  Scenario& s;
  Botan::RandomNumberGenerator& rng;
  const Joiner& joiner;
  const Member& committer;
  Welcome welcome;
  std::optional<RatchetTreeNodes> tree;  // out of band
  std::map<Bytes, SecureBytes> psks;     // the case's external_psks
  // What the joiner knows of an old group whose resumption PSKs the Welcome
  // names (the case's resumed_from; unset: none).
  std::optional<ResumedGroup> resumed;

  const CipherSuite& suite() const { return s.suite(); }

  // The value of a PSK the Welcome names, from the case's external_psks or
  // resumed_from.
  SecureBytes psk_value(const PreSharedKeyID& id) const {
    if (id.psktype == PSKType::external) {
      return psks.at(id.psk_id);
    }
    return resumed.value().resumption_psks.at(id.psk_epoch).bytes();
  }

  // The Welcome rebuilt around a changed GroupInfo: `change` edits it and the
  // tree of its ratchet_tree extension; then, as the committer would, the
  // tree_hash (when the tree changed), the confirmation_tag and the signature
  // are computed again, `after_sign` may edit the signed GroupInfo, and the
  // GroupInfo is encrypted for the joiner with the same joiner_secret.
  void reseal(const std::function<void(GroupInfo&, RatchetTreeNodes&)>& change,
              const std::function<void(GroupInfo&)>& after_sign = {},
              const std::optional<TreeKemPathSecret>& path_secret = std::nullopt) {
    OpenedWelcome o = opened();
    GroupInfo gi = o.group_info;
    Extension* ext = nullptr;
    for (auto& e : gi.extensions) {
      if (e.extension_type == extension_type::ratchet_tree) {
        ext = &e;
      }
    }
    if (ext == nullptr) {
      throw Error(ErrorKind::internal, "12.4.3.1", "reseal needs the ratchet_tree extension");
    }
    RatchetTreeNodes nodes = decode<RatchetTreeNodes>(ext->extension_data);
    Bytes before = encode(nodes);
    change(gi, nodes);
    Bytes after = encode(nodes);
    if (after != before) {
      ext->extension_data = after;
      // The hash of whatever tree the change made (its integrity is what the
      // joiner checks, not the generator).
      RuleSwitchedOff off({&req::R12_4_3_1_9, &req::R7_1_1});
      gi.group_context.tree_hash = RatchetTree::from_nodes(nodes).root_tree_hash(suite());
    }
    EpochSecrets e =
        derive_epoch_from_joiner(suite(), o.secrets.joiner_secret, o.psk_secret, gi.group_context);
    gi.confirmation_tag =
        confirmation_tag(suite(), e.confirmation_key, gi.group_context.confirmed_transcript_hash);
    gi.sign(suite(), committer.signer.private_key);
    if (after_sign) {
      after_sign(gi);
    }
    rewrap(o, gi, psk_inputs(o), path_secret);
  }

  // The tree of `gi`'s ratchet_tree extension.
  RatchetTreeNodes tree_nodes(const GroupInfo& gi) const {
    for (const auto& e : gi.extensions) {
      if (e.extension_type == extension_type::ratchet_tree) {
        return decode<RatchetTreeNodes>(e.extension_data);
      }
    }
    throw Error(ErrorKind::internal, "12.4.3.1", "the GroupInfo has no ratchet_tree extension");
  }

  // The Welcome as the joiner opens it, with the case's external_psks.
  OpenedWelcome opened() const {
    return open_welcome(suite(), welcome, joiner.bundle.key_package, joiner.bundle.init_private_key,
                        [&](const PreSharedKeyID& id) { return psk_value(id); });
  }

  // The PSKs `o` names, with their values.
  std::vector<PskInput> psk_inputs(const OpenedWelcome& o) const {
    std::vector<PskInput> inputs;
    for (const auto& id : o.secrets.psks) {
      inputs.push_back(PskInput{id, psk_value(id)});
    }
    return inputs;
  }

  Group join(const GroupConfig& config) const {
    return resumed ? Group::join(config, welcome, joiner.bundle, tree, psks, *resumed)
                   : Group::join(config, welcome, joiner.bundle, tree, psks);
  }

  // The Welcome made a resumption's (§11.2, §11.3): the joiner is told of an
  // old group (its resumed_from) of the suite, at epoch 5, whose members have
  // the credentials of the tree's leaves and, for `usage` reinit, whose last
  // Commit covered a ReInit matching the GroupInfo; the GroupInfo's epoch
  // becomes 1. `change` may edit both; then, unless `name_psk` is false, the
  // GroupSecrets name the old group's resumption PSK of `usage`, and the
  // confirmation_tag (with the new psk_secret) and signature are computed
  // again and the GroupInfo encrypted with the same joiner_secret.
  void resume(ResumptionPSKUsage usage,
              const std::function<void(ResumedGroup&, GroupInfo&)>& change, bool name_psk = true) {
    OpenedWelcome o = opened();
    GroupInfo gi = o.group_info;
    std::vector<PskInput> inputs = psk_inputs(o);
    ResumedGroup old;
    old.group_id = random_bytes(rng, 16);
    old.cipher_suite = suite().id();
    old.epoch = 5;
    Bytes value = random_bytes(rng, suite().hash_size());
    old.resumption_psks.emplace(old.epoch, ResumptionPsk(SecureBytes(value.begin(), value.end())));
    for (const auto& e : gi.extensions) {
      if (e.extension_type == extension_type::ratchet_tree) {
        RatchetTree t = RatchetTree::from_nodes(decode<RatchetTreeNodes>(e.extension_data));
        for (uint32_t l = 0; l < t.leaf_count().value; ++l) {
          if (t.has_leaf(LeafIndex(l))) {
            old.members.push_back(t.leaf(LeafIndex(l)).credential);
          }
        }
      }
    }
    if (usage == ResumptionPSKUsage::reinit) {
      const GroupContext& c = gi.group_context;
      old.reinit = ReInit{c.group_id, c.version, c.cipher_suite, c.extensions};
    }
    gi.group_context.epoch = 1;
    change(old, gi);
    if (name_psk) {
      PreSharedKeyID id{PSKType::resumption, {},        usage,
                        old.group_id,        old.epoch, random_bytes(rng, suite().hash_size())};
      inputs.push_back(PskInput{id, SecureBytes(value.begin(), value.end())});
    }
    resumed = std::move(old);
    EpochSecrets e = derive_epoch_from_joiner(suite(), o.secrets.joiner_secret,
                                              psk_secret(suite(), inputs), gi.group_context);
    gi.confirmation_tag =
        confirmation_tag(suite(), e.confirmation_key, gi.group_context.confirmed_transcript_hash);
    gi.sign(suite(), committer.signer.private_key);
    rewrap(o, gi, inputs);
  }

  // The Welcome made again for the joiner: `gi` encrypted with `o`'s
  // joiner_secret and `inputs`, and `o`'s path secret (or `path_secret`).
  void rewrap(const OpenedWelcome& o, const GroupInfo& gi, const std::vector<PskInput>& inputs,
              const std::optional<TreeKemPathSecret>& path_secret = std::nullopt) {
    WelcomeRecipient r{joiner.bundle.key_package, std::nullopt};
    if (o.secrets.path_secret) {
      r.path_secret = path_secret ? *path_secret : o.secrets.path_secret->path_secret;
    }
    welcome = make_welcome(suite(), gi, o.secrets.joiner_secret, inputs, {&r, 1}, rng);
  }
};

// ---------------------------------------------------------------- the rules

enum class Wire { any, public_only, private_only };

struct RuleCase {
  const Requirement* rule;
  std::string_view description;
  void (*make)(BadEpoch&) = nullptr;            // a commit-epoch rule
  void (*make_welcome)(BadWelcome&) = nullptr;  // a Welcome rule
  bool accepted_state = true;
  Wire wire = Wire::any;
  // The valid epoch before the invalid one (default: a self-update).
  Op history = Op::self_update;
  // What the joining commit needs (Welcome rules).
  bool join_psk = false;
  bool join_tree_extension = true;
  bool join_path = true;
  // Rules the same message necessarily breaks too (by the RFC's own words:
  // two Adds of "the same client", here identical signature keys, also repeat
  // a signature_key in the tree, §7.3): switched off with `rule` when the
  // epoch_authenticator of a wrong acceptance is computed, and listed in the
  // mark as "also_breaks". The rejection must still name `rule`, the first
  // check RFC 9420's order reaches.
  std::vector<const Requirement*> also = {};
  // Welcome rules: the group grows to four members and the second and third
  // are removed before the watcher joins, so that it takes leaf 1 and leaf 2
  // stays blank.
  bool blank_leaf_before_join = false;
  // Commit rules: the valid epoch (instead of `history`) is a
  // GroupContextExtensions commit whose external_senders extension names
  // BadEpoch::external_sender.
  bool external_sender = false;
  // Welcome rules: the joining commit adds a second client too (without a path,
  // both new leaves are unmerged in their common non-blank ancestors).
  bool join_second_add = false;
  // The cipher suites the message can be made in (unset: every suite).
  bool (*suites)(const CipherSuite&) = nullptr;
  // Every client lists extension kUnknownExtensionType in its capabilities,
  // and the group requires it from the start (required_capabilities).
  bool required_extension = false;
  // Every client lists only the basic credential type in its capabilities.
  bool basic_credentials_only = false;
  // Commit rules: the valid epoch (instead of `history`) is a Commit covering
  // a ReInit proposal, after which the group is used no more (§12.4.2).
  bool reinit_history = false;
};

void set_bit(Bytes& b) {
  if (b.empty()) {
    b.push_back(1);
  } else {
    b[0] ^= 1;
  }
}

std::vector<Extension> gce_default_extensions(Botan::RandomNumberGenerator& rng) {
  std::vector<ExternalSender> senders{
      {random_bytes(rng, 32), Credential::basic(to_bytes("delivery service"))}};
  return {{extension_type::external_senders, encode(senders)}};
}

// Private-use values (RFC 9420 §17: 0xF000-0xFFFF) nobody in the group lists.
constexpr uint16_t kUnknownProposalType = 0xF0A0;
constexpr uint16_t kUnknownExtensionType = 0xF0A1;

// Suites whose HPKE public keys are NIST curve points (P-256, P-384, P-521).
bool nist_kem(const CipherSuite& suite) {
  const hpke::KemId k = suite.hpke().kem().id();
  return k == hpke::KemId::dhkem_p256_sha256 || k == hpke::KemId::dhkem_p384_sha384 ||
         k == hpke::KemId::dhkem_p521_sha512;
}
bool x_kem(const CipherSuite& suite) { return !nist_kem(suite); }
// Suites whose signature public keys are byte strings an HPKE public key can
// equal: the same point encoding on the same NIST curve, or 32 bytes for
// Ed25519 and X25519 (Ed448's 57 bytes are no X448 key of 56).
bool keys_of_one_size(const CipherSuite& suite) {
  return nist_kem(suite) || suite.hpke().kem().id() == hpke::KemId::dhkem_x25519_sha256;
}

// An Add's KeyPackage whose leaf has an x509 credential (a random
// certificate) and lists `credentials` among its capabilities (R7.3-5's
// cases; leaf and KeyPackage signed again).
KeyPackage x509_key_package(BadEpoch& b, std::vector<CredentialType> credentials) {
  return b.key_package(
      [&](KeyPackage& k) {
        k.leaf_node.credential =
            Credential{credential_type::x509, {}, {Certificate{random_bytes(b.rng, 32)}}};
        k.leaf_node.capabilities.credentials = std::move(credentials);
      },
      true);
}

// An external Commit of a new client whose ExternalInit's kem_output is
// `kem_output`, signed again by the joiner (no accepted state: the
// confirmation_tag is for the kem_output replaced).
void external_commit_with_kem_output(BadEpoch& b, const Requirement& rule,
                                     const std::function<void(Bytes&)>& change) {
  b.external_commit(rule, {});
  PublicMessage& pm = std::get<PublicMessage>(b.commit->body);
  for (ProposalOrRef& p : pm.content.commit.proposals) {
    if (p.proposal && std::holds_alternative<ExternalInit>(p.proposal->body)) {
      change(std::get<ExternalInit>(p.proposal->body).kem_output);
    }
  }
  pm.auth.signature = b.suite().sign_with_label(
      b.joiner_signer->private_key, signature_label::framed_content_tbs,
      framed_content_tbs(wire_format::mls_public_message, pm.content, b.c().group.context()));
}

// R6.1-2 and R6.3.2-2: a proposal that names a blank leaf as its sender
// (public or private), and a valid commit of the epoch.
void proposal_from_a_blank_leaf(BadEpoch& b) {
  b.proposals.push_back(b.forged_proposal(Sender::member(b.blank_leaf().value)));
  b.commit = b.c().group.commit_builder().psk(b.external_psk()).build(b.c().signer).commit;
}

const RuleCase kRules[] = {
    // ---- §12.2 the proposal list
    {&req::R12_2_4, "the Commit covers, by value, an Update proposal of the committer's own leaf",
     [](BadEpoch& b) {
       MLSMessage m = b.c().group.propose_self_update(b.c().signer).first;
       Proposal update = b.open(m).content.proposal;
       RuleSwitchedOff off(req::R12_2_4);
       b.commit = b.c()
                      .group.commit_builder()
                      .consume_proposal_store(false)
                      .proposal(update)
                      .build(b.c().signer)
                      .commit;
     }},
    {&req::R12_2_5,
     "the Commit covers a Remove proposal of the committer's own leaf (no accepted state: the "
     "Commit's path is for a leaf it blanks)",
     [](BadEpoch& b) {
       MLSMessage valid = b.c()
                              .group.commit_builder()
                              .remove(b.o().group.own_leaf_index())
                              .build(b.c().signer)
                              .commit;
       AuthenticatedContent ac = b.open(valid);
       std::get<Remove>(ac.content.commit.proposals.at(0).proposal->body).removed =
           b.c().group.own_leaf_index().value;
       b.commit = b.protect(b.c(), ac.content, b.c().signer.private_key, ac.auth.confirmation_tag);
     },
     nullptr, false},
    {.rule = &req::R12_2_8,
     .description =
         "the Commit covers two Add proposals whose KeyPackages have the same signature key (the "
         "same client)",
     .make =
         [](BadEpoch& b) {
           Joiner j = b.s.joiner("twice added");
           KeyPackageBundle second =
               create_key_package(b.suite(), j.signer,
                                  {j.bundle.key_package.leaf_node.credential, j.signer.public_key},
                                  key_package_options(), b.rng, b.s.config().clock);
           RuleSwitchedOff off({&req::R12_2_8, &req::R7_3_14});
           b.commit = b.c()
                          .group.commit_builder()
                          .add(j.bundle.key_package)
                          .add(second.key_package)
                          .build(b.c().signer)
                          .commit;
         },
     .also = {&req::R7_3_14}},
    {.rule = &req::R12_2_9,
     .description =
         "the Commit covers an Add proposal whose KeyPackage has the signature key of a member (a "
         "client already in the group)",
     .make =
         [](BadEpoch& b) {
           const Signer& member = b.o().signer;
           KeyPackageBundle kp = create_key_package(
               b.suite(), member, {Credential::basic(to_bytes("again")), member.public_key},
               key_package_options(), b.rng, b.s.config().clock);
           RuleSwitchedOff off({&req::R12_2_9, &req::R7_3_14});
           b.commit = b.c().group.commit_builder().add(kp.key_package).build(b.c().signer).commit;
         },
     .also = {&req::R7_3_14}},
    {&req::R12_2_6,
     "the Commit covers an Update proposal of a member (by reference) and a Remove of the same "
     "member's leaf",
     [](BadEpoch& b) {
       b.deliver_proposal(b.o().group.propose_self_update(b.o().signer).first);
       RuleSwitchedOff off(req::R12_2_6);
       b.commit = b.c()
                      .group.commit_builder()
                      .remove(b.o().group.own_leaf_index())
                      .build(b.c().signer)
                      .commit;
     }},
    {&req::R12_2_10, "the Commit covers two PreSharedKey proposals with the same PreSharedKeyID",
     [](BadEpoch& b) {
       PreSharedKeyID id = b.external_psk();
       RuleSwitchedOff off(req::R12_2_10);
       b.commit = b.c().group.commit_builder().psk(id).psk(id).build(b.c().signer).commit;
     }},
    {&req::R12_2_11, "the Commit covers two GroupContextExtensions proposals",
     [](BadEpoch& b) {
       RuleSwitchedOff off(req::R12_2_11);
       b.commit = b.c()
                      .group.commit_builder()
                      .proposal(Proposal{GroupContextExtensions{gce_default_extensions(b.rng)}})
                      .proposal(Proposal{GroupContextExtensions{gce_default_extensions(b.rng)}})
                      .build(b.c().signer)
                      .commit;
     }},
    {&req::R12_2_12, "the Commit covers a ReInit proposal and a PreSharedKey proposal",
     [](BadEpoch& b) {
       ReInit r{random_bytes(b.rng, 16), mls10, b.suite().id(), {}};
       PreSharedKeyID id = b.external_psk();
       RuleSwitchedOff off(req::R12_2_12);
       b.commit =
           b.c().group.commit_builder().proposal(Proposal{r}).psk(id).build(b.c().signer).commit;
     }},
    {&req::R12_2_14, "a member's (not external) Commit covers an ExternalInit proposal",
     [](BadEpoch& b) {
       ExternalInit e{random_bytes(b.rng, b.suite().hpke().kem().enc_size())};
       RuleSwitchedOff off(req::R12_2_14);
       b.commit = b.c().group.commit_builder().proposal(Proposal{e}).build(b.c().signer).commit;
     }},
    {&req::R12_2_15,
     "the Commit covers a proposal of a non-default type (0xF0A0) that no member supports",
     [](BadEpoch& b) {
       CustomProposal p{kUnknownProposalType, random_bytes(b.rng, 8)};
       RuleSwitchedOff off(req::R12_2_15);
       b.commit = b.c().group.commit_builder().proposal(Proposal{p}).build(b.c().signer).commit;
     }},
    // ---- §12.2 external Commits
    {&req::R12_2_17, "an external Commit covers two ExternalInit proposals",
     [](BadEpoch& b) {
       b.external_commit(
           req::R12_2_17,
           {Proposal{ExternalInit{random_bytes(b.rng, b.suite().hpke().kem().enc_size())}}});
     }},
    {&req::R12_2_17,
     "an external Commit covers no ExternalInit proposal (its ExternalInit taken out, signed "
     "again; no accepted state: without it there is no init_secret)",
     [](BadEpoch& b) {
       b.external_commit(req::R12_2_17, {});
       PublicMessage& pm = std::get<PublicMessage>(b.commit->body);
       auto& list = pm.content.commit.proposals;
       std::erase_if(list, [](const ProposalOrRef& p) {
         return p.proposal && std::holds_alternative<ExternalInit>(p.proposal->body);
       });
       pm.auth.signature = b.suite().sign_with_label(
           b.joiner_signer->private_key, signature_label::framed_content_tbs,
           framed_content_tbs(wire_format::mls_public_message, pm.content, b.c().group.context()));
     },
     nullptr, false},
    {&req::R12_2_19,
     "an external Commit removes a member (a resync) and its path's leaf keeps the removed "
     "leaf's encryption_key, which an Update of that leaf may not",
     [](BadEpoch& b) { b.external_commit(req::R12_2_19, {}, b.o().group.own_leaf_index()); }},
    {&req::R12_4_3_2_2,
     "an external Commit covers, by reference, a Remove proposal a member sent in the epoch",
     [](BadEpoch& b) {
       MLSMessage m =
           b.o().group.propose_remove_member(b.o().signer, b.c().group.own_leaf_index()).first;
       b.proposals.push_back(m);
       b.external_commit(req::R12_4_3_2_2, {}, std::nullopt, {b.queued(m)});
     }},
    // The joiner comes back as one of the two it removes, so its credential
    // is not acceptable for the other (R12.2-20).
    {.rule = &req::R12_2_18,
     .description = "an external Commit covers two Remove proposals",
     .make =
         [](BadEpoch& b) {
           b.external_commit(req::R12_2_18, {Proposal{Remove{b.o().group.own_leaf_index().value}}},
                             b.c().group.own_leaf_index());
         },
     .also = {&req::R12_2_20}},
    {&req::R12_2_22, "an external Commit covers a GroupContextExtensions proposal",
     [](BadEpoch& b) {
       b.external_commit(req::R12_2_22,
                         {Proposal{GroupContextExtensions{gce_default_extensions(b.rng)}}});
     }},
    // ---- §12.4 commits
    {&req::R12_4_2,
     "the Commit references a proposal (a PreSharedKey proposal of another member) that the "
     "client never received",
     [](BadEpoch& b) {
       MLSMessage m = b.o().group.propose_psk(b.o().signer, b.external_psk()).first;
       Scenario::store(b.c().group, m);  // not in the case: the watcher never sees it
       b.commit = b.c().group.commit_to_pending_proposals(b.c().signer).commit;
     },
     nullptr, false},
    {&req::R12_4_2_7, "the Commit covers a Remove proposal but has no path",
     [](BadEpoch& b) {
       RuleSwitchedOff off(req::R12_4_1_4);  // the sender's rule: path required
       b.commit = b.c()
                      .group.commit_builder()
                      .remove(b.o().group.own_leaf_index())
                      .build(b.c().signer)
                      .commit;
     }},
    {.rule = &req::R12_4_2_13,
     .description =
         "the Commit's UpdatePath leaf keeps the encryption_key of the committer's current leaf "
         "(the key is then also in the tree)",
     .make =
         [](BadEpoch& b) {
           Bytes key = b.c().group.tree().leaf(b.c().group.own_leaf_index()).encryption_key;
           RuleSwitchedOff off(req::R12_4_2_13);
           b.commit = b.c()
                          .group.commit_builder()
                          .force_self_update()
                          .path_leaf_encryption_key(key)
                          .build(b.c().signer)
                          .commit;
         },
     .also = {&req::R12_4_2_14}},
    {&req::R12_4_2_14,
     "the Commit's UpdatePath keeps, for a parent node below the committer's common ancestor "
     "with the client, the key pair the node has (instead of the one its path secret derives)",
     [](BadEpoch& b) {
       // The client derives the keys of the path from its common ancestor with
       // the committer upward and checks them against the UpdatePath; a node
       // below that ancestor can keep its key without breaking that check.
       NodeIndex watcher(b.s.passive_group().own_leaf_index());
       b.self_update_at_path_node(
           req::R12_4_2_14,
           [&](Group& g, NodeIndex n) {
             return !tree_math::is_ancestor(n, watcher) && g.tree().node(n) &&
                    g.state().own.private_keys.contains(n.value);
           },
           [](CommitBuilder& c, NodeIndex n) { c.path_keeps_node_key(n); },
           "no member has a parent node below its common ancestor with the client");
     }},
    {.rule = &req::R12_4_2_14,
     .description =
         "the Commit's UpdatePath leaf has the encryption_key of another member's leaf (so two "
         "leaves share it)",
     .make =
         [](BadEpoch& b) {
           Bytes key = b.o().group.tree().leaf(b.o().group.own_leaf_index()).encryption_key;
           RuleSwitchedOff off({&req::R12_4_2_14, &req::R7_3_14});
           b.commit = b.c()
                          .group.commit_builder()
                          .force_self_update()
                          .path_leaf_encryption_key(key)
                          .build(b.c().signer)
                          .commit;
         },
     .also = {&req::R7_3_14}},
    {.rule = &req::R7_9_2_2,
     .description =
         "the Commit's UpdatePath leaf_node has a parent_hash that is not the one of the path (the "
         "leaf signed again; no accepted state: the confirmation_tag is for the original leaf)",
     .make =
         [](BadEpoch& b) {
           b.commit_with_path_edited([&](FramedContent& content) {
             LeafNode& leaf = content.commit.path->leaf_node;
             set_bit(leaf.parent_hash);
             leaf.sign(b.suite(), b.c().signer.private_key, b.c().group.group_id(),
                       b.c().group.own_leaf_index().value);
           });
         },
     .accepted_state = false,
     .also = {&req::R12_4_2_17}},
    {&req::R12_4_2_17,
     "every HPKE ciphertext of the Commit's UpdatePath has a bit flipped, so the client's path "
     "secret does not decrypt (no accepted state: there is no commit secret)",
     [](BadEpoch& b) {
       b.commit_with_path_edited([&](FramedContent& content) {
         for (auto& node : content.commit.path->nodes) {
           for (auto& ct : node.encrypted_path_secret) {
             set_bit(ct.ciphertext);
           }
         }
       });
     },
     nullptr, false},
    {.rule = &req::R12_4_2_17,
     .description =
         "the Commit's UpdatePath gives a parent node whose key the client derives (one above "
         "it) a fresh public key, not the one its path secret gives; the path secrets are "
         "encrypted as usual, so the commit secret, the parent hashes and the confirmation_tag "
         "are those of the Commit as sent (RFC 9420 §7.5, step 6 of decrypting the path)",
     .make =
         [](BadEpoch& b) {
           LeafIndex client = b.s.passive_group().own_leaf_index();
           NodeIndex watcher(client);
           b.self_update_at_path_node(
               req::R12_4_2_17,
               [&](Group& g, NodeIndex n) {
                 return g.own_leaf_index() != client && tree_math::is_ancestor(n, watcher);
               },
               [](CommitBuilder& c, NodeIndex n) { c.path_node_fresh_key(n); },
               "no member's filtered direct path has a node above the client");
         }},
    {&req::R12_4_2_5,
     "the Commit covers a PreSharedKey proposal of an external PSK that only the committer "
     "holds (not among the case's external_psks; no accepted state: its value is unknown)",
     [](BadEpoch& b) {
       PreSharedKeyID id = b.external_psk();
       id.psk_id = random_bytes(b.rng, 16);
       Bytes value = random_bytes(b.rng, b.suite().hash_size());
       b.c().group.add_external_psk(id.psk_id, SecureBytes(value.begin(), value.end()));
       b.commit = b.c().group.commit_builder().psk(id).build(b.c().signer).commit;
     },
     nullptr, false},
    {&req::R12_4_2_23, "the Commit's confirmation_tag is not the one of the new epoch",
     [](BadEpoch& b) {
       MLSMessage valid =
           b.c().group.commit_builder().psk(b.external_psk()).build(b.c().signer).commit;
       AuthenticatedContent ac = b.open(valid);
       set_bit(ac.auth.confirmation_tag);
       b.commit = b.protect(b.c(), ac.content, b.c().signer.private_key, ac.auth.confirmation_tag);
     }},
    {&req::R12_4_2_23,
     "the Commit's authenticated_data was changed after its confirmation_tag was computed (the "
     "confirmed transcript hash differs; signed and MACed again)",
     [](BadEpoch& b) {
       MLSMessage valid =
           b.c().group.commit_builder().psk(b.external_psk()).build(b.c().signer).commit;
       AuthenticatedContent ac = b.open(valid);
       ac.content.authenticated_data = to_bytes("changed after the confirmation_tag");
       b.commit = b.protect(b.c(), ac.content, b.c().signer.private_key, ac.auth.confirmation_tag);
     }},
    {.rule = &req::R12_4_2_1,
     .description =
         "the Commit's FramedContent carries the next epoch (no accepted state: its transcript "
         "hash and confirmation_tag are for the current one)",
     .make =
         [](BadEpoch& b) {
           MLSMessage valid =
               b.c().group.commit_builder().psk(b.external_psk()).build(b.c().signer).commit;
           AuthenticatedContent ac = b.open(valid);
           ac.content.epoch += 1;
           RuleSwitchedOff off(req::R12_4_2_1);
           b.commit =
               b.protect(b.c(), ac.content, b.c().signer.private_key, ac.auth.confirmation_tag);
         },
     .accepted_state = false,
     .also = {&req::R12_4_2_23}},
    {&req::R12_4_3_2_1,
     "an external Commit (sender new_member_commit) without a path (no accepted state: the "
     "joiner has no leaf)",
     [](BadEpoch& b) {
       b.external_commit(req::R12_4_3_2_1, {});
       PublicMessage& pm = std::get<PublicMessage>(b.commit->body);
       pm.content.commit.path.reset();
       pm.auth.signature = b.suite().sign_with_label(
           b.joiner_signer->private_key, signature_label::framed_content_tbs,
           framed_content_tbs(wire_format::mls_public_message, pm.content, b.c().group.context()));
     },
     nullptr, false},
    // ---- §12.1 each proposal
    {&req::R12_1_1,
     "a PreSharedKey proposal (committed by reference) carries the next epoch in its "
     "FramedContent",
     [](BadEpoch& b) {
       MLSMessage valid = b.o().group.propose_psk(b.o().signer, b.external_psk()).first;
       AuthenticatedContent ac = b.open(valid);
       ac.content.epoch += 1;
       RuleSwitchedOff off(req::R12_1_1);
       b.deliver_proposal(b.protect(b.o(), ac.content, b.o().signer.private_key));
       b.commit = b.c().group.commit_to_pending_proposals(b.c().signer).commit;
     }},
    {.rule = &req::R12_1_3_1,
     .description = "the Commit covers a Remove proposal of a blank leaf",
     .make =
         [](BadEpoch& b) {
           const RatchetTree& t = b.c().group.tree();
           LeafIndex blank(0);
           while (t.has_leaf(blank)) {
             blank = LeafIndex(blank.value + 1);
           }
           RuleSwitchedOff off(req::R12_1_3_1);
           b.commit = b.c().group.commit_builder().remove(blank).build(b.c().signer).commit;
         },
     .history = Op::remove_by_value},
    {&req::R12_1_4_1,
     "the Commit covers a PreSharedKey proposal of type resumption with usage reinit, outside a "
     "reinitialization",
     [](BadEpoch& b) {
       PreSharedKeyID id{PSKType::resumption,        {},
                         ResumptionPSKUsage::reinit, b.c().group.group_id(),
                         b.c().group.epoch(),        random_bytes(b.rng, b.suite().hash_size())};
       RuleSwitchedOff off(req::R12_1_4_1);
       b.commit = b.c().group.commit_builder().psk(id).build(b.c().signer).commit;
     }},
    {&req::R12_1_4_2,
     "the Commit covers a PreSharedKey proposal of type resumption with usage branch, outside a "
     "subgroup branching",
     [](BadEpoch& b) {
       PreSharedKeyID id{PSKType::resumption,        {},
                         ResumptionPSKUsage::branch, b.c().group.group_id(),
                         b.c().group.epoch(),        random_bytes(b.rng, b.suite().hash_size())};
       RuleSwitchedOff off(req::R12_1_4_2);
       b.commit = b.c().group.commit_builder().psk(id).build(b.c().signer).commit;
     }},
    {&req::R12_1_4_3, "a PreSharedKey proposal's psk_nonce is one byte longer than KDF.Nh",
     [](BadEpoch& b) {
       PreSharedKeyID id = b.external_psk();
       id.psk_nonce.push_back(0);
       RuleSwitchedOff off(req::R12_1_4_3);
       b.commit = b.c().group.commit_builder().psk(id).build(b.c().signer).commit;
     }},
    {&req::R12_1_6_i1,
     "a member sends an ExternalInit proposal on its own, outside an external Commit (the "
     "Commit of the epoch does not cover it)",
     [](BadEpoch& b) {
       MLSMessage valid = b.o().group.propose_psk(b.o().signer, b.external_psk()).first;
       AuthenticatedContent ac = b.open(valid);
       ac.content.proposal =
           Proposal{ExternalInit{random_bytes(b.rng, b.suite().hpke().kem().enc_size())}};
       b.proposals.push_back(b.protect(b.o(), ac.content, b.o().signer.private_key));
       b.commit = b.c().group.commit_builder().build(b.c().signer).commit;
     }},
    {&req::R12_1_5_1, "a ReInit proposal with version 0, below the group's (mls10)",
     [](BadEpoch& b) {
       ReInit r{random_bytes(b.rng, 16), 0, b.suite().id(), {}};
       RuleSwitchedOff off(req::R12_1_5_1);
       b.commit = b.c().group.commit_builder().proposal(Proposal{r}).build(b.c().signer).commit;
     }},
    // ---- §7.3 leaf nodes, §10.1 key packages (in Add and Update proposals)
    {&req::R7_3_12,
     "an Update proposal (committed by reference) keeps the encryption_key of the leaf it "
     "replaces",
     [](BadEpoch& b) {
       MLSMessage valid = b.o().group.propose_self_update(b.o().signer).first;
       AuthenticatedContent ac = b.open(valid);
       LeafIndex l = b.o().group.own_leaf_index();
       LeafNode& leaf = std::get<Update>(ac.content.proposal.body).leaf_node;
       leaf.encryption_key = b.o().group.tree().leaf(l).encryption_key;
       leaf.sign(b.suite(), b.o().signer.private_key, b.o().group.group_id(), l.value);
       RuleSwitchedOff off(req::R7_3_12);
       b.deliver_proposal(b.protect(b.o(), ac.content, b.o().signer.private_key));
       b.commit = b.c().group.commit_to_pending_proposals(b.c().signer).commit;
     }},
    {&req::R10_1_1, "an Add proposal's KeyPackage names another cipher suite than the group's",
     [](BadEpoch& b) {
       uint16_t other = static_cast<uint16_t>(b.suite().id() % 7 + 1);
       b.commit_add(req::R10_1_1,
                    b.key_package([&](KeyPackage& kp) { kp.cipher_suite = other; }, false));
     }},
    {&req::R10_4,
     "an Add proposal's KeyPackage has a leaf_node.encryption_key one byte short of a public key "
     "of the suite's KEM (leaf and KeyPackage signed again)",
     [](BadEpoch& b) {
       b.commit_add(
           req::R10_4,
           b.key_package([](KeyPackage& kp) { kp.leaf_node.encryption_key.pop_back(); }, true));
     }},
    {&req::R10_1_3, "an Add proposal's KeyPackage signature does not verify",
     [](BadEpoch& b) {
       KeyPackage kp = b.key_package([](KeyPackage&) {}, false);
       set_bit(kp.signature);
       b.commit_add(req::R10_1_3, kp);
     }},
    {&req::R10_1_4, "an Add proposal's KeyPackage has init_key equal to leaf_node.encryption_key",
     [](BadEpoch& b) {
       b.commit_add(
           req::R10_1_4,
           b.key_package([](KeyPackage& kp) { kp.init_key = kp.leaf_node.encryption_key; }, false));
     }},
    {&req::R7_3_2, "the LeafNode signature in an Add proposal's KeyPackage does not verify",
     [](BadEpoch& b) {
       b.commit_add(req::R7_3_2,
                    b.key_package([](KeyPackage& kp) { set_bit(kp.leaf_node.signature); }, false));
     }},
    {&req::R7_3_9,
     "the LeafNode in an Add proposal's KeyPackage has an extension (0xF0A1) its capabilities do "
     "not list",
     [](BadEpoch& b) {
       b.commit_add(req::R7_3_9,
                    b.key_package(
                        [](KeyPackage& kp) {
                          kp.leaf_node.extensions.push_back(Extension{kUnknownExtensionType, {}});
                        },
                        true));
     }},
    {&req::R7_3_11, "the LeafNode in an Add proposal's KeyPackage has leaf_node_source update",
     [](BadEpoch& b) {
       b.commit_add(req::R7_3_11, b.key_package(
                                      [](KeyPackage& kp) {
                                        kp.leaf_node.leaf_node_source = LeafNodeSource::update;
                                      },
                                      true));
     }},
    {&req::R7_3_6, "the LeafNode in an Add proposal's KeyPackage has a lifetime that has ended",
     [](BadEpoch& b) {
       b.commit_add(
           req::R7_3_6,
           b.key_package(
               [](KeyPackage& kp) {
                 kp.leaf_node.lifetime = Lifetime{kGeneratedAt - 20000, kGeneratedAt - 10000};
               },
               true));
     }},
    {&req::R7_3_14,
     "the LeafNode in an Add proposal's KeyPackage has the encryption_key of a member's leaf",
     [](BadEpoch& b) {
       Bytes key = b.o().group.tree().leaf(b.o().group.own_leaf_index()).encryption_key;
       b.commit_add(
           req::R7_3_14,
           b.key_package([&](KeyPackage& kp) { kp.leaf_node.encryption_key = key; }, true));
     }},
    {.rule = &req::R7_3_13,
     .description = "the Commit's UpdatePath leaf has leaf_node_source update (signed again; no "
                    "accepted state: "
                    "the Commit's transcript and parent hashes no longer hold)",
     .make =
         [](BadEpoch& b) {
           MLSMessage valid = b.c().group.self_update(b.c().signer).commit;
           AuthenticatedContent ac = b.open(valid);
           LeafNode& leaf = ac.content.commit.path->leaf_node;
           leaf.leaf_node_source = LeafNodeSource::update;
           leaf.sign(b.suite(), b.c().signer.private_key, b.c().group.group_id(),
                     b.c().group.own_leaf_index().value);
           b.commit =
               b.protect(b.c(), ac.content, b.c().signer.private_key, ac.auth.confirmation_tag);
         },
     .accepted_state = false,
     .also = {&req::R7_9_2_2, &req::R12_4_2_17}},
    // ---- §13 extensions, §11.1 required capabilities (GroupContextExtensions)
    {&req::R12_1_7_1,
     "a GroupContextExtensions proposal adds required_capabilities naming an extension type "
     "(0xF0A1) that only the committer's new leaf (in the Commit's path) supports",
     [](BadEpoch& b) {
       RequiredCapabilities rc{{kUnknownExtensionType}, {}, {}};
       std::vector<Extension> ext{{extension_type::required_capabilities, encode(rc)}};
       Capabilities caps{
           {mls10}, {b.suite().id()}, {kUnknownExtensionType}, {}, {credential_type::basic}};
       RuleSwitchedOff off(req::R12_1_7_1);
       b.commit =
           b.c()
               .group.commit_builder()
               .group_context_extensions(ext)
               .leaf_node_parameters(LeafNodeParameters::builder().with_capabilities(caps).build())
               .build(b.c().signer)
               .commit;
     }},
    {&req::R13_4_7,
     "a GroupContextExtensions proposal adds a GroupContext extension (0xF0A1) no member supports",
     [](BadEpoch& b) {
       std::vector<Extension> ext{{kUnknownExtensionType, random_bytes(b.rng, 4)}};
       RuleSwitchedOff off(req::R13_4_7);
       b.commit =
           b.c().group.commit_builder().group_context_extensions(ext).build(b.c().signer).commit;
     }},
    {&req::R13_4_5, "a GroupContextExtensions proposal has two external_senders extensions",
     [](BadEpoch& b) {
       std::vector<Extension> ext = gce_default_extensions(b.rng);
       ext.push_back(gce_default_extensions(b.rng).at(0));
       RuleSwitchedOff off(req::R13_4_5);
       b.commit =
           b.c().group.commit_builder().group_context_extensions(ext).build(b.c().signer).commit;
     }},
    {&req::R13_4_5,
     "a ReInit proposal whose extensions (the new group's GroupContext extensions) have two "
     "external_senders extensions",
     [](BadEpoch& b) {
       std::vector<Extension> ext = gce_default_extensions(b.rng);
       ext.push_back(gce_default_extensions(b.rng).at(0));
       ReInit r{random_bytes(b.rng, 16), mls10, b.suite().id(), ext};
       RuleSwitchedOff off(req::R13_4_5);
       b.commit = b.c().group.commit_builder().proposal(Proposal{r}).build(b.c().signer).commit;
     }},
    // ---- §12.1.8 external proposals (the valid epoch makes an external sender)
    {.rule = &req::R12_1_8_2,
     .description =
         "an external sender proposes a proposal of type 0xF0A0, not one allowed from external "
         "senders (the epoch's Commit does not cover it)",
     .make =
         [](BadEpoch& b) {
           b.proposals.push_back(b.external_proposal(
               req::R12_1_8_2,
               Proposal{CustomProposal{kUnknownProposalType, random_bytes(b.rng, 8)}}));
           b.commit = b.c().group.commit_builder().psk(b.external_psk()).build(b.c().signer).commit;
         },
     .external_sender = true},
    {.rule = &req::R12_1_8_2,
     .description =
         "an external sender proposes an Update (no accepted state: an external sender has no leaf "
         "to update)",
     .make =
         [](BadEpoch& b) {
           Joiner j = b.s.joiner("updated by an external sender");
           LeafNode leaf = j.bundle.key_package.leaf_node;
           b.proposals.push_back(b.external_proposal(req::R12_1_8_2, Proposal{Update{leaf}}));
           b.commit = b.c().group.commit_builder().psk(b.external_psk()).build(b.c().signer).commit;
         },
     .accepted_state = false,
     .external_sender = true},
    {.rule = &req::R6_1_3,
     .description =
         "an external proposal names external sender 1, which the external_senders extension (one "
         "sender) does not have (no accepted state: there is no signature key to verify it with)",
     .make =
         [](BadEpoch& b) {
           FramedContent content;
           content.group_id = b.c().group.group_id();
           content.epoch = b.c().group.epoch();
           content.sender = Sender{SenderType::external, 0, 1};
           content.content_type = ContentType::proposal;
           content.proposal = Proposal{Remove{b.o().group.own_leaf_index().value}};
           const GroupState& st = b.c().group.state();
           b.proposals.push_back(
               MLSMessage{mls10, protect_public(b.suite(), content, b.external_sender->private_key,
                                                st.context, st.secrets.membership_key, {})});
           b.commit = b.c().group.commit_builder().psk(b.external_psk()).build(b.c().signer).commit;
         },
     .accepted_state = false,
     .external_sender = true},
    // ---- §6 framing
    {&req::R8_1_1,
     "a PreSharedKey proposal (committed by reference) carries another group's group_id in its "
     "FramedContent",
     [](BadEpoch& b) {
       MLSMessage valid = b.o().group.propose_psk(b.o().signer, b.external_psk()).first;
       AuthenticatedContent ac = b.open(valid);
       ac.content.group_id = random_bytes(b.rng, ac.content.group_id.size());
       RuleSwitchedOff off(req::R8_1_1);
       b.deliver_proposal(b.protect(b.o(), ac.content, b.o().signer.private_key));
       b.commit = b.c().group.commit_to_pending_proposals(b.c().signer).commit;
     }},
    {&req::R6_1,
     "an application message sent as a PublicMessage, among the epoch's messages before its "
     "(valid) Commit",
     [](BadEpoch& b) {
       const GroupState& st = b.o().group.state();
       FramedContent content;
       content.group_id = st.context.group_id;
       content.epoch = st.context.epoch;
       content.sender = Sender::member(b.o().group.own_leaf_index().value);
       content.content_type = ContentType::application;
       content.application_data = to_bytes("application data in the clear");
       RuleSwitchedOff off(req::R6_1);
       b.proposals.push_back(
           MLSMessage{mls10, protect_public(b.suite(), content, b.o().signer.private_key,
                                            st.context, st.secrets.membership_key, {})});
       b.commit = b.c().group.commit_builder().psk(b.external_psk()).build(b.c().signer).commit;
     }},
    // The sender breaks both reuse-guard sentences: no guard is XORed into the
    // nonce (R6.3.1-4), and the one in SenderData is not the one the nonce was
    // computed with (R6.3.1-5). A receiver sees only the second: the
    // ciphertext does not open with the nonce the SenderData's guard gives.
    {.rule = &req::R6_3_1_5,
     .description = "the Commit (a PrivateMessage) is sealed with the key schedule's nonce, not "
                    "XORed with the "
                    "reuse_guard its SenderData carries",
     .make =
         [](BadEpoch& b) {
           RuleSwitchedOff off(req::R6_3_1_5);
           b.commit = b.c().group.commit_builder().psk(b.external_psk()).build(b.c().signer).commit;
         },
     .wire = Wire::private_only,
     .also = {&req::R6_3_1_4}},
    {&req::R6_1_9,
     "a PreSharedKey proposal (committed by reference) is signed with a key that is not the "
     "sender's",
     [](BadEpoch& b) {
       MLSMessage valid = b.o().group.propose_psk(b.o().signer, b.external_psk()).first;
       AuthenticatedContent ac = b.open(valid);
       Signer stranger = Signer::generate(b.suite(), b.rng);
       RuleSwitchedOff off(req::R6_1_9);
       b.deliver_proposal(b.protect(b.o(), ac.content, stranger.private_key));
       b.commit = b.c().group.commit_to_pending_proposals(b.c().signer).commit;
     }},
    {.rule = &req::R6_1_2,
     .description = "a proposal (a PublicMessage) names a blank leaf as its sender (no accepted "
                    "state: there is no signature key to verify it with)",
     .make = proposal_from_a_blank_leaf,
     .accepted_state = false,
     .wire = Wire::public_only,
     .history = Op::remove_by_value},
    {.rule = &req::R6_3_2_2,
     .description =
         "a proposal (a PrivateMessage) whose SenderData names a blank leaf (no accepted state: "
         "there is no signature key to verify it with)",
     .make = proposal_from_a_blank_leaf,
     .accepted_state = false,
     .wire = Wire::private_only,
     .history = Op::remove_by_value},
    {.rule = &req::R6_1_4,
     .description =
         "a Commit from external sender 0 of the external_senders extension, signed with its key "
         "(no accepted state: only proposals come from external senders)",
     .make =
         [](BadEpoch& b) {
           MLSMessage valid =
               b.c().group.commit_builder().psk(b.external_psk()).build(b.c().signer).commit;
           AuthenticatedContent ac = b.open(valid);
           ac.content.sender = Sender{SenderType::external, 0, 0};
           const GroupState& st = b.c().group.state();
           b.commit = MLSMessage{
               mls10,
               protect_public(b.suite(), ac.content, b.external_sender->private_key, st.context,
                              st.secrets.membership_key, ac.auth.confirmation_tag)};
         },
     .accepted_state = false,
     .wire = Wire::public_only,
     .external_sender = true},
    {.rule = &req::R6_1_8,
     .description =
         "a PreSharedKey proposal from a sender of type new_member_proposal (no accepted state: "
         "such a sender only proposes its own Add)",
     .make =
         [](BadEpoch& b) {
           b.proposals.push_back(b.forged_proposal(Sender{SenderType::new_member_proposal, 0, 0}));
           b.commit = b.c().group.commit_builder().psk(b.external_psk()).build(b.c().signer).commit;
         },
     .accepted_state = false,
     .wire = Wire::public_only},
    {.rule = &req::R6_2_2,
     .description = "the Commit (a PublicMessage) has a wrong membership_tag",
     .make =
         [](BadEpoch& b) {
           MLSMessage m =
               b.c().group.commit_builder().psk(b.external_psk()).build(b.c().signer).commit;
           set_bit(std::get<PublicMessage>(m.body).membership_tag);
           b.commit = m;
         },
     .wire = Wire::public_only},
    {.rule = &req::R6_3_1_2,
     .description = "the Commit (a PrivateMessage) has padding of 0x01 bytes",
     .make =
         [](BadEpoch& b) {
           MLSMessage valid =
               b.c().group.commit_builder().psk(b.external_psk()).build(b.c().signer).commit;
           AuthenticatedContent ac = b.open(valid);
           RuleSwitchedOff off(req::R6_3_1_1);  // the sender's rule: zero padding
           b.commit =
               b.protect(b.c(), ac.content, b.c().signer.private_key, ac.auth.confirmation_tag, 4);
         },
     .wire = Wire::private_only},
    {.rule = &req::R6_3_i1,
     .description = "the Commit (a PrivateMessage) has a bit of its encrypted_sender_data flipped "
                    "(no accepted "
                    "state: there is no SenderData)",
     .make =
         [](BadEpoch& b) {
           MLSMessage m =
               b.c().group.commit_builder().psk(b.external_psk()).build(b.c().signer).commit;
           set_bit(std::get<PrivateMessage>(m.body).encrypted_sender_data);
           b.commit = m;
         },
     .accepted_state = false,
     .wire = Wire::private_only},
    {&req::R7_6_i1,
     "the Commit's UpdatePath lacks its last UpdatePathNode (one fewer than the committer's "
     "filtered direct path; no accepted state)",
     [](BadEpoch& b) {
       b.commit_with_path_edited(
           [&](FramedContent& content) { content.commit.path->nodes.pop_back(); });
     },
     nullptr, false},
    {&req::R7_6_2,
     "every UpdatePathNode of the Commit's UpdatePath has one HPKE ciphertext more than its "
     "copath node's resolution (no accepted state)",
     [](BadEpoch& b) {
       b.commit_with_path_edited([&](FramedContent& content) {
         for (auto& node : content.commit.path->nodes) {
           node.encrypted_path_secret.push_back(
               HPKECiphertext{random_bytes(b.rng, b.suite().hpke().kem().enc_size()),
                              random_bytes(b.rng, b.suite().hash_size() + 16)});
         }
       });
     },
     nullptr, false},
    {&req::R7_6_2,
     "an UpdatePathNode of the Commit's UpdatePath that the client does not decrypt has one "
     "HPKE ciphertext more than its copath node's resolution (a client that counts only the node "
     "it decrypts accepts it)",
     [](BadEpoch& b) {
       // A member with a node on its filtered direct path whose copath child
       // (the child that is not above the member) is not above the client.
       NodeIndex watcher(b.s.passive_group().own_leaf_index());
       b.self_update_at_path_node(
           req::R7_6_2,
           [&](Group& g, NodeIndex n) {
             return !tree_math::is_ancestor(
                 tree_math::copath_child(n, NodeIndex(g.own_leaf_index())), watcher);
           },
           [](CommitBuilder& c, NodeIndex n) { c.path_extra_ciphertext(n); },
           "no member has a path node whose copath resolution leaves the client out");
     }},
    {.rule = &req::R7_2_3,
     .description =
         "an Add proposal's KeyPackage leaf does not list its own credential type (basic) in its "
         "capabilities (leaf and KeyPackage signed again)",
     .make =
         [](BadEpoch& b) {
           KeyPackage kp = b.key_package(
               [](KeyPackage& k) {
                 auto& creds = k.leaf_node.capabilities.credentials;
                 creds.erase(std::remove(creds.begin(), creds.end(), credential_type::basic),
                             creds.end());
               },
               true);
           RuleSwitchedOff off({&req::R7_2_3, &req::R7_3_5});
           b.commit = b.c().group.commit_builder().add(kp).build(b.c().signer).commit;
         },
     .also = {&req::R7_3_5}},
    // ---- §2.1 decoding (no accepted state: the message has no meaning)
    {&req::R2_1_2_2,
     "the Commit's group_id length (its first variable-size vector header) is encoded in two "
     "bytes where one suffices",
     [](BadEpoch& b) {
       Bytes m =
           encode(b.c().group.commit_builder().psk(b.external_psk()).build(b.c().signer).commit);
       // MLSMessage: version (2 bytes), wire_format (2), then group_id<V>, the
       // first field of both PublicMessage and PrivateMessage (16 bytes: a
       // one-byte header).
       if (m.size() < 5 || m[4] >= 0x40) {
         throw Error(ErrorKind::internal, "2.1.2", "unexpected group_id header");
       }
       uint8_t len = m[4];
       m[4] = 0x40;
       m.insert(m.begin() + 5, len);
       b.commit_bytes = m;
     },
     nullptr, false},
    {&req::R2_1_2_3,
     "the Commit's group_id length (its first variable-size vector header) starts with the "
     "prefix 0b11",
     [](BadEpoch& b) {
       Bytes m =
           encode(b.c().group.commit_builder().psk(b.external_psk()).build(b.c().signer).commit);
       if (m.size() < 5 || m[4] >= 0x40) {
         throw Error(ErrorKind::internal, "2.1.2", "unexpected group_id header");
       }
       m[4] |= 0xC0;
       b.commit_bytes = m;
     },
     nullptr, false},
    {.rule = &req::R2_1_1_1,
     .description = "the Commit's optional path has the presence octet 2 (a PublicMessage)",
     .make =
         [](BadEpoch& b) {
           MLSMessage valid =
               b.c().group.commit_builder().psk(b.external_psk()).build(b.c().signer).commit;
           Bytes m = encode(valid);
           // The presence octet of Commit.path follows the proposals vector.
           Bytes proposals = encode(std::get<PublicMessage>(valid.body).content.commit.proposals);
           auto at = std::search(m.begin(), m.end(), proposals.begin(), proposals.end());
           if (at == m.end() || at + static_cast<std::ptrdiff_t>(proposals.size()) == m.end()) {
             throw Error(ErrorKind::internal, "2.1.1",
                         "the Commit's proposals are not in its encoding");
           }
           *(at + static_cast<std::ptrdiff_t>(proposals.size())) = 2;
           b.commit_bytes = m;
         },
     .accepted_state = false,
     .wire = Wire::public_only},
    // ---- §12.4.3.1 joining from a Welcome
    {&req::R12_4_3_1_2,
     "the Welcome's EncryptedGroupSecrets name another KeyPackage than the joiner's (new_member "
     "changed; no accepted state: the joiner finds no secrets of its own)",
     nullptr,
     [](BadWelcome& w) {
       for (auto& s : w.welcome.secrets) {
         set_bit(s.new_member);
       }
     },
     false},
    {&req::R12_4_3_1_3,
     "the joiner's encrypted_group_secrets ciphertext has a bit flipped (no accepted state: "
     "there are no GroupSecrets)",
     nullptr,
     [](BadWelcome& w) {
       for (auto& s : w.welcome.secrets) {
         set_bit(s.encrypted_group_secrets.ciphertext);
       }
     },
     false},
    {&req::R12_4_3_1_5,
     "the Welcome's encrypted_group_info has a bit flipped, and the joiner's GroupSecrets are "
     "encrypted again with it as the HPKE context (no accepted state: there is no GroupInfo)",
     nullptr,
     [](BadWelcome& w) {
       const KeyPackage& kp = w.joiner.bundle.key_package;
       OpenedWelcome o = w.opened();
       set_bit(w.welcome.encrypted_group_info);
       for (auto& s : w.welcome.secrets) {
         if (s.new_member == kp.ref(w.suite())) {
           s.encrypted_group_secrets = w.suite().encrypt_with_label(
               kp.init_key, encryption_label::welcome, w.welcome.encrypted_group_info,
               encode(o.secrets), w.rng);
         }
       }
     },
     false},
    {&req::R12_4_3_1_6, "the GroupInfo's signature does not verify", nullptr,
     [](BadWelcome& w) {
       w.reseal([](GroupInfo&, RatchetTreeNodes&) {}, [](GroupInfo& gi) { set_bit(gi.signature); });
     }},
    {&req::R12_4_3_3_2,
     "the ratchet_tree extension ends with two blank nodes, a parent and a leaf (tree_hash, "
     "confirmation_tag and signature recomputed)",
     nullptr,
     [](BadWelcome& w) {
       RuleSwitchedOff off(req::R12_4_3_3_2);  // for the generator's own tree hash
       w.reseal([](GroupInfo&, RatchetTreeNodes& nodes) {
         nodes.emplace_back();
         nodes.emplace_back();
       });
     }},
    {&req::R12_4_3_1_15,
     "the GroupInfo's confirmation_tag is not the one its confirmation key computes (signed "
     "again)",
     nullptr,
     [](BadWelcome& w) {
       w.reseal([](GroupInfo&, RatchetTreeNodes&) {},
                [&](GroupInfo& gi) {
                  set_bit(gi.confirmation_tag);
                  gi.sign(w.suite(), w.committer.signer.private_key);
                });
     }},
    {&req::R12_4_3_1_9,
     "the GroupInfo's tree_hash is not the hash of the ratchet tree (confirmation_tag and "
     "signature recomputed)",
     nullptr,
     [](BadWelcome& w) {
       w.reseal([](GroupInfo& gi, RatchetTreeNodes&) { set_bit(gi.group_context.tree_hash); });
     }},
    {.rule = &req::R12_4_3_1_9,
     .description =
         "the root of the ratchet tree lists a blank leaf among its unmerged_leaves (tree_hash, "
         "confirmation_tag and signature recomputed; the root is then not parent-hash valid "
         "either, since §7.9.2 compares unmerged_leaves with resolutions)",
     .make_welcome =
         [](BadWelcome& w) {
           w.reseal([](GroupInfo&, RatchetTreeNodes& nodes) {
             RatchetTree t = RatchetTree::from_nodes(nodes);
             NodeIndex root = tree_math::root(t.leaf_count());
             for (uint32_t l = 0; l < t.leaf_count().value; ++l) {
               if (!t.has_leaf(LeafIndex(l)) && nodes[root.value]) {
                 auto& u = nodes[root.value]->parent_node.unmerged_leaves;
                 u.insert(std::upper_bound(u.begin(), u.end(), l), l);
                 return;
               }
             }
             throw Error(ErrorKind::internal, "12.4.3.1", "no blank leaf, or a blank root");
           });
         },
     .also = {&req::R7_9_2_1},
     .blank_leaf_before_join = true},
    {.rule = &req::R7_1_1,
     .description =
         "a parent node of the ratchet tree lists its unmerged_leaves in decreasing order (the "
         "joining Commit added two clients without a path; tree_hash, confirmation_tag and "
         "signature recomputed)",
     .make_welcome =
         [](BadWelcome& w) {
           w.reseal([](GroupInfo&, RatchetTreeNodes& nodes) {
             for (size_t i = 1; i < nodes.size(); i += 2) {
               if (nodes[i] && nodes[i]->parent_node.unmerged_leaves.size() >= 2) {
                 auto& u = nodes[i]->parent_node.unmerged_leaves;
                 std::reverse(u.begin(), u.end());
                 return;
               }
             }
             throw Error(ErrorKind::internal, "7.1", "no parent node with two unmerged leaves");
           });
         },
     .join_path = false,
     .blank_leaf_before_join = true,
     .join_second_add = true},
    {&req::R7_9_2_1,
     "a parent node of the ratchet tree has a changed parent_hash, so it is not parent-hash valid "
     "(tree_hash, confirmation_tag and signature recomputed)",
     nullptr,
     [](BadWelcome& w) {
       w.reseal([](GroupInfo&, RatchetTreeNodes& nodes) {
         for (size_t i = 1; i < nodes.size(); i += 2) {
           if (nodes[i]) {
             set_bit(nodes[i]->parent_node.parent_hash);
             return;
           }
         }
         throw Error(ErrorKind::internal, "7.9.2", "no parent node to change");
       });
     }},
    {.rule = &req::R12_4_3_1_10,
     .description =
         "the ratchet tree has no leaf identical to the joiner's KeyPackage leaf (its capabilities "
         "changed and signed again)",
     .make_welcome =
         [](BadWelcome& w) {
           w.reseal([&](GroupInfo&, RatchetTreeNodes& nodes) {
             for (auto& n : nodes) {
               if (n && n->node_type == NodeType::leaf &&
                   n->leaf_node == w.joiner.bundle.key_package.leaf_node) {
                 n->leaf_node.capabilities.extensions.push_back(kUnknownExtensionType);
                 n->leaf_node.sign(w.suite(), w.joiner.signer.private_key);
                 return;
               }
             }
             throw Error(ErrorKind::internal, "12.4.3.1", "the joiner's leaf is not in the tree");
           });
         },
     .accepted_state =  // Added without a path, the joiner's leaf is unmerged in its ancestors,
     // whose parent hashes therefore do not cover it (§7.9): only R12.4.3.1-10 breaks.
     false,
     .join_path = false},
    {&req::R12_4_3_1_8,
     "the GroupInfo's GroupContext names another cipher suite than the joiner's KeyPackage "
     "(confirmation_tag and signature recomputed)",
     nullptr,
     [](BadWelcome& w) {
       uint16_t other = static_cast<uint16_t>(w.suite().id() % 7 + 1);
       w.reseal([&](GroupInfo& gi, RatchetTreeNodes&) { gi.group_context.cipher_suite = other; });
     }},
    {&req::R12_4_3_1_12,
     "the GroupSecrets' path_secret is not the one of the common ancestor (a random one): the "
     "private keys it derives do not match the tree's public keys",
     nullptr,
     [](BadWelcome& w) {
       Bytes random = random_bytes(w.rng, w.suite().hash_size());
       TreeKemPathSecret other{ByteView(random)};
       w.reseal([](GroupInfo&, RatchetTreeNodes&) {}, {}, other);
     }},
    {&req::R13_4_7,
     "the GroupInfo's GroupContext has an extension (0xF0A1) no member, the joiner included, "
     "supports (confirmation_tag and signature recomputed)",
     nullptr,
     [](BadWelcome& w) {
       w.reseal([&](GroupInfo& gi, RatchetTreeNodes&) {
         gi.group_context.extensions.push_back(
             Extension{kUnknownExtensionType, random_bytes(w.rng, 4)});
       });
     }},
    {.rule = &req::R12_4_3_1_i1,
     .description =
         "the GroupSecrets name two PSKs of type resumption with usage branch, both of the old "
         "group that resumed_from describes, with different nonces (no accepted state: a Welcome "
         "of this group cannot also be a branch's)",
     .make_welcome =
         [](BadWelcome& w) {
           OpenedWelcome o = w.opened();
           std::vector<PskInput> inputs = w.psk_inputs(o);
           ResumedGroup old;
           old.group_id = random_bytes(w.rng, 16);
           old.cipher_suite = w.suite().id();
           old.epoch = 5;
           Bytes value = random_bytes(w.rng, w.suite().hash_size());
           old.resumption_psks.emplace(old.epoch,
                                       ResumptionPsk(SecureBytes(value.begin(), value.end())));
           for (int k = 0; k < 2; ++k) {
             PreSharedKeyID id{
                 PSKType::resumption, {},        ResumptionPSKUsage::branch,
                 old.group_id,        old.epoch, random_bytes(w.rng, w.suite().hash_size())};
             inputs.push_back(PskInput{id, SecureBytes(value.begin(), value.end())});
           }
           w.resumed = std::move(old);
           w.rewrap(o, o.group_info, inputs);
         },
     .accepted_state = false,
     .also = {&req::R12_4_3_1_17, &req::R11_3_8, &req::R12_4_3_1_15}},
    {.rule = &req::R12_4_3_1_4,
     .description = "the Welcome names an external PSK that is not among the case's external_psks",
     .make_welcome = [](BadWelcome& w) { w.psks.clear(); },
     .accepted_state = false,
     .join_psk = true},
    {.rule = &req::R12_4_3_1_1,
     .description = "the GroupInfo has no ratchet_tree extension and no tree is given out of band",
     .make_welcome = [](BadWelcome&) {},
     .accepted_state = false,
     .join_tree_extension = false},
    // ---- second round: rules ref/ enforced with no case
    {.rule = &req::R12_4_2_14,
     .description =
         "the Commit's UpdatePath gives a parent node below the committer's common ancestor with "
         "the client the key of the next node of its path (one key twice in the UpdatePath, in no "
         "node of the tree before; the client derives only the upper node's key)",
     .make =
         [](BadEpoch& b) {
           NodeIndex watcher(b.s.passive_group().own_leaf_index());
           NodeIndex above(0);
           b.self_update_at_path_node(
               req::R12_4_2_14,
               [&](Group& g, NodeIndex n) {
                 if (tree_math::is_ancestor(n, watcher)) {
                   return false;
                 }
                 std::vector<NodeIndex> fdp = g.tree().filtered_direct_path(g.own_leaf_index());
                 auto at = std::find(fdp.begin(), fdp.end(), n);
                 if (at + 1 == fdp.end()) {
                   return false;
                 }
                 above = *(at + 1);
                 return true;
               },
               [&](CommitBuilder& c, NodeIndex n) { c.path_node_key_of(n, above); },
               "no member has two path nodes, one below its common ancestor with the client");
         }},
    {.rule = &req::R7_3_5,
     .description =
         "an Add proposal's KeyPackage leaf has an x509 credential and lists only x509 among its "
         "capabilities' credential types, not basic, the type every member uses (leaf and "
         "KeyPackage signed again)",
     .make =
         [](BadEpoch& b) {
           b.commit_add(req::R7_3_5, x509_key_package(b, {credential_type::x509}));
         }},
    {.rule = &req::R7_3_5,
     .description =
         "an Add proposal's KeyPackage leaf has an x509 credential (and lists basic and x509), a "
         "credential type the members do not support: every client of this case lists only basic "
         "(leaf and KeyPackage signed again)",
     .make =
         [](BadEpoch& b) {
           b.commit_add(req::R7_3_5,
                        x509_key_package(b, {credential_type::basic, credential_type::x509}));
         },
     .basic_credentials_only = true},
    {.rule = &req::R7_3_4,
     .description =
         "an Add proposal's KeyPackage leaf does not list extension type 0xF0A1, which the "
         "group's required_capabilities names (and every member lists; leaf and KeyPackage signed "
         "again)",
     .make =
         [](BadEpoch& b) {
           KeyPackage kp = b.key_package(
               [](KeyPackage& k) {
                 std::erase(k.leaf_node.capabilities.extensions, kUnknownExtensionType);
               },
               true);
           b.commit_add(req::R7_3_4, kp);
         },
     .required_extension = true},
    {.rule = &req::R16_7_1,
     .description =
         "an Add proposal's KeyPackage leaf has an encryption_key with the bytes of its own "
         "signature_key (on the NIST curves the same key pair; leaf and KeyPackage signed again; "
         "suites whose two keys can have the same bytes)",
     .make =
         [](BadEpoch& b) {
           KeyPackage kp = b.key_package(
               [](KeyPackage& k) { k.leaf_node.encryption_key = k.leaf_node.signature_key; }, true);
           b.commit_add(req::R16_7_1, kp);
         },
     .suites = keys_of_one_size},
    {.rule = &req::H7_1_4_2,
     .description =
         "an external Commit's ExternalInit kem_output is a point off the curve (its last byte "
         "changed; signed again; no accepted state: there is no shared secret; NIST suites only)",
     .make =
         [](BadEpoch& b) {
           external_commit_with_kem_output(b, req::H7_1_4_2, [](Bytes& k) { k.back() ^= 1; });
         },
     .accepted_state = false,
     .suites = nist_kem},
    {.rule = &req::H7_1_4_5,
     .description =
         "an external Commit's ExternalInit kem_output is the low-order point 0, so the members' "
         "Diffie-Hellman shared secret is all zero (the joiner computed its init_secret from that "
         "known value; X25519 and X448 suites only)",
     .make =
         [](BadEpoch& b) {
           Bytes zero(b.suite().hpke().kem().enc_size(), 0);
           InitSecret init = [&] {
             RuleSwitchedOff off(req::H7_1_4_5);
             return external_init_secret(b.suite(), b.c().group.state().secrets.external_secret,
                                         zero);
           }();
           b.external_commit(req::H7_1_4_5, {}, std::nullopt, {},
                             ExternalInitSecret{zero, std::move(init)});
         },
     .suites = x_kem},
    // ---- second round: Welcomes of a reinitialization or a branch
    {.rule = &req::R12_4_3_1_17,
     .description =
         "the GroupSecrets name the old group's resumption PSK with usage branch (resumed_from), "
         "and the GroupInfo's epoch is 2, not 1 (confirmation_tag and signature recomputed)",
     .make_welcome =
         [](BadWelcome& w) {
           w.resume(ResumptionPSKUsage::branch,
                    [](ResumedGroup&, GroupInfo& gi) { gi.group_context.epoch = 2; });
         }},
    {.rule = &req::R11_3_6,
     .description =
         "a branch Welcome (the old group's resumption PSK with usage branch, epoch 1) whose "
         "cipher suite is not the old group's (resumed_from names another)",
     .make_welcome =
         [](BadWelcome& w) {
           w.resume(ResumptionPSKUsage::branch, [&](ResumedGroup& old, GroupInfo&) {
             old.cipher_suite = static_cast<CipherSuiteId>(w.suite().id() % 7 + 1);
           });
         }},
    {.rule = &req::R11_3_8,
     .description =
         "a branch Welcome (the old group's resumption PSK with usage branch, epoch 1) whose tree "
         "has a member that is not in the old group (resumed_from's members leave out one "
         "credential)",
     .make_welcome =
         [](BadWelcome& w) {
           w.resume(ResumptionPSKUsage::branch, [&](ResumedGroup& old, GroupInfo&) {
             const Credential dropped =
                 w.committer.group.tree().leaf(w.committer.group.own_leaf_index()).credential;
             std::erase(old.members, dropped);
           });
         }},
    {.rule = &req::R11_2_4,
     .description =
         "a reinit Welcome (the old group's resumption PSK with usage reinit, epoch 1) whose "
         "group_id is not the one of the ReInit the old group's last Commit covered "
         "(resumed_from.reinit)",
     .make_welcome =
         [](BadWelcome& w) {
           w.resume(ResumptionPSKUsage::reinit, [&](ResumedGroup& old, GroupInfo&) {
             old.reinit->group_id = random_bytes(w.rng, 16);
           });
         }},
    {.rule = &req::R11_2_6,
     .description =
         "the joiner waits for the Welcome of a reinitialization (resumed_from.reinit), and the "
         "Welcome names no resumption PSK of the old group",
     .make_welcome =
         [](BadWelcome& w) {
           w.resume(
               ResumptionPSKUsage::reinit, [](ResumedGroup&, GroupInfo&) {}, false);
         }},
    {.rule = &req::R12_4_3_3_i1,
     .description =
         "the ratchet_tree extension has one parent node more at its end, an even number of "
         "nodes, which no left-balanced tree has (signed again; no accepted state: there is no "
         "tree)",
     .make_welcome =
         [](BadWelcome& w) {
           OpenedWelcome o = w.opened();
           GroupInfo gi = o.group_info;
           for (auto& e : gi.extensions) {
             if (e.extension_type == extension_type::ratchet_tree) {
               RatchetTreeNodes nodes = decode<RatchetTreeNodes>(e.extension_data);
               Bytes key = w.suite().generate_key_pair(w.rng).public_key;
               nodes.push_back(Node{NodeType::parent, {}, ParentNode{key, {}, {}}});
               e.extension_data = encode(nodes);
             }
           }
           gi.sign(w.suite(), w.committer.signer.private_key);
           w.rewrap(o, gi, w.psk_inputs(o));
         },
     .accepted_state = false},
    // ---- third round: rules ref/ enforced with no case
    {.rule = &req::R10_3,
     .description =
         "an Add proposal's KeyPackage has an init_key one byte short of a public key of the "
         "suite's KEM (KeyPackage signed again; the committer's Welcome leaves the new member "
         "out, having nothing to encrypt to)",
     .make =
         [](BadEpoch& b) {
           KeyPackage kp = b.key_package([](KeyPackage& k) { k.init_key.pop_back(); }, false);
           RuleSwitchedOff off(req::R10_3);
           b.commit =
               b.c().group.commit_builder().add_without_welcome(kp).build(b.c().signer).commit;
         }},
    {.rule = &req::R5_1_1_i1,
     .description =
         "the Commit's UpdatePath leaf has a signature_key one byte short of a key of the suite's "
         "signature scheme (the Commit signed again with the committer's key of the tree; no "
         "accepted state: there is no key to verify the leaf's signature with)",
     .make =
         [](BadEpoch& b) {
           b.commit_with_path_edited([](FramedContent& content) {
             content.commit.path->leaf_node.signature_key.pop_back();
           });
         },
     .accepted_state = false},
    {.rule = &req::R6_1_6,
     .description =
         "a PreSharedKey proposal from a sender of type new_member_commit (no accepted state: "
         "such a sender only sends an external Commit, whose path leaf has its signature key)",
     .make =
         [](BadEpoch& b) {
           b.proposals.push_back(b.forged_proposal(Sender{SenderType::new_member_commit, 0, 0}));
           b.commit = b.c().group.commit_builder().psk(b.external_psk()).build(b.c().signer).commit;
         },
     .accepted_state = false,
     .wire = Wire::public_only},
    {.rule = &req::R9_2_1,
     .description =
         "a PreSharedKey proposal (a PrivateMessage, committed by reference) is received twice: "
         "its key and nonce were consumed, and deleted, the first time (no accepted state)",
     .make =
         [](BadEpoch& b) {
           MLSMessage m = b.o().group.propose_psk(b.o().signer, b.external_psk()).first;
           b.deliver_proposal(m);
           b.proposals.push_back(m);
           b.commit = b.c().group.commit_to_pending_proposals(b.c().signer).commit;
         },
     .accepted_state = false,
     .wire = Wire::private_only},
    {.rule = &req::H7_1_1_i1,
     .description =
         "an external Commit's ExternalInit kem_output is one byte short of Nenc (signed again; "
         "no accepted state: it deserializes to no public key)",
     .make =
         [](BadEpoch& b) {
           external_commit_with_kem_output(b, req::H7_1_1_i1, [](Bytes& k) { k.pop_back(); });
         },
     .accepted_state = false},
    {.rule = &req::R12_4_3_1_i3,
     .description =
         "a reinit Welcome (the old group's resumption PSK with usage reinit, epoch 1) whose tree "
         "lacks a member of the old group (resumed_from's members have one credential more)",
     .make_welcome =
         [](BadWelcome& w) {
           w.resume(ResumptionPSKUsage::reinit, [](ResumedGroup& old, GroupInfo&) {
             old.members.push_back(Credential::basic(to_bytes("left behind")));
           });
         }},
    {.rule = &req::R11_3_2,
     .description =
         "the joiner waits for the Welcome of a branch of an old group (resumed_from, without "
         "reinit), and the Welcome names no resumption PSK of the old group",
     .make_welcome =
         [](BadWelcome& w) {
           w.resume(
               ResumptionPSKUsage::branch, [](ResumedGroup&, GroupInfo&) {}, false);
         }},
    {.rule = &req::R8_4_i2,
     .description =
         "the GroupSecrets name the same external PSK twice (the one PreSharedKeyID the Commit "
         "covered; confirmation_tag, with the psk_secret of the two, and signature recomputed)",
     .make_welcome =
         [](BadWelcome& w) {
           OpenedWelcome o = w.opened();
           std::vector<PskInput> inputs = w.psk_inputs(o);
           inputs.push_back(inputs.at(0));
           GroupInfo gi = o.group_info;
           EpochSecrets e = derive_epoch_from_joiner(
               w.suite(), o.secrets.joiner_secret, psk_secret(w.suite(), inputs), gi.group_context);
           gi.confirmation_tag = confirmation_tag(w.suite(), e.confirmation_key,
                                                  gi.group_context.confirmed_transcript_hash);
           gi.sign(w.suite(), w.committer.signer.private_key);
           w.rewrap(o, gi, inputs);
         },
     .join_psk = true},
    {.rule = &req::R12_4_3_1_i2,
     .description =
         "the GroupSecrets carry a path_secret and the GroupInfo names the joiner's own leaf as "
         "its signer (signed with the joiner's key), with which the joiner's leaf has no common "
         "ancestor (no accepted state)",
     .make_welcome =
         [](BadWelcome& w) {
           w.reseal([](GroupInfo&, RatchetTreeNodes&) {},
                    [&](GroupInfo& gi) {
                      RatchetTree t = RatchetTree::from_nodes(w.tree_nodes(gi));
                      for (uint32_t l = 0; l < t.leaf_count().value; ++l) {
                        if (t.has_leaf(LeafIndex(l)) &&
                            t.leaf(LeafIndex(l)) == w.joiner.bundle.key_package.leaf_node) {
                          gi.signer = l;
                        }
                      }
                      gi.sign(w.suite(), w.joiner.signer.private_key);
                    });
         },
     .accepted_state = false},
    {.rule = &req::R12_2_20,
     .description =
         "an external Commit removes a member (a resync), but its path's leaf has the credential "
         "of another client, not the removed member's (mlsref's notion of the same member, as "
         "for branches: an equal credential)",
     .make =
         [](BadEpoch& b) {
           b.external_commit(req::R12_2_20, {}, b.o().group.own_leaf_index(), {}, std::nullopt,
                             true);
         }},
    {.rule = &req::R6_1_i1,
     .description =
         "an application message (a PrivateMessage, among the epoch's messages before its valid "
         "Commit) whose FramedContent carries the next epoch, encrypted with this epoch's keys",
     .make =
         [](BadEpoch& b) {
           const GroupState& st = b.o().group.state();
           FramedContent content;
           content.group_id = st.context.group_id;
           content.epoch = st.context.epoch + 1;
           content.sender = Sender::member(b.o().group.own_leaf_index().value);
           content.content_type = ContentType::application;
           content.application_data = to_bytes("application data of the next epoch");
           SecretTree tree = *st.secret_tree;
           RuleSwitchedOff off(req::R6_1_i1);
           b.proposals.push_back(MLSMessage{
               mls10, protect_private(b.suite(), content, b.o().signer.private_key, st.context,
                                      tree, st.secrets.sender_data_secret, b.rng)});
           b.commit = b.c().group.commit_builder().psk(b.external_psk()).build(b.c().signer).commit;
         }},
    {.rule = &req::R12_4_2_25,
     .description =
         "after the epoch's Commit covering a ReInit proposal, which ends the group, a member "
         "sends one more Commit in it",
     .make =
         [](BadEpoch& b) {
           RuleSwitchedOff off(req::R12_4_2_25);
           b.commit = b.c().group.commit_builder().psk(b.external_psk()).build(b.c().signer).commit;
         },
     .reinit_history = true},
};

Bytes authenticator(const Group& g) { return to_bytes_of(g.epoch_authenticator().view()); }

// What a copy of `g` does with the epoch: the ID of the rule it rejects it
// for, "accepted", or the error without an ID.
// What the watcher does with one of the epoch's messages before the commit:
// a proposal is stored; an application message changes nothing.
void receive(Group& g, const MLSMessage& m) {
  ProcessedMessage p = g.process_message(encode(m));
  if (auto* q = std::get_if<QueuedProposal>(&p.content)) {
    g.store_pending_proposal(std::move(*q));
  }
}

std::string probe(Group g, const std::vector<MLSMessage>& proposals, const Bytes& commit) {
  try {
    for (const auto& p : proposals) {
      receive(g, p);
    }
    ProcessedMessage m = g.process_message(commit);
    g.merge_staged_commit(std::get<StagedCommit>(std::move(m.content)));
    return "accepted";
  } catch (const Error& e) {
    return e.rule().empty() ? std::string(e.what()) : std::string(e.rule());
  }
}

json invalid_mark(const RuleCase& r, json epoch) {
  json m{{"epoch", std::move(epoch)},
         {"rule", std::string(r.rule->id)},
         {"section", std::string(r.rule->section)},
         {"description", std::string(r.description)}};
  if (!r.also.empty()) {
    json also = json::array();
    for (const Requirement* a : r.also) {
      also.push_back(std::string(a->id));
    }
    m["also_breaks"] = also;
  }
  if (!r.accepted_state) {
    m["accepted_state"] = false;
  }
  if (r.rule->section.rfind("2.1", 0) == 0) {
    m["decode"] = true;  // a decoding rule: nothing was accepted, nothing to compute
  }
  return m;
}

[[noreturn]] void generator_broken(const RuleCase& r, const std::string& what) {
  throw Error(ErrorKind::internal, std::string(r.rule->section),
              "the generator of " + std::string(r.rule->id) + " is broken: " + what);
}

json welcome_case(Scenario& s, Botan::RandomNumberGenerator& rng, const RuleCase& r) {
  if (r.blank_leaf_before_join) {
    LeafIndex leaves[] = {LeafIndex(1), LeafIndex(2)};
    s.deliver(s.members()[0].group.remove_members(s.members()[0].signer, leaves), 0);
  }
  Joiner joiner = s.joiner("passive client");
  size_t committer = random_below(rng, s.members().size());
  Member& c = s.members()[committer];
  CommitBuilder b = c.group.commit_builder();
  b.add(joiner.bundle.key_package).force_self_update(r.join_path);
  if (r.join_second_add) {
    b.add(s.joiner("second joiner").bundle.key_package);
  }
  if (r.join_psk) {
    b.psk(PreSharedKeyID{PSKType::external,
                         s.psk_ids()[0],
                         ResumptionPSKUsage::application,
                         {},
                         0,
                         random_bytes(rng, s.suite().hash_size())});
  }
  b.ratchet_tree_extension(r.join_tree_extension);
  CommitBundle bundle = b.build(c.signer);
  s.deliver(bundle, committer);
  BadWelcome w{s,
               rng,
               joiner,
               s.members()[committer],
               std::get<Welcome>(bundle.welcome->body),
               std::nullopt,
               s.psks()};
  r.make_welcome(w);

  GroupConfig config = s.config();
  std::string got = "accepted";
  try {
    w.join(config);
  } catch (const Error& e) {
    got = e.rule().empty() ? std::string(e.what()) : std::string(e.rule());
  }
  if (got != r.rule->id) {
    generator_broken(r, "the joiner does not reject the Welcome for it: " + got);
  }
  std::optional<Bytes> initial;
  if (r.accepted_state) {
    RuleSwitchedOff off(*r.rule);
    std::vector<std::unique_ptr<RuleSwitchedOff>> also;
    for (const Requirement* x : r.also) {
      also.push_back(std::make_unique<RuleSwitchedOff>(*x));
    }
    initial = authenticator(w.join(config));
  }
  json c_json = s.opening(joiner, MLSMessage{mls10, w.welcome}, w.tree, w.psks, initial);
  if (w.resumed) {
    const ResumedGroup& old = *w.resumed;
    c_json["resumed_from"] =
        json{{"group_id", to_hex(old.group_id)},
             {"cipher_suite", old.cipher_suite},
             {"epoch", old.epoch},
             {"resumption_psk", to_hex(old.resumption_psks.at(old.epoch).view())}};
    if (old.reinit) {
      c_json["resumed_from"]["reinit"] = to_hex(encode(*old.reinit));
    }
    if (!old.members.empty()) {
      json members = json::array();
      for (const Credential& m : old.members) {
        members.push_back(to_hex(encode(m)));
      }
      c_json["resumed_from"]["members"] = members;
    }
  }
  c_json["epochs"] = json::array();
  c_json["invalid"] = invalid_mark(r, "welcome");
  return c_json;
}

json commit_case(Scenario& s, Botan::RandomNumberGenerator& rng, const RuleCase& r) {
  json c = s.add_passive(true, false);
  json epochs = json::array();
  std::optional<Signer> external_sender;
  if (r.external_sender) {
    external_sender = Signer::generate(s.suite(), rng);
    std::vector<ExternalSender> senders{
        {external_sender->public_key, Credential::basic(to_bytes("delivery service"))}};
    std::vector<Extension> ext{{extension_type::external_senders, encode(senders)}};
    Member& m = s.members()[0];
    CommitBundle bundle = m.group.commit_builder().group_context_extensions(ext).build(m.signer);
    s.deliver(bundle, 0);
    epochs.push_back(json{{"proposals", json::array()},
                          {"commit", to_hex(encode(bundle.commit))},
                          {"epoch_authenticator", to_hex(authenticator(s.passive_group()))}});
  } else if (r.reinit_history) {
    Member& m = s.members()[0];
    ReInit reinit{random_bytes(rng, 16), mls10, s.suite().id(), {}};
    CommitBundle bundle = m.group.commit_builder().proposal(Proposal{reinit}).build(m.signer);
    s.deliver(bundle, 0);
    epochs.push_back(json{{"proposals", json::array()},
                          {"commit", to_hex(encode(bundle.commit))},
                          {"epoch_authenticator", to_hex(authenticator(s.passive_group()))}});
  } else if (!s.step(r.history, epochs)) {
    generator_broken(r, "its history step does not apply");
  }
  size_t n = s.members().size();
  size_t committer = random_below(rng, n);
  BadEpoch b{s, rng, committer, (committer + 1 + random_below(rng, n - 1)) % n, {}, {}};
  b.external_sender = external_sender;
  r.make(b);

  Bytes commit = b.commit_bytes ? *b.commit_bytes : encode(*b.commit);
  std::string got = probe(s.passive_group(), b.proposals, commit);
  if (got != r.rule->id) {
    generator_broken(r, "the watcher does not reject the message for it: " + got);
  }
  json hex_proposals = json::array();
  for (const auto& p : b.proposals) {
    hex_proposals.push_back(to_hex(encode(p)));
  }
  json epoch{{"proposals", hex_proposals}, {"commit", to_hex(commit)}};
  if (r.accepted_state) {
    RuleSwitchedOff off(*r.rule);
    std::vector<std::unique_ptr<RuleSwitchedOff>> also;
    for (const Requirement* a : r.also) {
      also.push_back(std::make_unique<RuleSwitchedOff>(*a));
    }
    Group& g = s.passive_group();
    for (const auto& p : b.proposals) {
      receive(g, p);
    }
    ProcessedMessage m = g.process_message(commit);
    g.merge_staged_commit(std::get<StagedCommit>(std::move(m.content)));
    epoch["epoch_authenticator"] = to_hex(authenticator(g));
  }
  epochs.push_back(std::move(epoch));
  c["epochs"] = epochs;
  c["invalid"] = invalid_mark(r, epochs.size() - 1);
  return c;
}

}  // namespace

std::vector<InvalidRuleInfo> invalid_rules() {
  std::vector<InvalidRuleInfo> out;
  for (const auto& r : kRules) {
    std::vector<CipherSuiteId> suites;
    for (const auto& c : cipher_suites()) {
      if (r.suites == nullptr || r.suites(CipherSuite(c.id))) {
        suites.push_back(c.id);
      }
    }
    out.push_back(InvalidRuleInfo{r.rule->id, r.rule->section, r.description,
                                  r.make_welcome != nullptr, r.accepted_state, suites});
  }
  return out;
}

json generate_invalid_passive_client(const GenerateOptions& options) {
  for (const auto& id : options.rules) {
    bool known = false;
    for (const auto& r : kRules) {
      known |= r.rule->id == id;
    }
    if (!known) {
      throw Error(ErrorKind::unsupported, "12",
                  "no invalid-passive-client generator for rule '" + id + "' (see mlsref rules)");
    }
  }
  json cases = json::array();
  std::map<std::string_view, int> seen;  // entries of a rule so far
  for (const auto& r : kRules) {
    int variant = seen[r.rule->id]++;
    if (!options.rules.empty() &&
        std::find(options.rules.begin(), options.rules.end(), r.rule->id) == options.rules.end()) {
      continue;
    }
    for (uint16_t id : suites_for(options)) {
      CipherSuite suite(id);
      if (r.suites != nullptr && !r.suites(suite)) {
        continue;
      }
      // One stream per rule and suite: a subset of rules gives the same cases.
      auto rng = seeded_rng(options.seed, "invalid-passive-client/" + std::string(r.rule->id) +
                                              (variant ? "#" + std::to_string(variant) : "") + "/" +
                                              std::to_string(id));
      bool priv =
          r.wire == Wire::private_only || (r.wire == Wire::any && random_below(*rng, 2) == 1);
      try {
        std::optional<Capabilities> caps;
        std::vector<Extension> extensions;
        if (r.required_extension) {
          caps = Capabilities{{}, {}, {kUnknownExtensionType}, {}, {}};
          RequiredCapabilities rc{{kUnknownExtensionType}, {}, {}};
          extensions.push_back({extension_type::required_capabilities, encode(rc)});
        }
        if (r.basic_credentials_only) {
          caps = Capabilities{{}, {}, {}, {}, {credential_type::basic}};
        }
        Scenario s(suite, *rng, priv, true, caps, extensions);
        s.grow(r.blank_leaf_before_join ? 3 : 2, true);
        cases.push_back(r.make_welcome ? welcome_case(s, *rng, r) : commit_case(s, *rng, r));
      } catch (const Error& e) {
        if (e.kind() == ErrorKind::internal) {
          throw;
        }
        generator_broken(r, "suite " + std::to_string(id) + ": " + e.what());
      }
    }
  }
  return cases;
}

}  // namespace mlsref::conformance
