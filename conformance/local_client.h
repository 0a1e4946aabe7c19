// The interop client interface (client.h) played by mlsref groups in this
// process: what `mlsref scenario` runs by default, and what `mlsref serve`
// will put behind gRPC (issue 10).
#pragma once

#include <botan/rng.h>

#include <map>
#include <memory>
#include <set>

#include "conformance/client.h"
#include "ref/group.h"

namespace mlsref::conformance {

class LocalClient : public Client {
 public:
  // Every random choice comes from `rng` (the caller keeps it alive);
  // lifetimes are made and judged by `clock` (default: the system clock).
  explicit LocalClient(Botan::RandomNumberGenerator& rng, Clock clock = {})
      : rng_(&rng), clock_(std::move(clock)) {}

  std::string name() override { return "mlsref"; }
  std::vector<uint16_t> supported_ciphersuites() override;
  uint32_t create_group(const Bytes& group_id, uint16_t cipher_suite, bool encrypt_handshake,
                        const Bytes& identity) override;
  KeyPackageResult create_key_package(uint16_t cipher_suite, const Bytes& identity) override;
  JoinResult join_group(uint32_t transaction_id, const Bytes& welcome, bool encrypt_handshake,
                        const Bytes& identity, const Bytes& ratchet_tree) override;
  ExternalJoinResult external_join(const Bytes& group_info, const Bytes& ratchet_tree,
                                   bool encrypt_handshake, const Bytes& identity,
                                   bool remove_prior,
                                   const std::vector<std::pair<Bytes, Bytes>>& psks) override;
  GroupInfoResult group_info(uint32_t state_id, bool external_tree) override;
  Bytes state_auth(uint32_t state_id) override;
  Bytes export_secret(uint32_t state_id, const std::string& label, const Bytes& context,
                      uint32_t key_length) override;
  Bytes protect(uint32_t state_id, const Bytes& authenticated_data,
                const Bytes& plaintext) override;
  Unprotected unprotect(uint32_t state_id, const Bytes& ciphertext) override;
  void store_psk(uint32_t state_or_transaction_id, const Bytes& psk_id,
                 const Bytes& psk_secret) override;

  Bytes add_proposal(uint32_t state_id, const Bytes& key_package) override;
  Bytes update_proposal(uint32_t state_id) override;
  Bytes remove_proposal(uint32_t state_id, const Bytes& removed_id) override;
  Bytes external_psk_proposal(uint32_t state_id, const Bytes& psk_id) override;
  Bytes resumption_psk_proposal(uint32_t state_id, uint64_t epoch_id) override;
  Bytes group_context_extensions_proposal(uint32_t state_id,
                                          const std::vector<Extension>& extensions) override;

  CommitResult commit(uint32_t state_id, const std::vector<Bytes>& by_reference,
                      const std::vector<ProposalDescription>& by_value, bool force_path,
                      bool external_tree) override;
  HandleResult handle_commit(uint32_t state_id, const std::vector<Bytes>& proposals,
                             const Bytes& commit) override;
  HandleResult handle_pending_commit(uint32_t state_id) override;

  NewMemberProposalResult new_member_add_proposal(const Bytes& group_info,
                                                  const Bytes& identity) override;
  ExternalSignerResult create_external_signer(uint16_t cipher_suite,
                                              const Bytes& identity) override;
  Bytes add_external_signer(uint32_t state_id, const Bytes& external_sender) override;
  Bytes external_signer_proposal(uint32_t signer_id, const Bytes& group_info,
                                 const Bytes& ratchet_tree,
                                 const ProposalDescription& description) override;

  Bytes reinit_proposal(uint32_t state_id, uint16_t cipher_suite, const Bytes& group_id,
                        const std::vector<Extension>& extensions) override;
  CommitResult reinit_commit(uint32_t state_id, const std::vector<Bytes>& by_reference,
                             const std::vector<ProposalDescription>& by_value, bool force_path,
                             bool external_tree) override;
  ReInitResult handle_pending_reinit_commit(uint32_t state_id) override;
  ReInitResult handle_reinit_commit(uint32_t state_id, const std::vector<Bytes>& proposals,
                                    const Bytes& commit) override;
  SubgroupResult reinit_welcome(uint32_t reinit_id, const std::vector<Bytes>& key_packages,
                                bool force_path, bool external_tree) override;
  JoinResult handle_reinit_welcome(uint32_t reinit_id, const Bytes& welcome,
                                   const Bytes& ratchet_tree) override;
  SubgroupResult create_branch(uint32_t state_id, const Bytes& group_id,
                               const std::vector<Extension>& extensions,
                               const std::vector<Bytes>& key_packages, bool force_path,
                               bool external_tree) override;
  JoinResult handle_branch(uint32_t state_id, uint32_t transaction_id, const Bytes& welcome,
                           const Bytes& ratchet_tree) override;

