// RFC 9420 §8 the state of an epoch, §11 Group Creation (§11.1 Required
// Capabilities), §12 Group Evolution (§12.1.8.1 External Senders), §12.4.3.1
// joining from a Welcome, §15 Application Messages: the group state machine
// and the API a member drives it with.
//
// Data flows one way: MLSMessage -> AuthenticatedContent -> proposals ->
// StagedCommit -> merge -> new epoch. Processing works on copies; nothing in
// the group changes until a staged commit is merged, and a rejected message
// leaves the group exactly as it was.
#pragma once

#include <botan/rng.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <variant>

#include "mls_message.h"
#include "proposal_list.h"
#include "tree_kem.h"
#include "welcome.h"

namespace mlsref {

struct GroupConfig {
  // Handshake messages (proposals, commits) as PrivateMessage (§6.3) or
  // PublicMessage (§6.2).
  bool handshake_private = false;
  // The secret tree's out-of-order window and maximum forward distance (§9.2).
  RatchetLimits ratchet_limits;
  // Lifetimes are judged by this clock (default: the system clock).
  Clock clock;
  CredentialValidator credential_validator;  // default: accept every credential
  // An external Commit that removes a member's earlier leaf (a resync,
  // §12.2): whether the joiner's credential is acceptable for the removed
  // member. Default: only the removed leaf's credential, unchanged (R12.2-20
  // leaves the judgement to the application; accepting any credential would
  // let anyone holding a GroupInfo remove any member).
  std::function<bool(const Credential& removed, const Credential& joiner)> resync_validator;
  // §7.2 (R7.2-5): the longest total lifetime (not_after - not_before, in
  // seconds) accepted in a KeyPackage's leaf, in an Add or in a tree we join.
  // The RFC asks every application to define one; unset, none is applied.
  std::optional<uint64_t> max_leaf_lifetime;
  // §7.3 (R7.3-8, RECOMMENDED): whether a tree joined (Welcome or external
  // Commit) is refused when the current time is outside the lifetime of one
  // of its key_package leaves. On by default. A member who has not updated
  // since joining keeps the leaf of its KeyPackage, whose lifetime ends (90
  // days for mlsref's): with the check, nobody can join the group until that
  // member updates or is removed; an application may prefer to let them.
  bool check_tree_lifetimes = true;
  // §12.4.3 (R12.4.3-3, R12.4.3.1-7): whether the application is already in a
  // group with this group_id. A join (Welcome or external Commit) is refused
  // when it says yes. Unset, no check: the RFC's duty is then the caller's.
  std::function<bool(const Bytes& group_id)> group_id_in_use;
  // Whether GroupInfo (and so the Welcome) carries the ratchet_tree extension.
  bool ratchet_tree_extension = true;
  // Zero bytes of padding in each PrivateMessage (§6.3.1).
  size_t padding = 0;
  // How many earlier epochs' resumption_psk are kept (§8.6).
  size_t resumption_psk_epochs = 32;
  // §13.5: GREASE values in our leaves' capabilities and extensions and a
  // GREASE extension in our GroupInfos (Welcome and external join).
  bool grease = true;
  // Randomness (default: the system RNG). Generators inject a seeded one.
  Botan::RandomNumberGenerator* rng = nullptr;
};

// The parts of a member's own leaf it may change in an update (credential,
// capabilities, extensions); built with LeafNodeParameters::builder().
class LeafNodeParametersBuilder;
class LeafNodeParameters {
 public:
  using Builder = LeafNodeParametersBuilder;
  static LeafNodeParametersBuilder builder();

  const std::optional<CredentialWithKey>& credential_with_key() const {
    return credential_with_key_;
  }
  const std::optional<Capabilities>& capabilities() const { return capabilities_; }
  const std::optional<std::vector<Extension>>& extensions() const { return extensions_; }
  bool empty() const { return !credential_with_key_ && !capabilities_ && !extensions_; }

