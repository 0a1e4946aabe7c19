#include "conformance/local_client.h"

#include <stdexcept>

#include "conformance/vector_type.h"

namespace mlsref::conformance {

namespace {

MLSMessage decode_message(const Bytes& bytes) { return decode<MLSMessage>(bytes); }

template <class T>
const T& body_of(const MLSMessage& m, const char* what) {
  const T* t = std::get_if<T>(&m.body);
  if (t == nullptr) {
    throw std::invalid_argument(std::string("expected an MLSMessage holding a ") + what);
  }
  return *t;
}

Bytes bytes_of(const SecureBytes& s) { return Bytes(s.begin(), s.end()); }

// Refuses a handshake or application message of another content type than
// `want` before it is processed: processing a PrivateMessage uses up its key.
void expect_content(const MLSMessage& m, ContentType want, const char* what) {
  std::optional<ContentType> type;
  if (const auto* pm = std::get_if<PrivateMessage>(&m.body)) {
    type = pm->content_type;
  } else if (const auto* pub = std::get_if<PublicMessage>(&m.body)) {
    type = pub->content.content_type;
  }
  if (!type || *type != want) {
    throw std::invalid_argument(std::string("the message given as ") + what + " is not one");
  }
}

}  // namespace

std::vector<uint16_t> LocalClient::supported_ciphersuites() {
  std::vector<uint16_t> out;
  for (const auto& info : cipher_suites()) {
    out.push_back(info.id);
  }
  return out;
}

GroupConfig LocalClient::config(bool encrypt_handshake) const {
  GroupConfig c;
  c.handshake_private = encrypt_handshake;
  c.rng = rng_;
  if (clock_) {
    c.clock = clock_;
  }
  return c;
}

const LocalClient::Reinit& LocalClient::reinit(uint32_t reinit_id) const {
  auto it = reinits_.find(reinit_id);
  if (it == reinits_.end()) {
    throw std::runtime_error("no reinit " + std::to_string(reinit_id));
  }
  return it->second;
}

LocalClient::Member& LocalClient::member(uint32_t state_id) {
  auto it = states_.find(state_id);
  if (it == states_.end()) {
    throw std::runtime_error("no group state " + std::to_string(state_id));
  }
  return it->second;
}

const Group& LocalClient::group(uint32_t state_id) { return *member(state_id).group; }

uint32_t LocalClient::create_group(const Bytes& group_id, uint16_t cipher_suite,
                                   bool encrypt_handshake, const Bytes& identity) {
  CipherSuite suite(cipher_suite);
  Member m;
  m.signer = Signer::generate(suite, *rng_);
  CredentialWithKey cred{Credential::basic(identity), m.signer.public_key};
  m.group = std::make_unique<Group>(Group::create(config(encrypt_handshake), cipher_suite,
                                                  group_id, m.signer, cred));
  uint32_t id = next_id_++;
  states_.emplace(id, std::move(m));
  return id;
}

Client::KeyPackageResult LocalClient::create_key_package(uint16_t cipher_suite,
                                                         const Bytes& identity) {
  return new_key_package(cipher_suite, identity);
}

Client::KeyPackageResult LocalClient::new_key_package(uint16_t cipher_suite,
                                                      const Bytes& identity) {
  CipherSuite suite(cipher_suite);
  Transaction t;
  t.cipher_suite = cipher_suite;
  t.signer = Signer::generate(suite, *rng_);
  CredentialWithKey cred{Credential::basic(identity), t.signer.public_key};
  t.key_package = mlsref::create_key_package(suite, t.signer, cred, KeyPackageOptions{}, *rng_, clock_);
  uint32_t id = next_id_++;
  transactions_.emplace(id, std::move(t));
  return key_package_result(id);
}

Client::KeyPackageResult LocalClient::key_package_result(uint32_t transaction_id) const {
  const Transaction& t = transactions_.at(transaction_id);
  KeyPackageResult out;
  out.key_package = encode(MLSMessage{mls10, t.key_package.key_package});
  out.init_priv = bytes_of(t.key_package.init_private_key);
  out.encryption_priv = bytes_of(t.key_package.encryption_private_key);
  out.signature_priv = bytes_of(t.signer.private_key);
  out.transaction_id = transaction_id;
  return out;
}

const Group* LocalClient::local_group(uint32_t state_id) { return member(state_id).group.get(); }

const Group* LocalClient::local_reinit_old_group(uint32_t reinit_id) {
  return member(reinit(reinit_id).old_state).group.get();
}

std::optional<Client::KeyPackageResult> LocalClient::local_reinit_key_package(
    uint32_t reinit_id) {
  return key_package_result(reinit(reinit_id).transaction);
}

Client::JoinResult LocalClient::join_group(uint32_t transaction_id, const Bytes& welcome,
                                           bool encrypt_handshake, const Bytes&,
                                           const Bytes& ratchet_tree) {
  auto it = transactions_.find(transaction_id);
  if (it == transactions_.end()) {
    throw std::runtime_error("no key package transaction " + std::to_string(transaction_id));
  }
  Transaction& t = it->second;
  MLSMessage m = decode_message(welcome);
  std::optional<RatchetTreeNodes> tree;
  if (!ratchet_tree.empty()) {
    tree = decode<RatchetTreeNodes>(ratchet_tree);
  }
  Member mem;
  mem.signer = t.signer;
  mem.group = std::make_unique<Group>(Group::join(config(encrypt_handshake),
                                                  body_of<Welcome>(m, "Welcome"), t.key_package,
                                                  tree, t.psks));
  uint32_t id = next_id_++;
  JoinResult out{id, bytes_of(mem.group->epoch_authenticator().bytes())};
  states_.emplace(id, std::move(mem));
  transactions_.erase(it);
  return out;
}

Client::ExternalJoinResult LocalClient::external_join(
    const Bytes& group_info, const Bytes& ratchet_tree, bool encrypt_handshake,
    const Bytes& identity, bool remove_prior, const std::vector<std::pair<Bytes, Bytes>>& psks) {
  MLSMessage m = decode_message(group_info);
  const GroupInfo& gi = body_of<GroupInfo>(m, "GroupInfo");
  CipherSuite suite(gi.group_context.cipher_suite);
  Member mem;
  mem.signer = Signer::generate(suite, *rng_);
  CredentialWithKey cred{Credential::basic(identity), mem.signer.public_key};
  std::optional<RatchetTreeNodes> nodes;
  if (!ratchet_tree.empty()) {
    nodes = decode<RatchetTreeNodes>(ratchet_tree);
  }
  ExternalJoinOptions options;
  if (remove_prior) {
    // Our earlier leaf: the one with our identity, in the tree we join.
    std::optional<RatchetTreeNodes> tree_nodes = nodes;
    for (const auto& e : gi.extensions) {
      if (e.extension_type == extension_type::ratchet_tree) {
        tree_nodes = decode<RatchetTreeNodes>(e.extension_data);
      }
    }
    if (!tree_nodes) {
      throw std::invalid_argument("external join: no ratchet tree to find our prior leaf in");
    }
    RatchetTree tree = RatchetTree::from_nodes(*tree_nodes);
    for (uint32_t l = 0; l < tree.leaf_count().value && !options.remove_prior; ++l) {
      if (tree.has_leaf(LeafIndex(l)) && tree.leaf(LeafIndex(l)).credential.identity == identity) {
        options.remove_prior = LeafIndex(l);
      }
    }
    if (!options.remove_prior) {
      throw std::invalid_argument("external join: removePrior, but no leaf has our identity");
    }
  }
  for (const auto& [id, secret] : psks) {
    options.psks[id] = SecureBytes(secret.begin(), secret.end());
  }
  auto [group, commit] =
      Group::join_external(config(encrypt_handshake), gi, nodes, mem.signer, cred, options);
  mem.group = std::make_unique<Group>(std::move(group));
  uint32_t id = next_id_++;
  ExternalJoinResult out{id, encode(commit), bytes_of(mem.group->epoch_authenticator().bytes())};
  states_.emplace(id, std::move(mem));
  return out;
}

Client::GroupInfoResult LocalClient::group_info(uint32_t state_id, bool external_tree) {
  Member& m = member(state_id);
  GroupInfoResult out;
  out.group_info = encode(MLSMessage{mls10, m.group->group_info(m.signer, !external_tree)});
  if (external_tree) {
    out.ratchet_tree = encode(m.group->tree().to_nodes());
  }
  return out;
}

Bytes LocalClient::state_auth(uint32_t state_id) {
  return bytes_of(member(state_id).group->epoch_authenticator().bytes());
}

Bytes LocalClient::export_secret(uint32_t state_id, const std::string& label, const Bytes& context,
                                 uint32_t key_length) {
  return bytes_of(member(state_id).group->export_secret(label, context, key_length));
}

Bytes LocalClient::protect(uint32_t state_id, const Bytes& authenticated_data,
                           const Bytes& plaintext) {
  Member& m = member(state_id);
  return encode(m.group->create_message(m.signer, plaintext, authenticated_data));
}

Client::Unprotected LocalClient::unprotect(uint32_t state_id, const Bytes& ciphertext) {
  Group& g = *member(state_id).group;
  MLSMessage m = decode_message(ciphertext);
  expect_content(m, ContentType::application, "application data");
  ProcessedMessage p = g.process_message(m);
  const auto* app = std::get_if<ApplicationMessage>(&p.content);
  if (app == nullptr) {
    throw std::invalid_argument("unprotect: the message is not application data");
  }
  return {p.authenticated_data, app->data};
}

void LocalClient::store_psk(uint32_t id, const Bytes& psk_id, const Bytes& psk_secret) {
  SecureBytes secret(psk_secret.begin(), psk_secret.end());
  if (auto s = states_.find(id); s != states_.end()) {
    s->second.group->add_external_psk(psk_id, secret);
  } else if (auto t = transactions_.find(id); t != transactions_.end()) {
    t->second.psks[psk_id] = secret;
  } else {
    throw std::runtime_error("no state or transaction " + std::to_string(id));
  }
}

Bytes LocalClient::sent_proposal(Member& m, std::pair<MLSMessage, Bytes> proposal) {
  Bytes bytes = encode(proposal.first);
  m.sent[bytes] = std::move(proposal.second);
  return bytes;
}

LeafIndex LocalClient::leaf_of(const RatchetTree& tree, const Bytes& identity) {
  for (uint32_t l = 0; l < tree.leaf_count().value; ++l) {
    if (tree.has_leaf(LeafIndex(l)) && tree.leaf(LeafIndex(l)).credential.identity == identity) {
      return LeafIndex(l);
    }
  }
  throw std::invalid_argument("no member with identity '" +
                           std::string(identity.begin(), identity.end()) + "'");
}

namespace {
PreSharedKeyID psk_id_for(const GroupContext& context, Botan::RandomNumberGenerator& rng,
                          PSKType type, const Bytes& psk_id, uint64_t epoch) {
  PreSharedKeyID id;
  id.psktype = type;
  if (type == PSKType::external) {
    id.psk_id = psk_id;
  } else {
    id.usage = ResumptionPSKUsage::application;
    id.psk_group_id = context.group_id;
    id.psk_epoch = epoch;
  }
  id.psk_nonce = random_bytes(rng, CipherSuite(context.cipher_suite).hash_size());
  return id;
}
}  // namespace

Bytes LocalClient::add_proposal(uint32_t state_id, const Bytes& key_package) {
  Member& m = member(state_id);
  MLSMessage kp = decode_message(key_package);
  return sent_proposal(m, m.group->propose_add_member(m.signer, body_of<KeyPackage>(kp, "KeyPackage")));
}

Bytes LocalClient::update_proposal(uint32_t state_id) {
  Member& m = member(state_id);
  return sent_proposal(m, m.group->propose_self_update(m.signer));
}

Bytes LocalClient::remove_proposal(uint32_t state_id, const Bytes& removed_id) {
  Member& m = member(state_id);
  return sent_proposal(m, m.group->propose_remove_member(m.signer, leaf_of(m.group->tree(), removed_id)));
}

Bytes LocalClient::external_psk_proposal(uint32_t state_id, const Bytes& psk_id) {
  Member& m = member(state_id);
  return sent_proposal(
      m, m.group->propose_psk(m.signer, psk_id_for(m.group->context(), *rng_, PSKType::external,
                                                    psk_id, 0)));
}

Bytes LocalClient::resumption_psk_proposal(uint32_t state_id, uint64_t epoch_id) {
  Member& m = member(state_id);
  return sent_proposal(m, m.group->propose_psk(m.signer, psk_id_for(m.group->context(), *rng_,
                                                                    PSKType::resumption, {},
                                                                    epoch_id)));
}

Bytes LocalClient::group_context_extensions_proposal(uint32_t state_id,
                                                     const std::vector<Extension>& extensions) {
  Member& m = member(state_id);
  return sent_proposal(m, m.group->propose_group_context_extensions(m.signer, extensions));
}

void LocalClient::receive_proposals(Member& m, const std::vector<Bytes>& proposals) {
  for (const auto& bytes : proposals) {
    if (m.sent.count(bytes)) {
      continue;  // ours: already in the store
    }
    MLSMessage msg = decode_message(bytes);
    expect_content(msg, ContentType::proposal, "a proposal");
    ProcessedMessage p = m.group->process_message(msg);
    auto* q = std::get_if<QueuedProposal>(&p.content);
    if (q == nullptr) {
      throw std::invalid_argument("a message given as a proposal is not one");
    }
    m.sent[bytes] = q->ref;  // so that a second mention is not processed twice
    m.group->store_pending_proposal(std::move(*q));
  }
}

Client::CommitResult LocalClient::sent_commit(Member& m, const CommitBundle& bundle,
                                              bool external_tree) {
  CommitResult out;
  out.commit = encode(bundle.commit);
  if (bundle.welcome) {
    out.welcome = encode(*bundle.welcome);
  }
  if (external_tree) {
    // The tree of the new epoch, as the joiners need it.
    out.ratchet_tree = encode(m.group->pending_commit()->next_state().tree.to_nodes());
  }
  m.sent[out.commit] = {};
  return out;
}

Proposal LocalClient::proposal_from(const ProposalDescription& d, const GroupContext& context,
                                    const RatchetTree& tree) {
  if (d.type == "add") {
    return Proposal{Add{body_of<KeyPackage>(decode_message(d.key_package), "KeyPackage")}};
  }
  if (d.type == "remove") {
    return Proposal{Remove{leaf_of(tree, d.removed_id).value}};
  }
  if (d.type == "externalPSK") {
    return Proposal{PreSharedKey{psk_id_for(context, *rng_, PSKType::external, d.psk_id, 0)}};
  }
  if (d.type == "resumptionPSK") {
    return Proposal{PreSharedKey{psk_id_for(context, *rng_, PSKType::resumption, {}, d.epoch_id)}};
  }
  if (d.type == "groupContextExtensions") {
    return Proposal{GroupContextExtensions{d.extensions}};
  }
  if (d.type == "reinit") {
    ReInit r;
    r.group_id = d.group_id;
    r.cipher_suite = d.cipher_suite;
    r.extensions = d.extensions;
    return Proposal{std::move(r)};
  }
  throw std::invalid_argument("unknown proposal type '" + d.type + "'");
}

Client::NewMemberProposalResult LocalClient::new_member_add_proposal(const Bytes& group_info,
                                                                    const Bytes& identity) {
  MLSMessage m = decode_message(group_info);
  const GroupInfo& gi = body_of<GroupInfo>(m, "GroupInfo");
  KeyPackageResult kp = new_key_package(gi.group_context.cipher_suite, identity);
  const Transaction& t = transactions_.at(kp.transaction_id);
  NewMemberProposalResult out;
  out.transaction_id = kp.transaction_id;
  out.proposal = encode(
      mlsref::new_member_add_proposal(gi.group_context, t.key_package.key_package, t.signer));
  out.init_priv = kp.init_priv;
  out.encryption_priv = kp.encryption_priv;
  out.signature_priv = kp.signature_priv;
  return out;
}

Client::ExternalSignerResult LocalClient::create_external_signer(uint16_t cipher_suite,
                                                                const Bytes& identity) {
  CipherSuite suite(cipher_suite);
  ExternalSigner s{Signer::generate(suite, *rng_), Credential::basic(identity)};
  ExternalSignerResult out;
  out.external_sender = encode(ExternalSender{s.signer.public_key, s.credential});
  out.signer_id = next_id_++;
  signers_.emplace(out.signer_id, std::move(s));
  return out;
}

Bytes LocalClient::add_external_signer(uint32_t state_id, const Bytes& external_sender) {
  Member& m = member(state_id);
  std::vector<Extension> extensions = m.group->context().extensions;
  std::vector<ExternalSender> senders = external_senders(extensions);
  senders.push_back(decode<ExternalSender>(external_sender));
  std::erase_if(extensions, [](const Extension& e) {
    return e.extension_type == extension_type::external_senders;
  });
  extensions.push_back(Extension{extension_type::external_senders, encode(senders)});
  return sent_proposal(m, m.group->propose_group_context_extensions(m.signer, extensions));
}

Bytes LocalClient::external_signer_proposal(uint32_t signer_id, const Bytes& group_info,
                                            const Bytes& ratchet_tree,
                                            const ProposalDescription& description) {
  auto it = signers_.find(signer_id);
  if (it == signers_.end()) {
    throw std::runtime_error("no external signer " + std::to_string(signer_id));
  }
  MLSMessage m = decode_message(group_info);
  const GroupInfo& gi = body_of<GroupInfo>(m, "GroupInfo");
  std::optional<RatchetTreeNodes> nodes;
  if (!ratchet_tree.empty()) {
    nodes = decode<RatchetTreeNodes>(ratchet_tree);
  }
  for (const auto& e : gi.extensions) {
    if (e.extension_type == extension_type::ratchet_tree) {
      nodes = decode<RatchetTreeNodes>(e.extension_data);
    }
  }
  RatchetTree tree = nodes ? RatchetTree::from_nodes(*nodes) : RatchetTree{};
  auto senders = external_senders(gi.group_context.extensions);
  for (uint32_t i = 0; i < senders.size(); ++i) {
    if (senders[i].signature_key == it->second.signer.public_key) {
      return encode(external_sender_proposal(gi.group_context, i,
                                             proposal_from(description, gi.group_context, tree),
                                             it->second.signer));
    }
  }
  throw std::invalid_argument("the group does not list this external signer");
}

Client::CommitResult LocalClient::commit(uint32_t state_id, const std::vector<Bytes>& by_reference,
                                         const std::vector<ProposalDescription>& by_value,
                                         bool force_path, bool external_tree) {
  return commit_of(state_id, by_reference, by_value, force_path, external_tree, true);
}

Client::CommitResult LocalClient::commit_of(uint32_t state_id,
                                            const std::vector<Bytes>& by_reference,
                                            const std::vector<ProposalDescription>& by_value,
                                            bool force_path, bool external_tree, bool own_too) {
  Member& m = member(state_id);
  receive_proposals(m, by_reference);
  std::set<Bytes> refs;
  for (const auto& bytes : by_reference) {
    refs.insert(m.sent.at(bytes));
  }
  // The proposals named, and (as mlspp's client does, and the upstream
  // config.json's two_party script expects) those we sent in this epoch.
  const Sender me = Sender::member(m.group->own_leaf_index().value);
  CommitBuilder b = m.group->commit_builder();
  b.consume_proposal_store(true).filter_pending([refs, me, own_too](const QueuedProposal& q) {
    return refs.count(q.ref) > 0 || (own_too && q.sender == me);
  });
  for (const auto& d : by_value) {
    b.proposal(proposal_from(d, m.group->context(), m.group->tree()));
  }
  b.force_self_update(force_path);
  // The tree out of band: the Welcome's GroupInfo goes without it.
  b.ratchet_tree_extension(!external_tree);
  return sent_commit(m, b.build(m.signer), external_tree);
}

Client::HandleResult LocalClient::handle_commit(uint32_t state_id,
                                                const std::vector<Bytes>& proposals,
                                                const Bytes& commit) {
  return handle_commit_of(state_id, proposals, commit, false);
}

Client::HandleResult LocalClient::handle_commit_of(uint32_t state_id,
                                                   const std::vector<Bytes>& proposals,
                                                   const Bytes& commit, bool reinit) {
  Member& m = member(state_id);
  if (m.sent.count(commit)) {
    return handle_pending_commit_of(state_id, reinit);
  }
  // On a copy: a refused commit leaves the state as it was (no proposal
  // stored, no key used up).
  Member trial{std::make_unique<Group>(*m.group), m.signer, m.sent, m.next_signer};
  receive_proposals(trial, proposals);
  MLSMessage msg = decode_message(commit);
  expect_content(msg, ContentType::commit, "a commit");
  ProcessedMessage p = trial.group->process_message(msg);
  auto* staged = std::get_if<StagedCommit>(&p.content);
  if (staged == nullptr) {
    throw std::invalid_argument("the message given as a commit is not one");
  }
  if (reinit && !staged->reinit()) {
    throw std::invalid_argument("the commit covers no ReInit proposal");
  }
  trial.group->merge_staged_commit(std::move(*staged));
  *m.group = std::move(*trial.group);  // the same Group object (local_group() stays valid)
  m.sent.clear();
  return {state_id, bytes_of(m.group->epoch_authenticator().bytes())};
}

Client::HandleResult LocalClient::handle_pending_commit(uint32_t state_id) {
  return handle_pending_commit_of(state_id, false);
}

Client::HandleResult LocalClient::handle_pending_commit_of(uint32_t state_id, bool reinit) {
  Member& m = member(state_id);
  if (reinit && m.group->pending_commit() && !m.group->pending_commit()->reinit()) {
    throw std::invalid_argument("the pending commit covers no ReInit proposal");
  }
  m.group->merge_pending_commit();
  if (m.next_signer) {
    m.signer = std::move(*m.next_signer);
    m.next_signer.reset();
  }
  m.sent.clear();
  return {state_id, bytes_of(m.group->epoch_authenticator().bytes())};
}

// ---------------------------------------------------------------- §11.2, §11.3

uint32_t LocalClient::add_state(Member m) {
  uint32_t id = next_id_++;
  states_.emplace(id, std::move(m));
  return id;
}

std::vector<KeyPackage> LocalClient::key_packages_of(const std::vector<Bytes>& messages) {
  std::vector<KeyPackage> out;
  for (const auto& m : messages) {
    out.push_back(body_of<KeyPackage>(decode_message(m), "KeyPackage"));
  }
  return out;
}

Client::SubgroupResult LocalClient::new_group(Member m, const MLSMessage& welcome,
                                             bool external_tree) {
  SubgroupResult out;
  out.welcome = encode(welcome);
  if (external_tree) {
    out.ratchet_tree = encode(m.group->tree().to_nodes());
  }
  out.epoch_authenticator = bytes_of(m.group->epoch_authenticator().bytes());
  out.state_id = add_state(std::move(m));
  return out;
}

Bytes LocalClient::reinit_proposal(uint32_t state_id, uint16_t cipher_suite, const Bytes& group_id,
                                   const std::vector<Extension>& extensions) {
  Member& m = member(state_id);
  return sent_proposal(
      m, m.group->propose_reinit(m.signer, ReInit{group_id, mls10, cipher_suite, extensions}));
}

Client::CommitResult LocalClient::reinit_commit(uint32_t state_id,
                                                const std::vector<Bytes>& by_reference,
                                                const std::vector<ProposalDescription>& by_value,
                                                bool force_path, bool external_tree) {
  // Only what is named: a stored proposal besides would push the ReInit out (§12.2).
  CommitResult out = commit_of(state_id, by_reference, by_value, force_path, external_tree, false);
  Member& m = member(state_id);
  if (!m.group->pending_commit()->reinit()) {
    m.group->clear_pending_commit();
    m.sent.erase(out.commit);
    throw std::invalid_argument("the commit covers no ReInit proposal");
  }
  return out;
}

Client::ReInitResult LocalClient::reinit_record(uint32_t state_id, const Bytes& epoch_authenticator) {
  const Group& g = *member(state_id).group;
  if (!g.state().reinit) {
    throw std::invalid_argument("the commit covers no ReInit proposal");
  }
  const Bytes& identity = g.tree().leaf(g.own_leaf_index()).credential.identity;
  KeyPackageResult kp = new_key_package(g.state().reinit->cipher_suite, identity);
  uint32_t id = next_id_++;
  reinits_[id] = Reinit{state_id, kp.transaction_id};
  return {id, kp.key_package, epoch_authenticator};
}

Client::ReInitResult LocalClient::handle_pending_reinit_commit(uint32_t state_id) {
  return reinit_record(state_id, handle_pending_commit_of(state_id, true).epoch_authenticator);
}

Client::ReInitResult LocalClient::handle_reinit_commit(uint32_t state_id,
                                                       const std::vector<Bytes>& proposals,
                                                       const Bytes& commit) {
  return reinit_record(state_id,
                       handle_commit_of(state_id, proposals, commit, true).epoch_authenticator);
}

Client::SubgroupResult LocalClient::reinit_welcome(uint32_t reinit_id,
                                                   const std::vector<Bytes>& key_packages,
                                                   bool force_path, bool external_tree) {
  const Reinit r = reinit(reinit_id);
  const Group& old = *member(r.old_state).group;
  auto tx = transactions_.find(r.transaction);
  if (tx == transactions_.end()) {
    throw std::runtime_error("no key package transaction " + std::to_string(r.transaction) +
                             " (reinit " + std::to_string(reinit_id) + "'s, already used)");
  }
  Transaction& t = tx->second;
  Member m;
  m.signer = t.signer;
  CredentialWithKey cred{t.key_package.key_package.leaf_node.credential, t.signer.public_key};
  // Without the tree in the Welcome, it goes out of band (§12.4.3.3).
  GroupConfig c = config(old.config().handshake_private);
  c.ratchet_tree_extension = !external_tree;
  auto [g, welcome] =
      Group::reinit(old, c, m.signer, cred, key_packages_of(key_packages), force_path);
  m.group = std::make_unique<Group>(std::move(g));
  return new_group(std::move(m), welcome, external_tree);
}

Client::JoinResult LocalClient::handle_reinit_welcome(uint32_t reinit_id, const Bytes& welcome,
                                                      const Bytes& ratchet_tree) {
  const Reinit r = reinit(reinit_id);
  const Group& old = *member(r.old_state).group;
  return join_resumed(r.transaction, welcome, ratchet_tree, old);
}

Client::SubgroupResult LocalClient::create_branch(uint32_t state_id, const Bytes& group_id,
                                                  const std::vector<Extension>& extensions,
                                                  const std::vector<Bytes>& key_packages,
                                                  bool force_path, bool external_tree) {
  Member& old = member(state_id);
  Member m;
  m.signer = old.signer;
  const LeafNode& leaf = old.group->tree().leaf(old.group->own_leaf_index());
  CredentialWithKey cred{leaf.credential, leaf.signature_key};
  GroupConfig c = config(old.group->config().handshake_private);
  c.ratchet_tree_extension = !external_tree;
  auto [g, welcome] = Group::branch(*old.group, c, group_id, m.signer, cred,
                                    key_packages_of(key_packages), extensions, force_path);
  m.group = std::make_unique<Group>(std::move(g));
  return new_group(std::move(m), welcome, external_tree);
}

Client::JoinResult LocalClient::handle_branch(uint32_t state_id, uint32_t transaction_id,
                                              const Bytes& welcome, const Bytes& ratchet_tree) {
  return join_resumed(transaction_id, welcome, ratchet_tree, *member(state_id).group);
}

Client::JoinResult LocalClient::join_resumed(uint32_t transaction_id, const Bytes& welcome,
                                             const Bytes& ratchet_tree, const Group& old) {
  auto it = transactions_.find(transaction_id);
  if (it == transactions_.end()) {
    throw std::runtime_error("no key package transaction " + std::to_string(transaction_id));
  }
  std::optional<RatchetTreeNodes> tree;
  if (!ratchet_tree.empty()) {
    tree = decode<RatchetTreeNodes>(ratchet_tree);
  }
  MLSMessage w = decode_message(welcome);
  Member m;
  m.signer = it->second.signer;
  m.group = std::make_unique<Group>(Group::join(config(old.config().handshake_private),
                                                body_of<Welcome>(w, "Welcome"),
                                                it->second.key_package, tree, it->second.psks,
                                                &old));
  JoinResult out{0, bytes_of(m.group->epoch_authenticator().bytes())};
  out.state_id = add_state(std::move(m));
  transactions_.erase(it);
  return out;
}

Client::CommitResult LocalClient::self_update(uint32_t state_id,
                                              const std::vector<Bytes>& proposals) {
  Member& m = member(state_id);
  receive_proposals(m, proposals);
  return sent_commit(m, m.group->self_update(m.signer), false);
}

Client::CommitResult LocalClient::self_update_with_new_signer(
    uint32_t state_id, const std::vector<Bytes>& proposals) {
  Member& m = member(state_id);
  receive_proposals(m, proposals);
  Signer next = Signer::generate(m.group->suite(), *rng_);
  const Credential& old = m.group->tree().leaf(m.group->own_leaf_index()).credential;
  NewSignerBundle bundle{next, CredentialWithKey{old, next.public_key}};
  CommitResult out = sent_commit(m, m.group->self_update_with_new_signer(m.signer, bundle), false);
  m.next_signer = std::move(next);
  return out;
}

Client::CommitResult LocalClient::commit_to_pending_proposals(
    uint32_t state_id, const std::vector<Bytes>& proposals) {
  Member& m = member(state_id);
  receive_proposals(m, proposals);
  return sent_commit(m, m.group->commit_to_pending_proposals(m.signer), false);
}

std::optional<Client::View> LocalClient::view(uint32_t state_id) {
  const Group& g = *member(state_id).group;
  return View{g.group_id(), g.epoch(), g.tree_hash(), g.active()};
}

void LocalClient::free(uint32_t state_id) { states_.erase(state_id); }

}  // namespace mlsref::conformance
