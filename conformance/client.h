// An MLS client as the IETF interop harness drives it: one call per RPC of
// the `MLSClient` gRPC service (../shared/interop/mls_client.proto), with
// messages as the TLS-encoded MLSMessage bytes the RPCs carry. Scenarios
// (`mlsref scenario`) run against this interface: LocalClient plays it with
// mlsref groups in this process; a remote client speaks gRPC (issue 10).
//
// A call the client cannot serve throws mlsref::Error: `unsupported` for a
// feature it lacks, anything else for a failure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ref/leaf_node.h"

namespace mlsref {
class Group;
}

namespace mlsref::conformance {

// A proposal to include by value in a commit (ProposalDescription in the proto).
struct ProposalDescription {
  std::string type;  // add, remove, externalPSK, resumptionPSK, groupContextExtensions, reinit
  Bytes key_package;                // add: an MLSMessage holding a KeyPackage
  Bytes removed_id;                 // remove: the member's identity
  Bytes psk_id;                     // externalPSK
  uint64_t epoch_id = 0;            // resumptionPSK
  std::vector<Extension> extensions;  // groupContextExtensions, reinit
  Bytes group_id;                   // reinit
  uint16_t cipher_suite = 0;        // reinit
};

class Client {
 public:
  virtual ~Client() = default;

  struct KeyPackageResult {
    uint32_t transaction_id = 0;
    Bytes key_package;  // MLSMessage
    // The private keys, as CreateKeyPackageResponse returns them (for
    // passive-client vectors).
    Bytes init_priv, encryption_priv, signature_priv;
  };
  struct JoinResult {
    uint32_t state_id = 0;
    Bytes epoch_authenticator;
  };
  struct ExternalJoinResult {
    uint32_t state_id = 0;
    Bytes commit;
    Bytes epoch_authenticator;
  };
  struct GroupInfoResult {
    Bytes group_info;    // MLSMessage
    Bytes ratchet_tree;  // when asked for the tree out of band
  };
  struct CommitResult {
    Bytes commit;        // MLSMessage
    Bytes welcome;       // MLSMessage, empty when nobody is added
    Bytes ratchet_tree;  // when asked for the tree out of band
  };
  struct HandleResult {
    uint32_t state_id = 0;
    Bytes epoch_authenticator;
  };
  struct Unprotected {
    Bytes authenticated_data;
    Bytes plaintext;
  };
  // What a client in this process can show of a state besides the RPCs, for
  // the agreement checks after each step (a remote client shows nothing).
  struct View {
    Bytes group_id;
    uint64_t epoch = 0;
    Bytes tree_hash;
    bool active = true;  // false once removed
  };

  virtual std::string name() = 0;
  virtual std::vector<uint16_t> supported_ciphersuites() = 0;
  virtual uint32_t create_group(const Bytes& group_id, uint16_t cipher_suite,
                                bool encrypt_handshake, const Bytes& identity) = 0;
  virtual KeyPackageResult create_key_package(uint16_t cipher_suite, const Bytes& identity) = 0;
  virtual JoinResult join_group(uint32_t transaction_id, const Bytes& welcome,
                                bool encrypt_handshake, const Bytes& identity,
                                const Bytes& ratchet_tree) = 0;
  virtual ExternalJoinResult external_join(const Bytes& group_info, const Bytes& ratchet_tree,
                                           bool encrypt_handshake, const Bytes& identity,
                                           bool remove_prior,
                                           const std::vector<std::pair<Bytes, Bytes>>& psks) = 0;
  virtual GroupInfoResult group_info(uint32_t state_id, bool external_tree) = 0;
  virtual Bytes state_auth(uint32_t state_id) = 0;
  virtual Bytes export_secret(uint32_t state_id, const std::string& label, const Bytes& context,
                              uint32_t key_length) = 0;
  virtual Bytes protect(uint32_t state_id, const Bytes& authenticated_data,
                        const Bytes& plaintext) = 0;
  virtual Unprotected unprotect(uint32_t state_id, const Bytes& ciphertext) = 0;
  virtual void store_psk(uint32_t state_or_transaction_id, const Bytes& psk_id,
                         const Bytes& psk_secret) = 0;

  virtual Bytes add_proposal(uint32_t state_id, const Bytes& key_package) = 0;
  virtual Bytes update_proposal(uint32_t state_id) = 0;
  virtual Bytes remove_proposal(uint32_t state_id, const Bytes& removed_id) = 0;
  virtual Bytes external_psk_proposal(uint32_t state_id, const Bytes& psk_id) = 0;
  virtual Bytes resumption_psk_proposal(uint32_t state_id, uint64_t epoch_id) = 0;
  virtual Bytes group_context_extensions_proposal(uint32_t state_id,
                                                  const std::vector<Extension>& extensions) = 0;