 private:
  friend class LeafNodeParametersBuilder;
  std::optional<CredentialWithKey> credential_with_key_;
  std::optional<Capabilities> capabilities_;
  std::optional<std::vector<Extension>> extensions_;
};

class LeafNodeParametersBuilder {
 public:
  LeafNodeParametersBuilder& with_credential(CredentialWithKey c) {
    p_.credential_with_key_ = std::move(c);
    return *this;
  }
  LeafNodeParametersBuilder& with_capabilities(Capabilities c) {
    p_.capabilities_ = std::move(c);
    return *this;
  }
  LeafNodeParametersBuilder& with_extensions(std::vector<Extension> e) {
    p_.extensions_ = std::move(e);
    return *this;
  }
  LeafNodeParameters build() const { return p_; }

 private:
  LeafNodeParameters p_;
};

inline LeafNodeParametersBuilder LeafNodeParameters::builder() { return {}; }

// A new signature key and the credential that carries it. The signer must
// own credential_with_key.signature_key.
struct NewSignerBundle {
  Signer signer;
  CredentialWithKey credential_with_key;
};

// The state of one epoch of a group, as one member holds it.
struct GroupState {
  std::shared_ptr<const CipherSuite> suite;
  GroupContext context;
  RatchetTree tree;
  TreeKemPrivate own;  // our leaf and the private keys we hold (§4.1)
  EpochSecrets secrets;
  Bytes interim_transcript_hash;
  Bytes confirmation_tag;                      // of the commit that began this epoch
  std::optional<SecretTree> secret_tree;       // its CipherSuite* points into *suite
  std::vector<QueuedProposal> proposal_store;  // emptied when the epoch changes
  // Encryption private keys of our Update proposals in this epoch, by the
  // proposal's encryption_key (dropped when the epoch ends).
  std::map<Bytes, SecureBytes> own_update_keys;
  std::map<uint64_t, ResumptionPsk> resumption_psks;  // by epoch, this group's
  // The group this one reinitializes or branches from (§11.2, §11.3): its
  // resumption_psk of the epoch named, for the initial Commit only.
  std::optional<std::pair<PreSharedKeyID, ResumptionPsk>> resumed;
  std::map<Bytes, SecureBytes> external_psks;  // by psk_id
  bool active = true;                          // false once we are removed
  // Set when a merged commit covered a ReInit proposal (§11.2): the group is
  // then used no more; the new group arrives with a Welcome (issue 9).
  std::optional<ReInit> reinit;
};

// The result of staging a commit: what it does, and the next epoch.
// Inspect it, then merge it with Group::merge_staged_commit.
class StagedCommit {
 public:
  // Every proposal it applies, in the commit's order.
  const std::vector<QueuedProposal>& proposals() const { return proposals_; }
  // Each Update: the leaf it replaces and the new LeafNode.
  const std::vector<std::pair<LeafIndex, LeafNode>>& update_proposals() const { return updates_; }
  const std::vector<LeafIndex>& removed() const { return removed_; }
  // The leaves added and their KeyPackages.
  const std::vector<std::pair<LeafIndex, KeyPackage>>& added() const { return added_; }
  const std::vector<PreSharedKeyID>& psks() const { return psks_; }
  bool has_path() const { return path_leaf_.has_value(); }
  // The committer's new leaf, when the commit has a path.
  const std::optional<LeafNode>& path_leaf_node() const { return path_leaf_; }
  LeafIndex committer() const { return committer_; }
  // True when the commit removes us: merging it ends our membership.
  bool self_removed() const { return self_removed_; }
  // The ReInit the commit covers, if any: after merging, the group sends and
  // accepts no more messages (§11.2, §12.4.2).
  const std::optional<ReInit>& reinit() const { return reinit_; }
  // The epoch it begins.
  uint64_t epoch() const { return next_ ? next_->context.epoch : 0; }
  const GroupState& next_state() const { return *next_; }

