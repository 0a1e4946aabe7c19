// RFC 9420 §12.2 Proposal List Validation, §12.3 Applying a Proposal List;
// the validity of each proposal (§12.1.1-§12.1.7), and the group-wide leaf
// checks of §7.3 against the GroupContext (§11.1 RequiredCapabilities).
#pragma once

#include <functional>
#include <optional>
#include <span>

#include "framing.h"
#include "ratchet_tree.h"
#include "requirement_ids.h"

namespace mlsref {

namespace extension_type {
inline constexpr ExtensionType application_id = 0x0001;
inline constexpr ExtensionType ratchet_tree = 0x0002;
inline constexpr ExtensionType required_capabilities = 0x0003;
inline constexpr ExtensionType external_pub = 0x0004;
inline constexpr ExtensionType external_senders = 0x0005;
}  // namespace extension_type

// struct {
//     ExtensionType extension_types<V>;
//     ProposalType proposal_types<V>;
//     CredentialType credential_types<V>;
// } RequiredCapabilities;                          RFC 9420 §11.1
struct RequiredCapabilities {
  std::vector<ExtensionType> extension_types;
  std::vector<ProposalType> proposal_types;
  std::vector<CredentialType> credential_types;
  bool operator==(const RequiredCapabilities&) const = default;
  static constexpr std::string_view type_name = "RequiredCapabilities";
  static constexpr auto fields =
      std::tuple{field("extension_types", &RequiredCapabilities::extension_types),
                 field("proposal_types", &RequiredCapabilities::proposal_types),
                 field("credential_types", &RequiredCapabilities::credential_types)};
};

// struct {
//   SignaturePublicKey signature_key;
//   Credential credential;
// } ExternalSender;                                RFC 9420 §12.1.8.1
struct ExternalSender {
  SignaturePublicKey signature_key;
  Credential credential;
  bool operator==(const ExternalSender&) const = default;
  static constexpr std::string_view type_name = "ExternalSender";
  static constexpr auto fields = std::tuple{field("signature_key", &ExternalSender::signature_key),
                                            field("credential", &ExternalSender::credential)};
};

// §5.3.1: the Authentication Service. Called for every new or changed
// credential (Add, Update, UpdatePath leaf, every leaf of a tree being
// joined); returning false (or throwing) rejects the message.
using CredentialValidator =
    std::function<bool(const Credential& credential, ByteView signature_key)>;

// A proposal of the current epoch with its ProposalRef (§5.2) and sender.
struct QueuedProposal {
  Bytes ref;
  Proposal proposal;
  Sender sender;
  // The group and epoch of the message that carried it (set by
  // process_message and send_proposal): Group::store_pending_proposal takes it
  // only in that group and epoch (§12.1). Unset for a proposal by value.
  Bytes group_id;
  std::optional<uint64_t> epoch;
};

// What validation needs to know about the group and the commit.
struct ProposalCheck {
  const CipherSuite& suite;
  const GroupContext& context;  // the current (old) GroupContext
  const RatchetTree& tree;      // the current (old) tree
  std::optional<uint64_t> now;  // lifetimes of KeyPackages are judged at this time
  const CredentialValidator* credential_validator = nullptr;
  // Set for the initial Commit of a group that reinitializes (§11.2) or
  // branches (§11.3) another: the one resumption usage that may appear.
  std::optional<ResumptionPSKUsage> resuming;
  // The application's longest total leaf lifetime (GroupConfig::max_leaf_lifetime).
  std::optional<uint64_t> max_leaf_lifetime;
  // The member validating, whose own leaf is compared without its GREASE
  // values (§13.5); unset for a joiner or an observer.
  std::optional<LeafIndex> own;
};

// §12.1: one proposal is valid on its own, from `sender`. Error naming the rule.
void validate_proposal(const ProposalCheck& check, const Proposal& proposal, const Sender& sender);

// §12.2: the list committed by member `committer` (a regular commit) is
// valid; each proposal is checked with validate_proposal too.
void validate_proposal_list(const ProposalCheck& check, LeafIndex committer,
                            std::span<const QueuedProposal> proposals);

// §12.2: the list of an external Commit (sender new_member_commit) is valid:
// exactly one ExternalInit, at most one Remove, PreSharedKeys, nothing else.
void validate_external_proposal_list(const ProposalCheck& check,
                                     std::span<const QueuedProposal> proposals);

// The result of §12.3 on copies of the tree and GroupContext.
struct AppliedProposals {
  GroupContext context;  // extensions replaced by a GroupContextExtensions proposal
  RatchetTree tree;
  std::vector<std::pair<LeafIndex, LeafNode>> updates;
  std::vector<LeafIndex> removed;
  std::vector<std::pair<LeafIndex, KeyPackage>> added;
  std::vector<PreSharedKeyID> psks;
  std::optional<ExternalInit> external_init;
  std::optional<ReInit> reinit;
  bool extensions_changed = false;
};

// §12.3 in the RFC's order: GroupContextExtensions, Updates, Removes, Adds
// (in list order), PSKs (in list order), ExternalInit, ReInit.
AppliedProposals apply_proposals(const GroupContext& context, const RatchetTree& tree,
                                 std::span<const QueuedProposal> proposals);

// §12.4: whether the proposals need a path (the "Path Required" column of
// the §17.4 registry; an empty list needs one too).
bool path_required(std::span<const QueuedProposal> proposals);

// §7.3, §11.1: leaf `l` of `tree` is compatible with the group: it supports
// every GroupContext extension and the required capabilities
// (Error{unsupported_group_context_extensions, R7.3-4 or R13.4-7}), its credential type is
// supported by every member and it supports theirs, and its signature and
// encryption keys appear nowhere else in the tree.
void validate_leaf_in_group(const RatchetTree& tree, const GroupContext& context, LeafIndex l);
// The same for our own leaf `own`, whose capabilities we compare as we
// represent them to ourselves: without the GREASE values we send (§13.5).
void validate_own_leaf_in_group(const RatchetTree& tree, const GroupContext& context,
                                LeafIndex own);
// Our own leaf `own` as we are about to send it (a new group's, an Update's,
// an UpdatePath's): first the checks every receiver makes of a LeafNode on
// its own (§7.3, LeafNode::validate: its source, signature, extensions unique
// and listed in its capabilities), then validate_own_leaf_in_group. A leaf of
// the application's parameters that a receiver would refuse is refused here,
// before anything is sent.
void validate_own_leaf_to_send(const CipherSuite& suite, const RatchetTree& tree,
                               const GroupContext& context, LeafIndex own);
// Only the first part, the leaf's own capabilities against the GroupContext
// (constant time in the group size).
// `required_rule`: the rule a missing required capability breaks, R7.3-4
// for a leaf checked on its own, R12.1.7-1 when a GroupContextExtensions
// proposal brought the requirement.
void validate_leaf_capabilities(const LeafNode& leaf, const GroupContext& context, LeafIndex l,
                                const Requirement& required_rule = req::R7_3_4);

// The extensions of a GroupContext, decoded (absent: nullopt / empty).
std::optional<RequiredCapabilities> required_capabilities(const std::vector<Extension>& extensions);
std::vector<ExternalSender> external_senders(const std::vector<Extension>& extensions);

}  // namespace mlsref
