#include "conformance/interop/server.h"

#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <iostream>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "conformance/local_client.h"
#include "mls_client.grpc.pb.h"
#include "ref/primitives.h"

namespace mlsref::conformance {

namespace {

namespace pb = ::mls_client;
using grpc::ServerContext;
using grpc::Status;
using grpc::StatusCode;

std::string str(const Bytes& b) { return std::string(b.begin(), b.end()); }
Bytes bytes(const std::string& s) { return Bytes(s.begin(), s.end()); }

// A request field out of the range the RPC allows (e.g. a cipher suite above 0xffff).
class BadRequest : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

uint16_t u16(uint32_t v, const char* field) {
  if (v > 0xffff) {
    throw BadRequest(std::string(field) + " " + std::to_string(v) + " does not fit in uint16");
  }
  return static_cast<uint16_t>(v);
}

std::vector<Extension> extensions(const google::protobuf::RepeatedPtrField<pb::Extension>& in) {
  std::vector<Extension> out;
  for (const auto& e : in) {
    out.push_back(Extension{u16(e.extension_type(), "extension_type"), bytes(e.extension_data())});
  }
  return out;
}

// LocalClient names the ids it does not know in these words: for a runner
// that is a stale or foreign id, not a bad message.
bool unknown_id(const std::string& what) {
  return what.rfind("no group state ", 0) == 0 ||
         what.rfind("no key package transaction ", 0) == 0 ||
         what.rfind("no state or transaction ", 0) == 0 || what.rfind("no reinit ", 0) == 0 ||
         what.rfind("no external signer ", 0) == 0;
}

ProposalDescription description(const pb::ProposalDescription& d) {
  ProposalDescription p;
  p.type = d.proposal_type();
  p.key_package = bytes(d.key_package());
  p.removed_id = bytes(d.removed_id());
  p.psk_id = bytes(d.psk_id());
  p.epoch_id = d.epoch_id();
  p.extensions = extensions(d.extensions());
  p.group_id = bytes(d.group_id());
  p.cipher_suite = u16(d.cipher_suite(), "cipher_suite");
  return p;
}

std::vector<Bytes> by_reference(const pb::CommitRequest& q) {
  std::vector<Bytes> out;
  for (const auto& p : q.by_reference()) {
    out.push_back(bytes(p));
  }
  return out;
}

std::vector<ProposalDescription> by_value(const pb::CommitRequest& q) {
  std::vector<ProposalDescription> out;
  for (const auto& d : q.by_value()) {
    out.push_back(description(d));
  }
  return out;
}

void reinit_response(const Client::ReInitResult& x, pb::HandleReInitCommitResponse* r) {
  r->set_reinit_id(x.reinit_id);
  r->set_key_package(str(x.key_package));
  r->set_epoch_authenticator(str(x.epoch_authenticator));
}

void subgroup_response(const Client::SubgroupResult& x, pb::CreateSubgroupResponse* r) {
  r->set_state_id(x.state_id);
  r->set_welcome(str(x.welcome));
  r->set_ratchet_tree(str(x.ratchet_tree));
  r->set_epoch_authenticator(str(x.epoch_authenticator));
}

class Service final : public pb::MLSClient::Service {
 public:
  Service() : client_(system_rng()) {}

