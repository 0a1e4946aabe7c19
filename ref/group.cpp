// RFC 9420 §11 Group Creation, §12 Group Evolution (receiving proposals,
// §12.1.8 external senders), §12.4.3.1 Joining via Welcome Message, §15
// Application Messages, §8.5 Exporters. Commits are in commit.cpp.
#include "group.h"

#include <algorithm>

#include "grease.h"
#include "registries.h"
#include "requirement_ids.h"
#include "rule_switch.h"
#include "transcript_hash.h"

namespace mlsref {

namespace {

std::string leaf_name(LeafIndex l) { return "leaf " + std::to_string(l.value); }

// The credentials of a tree's members, by leaf: mlsref's notion of who the
// members are when a reinit or a branch compares groups (§11.2, §11.3).
std::vector<Credential> member_credentials(const RatchetTree& tree) {
  std::vector<Credential> out;
  for (uint32_t i = 0; i < tree.leaf_count().value; ++i) {
    if (tree.has_leaf(LeafIndex(i))) {
      out.push_back(tree.leaf(LeafIndex(i)).credential);
    }
  }
  return out;
}

}  // namespace

Group::Group(GroupConfig config, GroupState state)
    : config_(std::move(config)), state_(std::move(state)) {}

Botan::RandomNumberGenerator& Group::rng() const {
  return config_.rng != nullptr ? *config_.rng : system_rng();
}

uint64_t Group::now() const { return config_.clock ? config_.clock() : system_now(); }

void Group::check_usable() const {
  // RFC 9420 §12.4.2 [R12.4.2-27]
  //    Note that clients need to be prepared to receive a valid Commit message that removes
  //    them from the group. In this case, the client cannot send any more messages in the
  //    group [...]
  // Not switchable (ref/rule_switch.h): a removed member has deleted its secret
  // tree (R12.4.2-27's "SHOULD promptly delete"), so there is nothing to send
  // or receive with.
  if (!state_.active) {
    throw Error(ErrorKind::protocol, req::R12_4_2_27, "we are no longer a member of this group");
  }
  // RFC 9420 §12.4.2 [R12.4.2-25]
  //    If the Commit included a ReInit proposal, the client MUST NOT use the group to
  //    send messages anymore.
  if (state_.reinit && enforced(req::R12_4_2_25)) {
    throw Error(ErrorKind::protocol, req::R12_4_2_25,
                "the group was reinitialized by a ReInit commit: it is used no more");
  }
}

ProposalCheck Group::proposal_check(const GroupState& s, const GroupContext& context) const {
  ProposalCheck check{*s.suite, context, s.tree, now(), &config_.credential_validator};
  check.own = s.own.leaf;
  check.max_leaf_lifetime = config_.max_leaf_lifetime;
  return check;
}

void Group::check_signer(const Signer& signer) const {
  check_usable();
  // RFC 9420 §6.1 [R6.1-1, R6.1-2]
  //    The sender MUST use the private key corresponding to the following signature key
  //    depending on the sender's `sender_type`: [...] `member`: The signature key
  //    contained in the LeafNode at the index indicated by `leaf_index` in the ratchet
  //    tree.
  if (signer.public_key != state_.tree.leaf(state_.own.leaf).signature_key &&
      enforced(req::R6_1_1)) {
    throw Error(ErrorKind::protocol, req::R6_1_1,
                "the signer's public key is not our leaf's signature_key");
  }
}

// ---------------------------------------------------------------- §11 creation

Group Group::create(GroupConfig config, CipherSuiteId suite_id, Bytes group_id,
                    const Signer& signer, const CredentialWithKey& credential,
                    const LeafNodeParameters& leaf_params, std::vector<Extension> extensions) {
  GroupState s;
  s.suite = std::make_shared<const CipherSuite>(suite_id);
  const CipherSuite& suite = *s.suite;
  // RFC 9420 §11: no requirement covers this request; the creator's LeafNode is
  // signed with `signer`, so its signature_key must be the signer's key, or the
  // leaf does not verify (R7.3-2).
  if (signer.public_key != credential.signature_key) {
    throw Error(ErrorKind::usage, "11", "the signer does not own the credential's key");
  }
  check_not_grease(extensions, "GroupContext.extensions");
  check_extension_types_unique(extensions, "GroupContext.extensions");
  Botan::RandomNumberGenerator& rng = config.rng != nullptr ? *config.rng : system_rng();
  uint64_t now = config.clock ? config.clock() : system_now();

  // RFC 9420 §11 [R11-5, R11-6]
  //    To initialize a group, the creator of the group MUST take the
  //    following steps:
  //    * Initialize a one-member group with the following initial values:
  //      * Ratchet tree: A tree with a single node, a leaf node containing an HPKE public
  //        key and credential for the creator
  hpke::KeyPair keys = suite.generate_key_pair(rng);
  LeafNode leaf;
  leaf.encryption_key = keys.public_key;
  leaf.signature_key = credential.signature_key;
  leaf.credential = credential.credential;
  leaf.extensions = leaf_params.extensions().value_or(std::vector<Extension>{});
  set_own_capabilities(leaf, leaf_params.capabilities(), config.grease, rng);
  leaf.leaf_node_source = LeafNodeSource::key_package;
  leaf.lifetime = Lifetime{now > 3600 ? now - 3600 : 0, now + 90ull * 24 * 3600};
  leaf.sign(suite, signer.private_key);
  s.tree = RatchetTree(leaf);
  s.own.leaf = LeafIndex(0);
  s.own.private_keys[0] = keys.private_key;

  //    Group ID: A value set by the creator
  //    Epoch: 0
  //    Tree hash: The root hash of the above ratchet tree
  //    Confirmed transcript hash: The zero-length octet string
  //    Epoch secret: A fresh random value of size `KDF.Nh`
  //    Extensions: Any values of the creator's choosing
  s.context = GroupContext{
      mls10, suite.id(),           std::move(group_id), 0, s.tree.root_tree_hash(suite),
      {},    std::move(extensions)};
  // The creator's own leaf must support the required capabilities and every
  // GroupContext extension it chose (R7.3-4, R13.4-7, in validate_leaf_in_group):
  // RFC 9420 §13.4
  //    [...] an extension in use by the group MUST be supported by all members of the
  //    group.
  validate_own_leaf_to_send(suite, s.tree, s.context, LeafIndex(0));

  // AMBIGUITY: §11 sets a random epoch_secret; derive_epoch starts from an
  // init_secret, so we draw a random init_secret (with a zero commit_secret),
  // which gives an epoch_secret just as unpredictable.
  SecureBytes init(suite.hash_size());
  rng.randomize(init.data(), init.size());
  s.secrets = derive_epoch(suite, InitSecret(std::move(init)),
                           CommitSecret(SecureBytes(suite.hash_size(), 0)), PskSecret(), s.context);
  // RFC 9420 §11 [R11-7]
  //    * Calculate the interim transcript hash:
  //      * Derive the `confirmation_key` for the epoch [...]
  //      * Compute a `confirmation_tag` over the empty `confirmed_transcript_hash`
  //        using the `confirmation_key` [...]
  //      * Compute the updated `interim_transcript_hash` from the
  //        `confirmed_transcript_hash` and the `confirmation_tag` [...]
  s.confirmation_tag =
      confirmation_tag(suite, s.secrets.confirmation_key, s.context.confirmed_transcript_hash);
  s.interim_transcript_hash =
      interim_transcript_hash(suite, s.context.confirmed_transcript_hash, s.confirmation_tag);
  s.secret_tree.emplace(suite, s.tree.leaf_count(), s.secrets.encryption_secret,
                        config.ratchet_limits);
  s.secrets.delete_consumed();
  s.resumption_psks[0] = s.secrets.resumption_psk;
  return Group(std::move(config), std::move(s));
}

// ---------------------------------------------------------------- §11.2, §11.3 resumption

std::pair<Group, MLSMessage> Group::resume(const Group& old, GroupConfig config,
                                           ResumptionPSKUsage usage, Bytes group_id,
                                           CipherSuiteId suite_id,
                                           std::vector<Extension> extensions, const Signer& signer,
                                           const CredentialWithKey& credential,
                                           std::span<const KeyPackage> key_packages,
                                           bool force_path) {
  if (key_packages.empty()) {
    throw Error(ErrorKind::usage, usage == ResumptionPSKUsage::reinit ? "11.2" : "11.3",
                "a reinitialized or branched group needs other members to welcome");
  }
  // RFC 9420 §11.3 [R11.3-1]: the caller fetched them; they are `key_packages`
  //    Fetch a new KeyPackage for each group member that should be included in the
  //    subgroup.
  Group g = create(std::move(config), suite_id, std::move(group_id), signer, credential, {},
                   std::move(extensions));
  // RFC 9420 §11.2 [R11.2-6]
  //    The Welcome message MUST specify a PreSharedKeyID of type `resumption` with usage
  //    `reinit`, where the `group_id` field matches the old group and the `epoch`
  //    field indicates the epoch after the Commit covering the ReInit.
  // RFC 9420 §11.3 [R11.3-2]
  //    Create an initial Commit message that sets up the new group and contains a
  //    PreSharedKey proposal of type `resumption` with usage `branch`.
  // RFC 9420 §12.4.1 [R12.4.1-17, R12.4.1-18, R12.4.1-19]: `old` has merged the
  // Commit covering the ReInit, so its epoch is the one after it
  //    The Welcome message MUST include a PreSharedKeyID with the following
  //    parameters:
  //    * `psktype`: `resumption`
  //    * `usage`: `reinit`
  //    * `group_id`: The group ID for the current group
  //    * `epoch`: The epoch that the group will be in after this Commit
  PreSharedKeyID id;
  id.psktype = PSKType::resumption;
  id.usage = usage;
  id.psk_group_id = old.group_id();
  id.psk_epoch = old.epoch();
  // RFC 9420 §11.3 [R11.3-3]
  //    To avoid key reuse, the `psk_nonce` included in the PreSharedKeyID object MUST
  //    be a randomly sampled nonce of length `KDF.Nh`.
  id.psk_nonce.resize(g.suite().hash_size());
  g.rng().randomize(id.psk_nonce.data(), id.psk_nonce.size());
  g.state_.resumed.emplace(id, old.state_.secrets.resumption_psk);
  CommitBuilder b = g.commit_builder();
  for (const KeyPackage& kp : key_packages) {
    b.add(kp);
  }
  b.psk(id);
  b.force_self_update(force_path);
  CommitBundle bundle = b.build(signer);
  g.merge_pending_commit();
  // RFC 9420 §11.3 [R11.3-4]: returned for the caller to send
  //    Send the corresponding Welcome message to the subgroup members.
  return {std::move(g), std::move(*bundle.welcome)};
}

std::pair<Group, MLSMessage> Group::reinit(const Group& old, GroupConfig config,
                                           const Signer& signer,
                                           const CredentialWithKey& credential,
                                           std::span<const KeyPackage> key_packages,
                                           bool force_path) {
  // RFC 9420 §11.2 [R11.2-3]
  //    A member of the old group creates an initial Commit that sets up a new group
  //    that matches the ReInit and sends a Welcome message:
  if (!old.state_.reinit) {
    throw Error(ErrorKind::usage, "11.2",
                "the group has no merged Commit covering a ReInit proposal");
  }
  const ReInit& r = *old.state_.reinit;
  if (r.version != mls10) {
    throw Error(ErrorKind::unsupported, "11.2",
                "a ReInit to protocol version " + std::to_string(r.version));
  }
  // RFC 9420 §12.4.1 [R12.4.1-16]: each member of the old group (the caller
  // by `credential`, the others by a KeyPackage), and no one else. (mlsref's
  // notion of the same member, as for branches (R11.3-8): an equal credential.)
  //    If a ReInit proposal was part of the Commit, the committer MUST create a new group
  //    with the parameters specified in the ReInit proposal, and with the same members as
  //    the original group.
  std::vector<Credential> members{credential.credential};
  for (const KeyPackage& kp : key_packages) {
    members.push_back(kp.leaf_node.credential);
  }
  const std::vector<Credential> old_members = member_credentials(old.tree());
  for (const Credential& c : old_members) {
    if (std::find(members.begin(), members.end(), c) == members.end() &&
        enforced(req::R12_4_1_16)) {
      throw Error(ErrorKind::usage, req::R12_4_1_16,
                  "a member of the old group has no KeyPackage for the reinitialized group");
    }
  }
  for (const Credential& c : members) {
    if (std::find(old_members.begin(), old_members.end(), c) == old_members.end() &&
        enforced(req::R12_4_1_16)) {
      throw Error(ErrorKind::usage, req::R12_4_1_16,
                  "a KeyPackage (or the creator's credential) is no member of the old group");
    }
  }
  // RFC 9420 §11.2 [R11.2-4]
  //    The `version`, `cipher_suite`, `group_id`, and `extensions` fields of the GroupContext object in the Welcome
  //    message MUST be the same as the corresponding fields in the ReInit
  //    proposal.
  return resume(old, std::move(config), ResumptionPSKUsage::reinit, r.group_id, r.cipher_suite,
                r.extensions, signer, credential, key_packages, force_path);
}

std::pair<Group, MLSMessage> Group::branch(const Group& old, GroupConfig config, Bytes group_id,
                                           const Signer& signer,
                                           const CredentialWithKey& credential,
                                           std::span<const KeyPackage> key_packages,
                                           std::vector<Extension> extensions, bool force_path) {
  old.check_usable();
  return resume(old, std::move(config), ResumptionPSKUsage::branch, std::move(group_id),
                old.suite().id(), std::move(extensions), signer, credential, key_packages,
                force_path);
}

// ---------------------------------------------------------------- §12.4.3.1 join

// §12.4.3.1 (and §12.4.3.2, which uses the tree the same way): the ratchet
// tree of a group being joined, from the GroupInfo's ratchet_tree extension
// or given out of band, checked against the GroupInfo.
RatchetTree Group::joined_tree(const CipherSuite& suite, const GroupInfo& gi,
                               const std::optional<RatchetTreeNodes>& ratchet_tree,
                               const GroupConfig& config) {
  uint64_t now = config.clock ? config.clock() : system_now();
  // RFC 9420 §12.4.3.1 [R12.4.3.1-1]
  //    The client processing a Welcome message will need to have a copy of the group's
  //    ratchet tree.  The tree can be provided in the Welcome message, in an extension
  //    of type `ratchet_tree`.  If it is sent otherwise (e.g., provided by a caching
  //    service on the Delivery Service), then the client MUST download the tree before
  //    processing the Welcome.
  std::optional<RatchetTreeNodes> nodes = ratchet_tree;
  // RFC 9420 §12.4.3 [R12.4.3-1]: only ratchet_tree is read
  //    As discussed in {{extensibility}}, unknown extensions in `GroupInfo.extensions` MUST be
  //    ignored [...]
  // RFC 9420 §13.4 [R13.4-4]
  //    A client processing a GroupInfo object MUST ignore all unrecognized extensions in the
  //    `extensions` field.
  for (const auto& e : gi.extensions) {
    if (e.extension_type == extension_type::ratchet_tree) {
      nodes = decode<RatchetTreeNodes>(e.extension_data);
    }
  }
  // Not switchable (ref/rule_switch.h): without a tree there is nothing to join.
  if (!nodes) {
    throw Error(ErrorKind::protocol, req::R12_4_3_1_1,
                "no ratchet_tree extension in the GroupInfo and no tree supplied");
  }
  RatchetTree tree = RatchetTree::from_nodes(std::move(*nodes));
  // RFC 9420 §12.4.3.1 [R12.4.3.1-6]
  //    Verify the signature on the GroupInfo object. [...] The
  //    public key is taken from the LeafNode of the
  //    ratchet tree with leaf index `signer`. If the node is blank or if
  //    signature verification fails, return an error.
  LeafIndex signer(gi.signer);
  // Not switchable (ref/rule_switch.h): a blank signer has no signature key to verify with.
  if (!tree.has_leaf(signer)) {
    throw Error(ErrorKind::protocol, req::R12_4_3_1_6,
                "the GroupInfo signer's leaf " + std::to_string(gi.signer) +
                    " is blank or outside the tree");
  }
  gi.verify(suite, tree.leaf(signer).signature_key);
  check_extension_types_unique(gi.group_context.extensions, "GroupContext.extensions");
  check_extension_types_unique(gi.extensions, "GroupInfo.extensions");
  // RFC 9420 §12.4.3 [R12.4.3-3]: a Group does not know the application's other
  // groups; GroupConfig::group_id_in_use does (unset: no check)
  //    New members MUST verify that `group_id` is unique among the groups they are
  //    currently participating in.
  // RFC 9420 §12.4.3.1 [R12.4.3.1-7]: the same, in the Welcome checklist
  //    Verify that the `group_id` is unique among the groups that the client is
  //    currently participating in.
  if (config.group_id_in_use && config.group_id_in_use(gi.group_context.group_id) &&
      enforced(req::R12_4_3_3)) {
    throw Error(ErrorKind::protocol, req::R12_4_3_3,
                "the client is already in a group with this group_id");
  }
  // RFC 9420 §12.4.3.1 [R12.4.3.1-9]
  //    Verify the integrity of the ratchet tree. [...]
  //    Verify that the tree hash of the ratchet tree matches the `tree_hash` field
  //    in GroupInfo.
  // RFC 9420 §12.4.3.3 [R12.4.3.3-3]
  //    Regardless of how the client obtains the tree, the client MUST verify that the
  //    root hash of the ratchet tree matches the `tree_hash` of the GroupContext before
  //    using the tree for MLS operations.
  if (tree.root_tree_hash(suite) != gi.group_context.tree_hash && enforced(req::R12_4_3_1_9)) {
    throw Error(ErrorKind::protocol, req::R12_4_3_1_9,
                "the ratchet tree's hash is not the GroupInfo's tree_hash");
  }
  //      For each non-empty parent node, verify that it is "parent-hash valid"
  tree.verify_parent_hashes(suite);
  //      For each non-empty leaf node, validate the LeafNode as described in
  //      {{leaf-node-validation}}.
  tree.verify_leaves(suite, gi.group_context.group_id);
  for (uint32_t i = 0; i < tree.leaf_count().value; ++i) {
    LeafIndex l(i);
    if (!tree.has_leaf(l)) {
      continue;
    }
    const LeafNode& leaf = tree.leaf(l);
    // RFC 9420 §7.3 [R7.3-8]: the rest of the leaf's validation was
    // verify_leaves'; GroupConfig::check_tree_lifetimes can switch this off
    //    If instead the LeafNode appears in a message being received by the
    //    client, e.g., a Proposal, a Commit, or a ratchet tree of the group the
    //    client is joining, it is RECOMMENDED that the client verifies that the
    //    current time is within the range of the `lifetime` field.
    if (config.check_tree_lifetimes) {
      leaf.check_lifetime(now);
    }
    check_total_lifetime(leaf, config.max_leaf_lifetime, "leaf " + std::to_string(i));
    // RFC 9420 §7.3 [R7.3-1]
    //    Verify that the credential in the LeafNode is valid, as described in
    //    {{credential-validation}}.
    // RFC 9420 §5.3.1 [R5.3.1-1, R5.3.1-3]
    //    Whenever a new credential is introduced in the group, it MUST be validated with
    //    the AS. [...] When a member receives a GroupInfo object that it will use to join
    //    a group, either via a Welcome or via an external Commit
    if (config.credential_validator &&
        !config.credential_validator(leaf.credential, leaf.signature_key) &&
        enforced(req::R5_3_1_3)) {
      throw Error(ErrorKind::protocol, req::R5_3_1_3,
                  leaf_name(l) + ": the Authentication Service rejects the credential");
    }
    // RFC 9420 §12.4.3 [R12.4.3-2]
    //    Extensions in `GroupInfo.group_context.extensions`, however, MUST be
    //    supported by the new joiner.
    // RFC 9420 §13.4 [R13.4-8, R13.4-9]
    //    A client joining a group MUST verify that it supports every extension in the
    //    GroupContext for the group.  Otherwise, it MUST treat the enclosing GroupInfo
    //    message as invalid and not join the group.
    // (and by every member, §7.3; the pairwise checks are in verify_leaves)
    validate_leaf_capabilities(leaf, gi.group_context, l);
  }
  return tree;
}

ResumedGroup ResumedGroup::of(const Group& g) {
  const GroupState& s = g.state();
  ResumedGroup r;
  r.group_id = s.context.group_id;
  r.version = s.context.version;
  r.cipher_suite = s.context.cipher_suite;
  r.reinit = s.reinit;
  r.epoch = s.context.epoch;
  r.members = member_credentials(s.tree);
  for (const auto& [epoch, psk] : s.resumption_psks) {
    r.resumption_psks.emplace(epoch, psk);
  }
  return r;
}

Group Group::join(GroupConfig config, const Welcome& welcome, const KeyPackageBundle& bundle,
                  const std::optional<RatchetTreeNodes>& ratchet_tree,
                  const std::map<Bytes, SecureBytes>& external_psks, const Group* resumed_from) {
  if (resumed_from == nullptr) {
    return join_from(std::move(config), welcome, bundle, ratchet_tree, external_psks, nullptr);
  }
  ResumedGroup r = ResumedGroup::of(*resumed_from);
  return join_from(std::move(config), welcome, bundle, ratchet_tree, external_psks, &r);
}

Group Group::join(GroupConfig config, const Welcome& welcome, const KeyPackageBundle& bundle,
                  const std::optional<RatchetTreeNodes>& ratchet_tree,
                  const std::map<Bytes, SecureBytes>& external_psks,
                  const ResumedGroup& resumed_from) {
  return join_from(std::move(config), welcome, bundle, ratchet_tree, external_psks, &resumed_from);
}

Group Group::join_from(GroupConfig config, const Welcome& welcome, const KeyPackageBundle& bundle,
                       const std::optional<RatchetTreeNodes>& ratchet_tree,
                       const std::map<Bytes, SecureBytes>& external_psks,
                       const ResumedGroup* resumed_from) {
  GroupState s;
  s.suite = std::make_shared<const CipherSuite>(welcome.cipher_suite);
  const CipherSuite& suite = *s.suite;
  const KeyPackage& kp = bundle.key_package;
  s.external_psks = external_psks;

  OpenedWelcome o = open_welcome(
      suite, welcome, kp, bundle.init_private_key, [&](const PreSharedKeyID& id) -> SecureBytes {
        if (id.psktype == PSKType::external) {
          auto it = external_psks.find(id.psk_id);
          if (it != external_psks.end()) {
            return it->second;
          }
        } else if (resumed_from != nullptr && id.psk_group_id == resumed_from->group_id) {
          const auto& kept = resumed_from->resumption_psks;
          auto it = kept.find(id.psk_epoch);
          if (it != kept.end()) {
            return it->second.bytes();
          }
        }
        // RFC 9420 §12.4.3.1 [R12.4.3.1-4]
        //    If a PreSharedKeyID is part of the GroupSecrets and the client is not in
        //    possession of the corresponding PSK, return an error.
        // Not switchable (ref/rule_switch.h): the PSK value is unknown, so no key
        // schedule can be run.
        throw Error(ErrorKind::protocol, req::R12_4_3_1_4,
                    "the Welcome names a PSK we do not have (psk_id " + to_hex(id.psk_id) +
                        ", psk_epoch " + std::to_string(id.psk_epoch) + ")");
      });
  const GroupInfo& gi = o.group_info;
  // The resumption PSK of usage reinit or branch that links this group to
  // an old one (open_welcome has checked that there is at most one,
  // R12.4.3.1-i1), and its usage.
  const PreSharedKeyID* link = nullptr;
  for (const auto& id : o.secrets.psks) {
    if (id.psktype == PSKType::resumption && id.usage != ResumptionPSKUsage::application) {
      link = &id;
    }
  }
  std::optional<ResumptionPSKUsage> resumed;
  if (link != nullptr) {
    resumed = link->usage;
  }
  if (resumed_from != nullptr) {
    // The caller joins a group that resumes `resumed_from`; the Welcome must
    // name it by the PSK that links the two groups (the lookup above found
    // any resumption PSK it names, so a link is to `resumed_from`).
    if (resumed_from->reinit) {
      // RFC 9420 §12.4.2 [R12.4.2-26]: we merged a Commit covering a ReInit
      //    Instead, it MUST wait for a Welcome message from the committer meeting the
      //    requirements of {{reinitialization}}.
      // RFC 9420 §11.2 [R11.2-6]
      //    The Welcome message MUST specify a PreSharedKeyID of type `resumption` with usage
      //    `reinit`, where the `group_id` field matches the old group and the `epoch`
      //    field indicates the epoch after the Commit covering the ReInit.
      if ((link == nullptr || link->usage != ResumptionPSKUsage::reinit ||
           link->psk_epoch != resumed_from->epoch) &&
          enforced(req::R11_2_6)) {
        throw Error(ErrorKind::protocol, req::R11_2_6,
                    "the Welcome does not name the old group's resumption PSK with usage reinit "
                    "of epoch " +
                        std::to_string(resumed_from->epoch) +
                        " (the epoch after the Commit covering the ReInit)");
      }
    } else {
      // RFC 9420 §11.3 [R11.3-2]: the Welcome of a branch comes from this Commit
      //    Create an initial Commit message that sets up the new group and contains a
      //    PreSharedKey proposal of type `resumption` with usage `branch`.
      if ((link == nullptr || link->usage != ResumptionPSKUsage::branch) &&
          enforced(req::R11_3_2)) {
        throw Error(ErrorKind::protocol, req::R11_3_2,
                    "the Welcome does not name the old group's resumption PSK with usage branch");
      }
    }
  }
  if (resumed) {
    // RFC 9420 §12.4.3.1 [R12.4.3.1-17]
    //    If a PreSharedKeyID was used that has type `resumption` with usage `reinit`
    //    or `branch`, verify that the `epoch` field in the GroupInfo is equal to 1.
    // RFC 9420 §11.2 [R11.2-5]
    //    The `epoch` in the Welcome message MUST be 1.
    // RFC 9420 §11.3 [R11.3-7]
    //    The `epoch` in the Welcome message MUST be 1.
    if (gi.group_context.epoch != 1 && enforced(req::R12_4_3_1_17)) {
      throw Error(ErrorKind::protocol, req::R12_4_3_1_17,
                  "a reinit or branch Welcome for epoch " + std::to_string(gi.group_context.epoch) +
                      ", not 1");
    }
    const ResumedGroup& old = *resumed_from;  // non-null: its PSK was found
    if (*resumed == ResumptionPSKUsage::reinit) {
      // RFC 9420 §12.4.2 [R12.4.2-26]: a member of the old group joins the new one
      // only from a Welcome that matches the ReInit it merged (below)
      //    Instead, it MUST wait for a Welcome message from the committer meeting the
      //    requirements of {{reinitialization}}.
      // RFC 9420 §11.2 [R11.2-4]
      //    The `version`, `cipher_suite`, `group_id`, and `extensions` fields of the GroupContext object in the Welcome
      //    message MUST be the same as the corresponding fields in the ReInit
      //    proposal.
      const GroupContext& c = gi.group_context;
      if ((!old.reinit || c.version != old.reinit->version ||
           c.cipher_suite != old.reinit->cipher_suite || c.group_id != old.reinit->group_id ||
           c.extensions != old.reinit->extensions) &&
          enforced(req::R11_2_4)) {
        throw Error(ErrorKind::protocol, req::R11_2_4,
                    "the reinitialized group does not match the old group's ReInit proposal");
      }
    } else {
      // RFC 9420 §11.3 [R11.3-5, R11.3-6]
      //    A client receiving a Welcome message including a PreSharedKey of type `resumption` with
      //    usage `branch` MUST verify that the new group reflects a subgroup branched from
      //    the referenced group by checking that: [...] The `version` and `cipher_suite` values in the Welcome message are the same as
      //    those used by the old group.
      if ((gi.group_context.version != old.version ||
           gi.group_context.cipher_suite != old.cipher_suite) &&
          enforced(req::R11_3_6)) {
        throw Error(ErrorKind::protocol, req::R11_3_6,
                    "a branch with another version or cipher suite than the old group's");
      }
    }
  }
  // RFC 9420 §12.4.3.1 [R12.4.3.1-8]
  //    Verify that the `cipher_suite` in the GroupInfo matches the `cipher_suite` in
  //    the KeyPackage.
  if ((gi.group_context.cipher_suite != kp.cipher_suite || gi.group_context.version != mls10) &&
      enforced(req::R12_4_3_1_8)) {
    throw Error(ErrorKind::protocol, req::R12_4_3_1_8,
                "GroupInfo cipher suite " + std::to_string(gi.group_context.cipher_suite) +
                    " or version " + std::to_string(gi.group_context.version) +
                    " differs from the KeyPackage's");
  }
  s.tree = joined_tree(suite, gi, ratchet_tree, config);
  const RatchetTree& tree = s.tree;
  LeafIndex signer(gi.signer);
  // RFC 9420 §12.4.3.1 [R12.4.3.1-10]
  //    Identify a leaf whose LeafNode is
  //    identical to the one in the KeyPackage.  If no such field exists, return an
  //    error.
  std::optional<LeafIndex> mine;
  for (uint32_t i = 0; i < tree.leaf_count().value && !mine; ++i) {
    if (tree.has_leaf(LeafIndex(i)) && tree.leaf(LeafIndex(i)) == kp.leaf_node) {
      mine = LeafIndex(i);
    }
  }
  // Not switchable (ref/rule_switch.h): without our leaf there is no position to join at.
  if (!mine) {
    throw Error(ErrorKind::protocol, req::R12_4_3_1_10, "our KeyPackage's leaf is not in the tree");
  }
  // RFC 9420 §13.4 [R13.4-8]: joined_tree checked every leaf as sent; our own
  // leaf is checked again as we represent it to ourselves, without GREASE
  // (R13.5-7, validate_own_leaf_in_group)
  //    A client joining a group MUST verify that it supports every extension in the
  //    GroupContext for the group.
  validate_own_leaf_in_group(tree, gi.group_context, *mine);
  // RFC 9420 §12.4.3.1 [R12.4.3.1-11]
  //    Construct a new group state using the information in the GroupInfo object.
  //    * Initialize the GroupContext for the group from the `group_context` field
  //      from the GroupInfo object.
  s.context = gi.group_context;
  //    Update the leaf `my_leaf` with the private key corresponding to the
  //    public key in the node
  s.own.leaf = *mine;
  s.own.private_keys[NodeIndex(*mine).value] = bundle.encryption_private_key;
  // RFC 9420 §12.4.3.1 [R12.4.3.1-i2]: a leaf has no common ancestor with itself, so
  // a path secret in a GroupInfo we signed ourselves is for no node
  //    If the `path_secret` value is set in the GroupSecrets object: Identify the
  //    lowest common ancestor of the leaf node `my_leaf` and of the node of
  //    the member with leaf index `GroupInfo.signer`. Set the private key for
  //    this node to the private key derived from the `path_secret`.
  if (o.secrets.path_secret) {
    // Not switchable (ref/rule_switch.h): there is no node to set the key of.
    if (signer == *mine) {
      throw Error(
          ErrorKind::protocol, req::R12_4_3_1_i2,
          "a path secret in a GroupInfo signed by our own leaf " + std::to_string(gi.signer));
    }
    NodeIndex lca = tree_math::common_ancestor(NodeIndex(*mine), NodeIndex(signer));
    std::vector<NodeIndex> fdp = tree.filtered_direct_path(signer);
    auto it = std::find(fdp.begin(), fdp.end(), lca);
    // RFC 9420 §12.4.3.1 [R12.4.3.1-12]: the committer's UpdatePath set public
    // keys only on its filtered direct path; off it, the derived private key
    // cannot be the one of the node's public key.
    //    The private key MUST be the private key
    //    that corresponds to the public key in the node.
    // Not switchable (ref/rule_switch.h): without the common ancestor there is no path secret to place.
    if (it == fdp.end()) {
      throw Error(ErrorKind::protocol, req::R12_4_3_1_12,
                  "the common ancestor (node " + std::to_string(lca.value) +
                      ") is not on the committer's filtered direct path");
    }
    //    For each parent of the common ancestor, up to the root of the tree,
    //    derive a new path secret, and set the private key for the node to the
    //    private key derived from the path secret.
    TreeKemPathSecret secret = o.secrets.path_secret->path_secret;
    for (; it != fdp.end(); ++it) {
      s.own.set_path_secret(suite, *it, secret);
      secret = next_path_secret(suite, secret);
    }
  }
  // RFC 9420 §12.4.3.1 [R12.4.3.1-12]
  //    The private key MUST be the private key
  //    that corresponds to the public key in the node.
  s.own.check_consistent(suite, tree);

  if (resumed == ResumptionPSKUsage::reinit) {
    // RFC 9420 §12.4.3.1 [R12.4.3.1-i3]
    //    Additionally, verify that all the members of the old group are also
    //    members of the new group, according to the application.
    // (mlsref's notion of the same member, as for branches: an equal credential)
    const std::vector<Credential> now = member_credentials(tree);
    for (const Credential& c : resumed_from->members) {
      if (std::find(now.begin(), now.end(), c) == now.end() && enforced(req::R12_4_3_1_i3)) {
        throw Error(ErrorKind::protocol, req::R12_4_3_1_i3,
                    "a member of the old group is not in the reinitialized group");
      }
    }
  }
  if (resumed == ResumptionPSKUsage::branch) {
    // RFC 9420 §11.3 [R11.3-8]
    //    Each LeafNode in a new subgroup MUST match some LeafNode in the original
    //    group. In this context, a pair of LeafNodes is said to "match" if the
    //    identifiers presented by their respective credentials are considered
    //    equivalent by the application.
    // (mlsref's notion of equivalent: equal credentials)
    const std::vector<Credential>& old = resumed_from->members;
    for (uint32_t i = 0; i < tree.leaf_count().value; ++i) {
      if (!tree.has_leaf(LeafIndex(i))) {
        continue;
      }
      bool found =
          std::find(old.begin(), old.end(), tree.leaf(LeafIndex(i)).credential) != old.end();
      if (!found && enforced(req::R11_3_8)) {
        throw Error(ErrorKind::protocol, req::R11_3_8,
                    leaf_name(LeafIndex(i)) + " of the branch is no member of the old group");
      }
    }
  }
  // RFC 9420 §12.4.3.1 [R12.4.3.1-13]
  //    Use the `joiner_secret` from the GroupSecrets object to generate the epoch secret and other
  //    derived secrets for the current epoch.
  s.secrets = derive_epoch_from_joiner(suite, o.secrets.joiner_secret, o.psk_secret, s.context);
  // RFC 9420 §12.4.3.1 [R12.4.3.1-15]
  //    Verify the confirmation tag in the GroupInfo using the derived confirmation
  //    key and the `confirmed_transcript_hash` from the GroupInfo.
  try {
    verify_confirmation_tag(suite, s.secrets.confirmation_key,
                            gi.group_context.confirmed_transcript_hash, gi.confirmation_tag,
                            "12.4.3.1");
  } catch (const Error& e) {
    // Rethrown with the rule that asked for the check; the kind is kept.
    if (enforced(req::R12_4_3_1_15)) {
      throw Error(e.kind(), req::R12_4_3_1_15, "GroupInfo confirmation_tag: " + e.message());
    }
  }
  // RFC 9420 §12.4.3.1 [R12.4.3.1-14]: s.context is the GroupInfo's group_context
  //    Set the confirmed transcript hash in the new state to the value of the
  //    `confirmed_transcript_hash` in the GroupInfo.
  // RFC 9420 §12.4.3.1 [R12.4.3.1-16]
  //    Use the confirmed transcript hash and confirmation tag to compute the interim transcript
  //    hash in the new state.
  s.confirmation_tag = gi.confirmation_tag;
  s.interim_transcript_hash = interim_transcript_hash(
      suite, gi.group_context.confirmed_transcript_hash, gi.confirmation_tag);
  s.secret_tree.emplace(suite, tree.leaf_count(), s.secrets.encryption_secret,
                        config.ratchet_limits);
  s.secrets.delete_consumed();
  s.resumption_psks[s.context.epoch] = s.secrets.resumption_psk;
  return Group(std::move(config), std::move(s));
}

// ---------------------------------------------------------------- receiving

ProcessedMessage Group::process_message(ByteView message_bytes) {
  return process_message(decode<MLSMessage>(message_bytes));
}

ProcessedMessage Group::process_message(const MLSMessage& message) {
  // After a ReInit commit nobody may send in this group (§12.4.2), so
  // nothing that arrives for it is accepted either.
  check_usable();
  const CipherSuite& suite = *state_.suite;
  const GroupContext& ctx = state_.context;
  AuthenticatedContent ac;
  // The secret tree before the message: restored if anything after the
  // decryption rejects it, so a rejected message consumes no key.
  SecretTree before = *state_.secret_tree;
  try {
    if (const auto* pm = std::get_if<PublicMessage>(&message.body)) {
      const FramedContent& c = pm->content;
      Bytes signature_key;
      switch (c.sender.sender_type) {
        case SenderType::member: {
          LeafIndex l(c.sender.leaf_index);
          // RFC 9420 §6.1 [R6.1-2]
          //    `member`: The signature key contained in the LeafNode at the index
          //    indicated by `leaf_index` in the ratchet tree.
          // Not switchable (ref/rule_switch.h): a blank sender has no signature key to verify with.
          if (!state_.tree.has_leaf(l)) {
            throw Error(
                ErrorKind::protocol, req::R6_1_2,
                "a PublicMessage from " + leaf_name(l) + ", which is blank or outside the tree");
          }
          signature_key = state_.tree.leaf(l).signature_key;
          break;
        }
        case SenderType::external: {
          // RFC 9420 §6.1 [R6.1-4]
          //    The `content_type` of the message MUST be `proposal` and
          //    the `proposal_type` MUST be a value that is allowed for external
          //    senders.
          if (c.content_type != ContentType::proposal && enforced(req::R6_1_4)) {
            throw Error(ErrorKind::protocol, req::R6_1_4,
                        "an external sender may only send proposals, not content type " +
                            std::to_string(static_cast<unsigned>(c.content_type)));
          }
          // RFC 9420 §6.1 [R6.1-3]
          //    `external`: The signature key at the index indicated by
          //    `sender_index` in the `external_senders` group context extension
          //    (see {{external-senders-extension}}).
          auto senders = external_senders(ctx.extensions);
          // Not switchable (ref/rule_switch.h): there is no such external sender to take a key from.
          if (c.sender.sender_index >= senders.size()) {
            throw Error(ErrorKind::protocol, req::R6_1_3,
                        "external sender " + std::to_string(c.sender.sender_index) +
                            " is not in the external_senders extension");
          }
          signature_key = senders[c.sender.sender_index].signature_key;
          break;
        }
        case SenderType::new_member_proposal:
          // RFC 9420 §6.1 [R6.1-7, R6.1-8]
          //    `new_member_proposal`: The signature key in the LeafNode in the
          //    KeyPackage embedded in an external Add proposal. The
          //    `content_type` of the message MUST be `proposal` and the
          //    `proposal_type` of the Proposal MUST be `add`.
          // Not switchable without an Add (ref/rule_switch.h): there is no
          // signature key to verify with.
          if ((c.content_type != ContentType::proposal ||
               !std::holds_alternative<Add>(c.proposal.body)) &&
              (enforced(req::R6_1_8) || !std::holds_alternative<Add>(c.proposal.body))) {
            throw Error(ErrorKind::protocol, req::R6_1_8,
                        "a new_member_proposal sender may only send an Add proposal");
          }
          signature_key = std::get<Add>(c.proposal.body).key_package.leaf_node.signature_key;
          break;
        case SenderType::new_member_commit:
          // RFC 9420 §6.1 [R6.1-6]
          //    The `content_type` of the message MUST be `commit`.
          // Not switchable (ref/rule_switch.h): only a Commit's path has a
          // signature key to verify with.
          if (c.content_type != ContentType::commit) {
            throw Error(ErrorKind::protocol, req::R6_1_6,
                        "a new_member_commit sender sends only a Commit");
          }
          // RFC 9420 §12.4.3.2 [R12.4.3.2-1]
          //    External Commits MUST contain a `path` field
          // Not switchable (ref/rule_switch.h): without a path there is no
          // signature key to verify with.
          if (!c.commit.path) {
            throw Error(ErrorKind::protocol, req::R12_4_3_2_1,
                        "a new_member_commit sender's message has no Commit path");
          }
          // RFC 9420 §6.1 [R6.1-5]
          //    `new_member_commit`: The signature key in the LeafNode in the Commit's
          //    path (see {{joining-via-external-commits}}).
          // RFC 9420 §12.4.3.2 [R12.4.3.2-3, R12.4.3.2-4]
          //    External Commits MUST be signed by the new member.  In particular, the
          //    signature on the enclosing AuthenticatedContent MUST verify using the public key for
          //    the credential in the `leaf_node` of the `path` field.
          signature_key = c.commit.path->leaf_node.signature_key;
          break;
      }
      // RFC 9420 §12.4.2 [R12.4.2-2]: any message, a Commit among them
      //    Unprotect the Commit using the keys from the current epoch: [...]
      ac = unprotect_public(suite, *pm, ctx, state_.secrets.membership_key, signature_key);
    } else if (const auto* priv = std::get_if<PrivateMessage>(&message.body)) {
      // RFC 9420 §12.4.2 [R12.4.2-2]
      //    Unprotect the Commit using the keys from the current epoch: [...]
      ac = unprotect_private(suite, *priv, ctx, *state_.secret_tree,
                             state_.secrets.sender_data_secret,
                             [&](LeafIndex l) { return state_.tree.leaf(l).signature_key; });
    } else {
      // RFC 9420 §6: no requirement covers it; only PublicMessage and
      // PrivateMessage carry content for a group. The application chooses the
      // function by wire_format: a Welcome goes to join, a GroupInfo to
      // join_external.
      throw Error(ErrorKind::usage, "6",
                  "a Welcome, GroupInfo or KeyPackage is not a message within a group");
    }

    ProcessedMessage out;
    out.sender = ac.content.sender;
    out.epoch = ac.content.epoch;
    out.authenticated_data = ac.content.authenticated_data;
    out.wire_format = ac.wire_format;
    const Sender& sender = ac.content.sender;
    switch (ac.content.content_type) {
      case ContentType::application:
        out.content = ApplicationMessage{ac.content.application_data};
        break;
      case ContentType::proposal: {
        const Proposal& p = ac.content.proposal;
        ProposalType t = p.proposal_type();
        if (sender.sender_type == SenderType::external) {
          // RFC 9420 §6.1 [R6.1-4]: its second half (the first is checked
          // with the sender's key)
          //    the `proposal_type`
          //    MUST be a value that is allowed for external senders.
          // RFC 9420 §12.1.8 [R12.1.8-2]
          //    Messages from `external` senders containing proposal types other
          //    than the above MUST be rejected as malformed.
          bool allowed = false;
          for (const auto& row : proposal_type_registry()) {
            allowed |= row.value == t && row.external;
          }
          if (!allowed && enforced(req::R12_1_8_2)) {
            throw Error(ErrorKind::protocol, req::R12_1_8_2,
                        "proposal type " + std::to_string(t) + " from an external sender");
          }
        }
        if (std::holds_alternative<ExternalInit>(p.body)) {
          // RFC 9420 §12.1.6 [R12.1.6-i1]
          //    An ExternalInit proposal is used by new members that want to join a group by
          //    using an external commit. This proposal can only be used in that context.
          if (enforced(req::R12_1_6_i1)) {
            throw Error(ErrorKind::protocol, req::R12_1_6_i1,
                        "an ExternalInit proposal outside an external commit");
          }
        }
        validate_proposal(proposal_check(state_, ctx), p, sender);
        if (const auto* u = std::get_if<Update>(&p.body)) {
          // RFC 9420 §7.3 / §11.1: the new leaf must support the group's
          // extensions and required capabilities.
          RatchetTree trial = state_.tree;
          trial.update_leaf(LeafIndex(sender.leaf_index), u->leaf_node);
          validate_leaf_in_group(trial, ctx, LeafIndex(sender.leaf_index));
        }
        out.content = QueuedProposal{proposal_ref(suite, ac), p, sender, ac.content.group_id,
                                     ac.content.epoch};
        break;
      }
      case ContentType::commit:
        out.content = stage_commit(ac);
        break;
    }
    return out;
  } catch (...) {
    *state_.secret_tree = std::move(before);
    throw;
  }
}

void Group::store_pending_proposal(QueuedProposal proposal) {
  // A proposal processed in another group or epoch is not one of this epoch's,
  // and a Commit of this epoch must not resolve a reference to it. The rules
  // are those process_message checked against the group it was processed in:
  // RFC 9420 §8.1 [R8.1-1]
  //    The `group_id` field is constant.
  if (proposal.epoch && proposal.group_id != state_.context.group_id && enforced(req::R8_1_1)) {
    throw Error(ErrorKind::protocol, req::R8_1_1,
                "a proposal of another group cannot be stored in this one");
  }
  // RFC 9420 §12.1 [R12.1-1]
  //    On receiving a FramedContent containing a Proposal, a client MUST verify the
  //    signature inside FramedContentAuthData and that the `epoch` field of the enclosing
  //    FramedContent is equal to the `epoch` field of the current GroupContext object.
  //    If the verification is successful, then the Proposal should be cached [...]
  if (proposal.epoch && *proposal.epoch != state_.context.epoch && enforced(req::R12_1_1)) {
    throw Error(ErrorKind::protocol, req::R12_1_1,
                "a proposal of epoch " + std::to_string(*proposal.epoch) +
                    " cannot be stored in epoch " + std::to_string(state_.context.epoch));
  }
  for (const auto& q : state_.proposal_store) {
    if (q.ref == proposal.ref) {
      return;
    }
  }
  state_.proposal_store.push_back(std::move(proposal));
}

void Group::merge_staged_commit(StagedCommit commit) {
  // Not switchable (ref/rule_switch.h): there is no next epoch to merge.
  if (!commit.next_ || commit.next_->context.group_id != state_.context.group_id ||
      commit.next_->context.epoch != state_.context.epoch + 1) {
    // RFC 9420 §12.4.2 [R12.4.2-1]: a commit staged in another epoch (or group)
    // does not carry the current epoch.
    //    Verify that the `epoch` field of the enclosing FramedContent is equal
    //    to the `epoch` field of the current GroupContext object.
    throw Error(ErrorKind::protocol, req::R12_4_2_1,
                "the staged commit does not follow this group's current epoch " +
                    std::to_string(state_.context.epoch));
  }
  // RFC 9420 §12.4.2 [R12.4.2-24]: the new epoch replaces the state only here,
  // once stage_commit has checked everything
  //    If the above checks are successful, consider the new GroupContext object as the current
  //    state of the group.
  // RFC 9420 §15.2 [R15.2-2]: the new epoch's secret tree comes with it, and
  // create_message always encrypts with the current epoch's
  //    Hence this change MUST be applied before encrypting any new application message.
  state_ = std::move(*commit.next_);
  pending_commit_.reset();
}

void Group::merge_pending_commit() {
  // Not a rule of RFC 9420: a request with nothing to do.
  if (!pending_commit_) {
    throw Error(ErrorKind::usage, "12.4.1", "there is no pending commit to merge");
  }
  StagedCommit c = std::move(*pending_commit_);
  pending_commit_.reset();
  merge_staged_commit(std::move(c));
}

// ---------------------------------------------------------------- sending

FramedContent Group::new_content(ContentType type, Bytes aad) const {
  FramedContent c;
  c.group_id = state_.context.group_id;
  c.epoch = state_.context.epoch;
  c.sender = Sender::member(state_.own.leaf.value);
  c.authenticated_data = std::move(aad);
  c.content_type = type;
  return c;
}

MLSMessage Group::protect_handshake(const Signer& signer, const FramedContent& content,
                                    ByteView confirmation_tag) {
  const CipherSuite& suite = *state_.suite;
  if (config_.handshake_private) {
    return MLSMessage{mls10, protect_private(suite, content, signer.private_key, state_.context,
                                             *state_.secret_tree, state_.secrets.sender_data_secret,
                                             rng(), confirmation_tag, config_.padding)};
  }
  return MLSMessage{mls10, protect_public(suite, content, signer.private_key, state_.context,
                                          state_.secrets.membership_key, confirmation_tag)};
}

std::pair<MLSMessage, Bytes> Group::send_proposal(const Signer& signer, Proposal proposal) {
  check_signer(signer);
  const CipherSuite& suite = *state_.suite;
  Sender me = Sender::member(state_.own.leaf.value);
  check_not_grease(proposal);
  validate_proposal(proposal_check(state_, state_.context), proposal, me);
  FramedContent c = new_content(ContentType::proposal);
  c.proposal = proposal;
  WireFormat wf = config_.handshake_private ? wire_format::mls_private_message
                                            : wire_format::mls_public_message;
  // The signature is deterministic (§5.1.2 with EdDSA / RFC 6979 ECDSA), so the
  // AuthenticatedContent behind the ProposalRef is the one the message carries.
  AuthenticatedContent ac{wf, c, {}};
  ac.auth.signature = suite.sign_with_label(signer.private_key, signature_label::framed_content_tbs,
                                            framed_content_tbs(wf, c, state_.context));
  Bytes ref = proposal_ref(suite, ac);
  MLSMessage m = protect_handshake(signer, c, {});
  store_pending_proposal(
      QueuedProposal{ref, std::move(proposal), me, state_.context.group_id, state_.context.epoch});
  return {std::move(m), std::move(ref)};
}

LeafNode Group::updated_leaf(const LeafNodeParameters& params,
                             const CredentialWithKey* new_signer) const {
  LeafNode leaf = state_.tree.leaf(state_.own.leaf);
  if (params.credential_with_key()) {
    leaf.credential = params.credential_with_key()->credential;
    leaf.signature_key = params.credential_with_key()->signature_key;
  }
  if (new_signer != nullptr) {
    leaf.credential = new_signer->credential;
    leaf.signature_key = new_signer->signature_key;
  }
  if (params.extensions()) {
    leaf.extensions = *params.extensions();
  }
  if (!params.empty() || new_signer != nullptr) {
    // The application's capabilities, or those the leaf had (without their
    // GREASE, which is drawn afresh).
    std::optional<Capabilities> given = params.capabilities();
    if (!given) {
      given = without_grease(leaf).capabilities;
    }
    set_own_capabilities(leaf, given, config_.grease, rng());
  }
  return leaf;
}

std::pair<MLSMessage, Bytes> Group::propose_self_update(const Signer& signer,
                                                        LeafNodeParameters params) {
  check_signer(signer);
  const CipherSuite& suite = *state_.suite;
  if (params.credential_with_key() &&
      params.credential_with_key()->signature_key != signer.public_key) {
    // RFC 9420 §12.1.2: no requirement forbids it; we sign the new LeafNode with
    // `signer`, so it cannot carry another signature_key (R7.3-2 would fail).
    throw Error(ErrorKind::usage, "12.1.2",
                "an Update signed by the old key cannot carry a new signature key");
  }
  LeafIndex me = state_.own.leaf;
  LeafNode leaf = updated_leaf(params, nullptr);
  hpke::KeyPair keys = suite.generate_key_pair(rng());
  leaf.encryption_key = keys.public_key;
  leaf.leaf_node_source = LeafNodeSource::update;
  leaf.lifetime = {};
  leaf.parent_hash.clear();
  // RFC 9420 §7.2 [R7.2-7]
  //    Each modification of LeafNode content MUST be reflected by a change in its signature.
  leaf.sign(suite, signer.private_key, state_.context.group_id, me.value);
  // RFC 9420 §7.3 / §11.1: the new leaf must support the group's extensions
  // and required capabilities; refused before anything is sent.
  RatchetTree trial = state_.tree;
  trial.update_leaf(me, leaf);
  validate_own_leaf_to_send(suite, trial, state_.context, me);
  auto out = send_proposal(signer, Proposal{Update{leaf}});
  state_.own_update_keys[keys.public_key] = keys.private_key;
  return out;
}

std::pair<MLSMessage, Bytes> Group::propose_add_member(const Signer& signer,
                                                       const KeyPackage& key_package) {
  return send_proposal(signer, Proposal{Add{key_package}});
}

std::pair<MLSMessage, Bytes> Group::propose_remove_member(const Signer& signer, LeafIndex leaf) {
  return send_proposal(signer, Proposal{Remove{leaf.value}});
}

PreSharedKeyID Group::with_psk_nonce(PreSharedKeyID id) const {
  // RFC 9420 §8.4 [R8.4-2]
  //    Each time a client injects a PSK into a group, the `psk_nonce` of its
  //    PreSharedKeyID MUST be set to a fresh random value of length `KDF.Nh`, where
  //    `KDF` is the KDF for the cipher suite of the group into which the PSK is being
  //    injected.
  // RFC 9420 §12.1.4 [R12.1.4-4]
  //    The `psk_nonce` MUST be randomly sampled.
  if (id.psk_nonce.empty()) {
    id.psk_nonce.resize(state_.suite->hash_size());
    rng().randomize(id.psk_nonce.data(), id.psk_nonce.size());
  }
  return id;
}

std::pair<MLSMessage, Bytes> Group::propose_psk(const Signer& signer, PreSharedKeyID id) {
  id = with_psk_nonce(std::move(id));
  resolve_psk(id);  // we must have it ourselves
  return send_proposal(signer, Proposal{PreSharedKey{std::move(id)}});
}

std::pair<MLSMessage, Bytes> Group::propose_reinit(const Signer& signer, ReInit reinit) {
  // RFC 9420 §11.2 [R11.2-1]
  //    A member of the old group sends a ReInit proposal (see {{reinit}}).
  return send_proposal(signer, Proposal{std::move(reinit)});
}

std::pair<MLSMessage, Bytes> Group::propose_custom(const Signer& signer, ProposalType type,
                                                   Bytes proposal_data) {
  return send_proposal(signer, Proposal{CustomProposal{type, std::move(proposal_data)}});
}

std::pair<MLSMessage, Bytes> Group::propose_group_context_extensions(
    const Signer& signer, std::vector<Extension> extensions) {
  return send_proposal(signer, Proposal{GroupContextExtensions{std::move(extensions)}});
}

MLSMessage Group::create_message(const Signer& signer, ByteView application_data,
                                 ByteView authenticated_data) {
  check_signer(signer);
  // RFC 9420 §12.4 [R12.4-1]: the proposals stored this epoch are the ones we
  // observed (ours among them)
  //    A group member that has observed one or more valid proposals within an epoch MUST
  //    send a Commit message before sending application data.
  if (!state_.proposal_store.empty() && enforced(req::R12_4_1)) {
    throw Error(ErrorKind::protocol, req::R12_4_1,
                std::to_string(state_.proposal_store.size()) +
                    " proposal(s) of this epoch are not committed: commit before sending "
                    "application data");
  }
  // RFC 9420 §15
  //    Applications MUST use PrivateMessage to encrypt application messages
  FramedContent c = new_content(ContentType::application,
                                Bytes(authenticated_data.begin(), authenticated_data.end()));
  c.application_data.assign(application_data.begin(), application_data.end());
  return MLSMessage{mls10, protect_private(*state_.suite, c, signer.private_key, state_.context,
                                           *state_.secret_tree, state_.secrets.sender_data_secret,
                                           rng(), {}, config_.padding)};
}

SecureBytes Group::export_secret(std::string_view label, ByteView context, size_t length) const {
  // RFC 9420 §8.5: no requirement covers it. A member removed from the group
  // has deleted the epoch's secrets (R12.4.2-27); an export from the empty
  // exporter_secret would be a value anyone can compute.
  if (!state_.active) {
    throw Error(ErrorKind::usage, "8.5", "we are no longer a member: there is no exporter_secret");
  }
  // RFC 9420 §8.5
  //    MLS-Exporter(Label, Context, Length) =
  //           ExpandWithLabel(DeriveSecret(exporter_secret, Label),
  //                             "exported", Hash(Context), Length)
  return mls_exporter(*state_.suite, state_.secrets.exporter_secret, to_bytes(label), context,
                      length);
}

GroupInfo Group::group_info(const Signer& signer, bool with_ratchet_tree) const {
  check_signer(signer);
  GroupInfo gi;
  gi.group_context = state_.context;
  if (with_ratchet_tree) {
    gi.extensions.push_back(
        Extension{extension_type::ratchet_tree, encode(state_.tree.to_nodes())});
  }
  // RFC 9420 §12.4.3.2
  //    In other words, to join a group via an external Commit, a new member needs a
  //    GroupInfo with an `external_pub` extension present in its `extensions` field.
  // struct { HPKEPublicKey external_pub; } ExternalPub;
  gi.extensions.push_back(Extension{
      extension_type::external_pub,
      encode(external_key_pair(*state_.suite, state_.secrets.external_secret).public_key)});
  if (config_.grease) {
    add_grease_extension(gi.extensions, nullptr, true, rng());
  }
  gi.confirmation_tag = state_.confirmation_tag;
  gi.signer = state_.own.leaf.value;
  gi.sign(*state_.suite, signer.private_key);
  return gi;
}

void Group::add_external_psk(Bytes psk_id, SecureBytes psk) {
  state_.external_psks[std::move(psk_id)] = std::move(psk);
}

SecureBytes Group::resolve_psk(const PreSharedKeyID& id) const {
  // RFC 9420 §12.4.2 [R12.4.2-5]
  //    Verify that all PreSharedKey proposals in the `proposals` vector are available.
  if (id.psktype == PSKType::external) {
    auto it = state_.external_psks.find(id.psk_id);
    // Not switchable (ref/rule_switch.h): the PSK value is unknown, so no key schedule can be run.
    if (it == state_.external_psks.end()) {
      throw Error(ErrorKind::protocol, req::R12_4_2_5,
                  "external PSK " + to_hex(id.psk_id) + " unknown");
    }
    return it->second;
  }
  if (state_.resumed && id == state_.resumed->first) {
    return state_.resumed->second.bytes();  // the old group's, for the initial Commit
  }
  auto it = state_.resumption_psks.find(id.psk_epoch);
  // Not switchable (ref/rule_switch.h): the PSK value is unknown, so no key schedule can be run.
  if (id.psk_group_id != state_.context.group_id || it == state_.resumption_psks.end()) {
    throw Error(ErrorKind::protocol, req::R12_4_2_5,
                "resumption PSK of epoch " + std::to_string(id.psk_epoch) + " is not available");
  }
  return it->second.bytes();
}

// ---------------------------------------------------------------- key updates

CommitBundle Group::self_update(const Signer& signer, LeafNodeParameters params) {
  return commit_builder().leaf_node_parameters(std::move(params)).force_self_update().build(signer);
}

CommitBundle Group::self_update_with_new_signer(const Signer& old_signer, NewSignerBundle bundle,
                                                LeafNodeParameters params) {
  // build_commit refuses a bundle whose signer and key differ, and parameters
  // that carry a credential of their own.
  return commit_builder()
      .leaf_node_parameters(std::move(params))
      .new_signer(std::move(bundle))
      .force_self_update()
      .build(old_signer);
}

CommitBundle Group::commit_to_pending_proposals(const Signer& signer) {
  return commit_builder().build(signer);
}

CommitBundle Group::add_members(const Signer& signer, std::span<const KeyPackage> key_packages) {
  CommitBuilder b = commit_builder();
  for (const auto& kp : key_packages) {
    b.add(kp);
  }
  return b.force_self_update().build(signer);
}

CommitBundle Group::add_members_without_update(const Signer& signer,
                                               std::span<const KeyPackage> key_packages) {
  CommitBuilder b = commit_builder();
  for (const auto& kp : key_packages) {
    b.add(kp);
  }
  return b.build(signer);
}

CommitBundle Group::remove_members(const Signer& signer, std::span<const LeafIndex> leaves) {
  CommitBuilder b = commit_builder();
  for (LeafIndex l : leaves) {
    b.remove(l);
  }
  return b.build(signer);
}

// ---------------------------------------------------------------- CommitBuilder

CommitBuilder& CommitBuilder::add(KeyPackage key_package) {
  inline_.push_back(Proposal{Add{std::move(key_package)}});
  return *this;
}
CommitBuilder& CommitBuilder::add_without_welcome(KeyPackage key_package) {
  unwelcomed_.push_back(key_package);
  return add(std::move(key_package));
}
CommitBuilder& CommitBuilder::remove(LeafIndex leaf) {
  inline_.push_back(Proposal{Remove{leaf.value}});
  return *this;
}
CommitBuilder& CommitBuilder::psk(PreSharedKeyID id) {
  inline_.push_back(Proposal{PreSharedKey{group_->with_psk_nonce(std::move(id))}});
  return *this;
}
CommitBuilder& CommitBuilder::group_context_extensions(std::vector<Extension> extensions) {
  inline_.push_back(Proposal{GroupContextExtensions{std::move(extensions)}});
  return *this;
}
CommitBuilder& CommitBuilder::proposal(Proposal p) {
  inline_.push_back(std::move(p));
  return *this;
}
CommitBuilder& CommitBuilder::consume_proposal_store(bool yes) {
  use_store_ = yes;
  return *this;
}
CommitBuilder& CommitBuilder::filter_pending(std::function<bool(const QueuedProposal&)> keep) {
  keep_ = std::move(keep);
  return *this;
}
CommitBuilder& CommitBuilder::leaf_node_parameters(LeafNodeParameters p) {
  params_ = std::move(p);
  return *this;
}
CommitBuilder& CommitBuilder::force_self_update(bool yes) {
  force_path_ = yes;
  return *this;
}
CommitBuilder& CommitBuilder::ratchet_tree_extension(bool yes) {
  ratchet_tree_ = yes;
  return *this;
}
CommitBuilder& CommitBuilder::new_signer(NewSignerBundle bundle) {
  new_signer_ = std::move(bundle);
  return *this;
}
CommitBuilder& CommitBuilder::authenticated_data(Bytes aad) {
  aad_ = std::move(aad);
  return *this;
}
CommitBuilder& CommitBuilder::path_leaf_encryption_key(Bytes public_key) {
  path_leaf_encryption_key_ = std::move(public_key);
  return *this;
}
CommitBuilder& CommitBuilder::path_keeps_node_key(NodeIndex n) {
  path_kept_node_keys_.push_back(n);
  return *this;
}
CommitBuilder& CommitBuilder::path_node_key_of(NodeIndex n, NodeIndex from) {
  path_copied_node_keys_.emplace_back(n, from);
  return *this;
}
CommitBuilder& CommitBuilder::path_node_fresh_key(NodeIndex n) {
  path_fresh_node_keys_.push_back(n);
  return *this;
}
CommitBuilder& CommitBuilder::path_extra_ciphertext(NodeIndex n) {
  path_extra_ciphertexts_.push_back(n);
  return *this;
}
CommitBundle CommitBuilder::build(const Signer& signer) {
  return group_->build_commit(*this, signer);
}

// ---------------------------------------------------------------- §12.1.8 external

namespace {

MLSMessage external_proposal(const GroupContext& context, Sender sender, Proposal proposal,
                             const Signer& signer) {
  CipherSuite suite(context.cipher_suite);
  FramedContent c;
  c.group_id = context.group_id;
  c.epoch = context.epoch;
  c.sender = sender;
  c.content_type = ContentType::proposal;
  c.proposal = std::move(proposal);
  // RFC 9420 §12.1.8 [R12.1.8-1]
  //    An external proposal MUST be sent as a PublicMessage object, since the sender
  //    will not have the keys necessary to construct a PrivateMessage object.
  // (no membership_tag either: §6.2 gives one to member senders only)
  return MLSMessage{mls10,
                    protect_public(suite, c, signer.private_key, context, MembershipKey{}, {})};
}

}  // namespace

MLSMessage new_member_add_proposal(const GroupContext& context, const KeyPackage& key_package,
                                   const Signer& signer) {
  if (signer.public_key != key_package.leaf_node.signature_key) {
    throw Error(ErrorKind::usage, "12.1.8",
                "the signer does not own the KeyPackage's signature key");
  }
  if (key_package.cipher_suite != context.cipher_suite) {
    throw Error(ErrorKind::usage, "10.1", "the KeyPackage's cipher suite is not the group's");
  }
  return external_proposal(context, Sender{SenderType::new_member_proposal, 0, 0},
                           Proposal{Add{key_package}}, signer);
}

MLSMessage external_sender_proposal(const GroupContext& context, uint32_t sender_index,
                                    Proposal proposal, const Signer& signer) {
  auto senders = external_senders(context.extensions);
  if (sender_index >= senders.size() || senders[sender_index].signature_key != signer.public_key) {
    throw Error(ErrorKind::usage, "12.1.8.1",
                "the signer is not external sender " + std::to_string(sender_index) +
                    " of the group's external_senders extension");
  }
  // RFC 9420 §12.1.8 [R12.1.8-2]: the receiving side rejects the other
  // types as malformed, so they are refused before sending (unless the rule
  // is switched off, for a must-reject vector).
  //    Messages from `external` senders containing proposal types other than the above
  //    MUST be rejected as malformed.
  ProposalType t = proposal.proposal_type();
  bool allowed = false;
  for (const auto& row : proposal_type_registry()) {
    allowed |= row.value == t && row.external;
  }
  if (!allowed && enforced(req::R12_1_8_2)) {
    throw Error(ErrorKind::protocol, req::R12_1_8_2,
                "proposal type " + std::to_string(t) + " may not come from an external sender");
  }
  return external_proposal(context, Sender{SenderType::external, 0, sender_index},
                           std::move(proposal), signer);
}

}  // namespace mlsref