  virtual CommitResult commit(uint32_t state_id, const std::vector<Bytes>& by_reference,
                              const std::vector<ProposalDescription>& by_value, bool force_path,
                              bool external_tree) = 0;
  virtual HandleResult handle_commit(uint32_t state_id, const std::vector<Bytes>& proposals,
                                     const Bytes& commit) = 0;
  virtual HandleResult handle_pending_commit(uint32_t state_id) = 0;

  // §12.1.8 external proposals (NewMemberAddProposal, CreateExternalSigner,
  // AddExternalSigner, ExternalSignerProposal).
  struct NewMemberProposalResult {
    uint32_t transaction_id = 0;  // the KeyPackage made for it, to join with later
    Bytes proposal;               // MLSMessage
    Bytes init_priv, encryption_priv, signature_priv;
  };
  struct ExternalSignerResult {
    uint32_t signer_id = 0;
    Bytes external_sender;  // an encoded ExternalSender
  };
  virtual NewMemberProposalResult new_member_add_proposal(const Bytes& group_info,
                                                          const Bytes& identity) = 0;
  virtual ExternalSignerResult create_external_signer(uint16_t cipher_suite,
                                                      const Bytes& identity) = 0;
  // A GroupContextExtensions proposal adding `external_sender` to the
  // group's external_senders extension.
  virtual Bytes add_external_signer(uint32_t state_id, const Bytes& external_sender) = 0;
  virtual Bytes external_signer_proposal(uint32_t signer_id, const Bytes& group_info,
                                         const Bytes& ratchet_tree,
                                         const ProposalDescription& description) = 0;

  // §11.2 reinitialization: the proposal, the commit covering it (handled
  // like any commit, then each member makes a KeyPackage for the new group
  // and keeps a reinit id), the new group's Welcome, joining it.
  struct ReInitResult {
    uint32_t reinit_id = 0;
    Bytes key_package;  // MLSMessage, for the new group's cipher suite
    Bytes epoch_authenticator;
  };
  struct SubgroupResult {
    uint32_t state_id = 0;
    Bytes welcome;
    Bytes ratchet_tree;
    Bytes epoch_authenticator;
  };
  virtual Bytes reinit_proposal(uint32_t state_id, uint16_t cipher_suite, const Bytes& group_id,
                                const std::vector<Extension>& extensions) = 0;
  virtual CommitResult reinit_commit(uint32_t state_id, const std::vector<Bytes>& by_reference,
                                     const std::vector<ProposalDescription>& by_value,
                                     bool force_path, bool external_tree) = 0;
  virtual ReInitResult handle_pending_reinit_commit(uint32_t state_id) = 0;
  virtual ReInitResult handle_reinit_commit(uint32_t state_id, const std::vector<Bytes>& proposals,
                                            const Bytes& commit) = 0;
  virtual SubgroupResult reinit_welcome(uint32_t reinit_id, const std::vector<Bytes>& key_packages,
                                        bool force_path, bool external_tree) = 0;
  virtual JoinResult handle_reinit_welcome(uint32_t reinit_id, const Bytes& welcome,
                                           const Bytes& ratchet_tree) = 0;
  // §11.3 subgroup branching.
  virtual SubgroupResult create_branch(uint32_t state_id, const Bytes& group_id,
                                       const std::vector<Extension>& extensions,
                                       const std::vector<Bytes>& key_packages, bool force_path,
                                       bool external_tree) = 0;
  virtual JoinResult handle_branch(uint32_t state_id, uint32_t transaction_id, const Bytes& welcome,
                                   const Bytes& ratchet_tree) = 0;

  // The key-update API of mlsref (not RPCs of the harness): a commit with a
  // path and nothing else / with a new signature key and credential / of
  // every pending proposal. Staged as the pending commit, like commit().
  // `proposals`: received (and stored) first, as for commit(), so that the
  // commit covers them.
  virtual CommitResult self_update(uint32_t state_id, const std::vector<Bytes>& proposals) = 0;
  virtual CommitResult self_update_with_new_signer(uint32_t state_id,
                                                   const std::vector<Bytes>& proposals) = 0;
  virtual CommitResult commit_to_pending_proposals(uint32_t state_id,
                                                   const std::vector<Bytes>& proposals) = 0;

  virtual std::optional<View> view(uint32_t state_id) = 0;
  virtual void free(uint32_t state_id) = 0;

  // Only an in-process client answers these (the --emit-passive watcher is
  // one): the group of a state; for a reinit record, the old group and the
  // new KeyPackage with its private keys. Others answer nothing.
  virtual const Group* local_group(uint32_t /*state_id*/) { return nullptr; }
  virtual const Group* local_reinit_old_group(uint32_t /*reinit_id*/) { return nullptr; }
  virtual std::optional<KeyPackageResult> local_reinit_key_package(uint32_t /*reinit_id*/) {
    return std::nullopt;
  }
};

}  // namespace mlsref::conformance
