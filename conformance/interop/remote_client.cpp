#include "conformance/interop/remote_client.h"

#include <grpcpp/grpcpp.h>

#include <memory>
#include <mutex>
#include <stdexcept>

#include "mls_client.grpc.pb.h"

namespace mlsref::conformance {

namespace {

namespace pb = ::mls_client;
using Stub = pb::MLSClient::Stub;

std::string str(const Bytes& b) { return std::string(b.begin(), b.end()); }
Bytes bytes(const std::string& s) { return Bytes(s.begin(), s.end()); }

std::string_view code_name(grpc::StatusCode code) {
  switch (code) {
    case grpc::OK:
      return "OK";
    case grpc::CANCELLED:
      return "CANCELLED";
    case grpc::UNKNOWN:
      return "UNKNOWN";
    case grpc::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::ABORTED:
      return "ABORTED";
    case grpc::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::INTERNAL:
      return "INTERNAL";
    case grpc::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::DATA_LOSS:
      return "DATA_LOSS";
    case grpc::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    default:
      return "UNKNOWN";
  }
}

// The RFC section an mlsref error message cites ("... (RFC 9420 §12.4.3.2): ..."),
// so that an UNIMPLEMENTED from `mlsref serve` keeps it; another server's
// message cites none.
std::string cited_section(const std::string& message) {
  static const std::string mark = "RFC 9420 \xc2\xa7";
  size_t at = message.find(mark);
  if (at == std::string::npos) {
    return "?";
  }
  at += mark.size();
  size_t end = message.find_first_not_of("0123456789.", at);
  return end == at ? "?" : message.substr(at, end - at);
}

void set_extensions(google::protobuf::RepeatedPtrField<pb::Extension>* out,
                    const std::vector<Extension>& extensions) {
  for (const auto& e : extensions) {
    pb::Extension* x = out->Add();
    x->set_extension_type(e.extension_type);
    x->set_extension_data(str(e.extension_data));
  }
}

void set_description(pb::ProposalDescription* x, const ProposalDescription& d) {
  x->set_proposal_type(d.type);
  x->set_key_package(str(d.key_package));
  x->set_removed_id(str(d.removed_id));
  x->set_psk_id(str(d.psk_id));
  x->set_epoch_id(d.epoch_id);
  set_extensions(x->mutable_extensions(), d.extensions);
  x->set_group_id(str(d.group_id));
  x->set_cipher_suite(d.cipher_suite);
}

pb::CommitRequest commit_request(uint32_t state_id, const std::vector<Bytes>& by_reference,
                                 const std::vector<ProposalDescription>& by_value, bool force_path,
                                 bool external_tree) {
  pb::CommitRequest q;
  q.set_state_id(state_id);
  for (const auto& p : by_reference) {
    q.add_by_reference(str(p));
  }
  for (const auto& d : by_value) {
    set_description(q.add_by_value(), d);
  }
  q.set_force_path(force_path);
  q.set_external_tree(external_tree);
  return q;
}

class RemoteClient : public Client {
 public:
  RemoteClient(std::string target, std::shared_ptr<grpc::Channel> channel,
               std::chrono::seconds deadline)
      : target_(std::move(target)), stub_(pb::MLSClient::NewStub(channel)), deadline_(deadline) {}