 private:
  friend class Group;
  std::vector<QueuedProposal> proposals_;
  std::vector<std::pair<LeafIndex, LeafNode>> updates_;
  std::vector<LeafIndex> removed_;
  std::vector<std::pair<LeafIndex, KeyPackage>> added_;
  std::vector<PreSharedKeyID> psks_;
  std::optional<LeafNode> path_leaf_;
  LeafIndex committer_;
  bool self_removed_ = false;
  std::optional<ReInit> reinit_;
  std::shared_ptr<GroupState> next_;
};

struct ApplicationMessage {
  Bytes data;
};

// What process_message returns.
struct ProcessedMessage {
  Sender sender;
  uint64_t epoch = 0;
  Bytes authenticated_data;
  WireFormat wire_format = wire_format::mls_public_message;
  std::variant<ApplicationMessage, QueuedProposal, StagedCommit> content;
};

// A commit to send, the Welcome for added members (if any) and the GroupInfo
// of the new epoch (the one the Welcome carries, with the external_pub
// extension, so that it can be published for external joins once the commit
// is merged), all as MLSMessages.
struct CommitBundle {
  MLSMessage commit;
  std::optional<MLSMessage> welcome;
  MLSMessage group_info;
};

// How to join by an external Commit (§12.4.3.2).
struct ExternalJoinOptions {
  // A "resync": our earlier leaf in the group, removed by the same Commit.
  std::optional<LeafIndex> remove_prior;
  // External PSKs to inject, by psk_id: one PreSharedKey proposal each.
  std::map<Bytes, SecureBytes> psks;
  // Our leaf's capabilities and extensions (the credential is the one given).
  LeafNodeParameters leaf;
  Bytes authenticated_data;
  // More proposals by value, placed before the ExternalInit. The list is
  // validated (§12.2): only the must-reject generator, which switches the
  // rule it breaks off (ref/rule_switch.h), gets an invalid one through.
  std::vector<Proposal> extra_proposals;
  // Proposals the Commit covers by reference (as stored, with their ref). For
  // the must-reject generator only: refused unless R12.4.3.2-2 is switched off.
  std::vector<QueuedProposal> proposals_by_reference;
  // The ExternalInit's kem_output and the init_secret it gives, instead of a
  // fresh SetupBaseS to external_pub. For the must-reject generator only (a
  // low-order X25519 or X448 point, whose all-zero shared secret anyone can
  // compute with): refused unless H7.1.4-5 is switched off.
  std::optional<ExternalInitSecret> external_init;
};

class Group;

// What joining a reinitialized or branched group needs of the old group
// (§11.2, §11.3): the resumption PSKs it kept and what the Welcome is
// checked against. ResumedGroup::of(old) for a group we hold; a passive
// client's vector describes it in its own fields.
struct ResumedGroup {
  Bytes group_id;
  ProtocolVersion version = mls10;
  CipherSuiteId cipher_suite = 0;
  std::map<uint64_t, ResumptionPsk> resumption_psks;  // by epoch
  std::optional<ReInit> reinit;                       // the ReInit its last Commit covered
  uint64_t epoch = 0;  // its current epoch (with `reinit`: the one after that Commit)
  std::vector<Credential> members;                    // its members' credentials
  static ResumedGroup of(const Group& old);
};

// Builds a commit: inline proposals, pending proposals from the store (all or
// those a predicate keeps), leaf node parameters, a forced path. build()
// stages it as the group's pending commit and returns what to send.
class CommitBuilder {
 public:
  explicit CommitBuilder(Group& group) : group_(&group) {}
  CommitBuilder& add(KeyPackage key_package);
  CommitBuilder& remove(LeafIndex leaf);
  CommitBuilder& psk(PreSharedKeyID id);
  CommitBuilder& group_context_extensions(std::vector<Extension> extensions);
  CommitBuilder& proposal(Proposal p);  // any other proposal, by value
  // Take the proposals of the store (default: all of them).
  CommitBuilder& consume_proposal_store(bool yes = true);
  CommitBuilder& filter_pending(std::function<bool(const QueuedProposal&)> keep);
  CommitBuilder& leaf_node_parameters(LeafNodeParameters p);
  CommitBuilder& force_self_update(bool yes = true);
  // Whether this commit's GroupInfo (in the Welcome and the bundle) carries
  // the ratchet_tree extension (default: GroupConfig::ratchet_tree_extension).
  // Without it, joiners need the tree out of band (§12.4.3.3).
  CommitBuilder& ratchet_tree_extension(bool yes);
  CommitBuilder& new_signer(NewSignerBundle bundle);
  CommitBuilder& authenticated_data(Bytes aad);
  // The path's leaf gets this encryption_key instead of a fresh one (the
  // committer's current one, or another leaf's). For the must-reject
  // generator only: build() refuses it unless R12.4.2-13 or R12.4.2-14 is
  // switched off (ref/rule_switch.h).
  CommitBuilder& path_leaf_encryption_key(Bytes public_key);
  // The path's node `n` (on the committer's filtered direct path) keeps the
  // key pair it has, which the committer holds, instead of deriving one from
  // its path secret. For the must-reject generator only: build() refuses it
  // unless R12.4.2-14 is switched off.
  CommitBuilder& path_keeps_node_key(NodeIndex n);
  // The path's node `n` gets the key pair derived for its node `from` (both on
  // the committer's filtered direct path), so one key is given to two nodes of
  // the UpdatePath. For the must-reject generator only: build() refuses it
  // unless R12.4.2-14 is switched off.
  CommitBuilder& path_node_key_of(NodeIndex n, NodeIndex from);
  // The path's node `n` (on the committer's filtered direct path) carries one
  // HPKE ciphertext (random bytes) more than its copath resolution has nodes.
  // For the must-reject generator only: build() refuses it unless R7.6-2 is
  // switched off.
  CommitBuilder& path_extra_ciphertext(NodeIndex n);
  // The path's node `n` (on the committer's filtered direct path) gets a
  // fresh key pair instead of the one its path secret derives; the path
  // secret is encrypted as usual. For the must-reject generator only: build()
  // refuses it unless R12.4.2-17 is switched off.
  CommitBuilder& path_node_fresh_key(NodeIndex n);
  // Adds `key_package` as add() does, but leaves it out of the Welcome: its
  // init_key is not a public key of the suite, so there is nothing to encrypt
  // its GroupSecrets to. For the must-reject generator only: build() refuses
  // it unless R10-3 is switched off.
  CommitBuilder& add_without_welcome(KeyPackage key_package);
  CommitBundle build(const Signer& signer);