  Status Name(ServerContext*, const pb::NameRequest*, pb::NameResponse* r) override {
    return run("Name", [&] { r->set_name(client_.name()); });
  }
  Status SupportedCiphersuites(ServerContext*, const pb::SupportedCiphersuitesRequest*,
                               pb::SupportedCiphersuitesResponse* r) override {
    return run("SupportedCiphersuites", [&] {
      for (uint16_t s : client_.supported_ciphersuites()) {
        r->add_ciphersuites(s);
      }
    });
  }
  Status CreateGroup(ServerContext*, const pb::CreateGroupRequest* q,
                     pb::CreateGroupResponse* r) override {
    return run("CreateGroup", [&] {
      r->set_state_id(client_.create_group(bytes(q->group_id()),
                                           u16(q->cipher_suite(), "cipher_suite"),
                                           q->encrypt_handshake(), bytes(q->identity())));
    });
  }
  Status CreateKeyPackage(ServerContext*, const pb::CreateKeyPackageRequest* q,
                          pb::CreateKeyPackageResponse* r) override {
    return run("CreateKeyPackage", [&] {
      auto kp =
          client_.create_key_package(u16(q->cipher_suite(), "cipher_suite"), bytes(q->identity()));
      r->set_transaction_id(kp.transaction_id);
      r->set_key_package(str(kp.key_package));
      r->set_init_priv(str(kp.init_priv));
      r->set_encryption_priv(str(kp.encryption_priv));
      r->set_signature_priv(str(kp.signature_priv));
    });
  }
  Status JoinGroup(ServerContext*, const pb::JoinGroupRequest* q,
                   pb::JoinGroupResponse* r) override {
    return run("JoinGroup", [&] {
      auto j = client_.join_group(q->transaction_id(), bytes(q->welcome()), q->encrypt_handshake(),
                                  bytes(q->identity()), bytes(q->ratchet_tree()));
      r->set_state_id(j.state_id);
      r->set_epoch_authenticator(str(j.epoch_authenticator));
    });
  }
  Status ExternalJoin(ServerContext*, const pb::ExternalJoinRequest* q,
                      pb::ExternalJoinResponse* r) override {
    return run("ExternalJoin", [&] {
      std::vector<std::pair<Bytes, Bytes>> psks;
      for (const auto& p : q->psks()) {
        psks.emplace_back(bytes(p.psk_id()), bytes(p.psk_secret()));
      }
      auto j = client_.external_join(bytes(q->group_info()), bytes(q->ratchet_tree()),
                                     q->encrypt_handshake(), bytes(q->identity()),
                                     q->remove_prior(), psks);
      r->set_state_id(j.state_id);
      r->set_commit(str(j.commit));
      r->set_epoch_authenticator(str(j.epoch_authenticator));
    });
  }
  Status GroupInfo(ServerContext*, const pb::GroupInfoRequest* q,
                   pb::GroupInfoResponse* r) override {
    return run("GroupInfo", [&] {
      auto gi = client_.group_info(q->state_id(), q->external_tree());
      r->set_group_info(str(gi.group_info));
      r->set_ratchet_tree(str(gi.ratchet_tree));
    });
  }
  Status StateAuth(ServerContext*, const pb::StateAuthRequest* q,
                   pb::StateAuthResponse* r) override {
    return run("StateAuth",
               [&] { r->set_state_auth_secret(str(client_.state_auth(q->state_id()))); });
  }
  Status Export(ServerContext*, const pb::ExportRequest* q, pb::ExportResponse* r) override {
    return run("Export", [&] {
      r->set_exported_secret(str(
          client_.export_secret(q->state_id(), q->label(), bytes(q->context()), q->key_length())));
    });
  }
  Status Protect(ServerContext*, const pb::ProtectRequest* q, pb::ProtectResponse* r) override {
    return run("Protect", [&] {
      r->set_ciphertext(str(
          client_.protect(q->state_id(), bytes(q->authenticated_data()), bytes(q->plaintext()))));
    });
  }
  Status Unprotect(ServerContext*, const pb::UnprotectRequest* q,
                   pb::UnprotectResponse* r) override {
    return run("Unprotect", [&] {
      auto u = client_.unprotect(q->state_id(), bytes(q->ciphertext()));
      r->set_authenticated_data(str(u.authenticated_data));
      r->set_plaintext(str(u.plaintext));
    });
  }
  Status StorePSK(ServerContext*, const pb::StorePSKRequest* q, pb::StorePSKResponse*) override {
    return run("StorePSK", [&] {
      client_.store_psk(q->state_or_transaction_id(), bytes(q->psk_id()), bytes(q->psk_secret()));
    });
  }