  std::string name() override { return call("Name", &Stub::Name, pb::NameRequest{}).name(); }
  std::vector<uint16_t> supported_ciphersuites() override {
    auto r = call("SupportedCiphersuites", &Stub::SupportedCiphersuites,
                  pb::SupportedCiphersuitesRequest{});
    std::vector<uint16_t> out;
    for (uint32_t s : r.ciphersuites()) {
      if (s <= 0xffff) {
        out.push_back(static_cast<uint16_t>(s));
      }
    }
    return out;
  }
  uint32_t create_group(const Bytes& group_id, uint16_t cipher_suite, bool encrypt_handshake,
                        const Bytes& identity) override {
    pb::CreateGroupRequest q;
    q.set_group_id(str(group_id));
    q.set_cipher_suite(cipher_suite);
    q.set_encrypt_handshake(encrypt_handshake);
    q.set_identity(str(identity));
    return call("CreateGroup", &Stub::CreateGroup, q).state_id();
  }
  KeyPackageResult create_key_package(uint16_t cipher_suite, const Bytes& identity) override {
    pb::CreateKeyPackageRequest q;
    q.set_cipher_suite(cipher_suite);
    q.set_identity(str(identity));
    auto r = call("CreateKeyPackage", &Stub::CreateKeyPackage, q);
    return {r.transaction_id(), bytes(r.key_package()), bytes(r.init_priv()),
            bytes(r.encryption_priv()), bytes(r.signature_priv())};
  }
  JoinResult join_group(uint32_t transaction_id, const Bytes& welcome, bool encrypt_handshake,
                        const Bytes& identity, const Bytes& ratchet_tree) override {
    pb::JoinGroupRequest q;
    q.set_transaction_id(transaction_id);
    q.set_welcome(str(welcome));
    q.set_encrypt_handshake(encrypt_handshake);
    q.set_identity(str(identity));
    q.set_ratchet_tree(str(ratchet_tree));
    auto r = call("JoinGroup", &Stub::JoinGroup, q);
    return {r.state_id(), bytes(r.epoch_authenticator())};
  }
  ExternalJoinResult external_join(const Bytes& group_info, const Bytes& ratchet_tree,
                                   bool encrypt_handshake, const Bytes& identity, bool remove_prior,
                                   const std::vector<std::pair<Bytes, Bytes>>& psks) override {
    pb::ExternalJoinRequest q;
    q.set_group_info(str(group_info));
    q.set_ratchet_tree(str(ratchet_tree));
    q.set_encrypt_handshake(encrypt_handshake);
    q.set_identity(str(identity));
    q.set_remove_prior(remove_prior);
    for (const auto& [id, secret] : psks) {
      pb::PreSharedKey* p = q.add_psks();
      p->set_psk_id(str(id));
      p->set_psk_secret(str(secret));
    }
    auto r = call("ExternalJoin", &Stub::ExternalJoin, q);
    return {r.state_id(), bytes(r.commit()), bytes(r.epoch_authenticator())};
  }
  GroupInfoResult group_info(uint32_t state_id, bool external_tree) override {
    pb::GroupInfoRequest q;
    q.set_state_id(state_id);
    q.set_external_tree(external_tree);
    auto r = call("GroupInfo", &Stub::GroupInfo, q);
    return {bytes(r.group_info()), bytes(r.ratchet_tree())};
  }
  Bytes state_auth(uint32_t state_id) override {
    pb::StateAuthRequest q;
    q.set_state_id(state_id);
    return bytes(call("StateAuth", &Stub::StateAuth, q).state_auth_secret());
  }
  Bytes export_secret(uint32_t state_id, const std::string& label, const Bytes& context,
                      uint32_t key_length) override {
    pb::ExportRequest q;
    q.set_state_id(state_id);
    q.set_label(label);
    q.set_context(str(context));
    q.set_key_length(key_length);
    return bytes(call("Export", &Stub::Export, q).exported_secret());
  }
  Bytes protect(uint32_t state_id, const Bytes& authenticated_data,
                const Bytes& plaintext) override {
    pb::ProtectRequest q;
    q.set_state_id(state_id);
    q.set_authenticated_data(str(authenticated_data));
    q.set_plaintext(str(plaintext));
    return bytes(call("Protect", &Stub::Protect, q).ciphertext());
  }
  Unprotected unprotect(uint32_t state_id, const Bytes& ciphertext) override {
    pb::UnprotectRequest q;
    q.set_state_id(state_id);
    q.set_ciphertext(str(ciphertext));
    auto r = call("Unprotect", &Stub::Unprotect, q);
    return {bytes(r.authenticated_data()), bytes(r.plaintext())};
  }
  void store_psk(uint32_t id, const Bytes& psk_id, const Bytes& psk_secret) override {
    pb::StorePSKRequest q;
    q.set_state_or_transaction_id(id);
    q.set_psk_id(str(psk_id));
    q.set_psk_secret(str(psk_secret));
    call("StorePSK", &Stub::StorePSK, q);
  }