 private:
  friend class Group;
  Group* group_;
  std::vector<Proposal> inline_;
  bool use_store_ = true;
  std::function<bool(const QueuedProposal&)> keep_;
  LeafNodeParameters params_;
  bool force_path_ = false;
  std::optional<bool> ratchet_tree_;
  std::optional<NewSignerBundle> new_signer_;
  Bytes aad_;
  std::optional<Bytes> path_leaf_encryption_key_;
  std::vector<NodeIndex> path_kept_node_keys_;
  std::vector<std::pair<NodeIndex, NodeIndex>> path_copied_node_keys_;
  std::vector<NodeIndex> path_extra_ciphertexts_;
  std::vector<NodeIndex> path_fresh_node_keys_;
  std::vector<KeyPackage> unwelcomed_;
};

class Group {
 public:
  // §11: a one-member group at epoch 0 with `extensions` in its GroupContext
  // (required_capabilities among them, §11.1). Our leaf has the credential,
  // capabilities and extensions of `leaf`.
  static Group create(GroupConfig config, CipherSuiteId suite, Bytes group_id, const Signer& signer,
                      const CredentialWithKey& credential, const LeafNodeParameters& leaf = {},
                      std::vector<Extension> extensions = {});

  // §12.4.3.1: join from a Welcome with one of our KeyPackages. `ratchet_tree`
  // is the tree supplied out of band, needed when the GroupInfo has no
  // ratchet_tree extension. `external_psks` by psk_id.
  // `resumed_from`: the group a reinitialized or branched group comes from
  // (§11.2, §11.3), whose resumption PSK the Welcome must name: with usage
  // reinit and its current epoch when its last Commit covered a ReInit
  // (§12.4.2: that member waits for the reinitialized group), else with usage
  // branch.
  static Group join(GroupConfig config, const Welcome& welcome, const KeyPackageBundle& key_package,
                    const std::optional<RatchetTreeNodes>& ratchet_tree = std::nullopt,
                    const std::map<Bytes, SecureBytes>& external_psks = {},
                    const Group* resumed_from = nullptr);
  // The same, with the old group as a ResumedGroup.
  static Group join(GroupConfig config, const Welcome& welcome, const KeyPackageBundle& key_package,
                    const std::optional<RatchetTreeNodes>& ratchet_tree,
                    const std::map<Bytes, SecureBytes>& external_psks,
                    const ResumedGroup& resumed_from);