  Status AddProposal(ServerContext*, const pb::AddProposalRequest* q,
                     pb::ProposalResponse* r) override {
    return run("AddProposal", [&] {
      r->set_proposal(str(client_.add_proposal(q->state_id(), bytes(q->key_package()))));
    });
  }
  Status UpdateProposal(ServerContext*, const pb::UpdateProposalRequest* q,
                        pb::ProposalResponse* r) override {
    return run("UpdateProposal",
               [&] { r->set_proposal(str(client_.update_proposal(q->state_id()))); });
  }
  Status RemoveProposal(ServerContext*, const pb::RemoveProposalRequest* q,
                        pb::ProposalResponse* r) override {
    return run("RemoveProposal", [&] {
      r->set_proposal(str(client_.remove_proposal(q->state_id(), bytes(q->removed_id()))));
    });
  }
  Status ExternalPSKProposal(ServerContext*, const pb::ExternalPSKProposalRequest* q,
                             pb::ProposalResponse* r) override {
    return run("ExternalPSKProposal", [&] {
      r->set_proposal(str(client_.external_psk_proposal(q->state_id(), bytes(q->psk_id()))));
    });
  }
  Status ResumptionPSKProposal(ServerContext*, const pb::ResumptionPSKProposalRequest* q,
                               pb::ProposalResponse* r) override {
    return run("ResumptionPSKProposal", [&] {
      r->set_proposal(str(client_.resumption_psk_proposal(q->state_id(), q->epoch_id())));
    });
  }
  Status GroupContextExtensionsProposal(ServerContext*,
                                        const pb::GroupContextExtensionsProposalRequest* q,
                                        pb::ProposalResponse* r) override {
    return run("GroupContextExtensionsProposal", [&] {
      r->set_proposal(str(
          client_.group_context_extensions_proposal(q->state_id(), extensions(q->extensions()))));
    });
  }

  Status Commit(ServerContext*, const pb::CommitRequest* q, pb::CommitResponse* r) override {
    return run("Commit", [&] {
      auto c = client_.commit(q->state_id(), by_reference(*q), by_value(*q), q->force_path(),
                              q->external_tree());
      r->set_commit(str(c.commit));
      r->set_welcome(str(c.welcome));
      r->set_ratchet_tree(str(c.ratchet_tree));
    });
  }
  Status HandleCommit(ServerContext*, const pb::HandleCommitRequest* q,
                      pb::HandleCommitResponse* r) override {
    return run("HandleCommit", [&] {
      std::vector<Bytes> proposals;
      for (const auto& p : q->proposal()) {
        proposals.push_back(bytes(p));
      }
      auto h = client_.handle_commit(q->state_id(), proposals, bytes(q->commit()));
      r->set_state_id(h.state_id);
      r->set_epoch_authenticator(str(h.epoch_authenticator));
    });
  }
  Status HandlePendingCommit(ServerContext*, const pb::HandlePendingCommitRequest* q,
                             pb::HandleCommitResponse* r) override {
    return run("HandlePendingCommit", [&] {
      auto h = client_.handle_pending_commit(q->state_id());
      r->set_state_id(h.state_id);
      r->set_epoch_authenticator(str(h.epoch_authenticator));
    });
  }