  Bytes add_proposal(uint32_t state_id, const Bytes& key_package) override {
    pb::AddProposalRequest q;
    q.set_state_id(state_id);
    q.set_key_package(str(key_package));
    return bytes(call("AddProposal", &Stub::AddProposal, q).proposal());
  }
  Bytes update_proposal(uint32_t state_id) override {
    pb::UpdateProposalRequest q;
    q.set_state_id(state_id);
    return bytes(call("UpdateProposal", &Stub::UpdateProposal, q).proposal());
  }
  Bytes remove_proposal(uint32_t state_id, const Bytes& removed_id) override {
    pb::RemoveProposalRequest q;
    q.set_state_id(state_id);
    q.set_removed_id(str(removed_id));
    return bytes(call("RemoveProposal", &Stub::RemoveProposal, q).proposal());
  }
  Bytes external_psk_proposal(uint32_t state_id, const Bytes& psk_id) override {
    pb::ExternalPSKProposalRequest q;
    q.set_state_id(state_id);
    q.set_psk_id(str(psk_id));
    return bytes(call("ExternalPSKProposal", &Stub::ExternalPSKProposal, q).proposal());
  }
  Bytes resumption_psk_proposal(uint32_t state_id, uint64_t epoch_id) override {
    pb::ResumptionPSKProposalRequest q;
    q.set_state_id(state_id);
    q.set_epoch_id(epoch_id);
    return bytes(call("ResumptionPSKProposal", &Stub::ResumptionPSKProposal, q).proposal());
  }
  Bytes group_context_extensions_proposal(uint32_t state_id,
                                          const std::vector<Extension>& extensions) override {
    pb::GroupContextExtensionsProposalRequest q;
    q.set_state_id(state_id);
    set_extensions(q.mutable_extensions(), extensions);
    return bytes(call("GroupContextExtensionsProposal", &Stub::GroupContextExtensionsProposal, q)
                     .proposal());
  }

  CommitResult commit(uint32_t state_id, const std::vector<Bytes>& by_reference,
                      const std::vector<ProposalDescription>& by_value, bool force_path,
                      bool external_tree) override {
    auto r = call("Commit", &Stub::Commit,
                  commit_request(state_id, by_reference, by_value, force_path, external_tree));
    return {bytes(r.commit()), bytes(r.welcome()), bytes(r.ratchet_tree())};
  }
  HandleResult handle_commit(uint32_t state_id, const std::vector<Bytes>& proposals,
                             const Bytes& commit) override {
    pb::HandleCommitRequest q;
    q.set_state_id(state_id);
    for (const auto& p : proposals) {
      q.add_proposal(str(p));
    }
    q.set_commit(str(commit));
    auto r = call("HandleCommit", &Stub::HandleCommit, q);
    return {r.state_id(), bytes(r.epoch_authenticator())};
  }
  HandleResult handle_pending_commit(uint32_t state_id) override {
    pb::HandlePendingCommitRequest q;
    q.set_state_id(state_id);
    auto r = call("HandlePendingCommit", &Stub::HandlePendingCommit, q);
    return {r.state_id(), bytes(r.epoch_authenticator())};
  }

