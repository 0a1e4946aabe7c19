// RFC 9420 §12.4 Commit
#include "commit.h"

#include "rule_switch.h"

namespace mlsref {

void ProposalOrRef::encode(Writer& w) const {
  encode_into(w, type);
  if (type == ProposalOrRefType::proposal) {
    if (!proposal) {
      throw Error(ErrorKind::internal, "12.4", "a ProposalOrRef of type proposal has none");
    }
    encode_into(w, *proposal);
  } else {
    encode_into(w, reference);
  }
}

void ProposalOrRef::decode(Reader& r) {
  decode_field(r, "type", type);
  if (type == ProposalOrRefType::proposal) {
    Proposal p;
    decode_field(r, "proposal", p);
    proposal = std::move(p);
  } else {
    decode_field(r, "reference", reference);
  }
}

}  // namespace mlsref

// ---------------------------------------------------------------- §12.4.1, §12.4.2

#include <algorithm>

#include "grease.h"
#include "group.h"
#include "registries.h"
#include "requirement_ids.h"
#include "transcript_hash.h"

namespace mlsref {

namespace {

// The epoch a commit begins. The epoch is a uint64 (RFC 9420 §8.1), so a group
// at the last value cannot advance; a hostile GroupInfo or Welcome can put a
// joiner there. No RFC rule covers it: refused as unsupported, never wrapped
// to 0 (which would reuse epoch 0's PSK identifiers and nonces).
uint64_t next_epoch(uint64_t epoch) {
  if (epoch == UINT64_MAX) {
    throw Error(ErrorKind::unsupported, "8.1",
                "the group is at epoch 2^64-1 and cannot begin another epoch");
  }
  return epoch + 1;
}

// The state of the epoch a commit begins, from what the commit computed.
std::shared_ptr<GroupState> next_state(const GroupState& s, const GroupConfig& config,
                                       GroupContext context, RatchetTree tree, TreeKemPrivate own,
                                       EpochSecrets secrets, Bytes confirmation_tag) {
  const CipherSuite& suite = *s.suite;
  auto n = std::make_shared<GroupState>();
  n->suite = s.suite;
  n->interim_transcript_hash =
      interim_transcript_hash(suite, context.confirmed_transcript_hash, confirmation_tag);
  n->confirmation_tag = std::move(confirmation_tag);
  n->secret_tree.emplace(suite, tree.leaf_count(), secrets.encryption_secret,
                         config.ratchet_limits);
  n->context = std::move(context);
  n->tree = std::move(tree);
  n->own = std::move(own);
  n->external_psks = s.external_psks;
  n->resumption_psks = s.resumption_psks;
  n->resumption_psks[n->context.epoch] = secrets.resumption_psk;
  while (n->resumption_psks.size() > std::max<size_t>(config.resumption_psk_epochs, 1)) {
    n->resumption_psks.erase(n->resumption_psks.begin());
  }
  n->secrets = std::move(secrets);
  n->secrets.delete_consumed();  // §9.2: the secret tree above holds what is needed
  // The proposal store and our Update keys start empty: the epoch changed.
  return n;
}

// Every encryption key in the tree (leaves and parents).
std::set<Bytes> tree_keys(const RatchetTree& tree) {
  std::set<Bytes> keys;
  for (uint32_t i = 0; i < tree.node_count(); ++i) {
    if (!tree.blank(NodeIndex(i))) {
      keys.insert(tree.encryption_key(NodeIndex(i)));
    }
  }
  return keys;
}

// The leaves the commit added or changed, and every leaf when the extensions
// changed, checked against the new tree and GroupContext.
// `own`: our leaf, compared without its GREASE values (§13.5).
void validate_new_leaves(const RatchetTree& tree, const GroupContext& context,
                         const AppliedProposals& applied, std::optional<LeafIndex> own) {
  // RFC 9420 §12.2 [R12.2-16]
  //    After processing the Commit the ratchet tree is invalid, in particular, if it
  //    contains any leaf node that is invalid according to {{leaf-node-validation}}.
  // RFC 9420 §12.3 [R12.3-3]
  //    The new `extensions` MUST be used when evaluating other proposals in this list.
  if (applied.extensions_changed) {
    // RFC 9420 §12.1.7 [R12.1.7-1]
    //    A GroupContextExtensions proposal is invalid if it includes a
    //    `required_capabilities` extension and some members of the group do
    //    not support some of the required capabilities (including those added
    //    in the same Commit, and excluding those removed).
    for (uint32_t i = 0; i < tree.leaf_count().value; ++i) {
      LeafIndex l(i);
      if (tree.has_leaf(l)) {
        validate_leaf_capabilities(l == own ? without_grease(tree.leaf(l)) : tree.leaf(l), context,
                                   l, req::R12_1_7_1);
      }
    }
  }
  for (const auto& [l, kp] : applied.added) {
    validate_leaf_in_group(tree, context, l);
  }
  for (const auto& [l, leaf] : applied.updates) {
    if (tree.has_leaf(l)) {
      validate_leaf_in_group(tree, context, l);
    }
  }
}

}  // namespace

// ---------------------------------------------------------------- §12.4.2 processing

// The steps that creating (§12.4.1) and processing (§12.4.2) a commit share,
// quoted from §12.4.2.
Group::CheckedProposals Group::validate_and_apply(std::optional<LeafIndex> committer,
                                                  std::span<const QueuedProposal> list) const {
  const GroupState& s = state_;
  // RFC 9420 §12.2 [R12.2-1, R12.2-2]
  //    A group member creating a Commit and a group member processing a Commit
  //    MUST verify that the list of committed proposals is valid [...] If the list of
  //    proposals is invalid, then the Commit message MUST be rejected as invalid.
  // RFC 9420 §12.4 [R12.4-2]
  //    A sender and a receiver of a Commit MUST verify that the committed list of
  //    proposals is valid as specified in {{proposal-list-validation}}.
  // RFC 9420 §12.4.1 [R12.4.1-1]
  //    Verify that the list of proposals to be committed is valid as specified in
  //    {{proposal-list-validation}}.
  // RFC 9420 §12.4.2 [R12.4.2-4]
  //    Verify that the `proposals` vector is valid according to the rules in
  //    {{proposal-list-validation}}.
  ProposalCheck check = proposal_check(s, s.context);
  if (s.resumed) {
    check.resuming = s.resumed->first.usage;  // the initial Commit of §11.2 / §11.3
  }
  if (committer) {
    validate_proposal_list(check, *committer, list);
  } else {
    validate_external_proposal_list(check, list);
  }
  // Verify that all PreSharedKey proposals in the `proposals` vector are
  // available (R12.4.2-5, in resolve_psk).
  std::vector<PskInput> psks;
  for (const auto& q : list) {
    if (const auto* p = std::get_if<PreSharedKey>(&q.proposal.body)) {
      psks.push_back(PskInput{p->psk, resolve_psk(p->psk)});
    }
  }
  // RFC 9420 §12.4.1 [R12.4.1-3]
  //    Create the new ratchet tree and GroupContext by applying the list of proposals to the old
  //    ratchet tree and GroupContext, as defined in {{applying-a-proposal-list}}.
  // RFC 9420 §12.4.2 [R12.4.2-6]
  //    Create the new ratchet tree and GroupContext by applying the list of proposals to the old
  //    ratchet tree and GroupContext, as defined in {{applying-a-proposal-list}}.
  AppliedProposals ap = apply_proposals(s.context, s.tree, list);
  return {std::move(psks), std::move(ap)};
}

StagedCommit Group::stage_commit(const AuthenticatedContent& ac) const {
  const GroupState& s = state_;
  const CipherSuite& suite = *s.suite;
  const Commit& commit = ac.content.commit;
  const Sender& sender = ac.content.sender;
  const bool external = sender.sender_type == SenderType::new_member_commit;
  // RFC 9420 §6.1 [R6.1-4, R6.1-8]
  //    The `content_type` of the message MUST be `proposal` and the `proposal_type`
  //    MUST be a value that is allowed for external senders. [...] The `content_type`
  //    of the message MUST be `proposal` and the `proposal_type` of the Proposal MUST
  //    be `add`.
  // Not switchable (ref/rule_switch.h): such a sender has no leaf to commit from.
  if (sender.sender_type != SenderType::member && !external) {
    throw Error(
        ErrorKind::protocol, sender.sender_type == SenderType::external ? req::R6_1_4 : req::R6_1_8,
        "a Commit from a sender of type " +
            std::to_string(static_cast<unsigned>(sender.sender_type)) + ", which is not a member");
  }
  LeafIndex committer(sender.leaf_index);
  // Not a rule of RFC 9420: our own commit comes back from the delivery
  // service; it was staged when we created it.
  if (!external && committer == s.own.leaf) {
    throw Error(ErrorKind::usage, "12.4.2",
                "a Commit of our own: merge it with merge_pending_commit");
  }
  // Proposals by value come from the committer; by reference from the store.
  std::vector<QueuedProposal> list;
  for (const ProposalOrRef& p : commit.proposals) {
    if (p.type == ProposalOrRefType::proposal) {
      list.push_back(QueuedProposal{{}, *p.proposal, sender});
      continue;
    }
    // RFC 9420 §12.4.3.2 [R12.4.3.2-2]
    //    The Commit MUST NOT include any proposals by reference, since an external
    //    joiner cannot determine the validity of proposals sent within the group.
    // (Switched off, the reference is looked up as in a member's Commit.)
    if (external && enforced(req::R12_4_3_2_2)) {
      throw Error(ErrorKind::protocol, req::R12_4_3_2_2,
                  "an external Commit with a proposal by reference");
    }
    auto it = std::find_if(s.proposal_store.begin(), s.proposal_store.end(),
                           [&](const QueuedProposal& q) { return q.ref == p.reference; });
    // RFC 9420 §12.4 [R12.4-2]: a proposal we do not have cannot be verified,
    // so the list cannot be shown valid.
    //    A sender and a receiver of a Commit MUST verify that the committed list of
    //    proposals is valid as specified in {{proposal-list-validation}}.
    // Not switchable (ref/rule_switch.h): the proposal is unknown, so there is nothing to apply.
    if (it == s.proposal_store.end()) {
      throw Error(
          ErrorKind::protocol, req::R12_4_2,
          "the Commit references proposal " + to_hex(p.reference) + ", which we do not have");
    }
    list.push_back(*it);
  }
  CheckedProposals checked =
      validate_and_apply(external ? std::nullopt : std::optional<LeafIndex>(committer), list);
  const std::vector<PskInput>& psks = checked.psks;
  AppliedProposals& ap = checked.applied;
  std::set<Bytes> keys_before_join;
  if (external) {
    // RFC 9420 §12.4.3.2 [R12.4.3.2-1]
    //    External Commits MUST contain a `path` field
    // Not switchable (ref/rule_switch.h): without a path there is no leaf for
    // the joiner. (process_message checks it first, with the sender.)
    if (!commit.path) {
      throw Error(ErrorKind::protocol, req::R12_4_3_2_1, "an external Commit without a path");
    }
    keys_before_join = tree_keys(ap.tree);
    // RFC 9420 §12.4.2 [R12.4.2-10]
    //    If this is an external Commit, assign the sender the leftmost blank leaf node in
    //    the new ratchet tree.
    // RFC 9420 §12.4.3.2
    //    The joiner is added at the leftmost free leaf node (just as if they
    //    were added with an Add proposal), and the path is calculated relative to that
    //    leaf node.
    committer = ap.tree.add_leaf(commit.path->leaf_node);
  }
  // RFC 9420 §12.4.2 [R12.4.2-7]
  //    Verify that the `path` value is populated if the `proposals` vector
  //    contains any Update or Remove proposals, or if it's empty.
  // RFC 9420 §12.4 [R12.4-7]
  //    By default, the `path` field of a Commit MUST be populated.
  // RFC 9420 §12.4.2 [R12.4.2-8]: a Commit without a path is accepted unless path_required
  //    Otherwise, the `path` value MAY be omitted.
  if (path_required(list) && !commit.path && enforced(req::R12_4_2_7)) {
    throw Error(ErrorKind::protocol, req::R12_4_2_7,
                "the Commit has no path, but its proposals require one");
  }
  StagedCommit sc;
  sc.proposals_ = list;
  sc.updates_ = ap.updates;
  sc.removed_ = ap.removed;
  sc.added_ = ap.added;
  sc.psks_ = ap.psks;
  sc.committer_ = committer;
  sc.self_removed_ =
      std::find(ap.removed.begin(), ap.removed.end(), s.own.leaf) != ap.removed.end();

  TreeKemPrivate own = s.own;
  for (const auto& [l, leaf] : ap.updates) {
    if (l == own.leaf) {
      // Our own Update, committed by another member: its private key is the
      // one we kept when we proposed it.
      auto it = s.own_update_keys.find(leaf.encryption_key);
      // RFC 9420 §12.1.2: no requirement covers it; an Update from our leaf that
      // we did not send leaves us without the private key of our new leaf. Peer
      // input cannot produce it: an Update from our leaf carries our signature
      // (R12.1.2-1 is checked before), and we keep the key of each one we sign.
      if (it == s.own_update_keys.end()) {
        throw Error(ErrorKind::internal, "12.1.2",
                    "an Update of our leaf that we did not propose in this epoch");
      }
      own.private_keys[NodeIndex(l).value] = it->second;
    }
  }
  own.prune(ap.tree);

  // RFC 9420 §12.4.2 [R12.4.2-16]: the new extensions, tree hash (set below) and epoch
  //    Construct a provisional GroupContext object containing the following values: [...]
  GroupContext provisional = ap.context;
  // RFC 9420 §8.1 [R8.1-2]
  //    The `epoch` field increments by one for each Commit message that is processed.
  provisional.epoch = next_epoch(s.context.epoch);
  RatchetTree tree = std::move(ap.tree);
  // RFC 9420 §12.4.2 [R12.4.2-19]: replaced below when there is a path
  //    If the `path` value is not populated, define `commit_secret` as the all-zero vector of
  //    length `KDF.Nh` (the same length as a `path_secret` value would be).
  CommitSecret commit_secret(SecureBytes(suite.hash_size(), 0));
  // RFC 9420 §12.4.2 [R12.4.2-9]
  //    If the `path` value is populated, validate it and apply it to the tree:
  if (commit.path) {
    const LeafNode& leaf = commit.path->leaf_node;
    // RFC 9420 §12.4.2 [R12.4.2-11, R12.4.2-12]
    //    Validate the LeafNode as specified in {{leaf-node-validation}}. The
    //    `leaf_node_source` field MUST be set to `commit`.
    // RFC 9420 §7.5 [R7.5-1]: validated as for an Update, here and below
    // (R12.4.2-13, R5.3.1-6, validate_leaf_in_group)
    //    Since the new leaf node effectively updates an existing leaf node in the group, it MUST
    //    adhere to the same restrictions as LeafNodes used in Update proposals (aside from
    //    `leaf_node_source`).
    leaf.validate(suite, LeafNodeSource::commit, s.context.group_id, committer.value, std::nullopt);
    // RFC 9420 §12.4.2 [R12.4.2-13]
    //    Verify that the `encryption_key` value in the LeafNode is different from the
    //    committer's current leaf node.
    // (An external joiner has no current leaf: the one added above is the path's.)
    if (!external && leaf.encryption_key == tree.leaf(committer).encryption_key &&
        enforced(req::R12_4_2_13)) {
      throw Error(ErrorKind::protocol, req::R12_4_2_13,
                  "the UpdatePath leaf keeps the encryption_key of the committer's leaf " +
                      std::to_string(committer.value));
    }
    // RFC 9420 §12.4.2 [R12.4.2-14]
    //    Verify that none of the public keys in the UpdatePath appear in any node of
    //    the new ratchet tree.
    // RFC 9420 §16.7 [R16.7-1]: nor twice in the UpdatePath itself, whose
    // keys all end up in the tree
    //    The encryption and signature keys stored in the `encryption_key` and
    //    `signature_key` fields of ratchet tree nodes MUST be distinct from one another.
    std::set<Bytes> keys = external ? keys_before_join : tree_keys(tree);
    bool repeated = !keys.insert(leaf.encryption_key).second;
    for (const auto& n : commit.path->nodes) {
      repeated |= !keys.insert(n.encryption_key).second;
    }
    if (repeated && enforced(req::R12_4_2_14)) {
      throw Error(ErrorKind::protocol, req::R12_4_2_14,
                  "a public key of the UpdatePath already appears in the tree");
    }
    // RFC 9420 §12.4.2 [R12.4.2-14]: a leaf's signature_key is a public key in a
    // node too, and the path's leaf brings its own
    //    Verify that none of the public keys in the UpdatePath appear in any node of
    //    the new ratchet tree.
    // RFC 9420 §16.7 [R16.7-1]: (a member that does not derive a node's key
    // would otherwise accept a tree that every joiner refuses, R12.4.3.1-9)
    //    The encryption and signature keys stored in the `encryption_key` and
    //    `signature_key` fields of ratchet tree nodes MUST be distinct from one another.
    auto is_signature_key = [&](const Bytes& key) {
      return key == leaf.signature_key || !tree.leaves_with_signature_key(key).empty();
    };
    bool signature_key = is_signature_key(leaf.encryption_key);
    for (const auto& n : commit.path->nodes) {
      signature_key |= is_signature_key(n.encryption_key);
    }
    if (signature_key && enforced(req::R16_7_1)) {
      throw Error(ErrorKind::protocol, req::R16_7_1,
                  "a public key of the UpdatePath is a signature_key of the tree");
    }
    if (external && !ap.removed.empty()) {
      // RFC 9420 §12.2 [R12.2-19]
      //    If a Remove proposal is present, then the LeafNode in the
      //    `path` field of the external Commit MUST meet the same criteria as would the LeafNode
      //    in an Update for the removed leaf (see {{update}}).
      // (§7.3 for an Update: a different encryption_key than the leaf replaced)
      const LeafNode& removed = s.tree.leaf(ap.removed.front());
      if (leaf.encryption_key == removed.encryption_key && enforced(req::R12_2_19)) {
        throw Error(ErrorKind::protocol, req::R12_2_19,
                    "the external Commit's leaf keeps the removed leaf's encryption_key");
      }
      // RFC 9420 §12.2 [R12.2-20]: the application judges, by
      // GroupConfig::resync_validator; without one, mlsref's notion of the
      // same member (as for branches, R11.3-8): an equal credential
      //    In particular, the `credential` in the LeafNode MUST present a set of identifiers
      //    that is acceptable to the application for the removed participant.
      const bool acceptable = config_.resync_validator
                                  ? config_.resync_validator(removed.credential, leaf.credential)
                                  : removed.credential == leaf.credential;
      if (!acceptable && enforced(req::R12_2_20)) {
        throw Error(ErrorKind::protocol, req::R12_2_20,
                    "the external Commit's credential is not acceptable for the member it removes");
      }
    }
    const LeafNode& old = external ? LeafNode{} : tree.leaf(committer);
    // RFC 9420 §5.3.1 [R5.3.1-1, R5.3.1-6]
    //    Whenever a new credential is introduced in the group, it MUST be validated
    //    with the AS. [...] When a member receives a Commit with an UpdatePath whose
    //    LeafNode has a new credential for the committer
    if ((external || leaf.credential != old.credential ||
         leaf.signature_key != old.signature_key) &&
        config_.credential_validator &&
        !config_.credential_validator(leaf.credential, leaf.signature_key) &&
        enforced(req::R5_3_1_6)) {
      throw Error(ErrorKind::protocol, req::R5_3_1_6,
                  "the Authentication Service rejects the new credential of the committer, leaf " +
                      std::to_string(committer.value));
    }
    std::set<uint32_t> excluded;
    for (const auto& [l, kp] : ap.added) {
      excluded.insert(l.value);
    }
    // RFC 9420 §12.4.2 [R12.4.2-15, R12.4.2-17]: process_update_path merges, then
    // decrypts; one removed by this Commit only merges
    //    Merge the UpdatePath into the new ratchet tree, as described in
    //    {{synchronizing-views-of-the-tree}}. [...] Decrypt the path secrets for
    //    UpdatePath [...] using the provisional GroupContext as the context for HPKE
    //    decryption.
    if (sc.self_removed_) {
      merge_update_path(suite, tree, committer, *commit.path, s.context.group_id);
      provisional.tree_hash = tree.root_tree_hash(suite);
    } else {
      ProcessedPath pp =
          process_update_path(suite, tree, committer, *commit.path, provisional, own, excluded);
      // RFC 9420 §12.4.2 [R12.4.2-18]
      //    Define `commit_secret` as the value `path_secret[n+1]` derived from the last path
      //    secret value (`path_secret[n]`) derived for the UpdatePath.
      commit_secret = pp.commit_secret;
    }
    validate_leaf_in_group(tree, provisional, committer);
    sc.path_leaf_ = leaf;
  } else {
    // R12.4.2-19: commit_secret keeps the all-zero value it was given above.
    // RFC 9420 §8.1 [R8.1-3]: here, and in process_update_path for a path
    //    The `tree_hash` is updated to represent the current tree and credentials.
    provisional.tree_hash = tree.root_tree_hash(suite);
  }
  validate_new_leaves(tree, provisional, ap, state_.own.leaf);

  // RFC 9420 §12.4.2 [R12.4.2-20]: the interim one in next_state
  //    Update the confirmed and interim transcript hashes using the new Commit,
  //    and generate the new GroupContext.
  // RFC 9420 §8.1 [R8.1-4]
  //    The `confirmed_transcript_hash` field is updated with the data for an
  //    AuthenticatedContent encoding a Commit message, as described below.
  provisional.confirmed_transcript_hash =
      confirmed_transcript_hash(suite, s.interim_transcript_hash, ac);
  if (sc.self_removed_) {
    // We cannot derive the new epoch; merging ends our membership.
    auto n = std::make_shared<GroupState>(s);
    n->context = provisional;
    n->tree = std::move(tree);
    n->proposal_store.clear();
    n->active = false;
    // RFC 9420 §12.4.2 [R12.4.2-27]: what stays is public (the GroupContext
    // and tree this Commit made); every secret goes
    //    In this case, the client cannot send any more messages in the
    //    group and SHOULD promptly delete its group state and secret tree.
    n->secrets = EpochSecrets{};
    n->secret_tree.reset();
    n->own.private_keys.clear();
    n->own_update_keys.clear();
    n->resumption_psks.clear();
    n->resumed.reset();
    n->external_psks.clear();
    sc.next_ = std::move(n);
    return sc;
  }
  // RFC 9420 §12.4.2 [R12.4.2-21]
  //    Derive the `psk_secret` as specified in {{pre-shared-keys}}, where the order of PSKs in the
  //    derivation corresponds to the order of PreSharedKey proposals in the `proposals` vector.
  PskSecret psk = psk_secret(suite, psks);
  // RFC 9420 §12.3 [R12.3-8]
  //    If there is an ExternalInit proposal, use it to derive the `init_secret` for use
  //    later in Commit processing.
  // RFC 9420 §12.4.3.2 [R12.4.3.2-5]
  //    When processing a Commit, both existing and new members MUST use the external
  //    init secret as described in {{external-initialization}}.
  InitSecret init = external ? external_init_secret(suite, s.secrets.external_secret,
                                                    ap.external_init->kem_output)
                             : s.secrets.init_secret;
  // RFC 9420 §12.4.2 [R12.4.2-22]
  //    Use the `init_secret` from the previous epoch, the `commit_secret` and
  //    `psk_secret` defined in the previous steps, and the new GroupContext to
  //    compute the new `joiner_secret`, `welcome_secret`, `epoch_secret`, and
  //    derived secrets for the new epoch.
  EpochSecrets e = derive_epoch(suite, init, commit_secret, psk, provisional);
  // RFC 9420 §12.4.2 [R12.4.2-23]
  //    Use the `confirmation_key` for the new epoch to compute the confirmation tag
  //    for this message, [...] and verify that it is the same as the
  //    `confirmation_tag` field in the FramedContentAuthData object.
  try {
    if (enforced(req::R12_4_2_23)) {
      verify_confirmation_tag(suite, e.confirmation_key, provisional.confirmed_transcript_hash,
                              ac.auth.confirmation_tag, "12.4.2");
    }
  } catch (const Error& err) {
    // Rethrown with the rule that asked for the check; the kind is kept.
    throw Error(err.kind(), req::R12_4_2_23, "Commit confirmation_tag: " + err.message());
  }
  sc.next_ = next_state(s, config_, std::move(provisional), std::move(tree), std::move(own),
                        std::move(e), ac.auth.confirmation_tag);  // verified equal above
  // RFC 9420 §12.3 [R12.3-9]
  //    If there is a ReInit proposal, note its parameters for application later in
  //    Commit processing.
  sc.reinit_ = ap.reinit;
  sc.next_->reinit = ap.reinit;
  return sc;
}

// ---------------------------------------------------------------- §12.4.1 creation

CommitBundle Group::build_commit(CommitBuilder& b, const Signer& signer) {
  check_signer(signer);
  // Not a rule of RFC 9420: one commit of ours at a time, so that the one we
  // merge is the one the group sees.
  if (pending_commit_) {
    throw Error(ErrorKind::usage, "12.4.1",
                "a commit is already pending: merge or clear it first");
  }
  const GroupState& s = state_;
  const CipherSuite& suite = *s.suite;
  LeafIndex me = s.own.leaf;
  Sender my_sender = Sender::member(me.value);

  // RFC 9420 §12.4.1 [R12.4.1-2]: the path is added below, when populated
  //    Construct an initial Commit object with the `proposals` field populated from
  //    Proposals received during the current epoch, and with the `path` field empty.
  std::vector<QueuedProposal> list;
  std::vector<ProposalOrRef> refs;
  LeafNodeParameters params = b.params_;
  // RFC 9420 §5.3, §7.3: no requirement covers these requests. The path's new
  // leaf is signed by the new signer if there is one, else by `signer`, and
  // receivers verify that signature with the leaf's signature_key (R7.3-2), so
  // the key that signs and the key the leaf names must be one pair.
  if (b.new_signer_) {
    if (params.credential_with_key()) {
      throw Error(ErrorKind::usage, "5.3",
                  "the new credential comes from the NewSignerBundle, not the parameters");
    }
    if (b.new_signer_->signer.public_key != b.new_signer_->credential_with_key.signature_key) {
      throw Error(ErrorKind::usage, "5.3",
                  "the new signer does not match the bundle's signature key");
    }
  } else if (params.credential_with_key() &&
             params.credential_with_key()->signature_key != signer.public_key) {
    throw Error(ErrorKind::usage, "5.3",
                "a new signature key needs its signer (self_update_with_new_signer): the leaf "
                "is signed by the current one");
  }
  bool force_path = b.force_path_ || b.new_signer_.has_value() || !params.empty();
  // RFC 9420 §12.4 [R12.4-3]: by default every stored proposal, less those the
  // list rules forbid (R12.2-4 to R12.2-12)
  //    The sender of a Commit SHOULD include all proposals that it has received during the current
  //    epoch that are valid according to the rules for their proposal types and according to
  //    application policy, as long as this results in a valid proposal list.
  if (b.use_store_) {
    // Leaves the caller removes itself: a stored Update or Remove of the same
    // leaf is left out, so that the list stays valid (R12.2-6; with that rule
    // switched off, for the must-reject generator, both go in) and the Remove
    // is preferred (R12.2-7).
    std::set<uint32_t> removed_inline;
    for (const Proposal& p : b.inline_) {
      if (const auto* r = std::get_if<Remove>(&p.body); r != nullptr && enforced(req::R12_2_6)) {
        removed_inline.insert(r->removed);
      }
    }
    std::set<uint32_t> removed = removed_inline;
    for (const auto& q : s.proposal_store) {
      if (const auto* r = std::get_if<Remove>(&q.proposal.body);
          r != nullptr && (!b.keep_ || b.keep_(q))) {
        removed.insert(r->removed);
      }
    }
    // RFC 9420 §12.2 [R12.2-13]: a stored ReInit is left out when the store
    // (or the commit's own proposals) has anything else
    //    If the committer has received other proposals during the epoch, they SHOULD
    //    prefer them over the ReInit proposal, allowing the ReInit to be resent and
    //    applied in a subsequent epoch.
    bool others = !b.inline_.empty();
    for (const auto& q : s.proposal_store) {
      if ((!b.keep_ || b.keep_(q)) && !std::holds_alternative<ReInit>(q.proposal.body)) {
        others = true;
      }
    }
    std::set<uint32_t> taken;  // leaves with an Update or Remove already taken
    // RFC 9420 §12.2 [R12.2-8, R12.2-9, R12.2-10, R12.2-11]: likewise a stored Add
    // of a client the list already adds (the caller's or an earlier stored Add)
    // or that is in the group and not removed, a PreSharedKey for a PSK the list
    // already injects and a second GroupContextExtensions are left out (with the
    // rule switched off, for the must-reject generator, they go in).
    //    It contains multiple Add proposals that contain KeyPackages that
    //    represent the same client [...] It contains an Add proposal with a
    //    KeyPackage that represents a client already in the group [...] It
    //    contains multiple PreSharedKey proposals that reference the same
    //    PreSharedKeyID. [...] It contains multiple GroupContextExtensions proposals.
    std::set<Bytes> added;  // signature keys
    std::vector<PreSharedKeyID> injected;
    bool extensions = false;
    bool reinit_taken = false;
    for (const Proposal& p : b.inline_) {
      if (const auto* a = std::get_if<Add>(&p.body)) {
        added.insert(a->key_package.leaf_node.signature_key);
      } else if (const auto* k = std::get_if<PreSharedKey>(&p.body)) {
        injected.push_back(k->psk);
      } else if (std::holds_alternative<GroupContextExtensions>(p.body)) {
        extensions = true;
      }
    }
    // RFC 9420 §12.4 [R12.4-3]: a stored proposal no longer valid by the rules
    // of its type is left out, not a reason to fail the commit (a KeyPackage
    // that expired after it was received, a credential the application now
    // refuses, an Add whose new member does not support the group's parameters
    // as this commit leaves them: §10.1, §7.3). Receipt checked what it could;
    // an Add's fit with the group waits for the list, since a
    // GroupContextExtensions in it changes what the group requires.
    //    [...] valid according to the rules for their proposal types and
    //    according to application policy [...]
    GroupContext after = s.context;  // its extensions as the commit leaves them
    bool extensions_chosen = false;
    for (const Proposal& p : b.inline_) {
      if (const auto* g = std::get_if<GroupContextExtensions>(&p.body); g && !extensions_chosen) {
        after.extensions = g->extensions;
        extensions_chosen = true;
      }
    }
    const ProposalCheck check = proposal_check(s, s.context);
    auto still_valid = [&](const QueuedProposal& q) {
      try {
        validate_proposal(check, q.proposal, q.sender);
        if (const auto* a = std::get_if<Add>(&q.proposal.body)) {
          validate_leaf_capabilities(a->key_package.leaf_node, after,
                                     LeafIndex(s.tree.leaf_count().value));
        }
        return true;
      } catch (const Error&) {
        return false;
      }
    };
    for (const auto& q : s.proposal_store) {
      const auto* g = std::get_if<GroupContextExtensions>(&q.proposal.body);
      if (g != nullptr && !extensions_chosen && (!b.keep_ || b.keep_(q)) && still_valid(q)) {
        after.extensions = g->extensions;
        extensions_chosen = true;
      }
    }
    auto in_group = [&](const Bytes& signature_key) {
      for (const LeafIndex leaf : s.tree.leaves_with_signature_key(signature_key)) {
        if (leaf == me || !removed.count(leaf.value)) {
          return true;
        }
      }
      return false;
    };
    for (size_t i = 0; i < s.proposal_store.size(); ++i) {
      const QueuedProposal& q = s.proposal_store[i];
      if ((b.keep_ && !b.keep_(q)) || !still_valid(q)) {
        continue;
      }
      if (others && std::holds_alternative<ReInit>(q.proposal.body)) {
        continue;
      }
      // RFC 9420 §12.2 [R12.2-12]: of several stored ReInits (and nothing
      // else), the first
      //    It contains a ReInit proposal together with any other proposal.
      if (std::holds_alternative<ReInit>(q.proposal.body)) {
        if (reinit_taken && enforced(req::R12_2_12)) {
          continue;
        }
        reinit_taken = true;
      }
      if (const auto* u = std::get_if<Update>(&q.proposal.body)) {
        uint32_t l = q.sender.leaf_index;
        if (l == me.value) {
          // RFC 9420 §12.2 [R12.2-4]: the committer may not commit its own
          // Update; the path carries the leaf it proposed instead: its
          // credential, capabilities and extensions (of the most recent such
          // Update), unless the caller gave parameters of its own.
          //    It contains an Update proposal generated by the committer.
          if (b.params_.empty()) {
            LeafNode proposed = without_grease(u->leaf_node);
            params = LeafNodeParameters::builder()
                         .with_credential({proposed.credential, proposed.signature_key})
                         .with_capabilities(proposed.capabilities)
                         .with_extensions(proposed.extensions)
                         .build();
          }
          force_path = true;
          continue;
        }
        // RFC 9420 §12.2 [R12.2-7]
        //    If the committer has received multiple such proposals they SHOULD
        //    prefer any Remove received, or the most recent Update if there are
        //    no Removes.
        bool later = false;
        for (size_t j = i + 1; j < s.proposal_store.size(); ++j) {
          const QueuedProposal& o = s.proposal_store[j];
          later |= std::holds_alternative<Update>(o.proposal.body) && o.sender.leaf_index == l &&
                   (!b.keep_ || b.keep_(o));
        }
        if (removed.count(l) || later) {
          continue;
        }
        taken.insert(l);
      } else if (const auto* r = std::get_if<Remove>(&q.proposal.body)) {
        if (r->removed == me.value || removed_inline.count(r->removed) ||
            !taken.insert(r->removed).second) {
          continue;
        }
      } else if (const auto* a = std::get_if<Add>(&q.proposal.body)) {
        const Bytes& key = a->key_package.leaf_node.signature_key;
        if ((in_group(key) && enforced(req::R12_2_9)) ||
            (!added.insert(key).second && enforced(req::R12_2_8))) {
          continue;
        }
      } else if (const auto* k = std::get_if<PreSharedKey>(&q.proposal.body)) {
        if (std::find(injected.begin(), injected.end(), k->psk) != injected.end() &&
            enforced(req::R12_2_10)) {
          continue;
        }
        injected.push_back(k->psk);
      } else if (std::holds_alternative<GroupContextExtensions>(q.proposal.body)) {
        if (extensions && enforced(req::R12_2_11)) {
          continue;
        }
        extensions = true;
      }
      list.push_back(q);
      refs.push_back(ProposalOrRef{ProposalOrRefType::reference, {}, q.ref});
    }
  }
  for (const Proposal& p : b.inline_) {
    check_not_grease(p);
    list.push_back(QueuedProposal{{}, p, my_sender});
    refs.push_back(ProposalOrRef{ProposalOrRefType::proposal, p, {}});
  }

  //    Verify that the list of proposals to be committed is valid
  CheckedProposals checked = validate_and_apply(me, list);
  const std::vector<PskInput>& psks = checked.psks;
  AppliedProposals& ap = checked.applied;
  GroupContext provisional = ap.context;
  provisional.epoch = next_epoch(s.context.epoch);
  RatchetTree tree = std::move(ap.tree);
  TreeKemPrivate own = s.own;
  CommitSecret commit_secret(SecureBytes(suite.hash_size(), 0));
  std::optional<CreatedPath> created;
  // RFC 9420 §12.4.1 [R12.4.1-4]
  //    Decide whether to populate the `path` field: If the `path` field is
  //    required based on the proposals that are in the Commit (see above), then
  //    it MUST be populated.
  // RFC 9420 §12.4.1 [R12.4.1-5, R12.4.1-6]: omitted unless required or asked for (force_path)
  //    Otherwise, the sender MAY omit the `path` field at its discretion. * If populating the
  //    `path` field:
  // RFC 9420 §12.4 [R12.4-6, R12.4-8]: an empty list is allowed, with a path (path_required)
  //    A member of the group MAY send a Commit that references no proposals at all, which would
  //    thus have an empty `proposals` vector. [...] The `path` field MAY be omitted
  //    if (a) it covers at least one proposal and (b) none of the proposals covered
  //    by the Commit are of "path required" types.
  if (force_path || (path_required(list) && enforced(req::R12_4_1_4))) {
    const CredentialWithKey* new_cred =
        b.new_signer_ ? &b.new_signer_->credential_with_key : nullptr;
    LeafNode base = updated_leaf(params, new_cred);
    tree.set_node(NodeIndex(me), Node{NodeType::leaf, base, {}});
    const SecureBytes& leaf_signer =
        b.new_signer_ ? b.new_signer_->signer.private_key : signer.private_key;
    std::set<uint32_t> excluded;
    for (const auto& [l, kp] : ap.added) {
      excluded.insert(l.value);
    }
    //    Update the sender's direct path in the ratchet tree as described in
    //    {{synchronizing-views-of-the-tree}}.
    // Keys the tree already has, for a must-reject vector: a sender that
    // enforces R12.4.2-13 and R12.4.2-14 draws a fresh leaf key and derives
    // the nodes' keys from the path secrets.
    ReusedPathKeys reused;
    if (b.path_leaf_encryption_key_) {
      const Bytes& key = *b.path_leaf_encryption_key_;
      const bool current = key == s.tree.leaf(me).encryption_key;
      if (enforced(current ? req::R12_4_2_13 : req::R12_4_2_14)) {
        throw Error(ErrorKind::protocol, current ? req::R12_4_2_13 : req::R12_4_2_14,
                    "the UpdatePath leaf would reuse an encryption_key of the tree");
      }
      auto own_key = s.own.private_keys.find(NodeIndex(me).value);
      reused.leaf = hpke::KeyPair{
          current && own_key != s.own.private_keys.end() ? own_key->second : SecureBytes{}, key};
    }
    for (NodeIndex n : b.path_kept_node_keys_) {
      auto own_key = s.own.private_keys.find(n.value);
      if (enforced(req::R12_4_2_14) || own_key == s.own.private_keys.end() || !s.tree.node(n)) {
        throw Error(ErrorKind::protocol, req::R12_4_2_14,
                    "the UpdatePath would keep the key of node " + std::to_string(n.value));
      }
      reused.nodes[n.value] = hpke::KeyPair{own_key->second, s.tree.encryption_key(n)};
    }
    for (const auto& [n, from] : b.path_copied_node_keys_) {
      if (enforced(req::R12_4_2_14) || n == from) {
        throw Error(ErrorKind::protocol, req::R12_4_2_14,
                    "the UpdatePath would give node " + std::to_string(n.value) +
                        " the key of node " + std::to_string(from.value));
      }
      reused.copied[n.value] = from.value;
    }
    // A key its path secret does not give, for a must-reject vector: a sender
    // that enforces R12.4.2-17 publishes the keys its path secrets derive.
    for (NodeIndex n : b.path_fresh_node_keys_) {
      if (enforced(req::R12_4_2_17)) {
        throw Error(ErrorKind::protocol, req::R12_4_2_17,
                    "the UpdatePath would give node " + std::to_string(n.value) +
                        " a key its path secret does not derive");
      }
      reused.nodes[n.value] = suite.hpke().kem().generate_key_pair(rng());
    }
    created =
        create_update_path(suite, tree, me, leaf_signer, provisional, excluded, rng(), reused);
    // The new leaf must pass its receivers' checks, support the group's
    // extensions and required capabilities: refused here, before anything is sent.
    validate_own_leaf_to_send(suite, tree, provisional, me);
    // A ciphertext too many, for a must-reject vector: a sender that enforces
    // R7.6-2 encrypts each path secret to its copath resolution only.
    const std::vector<NodeIndex> fdp =
        b.path_extra_ciphertexts_.empty() ? std::vector<NodeIndex>{}
                                          : tree.filtered_direct_path(me);
    for (NodeIndex n : b.path_extra_ciphertexts_) {
      auto at = std::find(fdp.begin(), fdp.end(), n);
      if (enforced(req::R7_6_2) || at == fdp.end()) {
        throw Error(ErrorKind::protocol, req::R7_6_2,
                    "the UpdatePath would carry an extra ciphertext at node " +
                        std::to_string(n.value));
      }
      HPKECiphertext extra{Bytes(suite.hpke().kem().enc_size()), Bytes(suite.hash_size() + 16)};
      rng().randomize(extra.kem_output.data(), extra.kem_output.size());
      rng().randomize(extra.ciphertext.data(), extra.ciphertext.size());
      created->update_path.nodes.at(static_cast<size_t>(at - fdp.begin()))
          .encrypted_path_secret.push_back(std::move(extra));
    }
    commit_secret = created->commit_secret;
    own = created->private_state;
  } else {
    own.prune(tree);
    provisional.tree_hash = tree.root_tree_hash(suite);
  }
  validate_new_leaves(tree, provisional, ap, me);

  // RFC 9420 §12.4.1 [R12.4.1-9]
  //    Construct a FramedContent object containing the Commit object. Sign the
  //    FramedContent using the old GroupContext as context.
  FramedContent content = new_content(ContentType::commit, b.aad_);
  content.commit.proposals = refs;
  if (created) {
    // RFC 9420 §12.4.1 [R12.4.1-7]: without `created` the path stays the null optional
    //    If not populating the `path` field: Set the `path` field in the Commit to the null
    //    optional.
    content.commit.path = created->update_path;
  }
  WireFormat wf = config_.handshake_private ? wire_format::mls_private_message
                                            : wire_format::mls_public_message;
  AuthenticatedContent ac{wf, content, {}};
  ac.auth.signature = suite.sign_with_label(signer.private_key, signature_label::framed_content_tbs,
                                            framed_content_tbs(wf, content, s.context));
  //    Use the FramedContent to update the confirmed transcript hash and update
  //    the new GroupContext.
  provisional.confirmed_transcript_hash =
      confirmed_transcript_hash(suite, s.interim_transcript_hash, ac);
  // RFC 9420 §12.4.1 [R12.4.1-8]: `psks` are in the order of `list`
  //    Derive the `psk_secret` as specified in {{pre-shared-keys}}, where the order
  //    of PSKs in the derivation corresponds to the order of PreSharedKey proposals
  //    in the `proposals` vector. [...] Use the `init_secret` from the previous
  //    epoch, the `commit_secret` and `psk_secret` [...] to compute the new
  //    `joiner_secret`, `welcome_secret`, `epoch_secret`, and derived secrets
  PskSecret psk = psk_secret(suite, psks);
  EpochSecrets e = derive_epoch(suite, s.secrets.init_secret, commit_secret, psk, provisional);
  //    Use the `confirmation_key` for the new epoch to compute the `confirmation_tag` value.
  Bytes tag = confirmation_tag(suite, e.confirmation_key, provisional.confirmed_transcript_hash);
  JoinerSecret joiner = e.joiner_secret;

  // RFC 9420 §12.4.1 [R12.4.1-11]
  //    Construct a GroupInfo reflecting the new state: [...] Sign the GroupInfo
  //    using the member's private signing key.
  GroupInfo gi;
  gi.group_context = provisional;
  if (b.ratchet_tree_.value_or(config_.ratchet_tree_extension)) {
    gi.extensions.push_back(Extension{extension_type::ratchet_tree, encode(tree.to_nodes())});
  }
  // RFC 9420 §12.4.3.2: the new epoch's external_pub, as Group::group_info
  // gives, so that the bundle's GroupInfo can be published for external joins
  //    In other words, to join a group via an external Commit, a new member needs a
  //    GroupInfo with an `external_pub` extension present in its `extensions` field.
  gi.extensions.push_back(
      Extension{extension_type::external_pub,
                encode(external_key_pair(suite, e.external_secret).public_key)});
  if (config_.grease) {
    add_grease_extension(gi.extensions, nullptr, true, rng());
  }
  gi.confirmation_tag = tag;
  gi.signer = me.value;
  gi.sign(suite, b.new_signer_ ? b.new_signer_->signer.private_key : signer.private_key);

  // RFC 9420 §12.4.1 [R12.4.1-12]
  //    For each new member in the group:
  //      * Identify the lowest common ancestor in the tree of the new member's
  //        leaf node and the member sending the Commit.
  //      * If the `path` field was populated above: Compute the path secret
  //        corresponding to the common ancestor node.
  std::optional<MLSMessage> welcome;
  if (!ap.added.empty()) {
    std::vector<WelcomeRecipient> to;
    std::vector<NodeIndex> fdp = tree.filtered_direct_path(me);
    for (const auto& [l, kp] : ap.added) {
      // A new member left out, for a must-reject vector: a sender that
      // enforces R10-3 adds no KeyPackage whose init_key is not a public key.
      if (std::find(b.unwelcomed_.begin(), b.unwelcomed_.end(), kp) != b.unwelcomed_.end()) {
        if (enforced(req::R10_3)) {
          throw Error(ErrorKind::protocol, req::R10_3,
                      "a new member would be left out of the Welcome");
        }
        continue;
      }
      WelcomeRecipient r{kp, std::nullopt};
      if (created) {
        for (size_t i = 0; i < fdp.size(); ++i) {
          if (tree_math::is_ancestor(fdp[i], NodeIndex(l))) {
            r.path_secret = created->path_secrets.at(i);
            break;
          }
        }
      }
      to.push_back(std::move(r));
    }
    // RFC 9420 §12.4.1 [R12.4.1-13, R12.4.1-15]
    //    Construct one or more Welcome messages from the encrypted GroupInfo object,
    //    the encrypted key packages, and any PSKs for which a proposal was included in
    //    the Commit. [...] However, the set of Welcome messages produced
    //    in this step MUST cover every new member added in the Commit.
    // One Welcome for every new member; `psks` are in the order of the list.
    if (!to.empty()) {
      welcome = MLSMessage{mls10, make_welcome(suite, gi, joiner, psks, to, rng())};
    }
  }

  StagedCommit sc;
  sc.proposals_ = list;
  sc.updates_ = ap.updates;
  sc.removed_ = ap.removed;
  sc.added_ = ap.added;
  sc.psks_ = ap.psks;
  sc.committer_ = me;
  if (created) {
    sc.path_leaf_ = created->update_path.leaf_node;
  }
  sc.next_ = next_state(s, config_, std::move(provisional), std::move(tree), std::move(own),
                        std::move(e), tag);
  // RFC 9420 §11.2 [R11.2-2]: a ReInit in the list is committed like any proposal
  //    A member of the old group sends a Commit covering the ReInit proposal.
  sc.reinit_ = ap.reinit;  // §12.3: noted for §11.2
  sc.next_->reinit = ap.reinit;
  // RFC 9420 §12.4.1 [R12.4.1-10]
  //    Protect the AuthenticatedContent object using keys from the old epoch
  MLSMessage commit_message = protect_handshake(signer, content, tag);
  // RFC 9420 §14 [R14-3]: the new epoch waits in pending_commit_ until merge_pending_commit
  //    The generation of Commit messages MUST NOT modify a client's state, since the client
  //    doesn't know at that time whether the changes implied by the Commit message will conflict
  //    with another Commit or not.
  pending_commit_ = std::move(sc);
  return CommitBundle{std::move(commit_message), std::move(welcome), MLSMessage{mls10, gi}};
}

// ---------------------------------------------------------------- §12.4.3.2 external

std::pair<Group, MLSMessage> Group::join_external(
    GroupConfig config, const GroupInfo& gi, const std::optional<RatchetTreeNodes>& ratchet_tree,
    const Signer& signer, const CredentialWithKey& credential, const ExternalJoinOptions& options) {
  GroupState old;
  old.suite = std::make_shared<const CipherSuite>(gi.group_context.cipher_suite);
  const CipherSuite& suite = *old.suite;
  Botan::RandomNumberGenerator& rng = config.rng != nullptr ? *config.rng : system_rng();
  if (signer.public_key != credential.signature_key) {
    throw Error(ErrorKind::usage, "12.4.3.2", "the signer does not own the credential's key");
  }
  // A group of another protocol version: a valid value that mlsref does not
  // implement (a Welcome's version is checked against the KeyPackage's, R12.4.3.1-8).
  if (gi.group_context.version != mls10) {
    throw Error(ErrorKind::unsupported, "12.4.3.2", "the GroupInfo is not for MLS 1.0");
  }
  // RFC 9420 §12.4.3.2
  //    Note that the `tree_hash` field is used the same way as in the Welcome message.
  old.tree = joined_tree(suite, gi, ratchet_tree, config);
  old.context = gi.group_context;
  // RFC 9420 §12.4.3.2 [R12.4.3.2-i1]
  //    In other words, to join a group via an external Commit, a new member needs a
  //    GroupInfo with an `external_pub` extension present in its `extensions` field.
  std::optional<Bytes> external_pub;
  for (const auto& e : gi.extensions) {
    if (e.extension_type == extension_type::external_pub) {
      external_pub = decode<Bytes>(e.extension_data);
    }
  }
  // Not switchable (ref/rule_switch.h): there is no key to encrypt the init secret to.
  if (!external_pub) {
    throw Error(ErrorKind::protocol, req::R12_4_3_2_i1,
                "the GroupInfo has no external_pub extension");
  }
  // The interim transcript hash of the GroupInfo's epoch, from its
  // confirmed transcript hash and confirmation tag (§8.2).
  old.interim_transcript_hash = interim_transcript_hash(
      suite, gi.group_context.confirmed_transcript_hash, gi.confirmation_tag);
  old.external_psks = options.psks;

  // RFC 9420 §8.3
  //    kem_output, context = SetupBaseS(external_pub, "")
  //    init_secret = context.export("MLS 1.0 external init secret", KDF.Nh)
  if (options.external_init && enforced(req::H7_1_4_5)) {
    throw Error(ErrorKind::crypto, req::H7_1_4_5,
                "an ExternalInit of a chosen kem_output, for a must-reject vector only");
  }
  ExternalInitSecret init = options.external_init ? *options.external_init
                                                  : external_init_secret(suite, *external_pub, rng);

  Sender me{SenderType::new_member_commit, 0, 0};
  std::vector<QueuedProposal> list;
  // RFC 9420 §12.4.3.2 [R12.4.3.2-2]
  //    The Commit MUST NOT include any proposals by reference, since an external
  //    joiner cannot determine the validity of proposals sent within the group.
  // (Switched off, for a must-reject vector, they come first in the list.)
  if (!options.proposals_by_reference.empty() && enforced(req::R12_4_3_2_2)) {
    throw Error(ErrorKind::protocol, req::R12_4_3_2_2,
                "an external Commit cannot cover proposals by reference");
  }
  for (const QueuedProposal& q : options.proposals_by_reference) {
    list.push_back(q);
  }
  for (const Proposal& p : options.extra_proposals) {
    list.push_back(QueuedProposal{{}, p, me});
  }
  list.push_back(QueuedProposal{{}, Proposal{ExternalInit{init.kem_output}}, me});
  if (options.remove_prior) {
    list.push_back(QueuedProposal{{}, Proposal{Remove{options.remove_prior->value}}, me});
  }
  std::vector<PskInput> psks;
  for (const auto& [id, secret] : options.psks) {
    PreSharedKeyID psk_id;
    psk_id.psktype = PSKType::external;
    psk_id.psk_id = id;
    psk_id.psk_nonce.resize(suite.hash_size());
    rng.randomize(psk_id.psk_nonce.data(), psk_id.psk_nonce.size());
    list.push_back(QueuedProposal{{}, Proposal{PreSharedKey{psk_id}}, me});
    psks.push_back(PskInput{psk_id, secret});
  }
  CredentialValidator validator = config.credential_validator;
  uint64_t now = config.clock ? config.clock() : system_now();
  ProposalCheck check{suite, old.context, old.tree, now, &validator};
  validate_external_proposal_list(check, list);
  AppliedProposals ap = apply_proposals(old.context, old.tree, list);
  GroupContext provisional = ap.context;
  provisional.epoch = next_epoch(old.context.epoch);
  RatchetTree tree = std::move(ap.tree);

  //    The joiner is added at the leftmost free leaf node (just as if they
  //    were added with an Add proposal), and the path is calculated relative to that
  //    leaf node.
  LeafNode base;
  base.credential = credential.credential;
  base.signature_key = credential.signature_key;
  const LeafNodeParameters& params = options.leaf;
  if (params.extensions()) {
    base.extensions = *params.extensions();
  }
  set_own_capabilities(base, params.capabilities(), config.grease, rng);
  LeafIndex leaf = tree.add_leaf(base);
  // R12.2-19 (checked in stage_commit): a fresh leaf key meets the Update
  // criteria for the leaf a Remove replaces. Switched off, for a must-reject
  // vector, the leaf keeps the removed leaf's encryption_key.
  ReusedPathKeys reused;
  if (options.remove_prior && !enforced(req::R12_2_19)) {
    reused.leaf = hpke::KeyPair{{}, old.tree.leaf(*options.remove_prior).encryption_key};
  }
  // RFC 9420 §12.4.3.2 [R12.4.3.2-1]
  //    External Commits MUST contain a `path` field (and is therefore a "full"
  //    Commit).
  CreatedPath created =
      create_update_path(suite, tree, leaf, signer.private_key, provisional, {}, rng, reused);
  validate_own_leaf_to_send(suite, tree, provisional, leaf);

  FramedContent content;
  content.group_id = old.context.group_id;
  content.epoch = old.context.epoch;
  // RFC 9420 §12.4.3.2 [R12.4.3.2-6]
  //    The sender type for the AuthenticatedContent encapsulating the external Commit MUST be
  //    `new_member_commit`.
  content.sender = me;
  content.authenticated_data = options.authenticated_data;
  content.content_type = ContentType::commit;
  for (const auto& q : list) {
    // (Only proposals_by_reference have a ref.)
    content.commit.proposals.push_back(
        q.ref.empty() ? ProposalOrRef{ProposalOrRefType::proposal, q.proposal, {}}
                      : ProposalOrRef{ProposalOrRefType::reference, {}, q.ref});
  }
  content.commit.path = created.update_path;
  // RFC 9420 §12.4.3.2 [R12.4.3.2-3]
  //    External Commits MUST be signed by the new member.
  AuthenticatedContent ac{wire_format::mls_public_message, content, {}};
  ac.auth.signature =
      suite.sign_with_label(signer.private_key, signature_label::framed_content_tbs,
                            framed_content_tbs(ac.wire_format, content, old.context));
  provisional.confirmed_transcript_hash =
      confirmed_transcript_hash(suite, old.interim_transcript_hash, ac);
  // RFC 9420 §12.4.3.2 [R12.4.3.2-5]
  //    When processing a Commit, both existing and new members MUST use the external
  //    init secret as described in {{external-initialization}}.
  PskSecret psk = psk_secret(suite, psks);
  EpochSecrets e = derive_epoch(suite, init.init_secret, created.commit_secret, psk, provisional);
  Bytes tag = confirmation_tag(suite, e.confirmation_key, provisional.confirmed_transcript_hash);
  ac.auth.confirmation_tag = tag;

  PublicMessage message;
  message.content = std::move(content);
  message.auth = ac.auth;  // no membership_tag: the sender is not a member (§6.2)
  auto next = next_state(old, config, std::move(provisional), std::move(tree),
                         std::move(created.private_state), std::move(e), tag);
  return {Group(std::move(config), std::move(*next)), MLSMessage{mls10, std::move(message)}};
}

}  // namespace mlsref