  // RFC 9420 §11.2 Reinitialization.
  Status ReInitProposal(ServerContext*, const pb::ReInitProposalRequest* q,
                        pb::ProposalResponse* r) override {
    return run("ReInitProposal", [&] {
      r->set_proposal(str(client_.reinit_proposal(q->state_id(),
                                                   u16(q->cipher_suite(), "cipher_suite"),
                                                   bytes(q->group_id()), extensions(q->extensions()))));
    });
  }
  Status ReInitCommit(ServerContext*, const pb::CommitRequest* q, pb::CommitResponse* r) override {
    return run("ReInitCommit", [&] {
      auto c = client_.reinit_commit(q->state_id(), by_reference(*q), by_value(*q), q->force_path(),
                                     q->external_tree());
      r->set_commit(str(c.commit));
      r->set_welcome(str(c.welcome));
      r->set_ratchet_tree(str(c.ratchet_tree));
    });
  }
  Status HandlePendingReInitCommit(ServerContext*, const pb::HandlePendingCommitRequest* q,
                                   pb::HandleReInitCommitResponse* r) override {
    return run("HandlePendingReInitCommit", [&] {
      reinit_response(client_.handle_pending_reinit_commit(q->state_id()), r);
    });
  }
  Status HandleReInitCommit(ServerContext*, const pb::HandleCommitRequest* q,
                            pb::HandleReInitCommitResponse* r) override {
    return run("HandleReInitCommit", [&] {
      std::vector<Bytes> proposals;
      for (const auto& p : q->proposal()) {
        proposals.push_back(bytes(p));
      }
      reinit_response(client_.handle_reinit_commit(q->state_id(), proposals, bytes(q->commit())),
                      r);
    });
  }
  Status ReInitWelcome(ServerContext*, const pb::ReInitWelcomeRequest* q,
                       pb::CreateSubgroupResponse* r) override {
    return run("ReInitWelcome", [&] {
      std::vector<Bytes> kps;
      for (const auto& k : q->key_package()) {
        kps.push_back(bytes(k));
      }
      subgroup_response(
          client_.reinit_welcome(q->reinit_id(), kps, q->force_path(), q->external_tree()), r);
    });
  }
  Status HandleReInitWelcome(ServerContext*, const pb::HandleReInitWelcomeRequest* q,
                             pb::JoinGroupResponse* r) override {
    return run("HandleReInitWelcome", [&] {
      auto j = client_.handle_reinit_welcome(q->reinit_id(), bytes(q->welcome()),
                                             bytes(q->ratchet_tree()));
      r->set_state_id(j.state_id);
      r->set_epoch_authenticator(str(j.epoch_authenticator));
    });
  }
  // RFC 9420 §11.3 Subgroup Branching.
  Status CreateBranch(ServerContext*, const pb::CreateBranchRequest* q,
                      pb::CreateSubgroupResponse* r) override {
    return run("CreateBranch", [&] {
      std::vector<Bytes> kps;
      for (const auto& k : q->key_packages()) {
        kps.push_back(bytes(k));
      }
      subgroup_response(client_.create_branch(q->state_id(), bytes(q->group_id()),
                                              extensions(q->extensions()), kps, q->force_path(),
                                              q->external_tree()),
                        r);
    });
  }
  Status HandleBranch(ServerContext*, const pb::HandleBranchRequest* q,
                      pb::HandleBranchResponse* r) override {
    return run("HandleBranch", [&] {
      auto j = client_.handle_branch(q->state_id(), q->transaction_id(), bytes(q->welcome()),
                                     bytes(q->ratchet_tree()));
      r->set_state_id(j.state_id);
      r->set_epoch_authenticator(str(j.epoch_authenticator));
    });
  }
  // RFC 9420 §12.1.8 External Proposals, §12.1.8.1 External Senders.
  Status NewMemberAddProposal(ServerContext*, const pb::NewMemberAddProposalRequest* q,
                              pb::NewMemberAddProposalResponse* r) override {
    return run("NewMemberAddProposal", [&] {
      auto p = client_.new_member_add_proposal(bytes(q->group_info()), bytes(q->identity()));
      r->set_transaction_id(p.transaction_id);
      r->set_proposal(str(p.proposal));
      r->set_init_priv(str(p.init_priv));
      r->set_encryption_priv(str(p.encryption_priv));
      r->set_signature_priv(str(p.signature_priv));
    });
  }
  Status CreateExternalSigner(ServerContext*, const pb::CreateExternalSignerRequest* q,
                              pb::CreateExternalSignerResponse* r) override {
    return run("CreateExternalSigner", [&] {
      auto s = client_.create_external_signer(u16(q->cipher_suite(), "cipher_suite"),
                                              bytes(q->identity()));
      r->set_signer_id(s.signer_id);
      r->set_external_sender(str(s.external_sender));
    });
  }
  Status AddExternalSigner(ServerContext*, const pb::AddExternalSignerRequest* q,
                           pb::ProposalResponse* r) override {
    return run("AddExternalSigner", [&] {
      r->set_proposal(str(client_.add_external_signer(q->state_id(), bytes(q->external_sender()))));
    });
  }
  Status ExternalSignerProposal(ServerContext*, const pb::ExternalSignerProposalRequest* q,
                                pb::ProposalResponse* r) override {
    return run("ExternalSignerProposal", [&] {
      r->set_proposal(str(client_.external_signer_proposal(
          q->signer_id(), bytes(q->group_info()), bytes(q->ratchet_tree()),
          description(q->description()))));
    });
  }