  // §12.1.8 external proposals.
  NewMemberProposalResult new_member_add_proposal(const Bytes& group_info,
                                                  const Bytes& identity) override {
    pb::NewMemberAddProposalRequest q;
    q.set_group_info(str(group_info));
    q.set_identity(str(identity));
    auto r = call("NewMemberAddProposal", &Stub::NewMemberAddProposal, q);
    return {r.transaction_id(), bytes(r.proposal()), bytes(r.init_priv()),
            bytes(r.encryption_priv()), bytes(r.signature_priv())};
  }
  ExternalSignerResult create_external_signer(uint16_t cipher_suite,
                                              const Bytes& identity) override {
    pb::CreateExternalSignerRequest q;
    q.set_cipher_suite(cipher_suite);
    q.set_identity(str(identity));
    auto r = call("CreateExternalSigner", &Stub::CreateExternalSigner, q);
    return {r.signer_id(), bytes(r.external_sender())};
  }
  Bytes add_external_signer(uint32_t state_id, const Bytes& external_sender) override {
    pb::AddExternalSignerRequest q;
    q.set_state_id(state_id);
    q.set_external_sender(str(external_sender));
    return bytes(call("AddExternalSigner", &Stub::AddExternalSigner, q).proposal());
  }
  Bytes external_signer_proposal(uint32_t signer_id, const Bytes& group_info,
                                 const Bytes& ratchet_tree,
                                 const ProposalDescription& description) override {
    pb::ExternalSignerProposalRequest q;
    q.set_signer_id(signer_id);
    q.set_group_info(str(group_info));
    q.set_ratchet_tree(str(ratchet_tree));
    set_description(q.mutable_description(), description);
    return bytes(call("ExternalSignerProposal", &Stub::ExternalSignerProposal, q).proposal());
  }

  // §11.2 reinitialization, §11.3 branching.
  Bytes reinit_proposal(uint32_t state_id, uint16_t cipher_suite, const Bytes& group_id,
                        const std::vector<Extension>& extensions) override {
    pb::ReInitProposalRequest q;
    q.set_state_id(state_id);
    q.set_cipher_suite(cipher_suite);
    q.set_group_id(str(group_id));
    set_extensions(q.mutable_extensions(), extensions);
    return bytes(call("ReInitProposal", &Stub::ReInitProposal, q).proposal());
  }
  CommitResult reinit_commit(uint32_t state_id, const std::vector<Bytes>& by_reference,
                             const std::vector<ProposalDescription>& by_value, bool force_path,
                             bool external_tree) override {
    auto r = call("ReInitCommit", &Stub::ReInitCommit,
                  commit_request(state_id, by_reference, by_value, force_path, external_tree));
    return {bytes(r.commit()), bytes(r.welcome()), bytes(r.ratchet_tree())};
  }
  ReInitResult handle_pending_reinit_commit(uint32_t state_id) override {
    pb::HandlePendingCommitRequest q;
    q.set_state_id(state_id);
    auto r = call("HandlePendingReInitCommit", &Stub::HandlePendingReInitCommit, q);
    return {r.reinit_id(), bytes(r.key_package()), bytes(r.epoch_authenticator())};
  }
  ReInitResult handle_reinit_commit(uint32_t state_id, const std::vector<Bytes>& proposals,
                                    const Bytes& commit) override {
    pb::HandleCommitRequest q;
    q.set_state_id(state_id);
    for (const auto& p : proposals) {
      q.add_proposal(str(p));
    }
    q.set_commit(str(commit));
    auto r = call("HandleReInitCommit", &Stub::HandleReInitCommit, q);
    return {r.reinit_id(), bytes(r.key_package()), bytes(r.epoch_authenticator())};
  }
  SubgroupResult reinit_welcome(uint32_t reinit_id, const std::vector<Bytes>& key_packages,
                                bool force_path, bool external_tree) override {
    pb::ReInitWelcomeRequest q;
    q.set_reinit_id(reinit_id);
    for (const auto& k : key_packages) {
      q.add_key_package(str(k));
    }
    q.set_force_path(force_path);
    q.set_external_tree(external_tree);
    auto r = call("ReInitWelcome", &Stub::ReInitWelcome, q);
    return {r.state_id(), bytes(r.welcome()), bytes(r.ratchet_tree()),
            bytes(r.epoch_authenticator())};
  }
  JoinResult handle_reinit_welcome(uint32_t reinit_id, const Bytes& welcome,
                                   const Bytes& ratchet_tree) override {
    pb::HandleReInitWelcomeRequest q;
    q.set_reinit_id(reinit_id);
    q.set_welcome(str(welcome));
    q.set_ratchet_tree(str(ratchet_tree));
    auto r = call("HandleReInitWelcome", &Stub::HandleReInitWelcome, q);
    return {r.state_id(), bytes(r.epoch_authenticator())};
  }
  SubgroupResult create_branch(uint32_t state_id, const Bytes& group_id,
                               const std::vector<Extension>& extensions,
                               const std::vector<Bytes>& key_packages, bool force_path,
                               bool external_tree) override {
    pb::CreateBranchRequest q;
    q.set_state_id(state_id);
    q.set_group_id(str(group_id));
    set_extensions(q.mutable_extensions(), extensions);
    for (const auto& k : key_packages) {
      q.add_key_packages(str(k));
    }
    q.set_force_path(force_path);
    q.set_external_tree(external_tree);
    auto r = call("CreateBranch", &Stub::CreateBranch, q);
    return {r.state_id(), bytes(r.welcome()), bytes(r.ratchet_tree()),
            bytes(r.epoch_authenticator())};
  }
  JoinResult handle_branch(uint32_t state_id, uint32_t transaction_id, const Bytes& welcome,
                           const Bytes& ratchet_tree) override {
    pb::HandleBranchRequest q;
    q.set_state_id(state_id);
    q.set_transaction_id(transaction_id);
    q.set_welcome(str(welcome));
    q.set_ratchet_tree(str(ratchet_tree));
    auto r = call("HandleBranch", &Stub::HandleBranch, q);
    return {r.state_id(), bytes(r.epoch_authenticator())};
  }