  // §12.4.3.2: join by an external Commit, from a GroupInfo with the
  // external_pub extension (and the tree in its ratchet_tree extension, or
  // `ratchet_tree` given out of band). Returns the group in the new epoch and
  // the Commit (a PublicMessage) for the members; if the delivery service
  // refuses it, drop the group.
  static std::pair<Group, MLSMessage> join_external(
      GroupConfig config, const GroupInfo& group_info,
      const std::optional<RatchetTreeNodes>& ratchet_tree, const Signer& signer,
      const CredentialWithKey& credential, const ExternalJoinOptions& options = {});

  // §11.2 step 3: the group that `old` becomes after a merged Commit covering
  // a ReInit (old.state().reinit): created by us with the ReInit's group_id,
  // version, cipher suite and extensions, the other members added from
  // `key_packages` (for the new cipher suite) and linked to the old group by a
  // resumption PSK with usage reinit. Returns the new group (epoch 1) and
  // the Welcome. `force_path`: the initial Commit carries an UpdatePath,
  // which its Adds and PreSharedKey do not need (CommitBuilder::force_self_update).
  static std::pair<Group, MLSMessage> reinit(const Group& old, GroupConfig config,
                                             const Signer& signer,
                                             const CredentialWithKey& credential,
                                             std::span<const KeyPackage> key_packages,
                                             bool force_path = false);
  // §11.3: a subgroup of `old` with `group_id` (same version and cipher
  // suite), the members of `key_packages`, linked by a resumption PSK with
  // usage branch. `force_path` as for reinit.
  static std::pair<Group, MLSMessage> branch(const Group& old, GroupConfig config, Bytes group_id,
                                             const Signer& signer,
                                             const CredentialWithKey& credential,
                                             std::span<const KeyPackage> key_packages,
                                             std::vector<Extension> extensions = {},
                                             bool force_path = false);

  // ---- receiving
  // §6.2, §6.3, §12.4.2: an application message, a proposal (not yet stored:
  // see store_pending_proposal) or a staged commit (not yet merged).
  ProcessedMessage process_message(const MLSMessage& message);
  ProcessedMessage process_message(ByteView message_bytes);
  void store_pending_proposal(QueuedProposal proposal);
  // Begins the staged commit's epoch. Error if it is not for this epoch.
  void merge_staged_commit(StagedCommit commit);