  Status Free(ServerContext*, const pb::FreeRequest* q, pb::FreeResponse*) override {
    return run("Free", [&] { client_.free(q->state_id()); });
  }

 private:
  // One call at a time on the one LocalClient. mlsref's errors go back with
  // their text (kind, RFC section, rule); nothing a request does stops the
  // server.
  template <class F>
  Status run(const char* rpc, F&& body) {
    std::lock_guard<std::mutex> lock(mutex_);
    Status status;
    try {
      body();
      return Status::OK;
    } catch (const Error& e) {
      status = Status(e.kind() == ErrorKind::unsupported ? StatusCode::UNIMPLEMENTED
                                                         : StatusCode::INVALID_ARGUMENT,
                      e.what());
    } catch (const BadRequest& e) {
      status = Status(StatusCode::INVALID_ARGUMENT, e.what());
    } catch (const std::invalid_argument& e) {
      // LocalClient's word for a request it cannot use (a message of the
      // wrong type, an identity nobody has, an unknown proposal type).
      status = Status(StatusCode::INVALID_ARGUMENT, e.what());
    } catch (const std::exception& e) {
      status = Status(unknown_id(e.what()) ? StatusCode::FAILED_PRECONDITION : StatusCode::INTERNAL,
                      e.what());
    } catch (...) {
      status = Status(StatusCode::INTERNAL, "an exception that is not a std::exception");
    }
    log(rpc, status);
    return status;
  }
  static void log(const char* rpc, const Status& status) {
    const char* code = status.error_code() == StatusCode::UNIMPLEMENTED      ? "UNIMPLEMENTED"
                       : status.error_code() == StatusCode::INVALID_ARGUMENT ? "INVALID_ARGUMENT"
                       : status.error_code() == StatusCode::FAILED_PRECONDITION
                           ? "FAILED_PRECONDITION"
                           : "INTERNAL";
    std::cerr << "mlsref serve: " << rpc << ": " << code << ": " << status.error_message()
              << std::endl;
  }

  std::mutex mutex_;
  LocalClient client_;
};

}  // namespace

int serve(const std::string& host, uint16_t port) {
  // SIGINT and SIGTERM are blocked here, before gRPC starts its threads (which
  // inherit the mask), and taken by one thread that shuts the server down.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  Service service;
  grpc::ServerBuilder builder;
  int bound = 0;
  std::string address =
      (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &bound);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || bound == 0) {
    std::cerr << "mlsref serve: cannot listen on " << address << "\n";
    return 2;
  }
  std::string shown = address.substr(0, address.rfind(':')) + ":" + std::to_string(bound);
  std::cout << "mlsref serve: listening on " << shown << std::endl;

  std::thread waiter([&] {
    int sig = 0;
    sigwait(&stop, &sig);
    std::cout << "mlsref serve: " << (sig == SIGINT ? "SIGINT" : "SIGTERM") << ", stopping"
              << std::endl;
    server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  });
  server->Wait();
  waiter.join();
  return 0;
}

}  // namespace mlsref::conformance