  // A commit with a path (and the proposals given) is what the harness can ask for.
  CommitResult self_update(uint32_t state_id, const std::vector<Bytes>& proposals) override {
    return commit(state_id, proposals, {}, true, false);
  }
  CommitResult self_update_with_new_signer(uint32_t, const std::vector<Bytes>&) override {
    throw Error(ErrorKind::unsupported, "12.1.2",
                target_ + ": a self-update with a new signature key has no MLSClient RPC");
  }
  CommitResult commit_to_pending_proposals(uint32_t, const std::vector<Bytes>&) override {
    throw Error(ErrorKind::unsupported, "12.4",
                target_ + ": committing every pending proposal has no MLSClient RPC");
  }

  std::optional<View> view(uint32_t) override { return std::nullopt; }
  void free(uint32_t state_id) override {
    pb::FreeRequest q;
    q.set_state_id(state_id);
    call("Free", &Stub::Free, q);
  }

 private:
  template <class Request, class Response>
  Response call(const char* rpc,
                grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                const Request& request) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + deadline_);
    Response response;
    grpc::Status status = (stub_.get()->*method)(&context, request, &response);
    if (!status.ok()) {
      std::string message = target_ + " " + rpc + ": " +
                            std::string(code_name(status.error_code())) + ": " +
                            status.error_message();
      if (status.error_code() == grpc::UNIMPLEMENTED) {
        throw Error(ErrorKind::unsupported, cited_section(status.error_message()), message);
      }
      throw std::runtime_error(message);
    }
    return response;
  }

  std::string target_;
  std::unique_ptr<Stub> stub_;
  std::chrono::seconds deadline_;
};

}  // namespace

ClientFactory remote_clients(const std::string& target, std::chrono::seconds deadline) {
  struct Shared {
    std::once_flag once;
    std::shared_ptr<grpc::Channel> channel;
  };
  auto shared = std::make_shared<Shared>();
  return [target, deadline, shared](const std::string&,
                                    Botan::RandomNumberGenerator&) -> std::unique_ptr<Client> {
    std::call_once(shared->once, [&] {
      shared->channel = grpc::CreateChannel(target, grpc::InsecureChannelCredentials());
    });
    return std::make_unique<RemoteClient>(target, shared->channel, deadline);
  };
}

}  // namespace mlsref::conformance