  // ---- key updates
  CommitBundle self_update(const Signer& signer, LeafNodeParameters params = {});
  CommitBundle self_update_with_new_signer(const Signer& old_signer, NewSignerBundle bundle,
                                           LeafNodeParameters params = {});
  // An Update proposal and its ProposalRef; the new leaf's private key is
  // kept until a commit covering it is merged, dropped when the epoch ends.
  std::pair<MLSMessage, Bytes> propose_self_update(const Signer& signer,
                                                   LeafNodeParameters params = {});
  std::pair<MLSMessage, Bytes> propose_add_member(const Signer& signer,
                                                  const KeyPackage& key_package);
  std::pair<MLSMessage, Bytes> propose_remove_member(const Signer& signer, LeafIndex leaf);
  // A PreSharedKey proposal; leave id.psk_nonce empty and a fresh random one
  // is drawn (§8.4; CommitBuilder::psk does the same).
  std::pair<MLSMessage, Bytes> propose_psk(const Signer& signer, PreSharedKeyID id);
  // A proposal of a type the application defines (CustomProposal); every
  // member must list the type in capabilities.proposals (§12.2).
  // §11.2 step 1: a ReInit proposal (its commit is step 2; the new group,
  // step 3, is not built here yet).
  std::pair<MLSMessage, Bytes> propose_reinit(const Signer& signer, ReInit reinit);
  std::pair<MLSMessage, Bytes> propose_custom(const Signer& signer, ProposalType type,
                                              Bytes proposal_data);
  std::pair<MLSMessage, Bytes> propose_group_context_extensions(const Signer& signer,
                                                                std::vector<Extension> extensions);
  CommitBundle commit_to_pending_proposals(const Signer& signer);
  // Adds with a path (always) / with a path only when the list needs one.
  CommitBundle add_members(const Signer& signer, std::span<const KeyPackage> key_packages);
  CommitBundle add_members_without_update(const Signer& signer,
                                          std::span<const KeyPackage> key_packages);
  CommitBundle remove_members(const Signer& signer, std::span<const LeafIndex> leaves);
  CommitBuilder commit_builder() { return CommitBuilder(*this); }

  // Our own staged commit, once the delivery service accepted it.
  void merge_pending_commit();
  void clear_pending_commit() { pending_commit_.reset(); }
  const std::optional<StagedCommit>& pending_commit() const { return pending_commit_; }

  // ---- application messages, secrets
  MLSMessage create_message(const Signer& signer, ByteView application_data,
                            ByteView authenticated_data = {});
  // §8.5 MLS-Exporter
  SecureBytes export_secret(std::string_view label, ByteView context, size_t length) const;
  // §12.4.3: a signed GroupInfo of the current epoch, with the external_pub
  // extension (§12.4.3.2), so that it can be used for an external join.
  GroupInfo group_info(const Signer& signer, bool with_ratchet_tree) const;
  void add_external_psk(Bytes psk_id, SecureBytes psk);

  // ---- keeping the group across restarts (§6.3.1)
  // Everything this member holds of the group, the pending commit included,
  // in mlsref's own versioned encoding (ref/group_storage.cpp), in zeroizing
  // memory. RFC 9420 §6.3.1 asks a client to keep "persistent state as to
  // where in the key schedule it is": store a new export after every call
  // that changes the group (a message created, an application message or
  // proposal processed, a commit created, a staged commit merged), before
  // acting on its result, and never import an older one. A StagedCommit
  // returned by process_message is not part of the group: export once it is
  // merged (restarting from the export before, the commit is processed again).
  SecureBytes export_state() const;
  // The group export_state wrote, with `config` (which is not kept).
  // Error naming R6.3.1-3 for a state damaged in storage (its SHA-256) or
  // whose parts do not agree (tree hash, private keys, confirmation tag,
  // secret tree, proposal store, pending commit); Error{unsupported} for
  // another format version; the codec's errors for one that does not decode.
  static Group import_state(GroupConfig config, ByteView state);

  // ---- inspection
  const CipherSuite& suite() const { return *state_.suite; }
  const GroupContext& context() const { return state_.context; }
  uint64_t epoch() const { return state_.context.epoch; }
  const Bytes& group_id() const { return state_.context.group_id; }
  const EpochAuthenticator& epoch_authenticator() const {
    return state_.secrets.epoch_authenticator;
  }
  Bytes tree_hash() const { return state_.context.tree_hash; }
  const RatchetTree& tree() const { return state_.tree; }
  LeafIndex own_leaf_index() const { return state_.own.leaf; }
  const std::vector<QueuedProposal>& pending_proposals() const { return state_.proposal_store; }
  bool active() const { return state_.active; }
  const GroupState& state() const { return state_; }
  const GroupConfig& config() const { return config_; }

