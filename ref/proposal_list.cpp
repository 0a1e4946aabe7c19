// RFC 9420 §12.1 Proposals (validity of each), §12.2 Proposal List
// Validation, §12.3 Applying a Proposal List, §7.3 Leaf Node Validation
// against the group, §11.1 Required Capabilities.
#include "proposal_list.h"

#include <algorithm>
#include <set>

#include "grease.h"
#include "registries.h"
#include "requirement_ids.h"
#include "rule_switch.h"

namespace mlsref {

namespace {

std::string leaf_name(LeafIndex l) { return "leaf " + std::to_string(l.value); }

template <class T>
bool contains(const std::vector<T>& v, const T& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// `rule`: the event of §5.3.1 at which the credential is checked.
void check_credential(const ProposalCheck& check, const LeafNode& leaf, const std::string& what,
                      const Requirement& rule) {
  // RFC 9420 §7.3 [R7.3-1]
  //    Verify that the credential in the LeafNode is valid, as described in
  //    {{credential-validation}}.
  // RFC 9420 §5.3.1 [R5.3.1-1, R5.3.1-2, R5.3.1-4, R5.3.1-5]
  //    Whenever a new credential is introduced in the group, it MUST be validated with
  //    the AS.  In particular, at the following events in the protocol:
  //    [...] When a member receives a KeyPackage that it will use in an Add proposal to add
  //    a new member to the group [...] When a member receives an Add proposal adding a
  //    member to the group [...] When a member receives an Update proposal whose LeafNode
  //    has a new credential for the member
  if (check.credential_validator != nullptr && *check.credential_validator &&
      !(*check.credential_validator)(leaf.credential, leaf.signature_key) && enforced(rule)) {
    throw Error(ErrorKind::protocol, rule,
                what + ": the Authentication Service rejects the credential");
  }
}

}  // namespace

std::optional<RequiredCapabilities> required_capabilities(
    const std::vector<Extension>& extensions) {
  for (const auto& e : extensions) {
    if (e.extension_type == extension_type::required_capabilities) {
      return decode<RequiredCapabilities>(e.extension_data);
    }
  }
  return std::nullopt;
}

std::vector<ExternalSender> external_senders(const std::vector<Extension>& extensions) {
  for (const auto& e : extensions) {
    if (e.extension_type == extension_type::external_senders) {
      return decode<std::vector<ExternalSender>>(e.extension_data);
    }
  }
  return {};
}

// ---------------------------------------------------------------- §12.1 each proposal

void validate_proposal(const ProposalCheck& check, const Proposal& proposal, const Sender& sender) {
  const CipherSuite& suite = check.suite;
  // RFC 9420 §12.1: a CustomProposal stands for a type this document does not
  // define (decoding never makes one of types 0-7). One of those would go out
  // as `opaque proposal_data<V>` under a defined type (or reserved 0), a body
  // receivers read as that type's proposal (or reject), while the sender
  // validated and applied it as an opaque custom proposal.
  if (const auto* custom = std::get_if<CustomProposal>(&proposal.body);
      custom != nullptr && custom->proposal_type <= proposal_type::group_context_extensions) {
    throw Error(ErrorKind::usage, "12.1",
                "a custom proposal of type " + std::to_string(custom->proposal_type) +
                    ", which is reserved or defined by RFC 9420");
  }
  if (const auto* add = std::get_if<Add>(&proposal.body)) {
    // RFC 9420 §12.1.1 [R12.1.1-1]
    //    An Add proposal is invalid if the KeyPackage is invalid according to
    //    {{keypackage-validation}}.
    add->key_package.validate(suite, check.now);
    check_total_lifetime(add->key_package.leaf_node, check.max_leaf_lifetime,
                         "the Add's KeyPackage leaf");
    check_credential(check, add->key_package.leaf_node, "Add", req::R5_3_1_4);
  } else if (const auto* update = std::get_if<Update>(&proposal.body)) {
    // RFC 9420 §12.1.2: an Update replaces the sender's LeafNode, so the sender
    // is a member; no other sender type may send one:
    // RFC 9420 §12.1.8 [R12.1.8-2]
    //    Messages from `external` senders containing proposal types other than the above
    //    MUST be rejected as malformed.
    // RFC 9420 §6.1 [R6.1-8]
    //    The `content_type` of the message MUST be `proposal` and the `proposal_type` of
    //    the Proposal MUST be `add`.
    // Not switchable (ref/rule_switch.h): such a sender has no leaf to update.
    if (sender.sender_type != SenderType::member) {
      throw Error(ErrorKind::protocol,
                  sender.sender_type == SenderType::external ? req::R12_1_8_2 : req::R6_1_8,
                  "an Update proposal from a sender of type " +
                      std::to_string(static_cast<unsigned>(sender.sender_type)) + ", not a member");
    }
    LeafIndex l(sender.leaf_index);
    const LeafNode& old = check.tree.leaf(l);
    // RFC 9420 §12.1.2 [R12.1.2-1]
    //    An Update proposal is invalid if the LeafNode is invalid for an Update
    //    proposal according to {{leaf-node-validation}}.
    // RFC 9420 §7.3 [R7.3-12]
    //    If the LeafNode appears in an Update proposal, verify that
    //    `leaf_node_source` is set to `update` [...]
    update->leaf_node.validate(suite, LeafNodeSource::update, check.context.group_id, l.value,
                               std::nullopt);
    //    [...] and that `encryption_key` represents a different public key
    //    than the `encryption_key` in the leaf node being replaced by the
    //    Update proposal.
    if (update->leaf_node.encryption_key == old.encryption_key && enforced(req::R7_3_12)) {
      throw Error(ErrorKind::protocol, req::R7_3_12,
                  "Update from " + leaf_name(l) + " keeps the old encryption_key");
    }
    if (update->leaf_node.credential != old.credential ||
        update->leaf_node.signature_key != old.signature_key) {
      check_credential(check, update->leaf_node, "Update from " + leaf_name(l), req::R5_3_1_5);
    }
  } else if (const auto* remove = std::get_if<Remove>(&proposal.body)) {
    // RFC 9420 §12.1.3 [R12.1.3-1, R12.1.3-2]
    //    A Remove proposal is invalid if the `removed` field does not identify a
    //    non-blank leaf node. [...] Identify the leaf node matching `removed`.
    if (!check.tree.has_leaf(LeafIndex(remove->removed)) && enforced(req::R12_1_3_1)) {
      throw Error(ErrorKind::protocol, req::R12_1_3_1,
                  "Remove of " + leaf_name(LeafIndex(remove->removed)) +
                      ", which is blank or outside the tree");
    }
  } else if (const auto* psk = std::get_if<PreSharedKey>(&proposal.body)) {
    const PreSharedKeyID& id = psk->psk;
    // RFC 9420 §12.1.4 [R12.1.4-1]
    //    The PreSharedKey proposal is not being processed as part of a
    //    reinitialization of the group (see {{reinitialization}}), and the
    //    PreSharedKeyID has `psktype` set to `resumption` and `usage` set to `reinit`.
    // RFC 9420 §11.2 [R11.2-8]
    //    A PreSharedKey proposal with type `resumption` and usage `reinit` MUST be
    //    considered invalid.
    // RFC 9420 §11.2 [R11.2-7]: only the Welcome of a reinitialization (Group::join)
    // and its commit (check.resuming) take one
    //    Resumption PSKs with usage `reinit` MUST NOT be used in other contexts.
    if (id.psktype == PSKType::resumption && id.usage == ResumptionPSKUsage::reinit &&
        check.resuming != ResumptionPSKUsage::reinit && enforced(req::R12_1_4_1)) {
      throw Error(ErrorKind::protocol, req::R12_1_4_1,
                  "a resumption PSK with usage reinit outside a reinitialization");
    }
    // RFC 9420 §12.1.4 [R12.1.4-2]
    //    The PreSharedKey proposal is not being processed as part of a subgroup
    //    branching operation (see {{subgroup-branching}}), and the PreSharedKeyID
    //    has `psktype` set to `resumption` and `usage` set to `branch`.
    // RFC 9420 §11.3 [R11.3-10]
    //    A PreSharedKey proposal with type `resumption` and usage `branch` MUST be
    //    considered invalid.
    // RFC 9420 §11.3 [R11.3-9]: only the Welcome of a branch (Group::join) and its
    // commit (check.resuming) take one
    //    Resumption PSKs with usage `branch` MUST NOT be used in other contexts.
    if (id.psktype == PSKType::resumption && id.usage == ResumptionPSKUsage::branch &&
        check.resuming != ResumptionPSKUsage::branch && enforced(req::R12_1_4_2)) {
      throw Error(ErrorKind::protocol, req::R12_1_4_2,
                  "a resumption PSK with usage branch outside a subgroup branching");
    }
    // RFC 9420 §12.1.4 [R12.1.4-3]
    //    The `psk_nonce` is not of length `KDF.Nh`.
    if (id.psk_nonce.size() != suite.hash_size() && enforced(req::R12_1_4_3)) {
      throw Error(ErrorKind::protocol, req::R12_1_4_3,
                  "psk_nonce has " + std::to_string(id.psk_nonce.size()) + " bytes, KDF.Nh is " +
                      std::to_string(suite.hash_size()));
    }
  } else if (const auto* reinit = std::get_if<ReInit>(&proposal.body)) {
    // RFC 9420 §12.1.5 [R12.1.5-1]
    //    A ReInit proposal is invalid if the `version` field is less than the
    //    version for the current group.
    if (reinit->version < check.context.version && enforced(req::R12_1_5_1)) {
      throw Error(ErrorKind::protocol, req::R12_1_5_1, "ReInit lowers the protocol version");
    }
    // The new group's GroupContext.extensions (R11.2-4), a list like any other.
    check_extension_types_unique(reinit->extensions, "ReInit.extensions");
  } else if (const auto* gce = std::get_if<GroupContextExtensions>(&proposal.body)) {
    check_extension_types_unique(gce->extensions, "GroupContextExtensions.extensions");
    // RFC 9420 §12.1.7: whether every member supports the new extensions and
    // required capabilities depends on the whole list; checked after
    // application (validate_leaf_in_group).
    // RFC 9420 §5.3.1 [R5.3.1-7, R5.3.1-8]: the new extension's senders, each
    // credential with its signature key
    //    * When an `external_senders` extension is added to the group
    //    * When an existing `external_senders` extension is updated
    std::vector<ExternalSender> before = external_senders(check.context.extensions);
    std::vector<ExternalSender> after = external_senders(gce->extensions);
    if (after != before && check.credential_validator != nullptr && *check.credential_validator) {
      for (const ExternalSender& s : after) {
        if (!(*check.credential_validator)(s.credential, s.signature_key) &&
            enforced(before.empty() ? req::R5_3_1_7 : req::R5_3_1_8)) {
          throw Error(ErrorKind::protocol, before.empty() ? req::R5_3_1_7 : req::R5_3_1_8,
                      "an external sender's credential: the Authentication Service rejects it");
        }
      }
    }
  }
}

// ---------------------------------------------------------------- §12.2 the list

void validate_proposal_list(const ProposalCheck& check, LeafIndex committer,
                            std::span<const QueuedProposal> proposals) {
  std::set<uint32_t> touched;  // leaves with an Update or Remove
  std::set<uint32_t> removed;
  std::vector<const KeyPackage*> adds;
  std::set<Bytes> psks;  // each PreSharedKeyID, encoded: a lookup in log time, not a scan
  size_t gce = 0;
  bool reinit = false;
  for (const QueuedProposal& q : proposals) {
    // RFC 9420 §12.2 [R12.2-3]
    //    It contains an individual proposal that is invalid as specified in {{proposals}}.
    validate_proposal(check, q.proposal, q.sender);
    const auto& body = q.proposal.body;
    if (std::holds_alternative<Update>(body)) {
      LeafIndex l(q.sender.leaf_index);
      // RFC 9420 §12.2 [R12.2-4]
      //    It contains an Update proposal generated by the committer.
      if (l == committer && enforced(req::R12_2_4)) {
        throw Error(ErrorKind::protocol, req::R12_2_4,
                    "the committer (" + leaf_name(l) + ") commits its own Update proposal");
      }
      // RFC 9420 §12.2 [R12.2-6]
      //    It contains multiple Update and/or Remove proposals that apply to the same leaf.
      if (!touched.insert(l.value).second && enforced(req::R12_2_6)) {
        throw Error(ErrorKind::protocol, req::R12_2_6,
                    "several Update/Remove proposals for " + leaf_name(l));
      }
    } else if (const auto* r = std::get_if<Remove>(&body)) {
      // RFC 9420 §12.2 [R12.2-5]
      //    It contains a Remove proposal that removes the committer.
      if (r->removed == committer.value && enforced(req::R12_2_5)) {
        throw Error(ErrorKind::protocol, req::R12_2_5,
                    "a Remove proposal removes the committer, " + leaf_name(committer));
      }
      // RFC 9420 §12.2 [R12.2-6]
      //    It contains multiple Update and/or Remove proposals that apply to the same leaf.
      if (!touched.insert(r->removed).second && enforced(req::R12_2_6)) {
        throw Error(ErrorKind::protocol, req::R12_2_6,
                    "several Update/Remove proposals for " + leaf_name(LeafIndex(r->removed)));
      }
      removed.insert(r->removed);
    } else if (const auto* a = std::get_if<Add>(&body)) {
      // RFC 9420 §12.2 [R12.2-8]
      //    It contains multiple Add proposals that contain KeyPackages that
      //    represent the same client according to the application (for
      //    example, identical signature keys).
      for (const KeyPackage* other : adds) {
        if (other->leaf_node.signature_key == a->key_package.leaf_node.signature_key &&
            enforced(req::R12_2_8)) {
          throw Error(ErrorKind::protocol, req::R12_2_8,
                      "two Add proposals for the same client (signature_key " +
                          to_hex(a->key_package.leaf_node.signature_key) + ")");
        }
      }
      adds.push_back(&a->key_package);
    } else if (const auto* p = std::get_if<PreSharedKey>(&body)) {
      // RFC 9420 §12.2 [R12.2-10]
      //    It contains multiple PreSharedKey proposals that reference the same
      //    PreSharedKeyID.
      if (!psks.insert(encode(p->psk)).second && enforced(req::R12_2_10)) {
        throw Error(ErrorKind::protocol, req::R12_2_10,
                    "two PreSharedKey proposals for the same PSK (psk_id " + to_hex(p->psk.psk_id) +
                        ", psk_epoch " + std::to_string(p->psk.psk_epoch) + ")");
      }
    } else if (std::holds_alternative<GroupContextExtensions>(body)) {
      // RFC 9420 §12.2 [R12.2-11]
      //    It contains multiple GroupContextExtensions proposals.
      if (++gce > 1 && enforced(req::R12_2_11)) {
        throw Error(ErrorKind::protocol, req::R12_2_11, "several GroupContextExtensions proposals");
      }
    } else if (std::holds_alternative<ReInit>(body)) {
      reinit = true;
    } else if (std::holds_alternative<ExternalInit>(body)) {
      // RFC 9420 §12.2 [R12.2-14]
      //    It contains an ExternalInit proposal.
      if (enforced(req::R12_2_14)) {
        throw Error(ErrorKind::protocol, req::R12_2_14,
                    "an ExternalInit proposal in a commit that is not external");
      }
    }
  }
  // RFC 9420 §12.2 [R12.2-12]
  //    It contains a ReInit proposal together with any other proposal.
  if (reinit && proposals.size() > 1 && enforced(req::R12_2_12)) {
    throw Error(ErrorKind::protocol, req::R12_2_12,
                "a ReInit proposal together with " + std::to_string(proposals.size() - 1) +
                    " other proposal(s)");
  }
  // RFC 9420 §12.2 [R12.2-9]
  //    It contains an Add proposal with a KeyPackage that represents a client
  //    already in the group according to the application, unless there is a
  //    Remove proposal in the list removing the matching client from the group.
  for (const KeyPackage* kp : adds) {
    for (const LeafIndex l : check.tree.leaves_with_signature_key(kp->leaf_node.signature_key)) {
      if (!removed.count(l.value) && enforced(req::R12_2_9)) {
        throw Error(ErrorKind::protocol, req::R12_2_9,
                    "an Add proposal for a client already in the group at " + leaf_name(l));
      }
    }
  }
  // RFC 9420 §12.2 [R12.2-15]
  //    It contains a Proposal with a non-default proposal type that is not
  //    supported by some members of the group that will process the Commit
  //    (i.e., members being added or removed by the Commit do not need to
  //    support the proposal type).
  // RFC 9420 §13.2 [R13.2-1]
  //    As discussed in {{commit}}, Proposals with a non-default proposal type MUST
  //    NOT be included in a commit unless the proposal type is supported by all the
  //    members of the group that will process the Commit.
  // RFC 9420 §13.5 [R13.5-7]: our own leaf lists GREASE proposal types we do
  // not support
  //    When comparing lists of capabilities to identify mutually supported
  //    capabilities, clients MUST represent their own capabilities with a list
  //    containing only the capabilities actually supported, without any GREASE values.
  std::optional<LeafNode> own_leaf;
  if (check.own && check.tree.has_leaf(*check.own)) {
    own_leaf = without_grease(check.tree.leaf(*check.own));
  }
  for (const QueuedProposal& q : proposals) {
    ProposalType t = q.proposal.proposal_type();
    if (is_default_type(proposal_type_registry(), t)) {
      continue;
    }
    for (uint32_t i = 0; i < check.tree.leaf_count().value; ++i) {
      LeafIndex l(i);
      if (!check.tree.has_leaf(l) || removed.count(i)) {
        continue;
      }
      const LeafNode& leaf = own_leaf && l == *check.own ? *own_leaf : check.tree.leaf(l);
      if (!contains(leaf.capabilities.proposals, t) && enforced(req::R12_2_15)) {
        throw Error(ErrorKind::protocol, req::R12_2_15,
                    "proposal type " + std::to_string(t) + " is not supported by " + leaf_name(l));
      }
    }
  }
  // After processing the Commit the ratchet tree is invalid [...] (R12.2-16):
  // checked on the new tree by the commit (validate_new_leaves).
}

void validate_external_proposal_list(const ProposalCheck& check,
                                     std::span<const QueuedProposal> proposals) {
  // RFC 9420 §12.2
  //    For an external Commit, the list is valid if it contains only the following proposals
  //    (not necessarily in this order):
  size_t external_init = 0, remove = 0;
  std::set<Bytes> psks;  // each PreSharedKeyID, encoded: a lookup in log time, not a scan
  for (const QueuedProposal& q : proposals) {
    validate_proposal(check, q.proposal, q.sender);
    const auto& body = q.proposal.body;
    if (std::holds_alternative<ExternalInit>(body)) {
      // RFC 9420 §12.2 [R12.2-17]
      //    Exactly one ExternalInit
      if (++external_init > 1 && enforced(req::R12_2_17)) {
        throw Error(ErrorKind::protocol, req::R12_2_17,
                    "an external Commit with several ExternalInit");
      }
    } else if (std::holds_alternative<Remove>(body)) {
      // RFC 9420 §12.2 [R12.2-18]
      //    At most one Remove proposal, with which the joiner removes an
      //    old version of themselves.
      if (++remove > 1 && enforced(req::R12_2_18)) {
        throw Error(ErrorKind::protocol, req::R12_2_18,
                    "an external Commit with several Remove proposals");
      }
    } else if (const auto* p = std::get_if<PreSharedKey>(&body)) {
      // RFC 9420 §12.2 [R12.2-21]
      //    Zero or more PreSharedKey proposals
      // (and, as for any list, not two for the same PSK: R12.2-10)
      if (!psks.insert(encode(p->psk)).second && enforced(req::R12_2_10)) {
        throw Error(ErrorKind::protocol, req::R12_2_10,
                    "two PreSharedKey proposals for the same PSK");
      }
    } else {
      // RFC 9420 §12.2 [R12.2-22]
      //    No other proposals
      if (enforced(req::R12_2_22)) {
        throw Error(ErrorKind::protocol, req::R12_2_22,
                    "proposal type " + std::to_string(q.proposal.proposal_type()) +
                        " in an external Commit");
      }
    }
  }
  // (None is refused even with the rule switched off: there is no init secret.)
  if (external_init == 0 || (external_init > 1 && enforced(req::R12_2_17))) {
    // RFC 9420 §12.2 [R12.2-17]
    //    Exactly one ExternalInit
    throw Error(ErrorKind::protocol, req::R12_2_17, "an external Commit without an ExternalInit");
  }
}

// ---------------------------------------------------------------- §12.3 application

AppliedProposals apply_proposals(const GroupContext& context, const RatchetTree& tree,
                                 std::span<const QueuedProposal> proposals) {
  AppliedProposals out{context, tree, {}, {}, {}, {}, {}, {}, false};
  // RFC 9420 §12.3 [R12.3-1]: one pass per step, in the RFC's order
  //    The client MUST apply the proposals in the list in the following order:
  // RFC 9420 §12.3 [R12.3-2]
  //    If there is a GroupContextExtensions proposal, replace the `extensions` field
  //    of the GroupContext for the group with the contents of the proposal.
  for (const auto& q : proposals) {
    if (const auto* g = std::get_if<GroupContextExtensions>(&q.proposal.body)) {
      // RFC 9420 §12.1.7 [R12.1.7-2]
      //    Remove all of the existing extensions from the GroupContext object for the
      //    group and replace them with the list of extensions in the proposal.
      // RFC 9420 §8.1 [R8.1-5]
      //    The `extensions` field changes when a GroupContextExtensions proposal is committed.
      out.context.extensions = g->extensions;
      out.extensions_changed = true;
    }
  }
  // RFC 9420 §12.3 [R12.3-4]
  //    Apply any Update proposals to the ratchet tree, in any order.
  for (const auto& q : proposals) {
    if (const auto* u = std::get_if<Update>(&q.proposal.body)) {
      LeafIndex l(q.sender.leaf_index);
      out.tree.update_leaf(l, u->leaf_node);
      out.updates.emplace_back(l, u->leaf_node);
    }
  }
  // RFC 9420 §12.3 [R12.3-5]
  //    Apply any Remove proposals to the ratchet tree, in any order.
  for (const auto& q : proposals) {
    if (const auto* r = std::get_if<Remove>(&q.proposal.body)) {
      out.tree.remove_leaf(LeafIndex(r->removed));
      out.removed.push_back(LeafIndex(r->removed));
    }
  }
  // RFC 9420 §12.3 [R12.3-6]
  //    Apply any Add proposals to the ratchet tree, in the order they appear in the list.
  for (const auto& q : proposals) {
    if (const auto* a = std::get_if<Add>(&q.proposal.body)) {
      LeafIndex l = out.tree.add_leaf(a->key_package.leaf_node);
      out.added.emplace_back(l, a->key_package);
    }
  }
  // RFC 9420 §12.3 [R12.3-7]
  //    Look up the PSK secrets for any PreSharedKey proposals, in the order they appear in the
  //    list.
  for (const auto& q : proposals) {
    if (const auto* p = std::get_if<PreSharedKey>(&q.proposal.body)) {
      out.psks.push_back(p->psk);
    }
  }
  // RFC 9420 §12.3: the ExternalInit is used in Commit processing (ref/commit.cpp)
  //    If there is an ExternalInit proposal, use it to derive the `init_secret` [...]
  // RFC 9420 §12.3 [R12.3-9]
  //    If there is a ReInit proposal, note its parameters for application later in
  //    Commit processing.
  for (const auto& q : proposals) {
    if (const auto* e = std::get_if<ExternalInit>(&q.proposal.body)) {
      out.external_init = *e;
    } else if (const auto* r = std::get_if<ReInit>(&q.proposal.body)) {
      out.reinit = *r;
    }
  }
  return out;
}

bool path_required(std::span<const QueuedProposal> proposals) {
  // RFC 9420 §12.4
  //    if len(commit.proposals) == 0 || pathRequired:
  //        assert(commit.path != null)
  if (proposals.empty()) {
    return true;
  }
  for (const auto& q : proposals) {
    ProposalType t = q.proposal.proposal_type();
    auto registry = proposal_type_registry();
    auto row = std::find_if(registry.begin(), registry.end(),
                            [&](const RegistryRow& r) { return r.value == t; });
    //    By default, the `path` field of a Commit MUST be populated.
    // A type the registry does not list (a CustomProposal) states nothing
    // we know of, so it takes the default: a path is required.
    if (row == registry.end() || row->path_required) {
      return true;
    }
  }
  return false;
}

// ---------------------------------------------------------------- §7.3 in the group

void validate_leaf_capabilities(const LeafNode& leaf, const GroupContext& context, LeafIndex l,
                                const Requirement& required_rule) {
  const Capabilities& caps = leaf.capabilities;
  const SortedTypes extensions(caps.extensions);
  // RFC 9420 §7.3 [R7.3-4] (or R12.1.7-1: `required_rule`)
  //    If the GroupContext has a `required_capabilities` extension, then the
  //    required extensions, proposals, and credential types MUST be listed in
  //    the LeafNode's `capabilities` field.
  if (auto req = required_capabilities(context.extensions)) {
    for (ExtensionType t : req->extension_types) {
      if (!is_default_type(extension_type_registry(), t) && !extensions.has(t) &&
          enforced(required_rule)) {
        throw Error(ErrorKind::unsupported_group_context_extensions, required_rule,
                    leaf_name(l) + " does not support required extension " + std::to_string(t));
      }
    }
    const SortedTypes proposals(caps.proposals);
    for (ProposalType t : req->proposal_types) {
      if (!is_default_type(proposal_type_registry(), t) && !proposals.has(t) &&
          enforced(required_rule)) {
        throw Error(ErrorKind::unsupported_group_context_extensions, required_rule,
                    leaf_name(l) + " does not support required proposal type " + std::to_string(t));
      }
    }
    const SortedTypes credentials(caps.credentials);
    for (CredentialType t : req->credential_types) {
      if (!credentials.has(t) && enforced(required_rule)) {
        throw Error(
            ErrorKind::unsupported_group_context_extensions, required_rule,
            leaf_name(l) + " does not support required credential type " + std::to_string(t));
      }
    }
  }
  // RFC 9420 §13.4 [R13.4-6, R13.4-7, R13.4-10]
  //    A client adding a new member to a group MUST verify that the LeafNode for the
  //    new member is compatible with the group's extensions.  The `capabilities` field
  //    MUST indicate support for each extension in the GroupContext. [...] an extension
  //    in use by the group MUST be supported by all members of the group.
  for (const auto& e : context.extensions) {
    if (!is_default_type(extension_type_registry(), e.extension_type) &&
        !extensions.has(e.extension_type) && enforced(req::R13_4_7)) {
      throw Error(ErrorKind::unsupported_group_context_extensions, req::R13_4_7,
                  leaf_name(l) + " does not support GroupContext extension " +
                      std::to_string(e.extension_type));
    }
  }
}

void validate_own_leaf_in_group(const RatchetTree& tree, const GroupContext& context,
                                LeafIndex own) {
  // RFC 9420 §13.5 [R13.5-7]: our leaf as we represent it to ourselves
  //    When comparing lists of capabilities to identify mutually supported
  //    capabilities, clients MUST represent their own capabilities with a list
  //    containing only the capabilities actually supported, without any GREASE values.
  RatchetTree view = tree;
  view.set_node(NodeIndex(own), Node{NodeType::leaf, without_grease(tree.leaf(own)), {}});
  validate_leaf_in_group(view, context, own);
}

void validate_own_leaf_to_send(const CipherSuite& suite, const RatchetTree& tree,
                               const GroupContext& context, LeafIndex own) {
  const LeafNode& leaf = tree.leaf(own);
  leaf.validate(suite, leaf.leaf_node_source, context.group_id, own.value, std::nullopt);
  validate_own_leaf_in_group(tree, context, own);
}

void validate_leaf_in_group(const RatchetTree& tree, const GroupContext& context, LeafIndex l) {
  const LeafNode& leaf = tree.leaf(l);
  const SortedTypes credentials(leaf.capabilities.credentials);
  // RFC 9420 §7.3 [R7.3-3]: the capabilities (here and in
  // validate_leaf_capabilities), credential types and unique keys below
  //    Verify that the LeafNode is compatible with the group's parameters.
  validate_leaf_capabilities(leaf, context, l);
  // RFC 9420 §7.3 [R7.3-5]
  //    Verify that the credential type is supported by all members of the group,
  //    as specified by the `capabilities` field of each member's LeafNode, and
  //    that the `capabilities` field of this LeafNode indicates support for all
  //    the credential types currently in use by other members.
  for (uint32_t i = 0; i < tree.leaf_count().value; ++i) {
    LeafIndex o(i);
    if (!tree.has_leaf(o) || o == l) {
      continue;
    }
    const LeafNode& other = tree.leaf(o);
    if (!contains(other.capabilities.credentials, leaf.credential.credential_type) &&
        enforced(req::R7_3_5)) {
      throw Error(ErrorKind::protocol, req::R7_3_5,
                  leaf_name(l) + "'s credential type is not supported by " + leaf_name(o));
    }
    if (!credentials.has(other.credential.credential_type) && enforced(req::R7_3_5)) {
      throw Error(ErrorKind::protocol, req::R7_3_5,
                  leaf_name(l) + " does not support the credential type of " + leaf_name(o));
    }
    // RFC 9420 §7.3 [R7.3-14]
    //    Verify that the following fields are unique among the members of the group:
    //    [...] `signature_key` [...] `encryption_key`
    if (other.signature_key == leaf.signature_key && enforced(req::R7_3_14)) {
      throw Error(ErrorKind::protocol, req::R7_3_14,
                  leaf_name(l) + " has the signature_key of " + leaf_name(o));
    }
    if (other.encryption_key == leaf.encryption_key && enforced(req::R7_3_14)) {
      throw Error(ErrorKind::protocol, req::R7_3_14,
                  leaf_name(l) + " has the encryption_key of " + leaf_name(o));
    }
  }
  // RFC 9420 §16.7 [R16.7-1]: the leaf's keys against the keys of the other
  // field, its own included (an encryption_key with the bytes of a
  // signature_key: on the NIST curves the same key pair, for signing and for
  // HPKE), and its encryption_key against the parent nodes' (as §12.4.2
  // R12.4.2-14 and §12.4.3.1 check the keys of an UpdatePath and of a parent node)
  //    The encryption and signature keys stored in the `encryption_key` and
  //    `signature_key` fields of ratchet tree nodes MUST be distinct from one another.
  for (uint32_t i = 0; i < tree.leaf_count().value; ++i) {
    LeafIndex o(i);
    if (!tree.has_leaf(o)) {
      continue;
    }
    const LeafNode& other = tree.leaf(o);
    if ((other.signature_key == leaf.encryption_key ||
         other.encryption_key == leaf.signature_key) &&
        enforced(req::R16_7_1)) {
      throw Error(ErrorKind::protocol, req::R16_7_1,
                  leaf_name(l) + " has a key in one field that " + leaf_name(o) +
                      " has in the other (encryption_key and signature_key)");
    }
  }
  // (and its signature_key against the parent nodes' too: on the NIST curves an
  // HPKE private key is an ECDSA one, so a member that holds a parent node's
  // can sign a KeyPackage with it)
  for (uint32_t i = 1; i < tree.node_count(); i += 2) {
    NodeIndex n(i);
    if (!tree.blank(n) &&
        (tree.parent(n).encryption_key == leaf.encryption_key ||
         tree.parent(n).encryption_key == leaf.signature_key) &&
        enforced(req::R16_7_1)) {
      throw Error(ErrorKind::protocol, req::R16_7_1,
                  leaf_name(l) + " has the encryption_key of parent node " + std::to_string(i) +
                      " as a key of its own");
    }
  }
}

}  // namespace mlsref
