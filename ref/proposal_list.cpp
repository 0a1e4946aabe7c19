// RFC 9420 §12.1 Proposals (validity of each), §12.2 Proposal List
// Validation, §12.3 Applying a Proposal List, §7.3 Leaf Node Validation
// against the group, §11.1 Required Capabilities.
#include "proposal_list.h"

#include <algorithm>
#include <set>

#include "registries.h"

namespace mlsref {

namespace {

std::string leaf_name(LeafIndex l) { return "leaf " + std::to_string(l.value); }

template <class T>
bool contains(const std::vector<T>& v, const T& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

bool is_default_type(std::span<const RegistryRow> registry, uint16_t value) {
  for (const auto& row : registry) {
    if (row.value == value) {
      return row.is_default;
    }
  }
  return false;
}

void check_credential(const ProposalCheck& check, const LeafNode& leaf, const std::string& what) {
  // RFC 9420 §7.3
  //    Verify that the credential in the LeafNode is valid, as described in
  //    {{credential-validation}}.
  if (check.credential_validator != nullptr && *check.credential_validator &&
      !(*check.credential_validator)(leaf.credential, leaf.signature_key)) {
    throw Error(ErrorKind::protocol, "5.3.1",
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
  if (const auto* add = std::get_if<Add>(&proposal.body)) {
    // RFC 9420 §12.1.1
    //    An Add proposal is invalid if the KeyPackage is invalid according to
    //    {{keypackage-validation}}.
    add->key_package.validate(suite, check.now);
    check_credential(check, add->key_package.leaf_node, "Add");
  } else if (const auto* update = std::get_if<Update>(&proposal.body)) {
    if (sender.sender_type != SenderType::member) {
      throw Error(ErrorKind::protocol, "12.1.2", "an Update proposal must come from a member");
    }
    LeafIndex l(sender.leaf_index);
    const LeafNode& old = check.tree.leaf(l);
    // RFC 9420 §12.1.2
    //    An Update proposal is invalid if the LeafNode is invalid for an Update
    //    proposal according to {{leaf-node-validation}}.
    // RFC 9420 §7.3
    //    If the LeafNode appears in an Update proposal, verify that
    //    `leaf_node_source` is set to `update` [...]
    update->leaf_node.validate(suite, LeafNodeSource::update, check.context.group_id, l.value,
                               std::nullopt);
    //    [...] and that `encryption_key` represents a different public key
    //    than the `encryption_key` in the leaf node being replaced by the
    //    Update proposal.
    if (update->leaf_node.encryption_key == old.encryption_key) {
      throw Error(ErrorKind::protocol, "7.3",
                  "Update from " + leaf_name(l) + " keeps the old encryption_key");
    }
    if (update->leaf_node.credential != old.credential ||
        update->leaf_node.signature_key != old.signature_key) {
      check_credential(check, update->leaf_node, "Update");
    }
  } else if (const auto* remove = std::get_if<Remove>(&proposal.body)) {
    // RFC 9420 §12.1.3
    //    A Remove proposal is invalid if the `removed` field does not identify a
    //    non-blank leaf node.
    if (!check.tree.has_leaf(LeafIndex(remove->removed))) {
      throw Error(ErrorKind::protocol, "12.1.3",
                  "Remove of " + leaf_name(LeafIndex(remove->removed)) +
                      ", which is blank or outside the tree");
    }
  } else if (const auto* psk = std::get_if<PreSharedKey>(&proposal.body)) {
    const PreSharedKeyID& id = psk->psk;
    // RFC 9420 §12.1.4
    //    The PreSharedKey proposal is not being processed as part of a
    //    reinitialization of the group (see {{reinitialization}}), and the
    //    PreSharedKeyID has `psktype` set to `resumption` and `usage` set to `reinit`.
    if (id.psktype == PSKType::resumption && id.usage == ResumptionPSKUsage::reinit) {
      throw Error(ErrorKind::protocol, "12.1.4",
                  "a resumption PSK with usage reinit outside a reinitialization");
    }
    //    The PreSharedKey proposal is not being processed as part of a subgroup
    //    branching operation (see {{subgroup-branching}}), and the PreSharedKeyID
    //    has `psktype` set to `resumption` and `usage` set to `branch`.
    if (id.psktype == PSKType::resumption && id.usage == ResumptionPSKUsage::branch) {
      throw Error(ErrorKind::protocol, "12.1.4",
                  "a resumption PSK with usage branch outside a subgroup branching");
    }
    //    The `psk_nonce` is not of length `KDF.Nh`.
    if (id.psk_nonce.size() != suite.hash_size()) {
      throw Error(ErrorKind::protocol, "12.1.4",
                  "psk_nonce has " + std::to_string(id.psk_nonce.size()) + " bytes, KDF.Nh is " +
                      std::to_string(suite.hash_size()));
    }
  } else if (const auto* reinit = std::get_if<ReInit>(&proposal.body)) {
    // RFC 9420 §12.1.5
    //    A ReInit proposal is invalid if the `version` field is less than the
    //    version for the current group.
    if (reinit->version < check.context.version) {
      throw Error(ErrorKind::protocol, "12.1.5", "ReInit lowers the protocol version");
    }
  } else if (std::holds_alternative<GroupContextExtensions>(proposal.body)) {
    // RFC 9420 §12.1.7: whether every member supports the new extensions and
    // required capabilities depends on the whole list; checked after
    // application (validate_leaf_in_group).
  }
}

// ---------------------------------------------------------------- §12.2 the list

void validate_proposal_list(const ProposalCheck& check, LeafIndex committer,
                            std::span<const QueuedProposal> proposals) {
  std::set<uint32_t> touched;  // leaves with an Update or Remove
  std::set<uint32_t> removed;
  std::vector<const KeyPackage*> adds;
  std::vector<PreSharedKeyID> psks;
  size_t gce = 0;
  bool reinit = false;
  for (const QueuedProposal& q : proposals) {
    // RFC 9420 §12.2
    //    It contains an individual proposal that is invalid as specified in {{proposals}}.
    validate_proposal(check, q.proposal, q.sender);
    const auto& body = q.proposal.body;
    if (std::holds_alternative<Update>(body)) {
      LeafIndex l(q.sender.leaf_index);
      //    It contains an Update proposal generated by the committer.
      if (l == committer) {
        throw Error(ErrorKind::protocol, "12.2", "the committer commits its own Update proposal");
      }
      //    It contains multiple Update and/or Remove proposals that apply to the same leaf.
      if (!touched.insert(l.value).second) {
        throw Error(ErrorKind::protocol, "12.2",
                    "several Update/Remove proposals for " + leaf_name(l));
      }
    } else if (const auto* r = std::get_if<Remove>(&body)) {
      //    It contains a Remove proposal that removes the committer.
      if (r->removed == committer.value) {
        throw Error(ErrorKind::protocol, "12.2", "a Remove proposal removes the committer");
      }
      //    It contains multiple Update and/or Remove proposals that apply to the same leaf.
      if (!touched.insert(r->removed).second) {
        throw Error(ErrorKind::protocol, "12.2",
                    "several Update/Remove proposals for " + leaf_name(LeafIndex(r->removed)));
      }
      removed.insert(r->removed);
    } else if (const auto* a = std::get_if<Add>(&body)) {
      //    It contains multiple Add proposals that contain KeyPackages that
      //    represent the same client according to the application (for
      //    example, identical signature keys).
      for (const KeyPackage* other : adds) {
        if (other->leaf_node.signature_key == a->key_package.leaf_node.signature_key) {
          throw Error(ErrorKind::protocol, "12.2", "two Add proposals for the same client");
        }
      }
      adds.push_back(&a->key_package);
    } else if (const auto* p = std::get_if<PreSharedKey>(&body)) {
      //    It contains multiple PreSharedKey proposals that reference the same
      //    PreSharedKeyID.
      if (contains(psks, p->psk)) {
        throw Error(ErrorKind::protocol, "12.2", "two PreSharedKey proposals for the same PSK");
      }
      psks.push_back(p->psk);
    } else if (std::holds_alternative<GroupContextExtensions>(body)) {
      //    It contains multiple GroupContextExtensions proposals.
      if (++gce > 1) {
        throw Error(ErrorKind::protocol, "12.2", "several GroupContextExtensions proposals");
      }
    } else if (std::holds_alternative<ReInit>(body)) {
      reinit = true;
    } else if (std::holds_alternative<ExternalInit>(body)) {
      //    It contains an ExternalInit proposal.
      throw Error(ErrorKind::protocol, "12.2",
                  "an ExternalInit proposal in a commit that is not external");
    }
  }
  //    It contains a ReInit proposal together with any other proposal.
  if (reinit && proposals.size() > 1) {
    throw Error(ErrorKind::protocol, "12.2", "a ReInit proposal together with other proposals");
  }
  //    It contains an Add proposal with a KeyPackage that represents a client
  //    already in the group according to the application, unless there is a
  //    Remove proposal in the list removing the matching client from the group.
  for (const KeyPackage* kp : adds) {
    for (uint32_t i = 0; i < check.tree.leaf_count().value; ++i) {
      LeafIndex l(i);
      if (check.tree.has_leaf(l) && !removed.count(i) &&
          check.tree.leaf(l).signature_key == kp->leaf_node.signature_key) {
        throw Error(ErrorKind::protocol, "12.2",
                    "an Add proposal for a client already in the group at " + leaf_name(l));
      }
    }
  }
  //    It contains a Proposal with a non-default proposal type that is not
  //    supported by some members of the group that will process the Commit
  //    (i.e., members being added or removed by the Commit do not need to
  //    support the proposal type).
  for (const QueuedProposal& q : proposals) {
    ProposalType t = q.proposal.proposal_type();
    if (is_default_type(proposal_type_registry(), t)) {
      continue;
    }
    for (uint32_t i = 0; i < check.tree.leaf_count().value; ++i) {
      LeafIndex l(i);
      if (check.tree.has_leaf(l) && !removed.count(i) &&
          !contains(check.tree.leaf(l).capabilities.proposals, t)) {
        throw Error(ErrorKind::protocol, "12.2",
                    "proposal type " + std::to_string(t) + " is not supported by " + leaf_name(l));
      }
    }
  }
  //    After processing the Commit the ratchet tree is invalid [...]: checked on
  //    the new tree by the commit (validate_leaf_in_group).
}

void validate_external_proposal_list(const ProposalCheck& check,
                                     std::span<const QueuedProposal> proposals) {
  // RFC 9420 §12.2
  //    For an external Commit, the list is valid if it contains only the following proposals
  //    (not necessarily in this order):
  size_t external_init = 0, remove = 0;
  std::vector<PreSharedKeyID> psks;
  for (const QueuedProposal& q : proposals) {
    validate_proposal(check, q.proposal, q.sender);
    const auto& body = q.proposal.body;
    if (std::holds_alternative<ExternalInit>(body)) {
      //    Exactly one ExternalInit
      if (++external_init > 1) {
        throw Error(ErrorKind::protocol, "12.2", "an external Commit with several ExternalInit");
      }
    } else if (std::holds_alternative<Remove>(body)) {
      //    At most one Remove proposal, with which the joiner removes an
      //    old version of themselves.
      if (++remove > 1) {
        throw Error(ErrorKind::protocol, "12.2", "an external Commit with several Remove proposals");
      }
    } else if (const auto* p = std::get_if<PreSharedKey>(&body)) {
      //    Zero or more PreSharedKey proposals
      // (and, as for any list, not two for the same PSK)
      if (contains(psks, p->psk)) {
        throw Error(ErrorKind::protocol, "12.2", "two PreSharedKey proposals for the same PSK");
      }
      psks.push_back(p->psk);
    } else {
      //    No other proposals
      throw Error(ErrorKind::protocol, "12.2",
                  "proposal type " + std::to_string(q.proposal.proposal_type()) +
                      " in an external Commit");
    }
  }
  if (external_init != 1) {
    //    Exactly one ExternalInit
    throw Error(ErrorKind::protocol, "12.2", "an external Commit without an ExternalInit");
  }
}

// ---------------------------------------------------------------- §12.3 application

AppliedProposals apply_proposals(const GroupContext& context, const RatchetTree& tree,
                                 std::span<const QueuedProposal> proposals) {
  AppliedProposals out{context, tree, {}, {}, {}, {}, {}, {}, false};
  // RFC 9420 §12.3
  //    If there is a GroupContextExtensions proposal, replace the `extensions` field
  //    of the GroupContext for the group with the contents of the proposal.
  for (const auto& q : proposals) {
    if (const auto* g = std::get_if<GroupContextExtensions>(&q.proposal.body)) {
      out.context.extensions = g->extensions;
      out.extensions_changed = true;
    }
  }
  //    Apply any Update proposals to the ratchet tree, in any order.
  for (const auto& q : proposals) {
    if (const auto* u = std::get_if<Update>(&q.proposal.body)) {
      LeafIndex l(q.sender.leaf_index);
      out.tree.update_leaf(l, u->leaf_node);
      out.updates.emplace_back(l, u->leaf_node);
    }
  }
  //    Apply any Remove proposals to the ratchet tree, in any order.
  for (const auto& q : proposals) {
    if (const auto* r = std::get_if<Remove>(&q.proposal.body)) {
      out.tree.remove_leaf(LeafIndex(r->removed));
      out.removed.push_back(LeafIndex(r->removed));
    }
  }
  //    Apply any Add proposals to the ratchet tree, in the order they appear in the list.
  for (const auto& q : proposals) {
    if (const auto* a = std::get_if<Add>(&q.proposal.body)) {
      LeafIndex l = out.tree.add_leaf(a->key_package.leaf_node);
      out.added.emplace_back(l, a->key_package);
    }
  }
  //    Look up the PSK secrets for any PreSharedKey proposals, in the order they
  //    appear in the list.
  for (const auto& q : proposals) {
    if (const auto* p = std::get_if<PreSharedKey>(&q.proposal.body)) {
      out.psks.push_back(p->psk);
    }
  }
  //    If there is an ExternalInit proposal, use it to derive the `init_secret` [...]
  //    If there is a ReInit proposal, note its parameters [...]
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

void validate_leaf_capabilities(const LeafNode& leaf, const GroupContext& context, LeafIndex l) {
  const Capabilities& caps = leaf.capabilities;
  // RFC 9420 §7.3
  //    If the GroupContext has a `required_capabilities` extension, then the
  //    required extensions, proposals, and credential types MUST be listed in
  //    the LeafNode's `capabilities` field.
  if (auto req = required_capabilities(context.extensions)) {
    for (ExtensionType t : req->extension_types) {
      if (!is_default_type(extension_type_registry(), t) && !contains(caps.extensions, t)) {
        throw Error(ErrorKind::unsupported_group_context_extensions, "7.3",
                    leaf_name(l) + " does not support required extension " + std::to_string(t));
      }
    }
    for (ProposalType t : req->proposal_types) {
      if (!is_default_type(proposal_type_registry(), t) && !contains(caps.proposals, t)) {
        throw Error(ErrorKind::unsupported_group_context_extensions, "7.3",
                    leaf_name(l) + " does not support required proposal type " + std::to_string(t));
      }
    }
    for (CredentialType t : req->credential_types) {
      if (!contains(caps.credentials, t)) {
        throw Error(
            ErrorKind::unsupported_group_context_extensions, "7.3",
            leaf_name(l) + " does not support required credential type " + std::to_string(t));
      }
    }
  }
  // RFC 9420 §12.1.7 / §13.4: a member must support every extension in the
  // GroupContext ("Extensions in `GroupInfo.group_context.extensions`,
  // however, MUST be supported by the new joiner", §12.4.3).
  for (const auto& e : context.extensions) {
    if (!is_default_type(extension_type_registry(), e.extension_type) &&
        !contains(caps.extensions, e.extension_type)) {
      throw Error(ErrorKind::unsupported_group_context_extensions, "12.4.3",
                  leaf_name(l) + " does not support GroupContext extension " +
                      std::to_string(e.extension_type));
    }
  }
}

void validate_leaf_in_group(const RatchetTree& tree, const GroupContext& context, LeafIndex l) {
  const LeafNode& leaf = tree.leaf(l);
  const Capabilities& caps = leaf.capabilities;
  validate_leaf_capabilities(leaf, context, l);
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
    if (!contains(other.capabilities.credentials, leaf.credential.credential_type)) {
      throw Error(ErrorKind::protocol, "7.3",
                  leaf_name(l) + "'s credential type is not supported by " + leaf_name(o));
    }
    if (!contains(caps.credentials, other.credential.credential_type)) {
      throw Error(ErrorKind::protocol, "7.3",
                  leaf_name(l) + " does not support the credential type of " + leaf_name(o));
    }
    //    Verify that the following fields are unique among the members of the group:
    //    `signature_key`, `encryption_key`
    if (other.signature_key == leaf.signature_key) {
      throw Error(ErrorKind::protocol, "7.3",
                  leaf_name(l) + " has the signature_key of " + leaf_name(o));
    }
    if (other.encryption_key == leaf.encryption_key) {
      throw Error(ErrorKind::protocol, "7.3",
                  leaf_name(l) + " has the encryption_key of " + leaf_name(o));
    }
  }
  for (uint32_t i = 1; i < tree.node_count(); i += 2) {
    NodeIndex n(i);
    if (!tree.blank(n) && tree.parent(n).encryption_key == leaf.encryption_key) {
      throw Error(ErrorKind::protocol, "7.3",
                  leaf_name(l) + " has the encryption_key of parent node " + std::to_string(i));
    }
  }
}

}  // namespace mlsref