 private:
  friend class CommitBuilder;
  Group(GroupConfig config, GroupState state);

  Botan::RandomNumberGenerator& rng() const;
  uint64_t now() const;
  // The MLSMessage of a handshake content, public or private per config.
  MLSMessage protect_handshake(const Signer& signer, const FramedContent& content,
                               ByteView confirmation_tag);
  FramedContent new_content(ContentType type, Bytes aad = {}) const;
  std::pair<MLSMessage, Bytes> send_proposal(const Signer& signer, Proposal proposal);
  // Our leaf with `params` applied (and the new signer's credential, if any).
  LeafNode updated_leaf(const LeafNodeParameters& params,
                        const CredentialWithKey* new_signer) const;
  SecureBytes resolve_psk(const PreSharedKeyID& id) const;
  // `id` with a fresh random psk_nonce when it has none (§8.4).
  PreSharedKeyID with_psk_nonce(PreSharedKeyID id) const;
  void check_signer(const Signer& signer) const;
  // Error unless we are a member of a group still in use.
  void check_usable() const;

  // commit.cpp: §12.4.1 creating and §12.4.2 processing a commit.
  CommitBundle build_commit(CommitBuilder& builder, const Signer& signer);
  // §12.4.1/§12.4.2: validate the list, resolve its PSKs, apply it.
  struct CheckedProposals {
    std::vector<PskInput> psks;
    AppliedProposals applied;
  };
  // What validating a proposal or a proposal list against `s` (with the
  // GroupContext `context`) needs of config_: the clock, the credential
  // validator and the leaf lifetime limit; and our leaf (§13.5).
  ProposalCheck proposal_check(const GroupState& s, const GroupContext& context) const;
  // `committer` empty: an external Commit (§12.2's list for external Commits).
  CheckedProposals validate_and_apply(std::optional<LeafIndex> committer,
                                      std::span<const QueuedProposal> list) const;
  static std::pair<Group, MLSMessage> resume(const Group& old, GroupConfig config,
                                             ResumptionPSKUsage usage, Bytes group_id,
                                             CipherSuiteId suite, std::vector<Extension> extensions,
                                             const Signer& signer,
                                             const CredentialWithKey& credential,
                                             std::span<const KeyPackage> key_packages,
                                             bool force_path);
  // group_storage.cpp: import_state's checks of a kept pending commit.
  static void check_pending_commit(const GroupState& s, const StagedCommit& c);
  static Group join_from(GroupConfig config, const Welcome& welcome,
                         const KeyPackageBundle& key_package,
                         const std::optional<RatchetTreeNodes>& ratchet_tree,
                         const std::map<Bytes, SecureBytes>& external_psks,
                         const ResumedGroup* resumed_from);
  StagedCommit stage_commit(const AuthenticatedContent& content) const;
  static RatchetTree joined_tree(const CipherSuite& suite, const GroupInfo& group_info,
                                 const std::optional<RatchetTreeNodes>& ratchet_tree,
                                 const GroupConfig& config);

  GroupConfig config_;
  GroupState state_;
  std::optional<StagedCommit> pending_commit_;
};

// ---- §12.1.8 External Proposals: sent by parties outside the group, as a
// PublicMessage, for the group and epoch of a GroupContext (from a GroupInfo).

// An Add of ourselves (sender new_member_proposal), signed with the
// KeyPackage's signature key (`signer`).
MLSMessage new_member_add_proposal(const GroupContext& context, const KeyPackage& key_package,
                                   const Signer& signer);
// A proposal from the external sender at `sender_index` of the group's
// external_senders extension (whose signature key `signer` must own). Only
// the proposal types the §17.4 registry allows external senders (add,
// remove, psk, reinit, group_context_extensions).
MLSMessage external_sender_proposal(const GroupContext& context, uint32_t sender_index,
                                    Proposal proposal, const Signer& signer);

}  // namespace mlsref