  CommitResult self_update(uint32_t state_id, const std::vector<Bytes>& proposals) override;
  CommitResult self_update_with_new_signer(uint32_t state_id,
                                           const std::vector<Bytes>& proposals) override;
  CommitResult commit_to_pending_proposals(uint32_t state_id,
                                           const std::vector<Bytes>& proposals) override;

  std::optional<View> view(uint32_t state_id) override;
  const Group* local_group(uint32_t state_id) override;
  const Group* local_reinit_old_group(uint32_t reinit_id) override;
  std::optional<KeyPackageResult> local_reinit_key_package(uint32_t reinit_id) override;
  void free(uint32_t state_id) override;

  // The group behind a state (for tests and the passive-client transcript).
  const Group& group(uint32_t state_id);

 private:
  struct Member {
    std::unique_ptr<Group> group;
    Signer signer;
    // Handshake messages we sent in this epoch (their bytes, and the
    // ProposalRef of a proposal): when they come back, we already hold them.
    std::map<Bytes, Bytes> sent;
    // The signer of a pending commit with a new signature key, ours once merged.
    std::optional<Signer> next_signer;
  };
  struct Transaction {
    uint16_t cipher_suite = 0;
    Signer signer;
    KeyPackageBundle key_package;
    std::map<Bytes, SecureBytes> psks;
  };

  // A member between a merged ReInit commit and the new group: the old
  // group's state and the KeyPackage (a transaction) made for the new one.
  struct Reinit {
    uint32_t old_state = 0;
    uint32_t transaction = 0;
  };
  ReInitResult reinit_record(uint32_t state_id, const Bytes& epoch_authenticator);
  // commit() (`own_too`: with the proposals we sent in this epoch) and
  // reinit_commit(); handle_commit() and handle_pending_commit(), refusing
  // (and leaving the state as it was) with `reinit` a commit with no ReInit.
  CommitResult commit_of(uint32_t state_id, const std::vector<Bytes>& by_reference,
                         const std::vector<ProposalDescription>& by_value, bool force_path,
                         bool external_tree, bool own_too);
  HandleResult handle_commit_of(uint32_t state_id, const std::vector<Bytes>& proposals,
                                const Bytes& commit, bool reinit);
  HandleResult handle_pending_commit_of(uint32_t state_id, bool reinit);
  uint32_t add_state(Member m);
  // A group we created for a reinit or branch: stored, with its Welcome.
  SubgroupResult new_group(Member m, const MLSMessage& welcome, bool external_tree);
  // The KeyPackageResult (private keys included) of a transaction.
  KeyPackageResult key_package_result(uint32_t transaction_id) const;
  JoinResult join_resumed(uint32_t transaction_id, const Bytes& welcome, const Bytes& ratchet_tree,
                          const Group& old);
  std::vector<KeyPackage> key_packages_of(const std::vector<Bytes>& messages);

  struct ExternalSigner {
    Signer signer;
    Credential credential;
  };

  Member& member(uint32_t state_id);
  const Reinit& reinit(uint32_t reinit_id) const;
  // A ProposalDescription as a Proposal for the group of `context` and `tree`.
  Proposal proposal_from(const ProposalDescription& d, const GroupContext& context,
                         const RatchetTree& tree);
  KeyPackageResult new_key_package(uint16_t cipher_suite, const Bytes& identity);
  GroupConfig config(bool encrypt_handshake) const;
  Bytes sent_proposal(Member& m, std::pair<MLSMessage, Bytes> proposal);
  CommitResult sent_commit(Member& m, const CommitBundle& bundle, bool external_tree);
  // Takes in the proposals sent by others, to commit or to process a commit.
  void receive_proposals(Member& m, const std::vector<Bytes>& proposals);
  static LeafIndex leaf_of(const RatchetTree& tree, const Bytes& identity);

  Botan::RandomNumberGenerator* rng_;
  Clock clock_;
  uint32_t next_id_ = 1;  // one numbering for states and transactions
  std::map<uint32_t, Member> states_;
  std::map<uint32_t, Transaction> transactions_;
  std::map<uint32_t, ExternalSigner> signers_;
  std::map<uint32_t, Reinit> reinits_;
};

}  // namespace mlsref::conformance
