// `mlsref serve` as a gRPC server of the IETF harness's MLSClient service,
// driven through mlsref's RemoteClient and the generated stub: bad requests
// come back as gRPC errors carrying mlsref's error, the server keeps
// serving, the scenario runner names the remote client and RPC that
// failed, and SIGTERM/SIGINT stop the server with exit status 0.
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "conformance/interop/remote_client.h"
#include "conformance/local_client.h"
#include "mls_client.grpc.pb.h"
#include "ref/primitives.h"
#include "tests/test_util.h"

namespace mlsref {
namespace {

using namespace conformance;

// One `mlsref serve --port 0` process.
class Server {
 public:
  Server() {
    int fds[2];
    if (pipe(fds) != 0) {
      throw std::runtime_error("pipe");
    }
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], 1);
      close(fds[0]);
      close(fds[1]);
      execl(MLSREF_BIN_DIR "/mlsref", "mlsref", "serve", "--port", "0", nullptr);
      _exit(127);
    }
    close(fds[1]);
    FILE* out = fdopen(fds[0], "r");
    char line[256] = {0};
    if (fgets(line, sizeof line, out) == nullptr) {
      throw std::runtime_error("mlsref serve printed nothing");
    }
    std::string l(line);
    const std::string mark = "listening on ";
    auto at = l.find(mark);
    if (at == std::string::npos) {
      throw std::runtime_error("unexpected first line: " + l);
    }
    target_ = l.substr(at + mark.size());
    while (!target_.empty() && (target_.back() == '\n' || target_.back() == '\r')) {
      target_.pop_back();
    }
    out_ = out;  // kept open: the server's later lines must not hit a closed pipe
  }
  ~Server() {
    if (pid_ > 0) {
      stop(SIGKILL);
    }
    if (out_ != nullptr) {
      fclose(out_);
    }
  }
  const std::string& target() const { return target_; }
  // Sends `sig` and returns the wait status.
  int stop(int sig) {
    kill(pid_, sig);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_ = -1;
  FILE* out_ = nullptr;
  std::string target_;
};

std::string message_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no exception)";
}

#define EXPECT_CONTAINS(haystack, needle) \
  EXPECT_NE(std::string(haystack).find(needle), std::string::npos) << (haystack)

TEST(Interop, BadRequestsReturnMlsrefsErrorAndTheServerKeepsServing) {
  Server server;
  auto client = remote_clients(server.target())("", system_rng());
  EXPECT_EQ(client->name(), "mlsref");

  // An unknown state id.
  std::string m = message_of([&] { client->state_auth(4242); });
  EXPECT_CONTAINS(m, server.target() + " StateAuth: FAILED_PRECONDITION");
  EXPECT_CONTAINS(m, "no group state 4242");
  // An unknown reinit id and external signer id are unknown ids too.
  m = message_of([&] { client->reinit_welcome(4243, {}, false, false); });
  EXPECT_CONTAINS(m, server.target() + " ReInitWelcome: FAILED_PRECONDITION");
  EXPECT_CONTAINS(m, "no reinit 4243");
  m = message_of([&] { client->external_signer_proposal(4244, {}, {}, {}); });
  EXPECT_CONTAINS(m, "FAILED_PRECONDITION");
  EXPECT_CONTAINS(m, "no external signer 4244");

  // An undecodable commit: mlsref's decode error, with its RFC section.
  uint32_t alice = client->create_group(Bytes{1, 2, 3}, 1, false, Bytes{'a'});
  m = message_of([&] { client->handle_commit(alice, {}, Bytes{0, 1, 0, 7, 0xff}); });
  EXPECT_CONTAINS(m, "HandleCommit: INVALID_ARGUMENT");
  EXPECT_CONTAINS(m, "decode error (RFC 9420 \xc2\xa7");

  // A commit of another group: well-formed, refused by a rule of the protocol.
  uint32_t bob = client->create_group(Bytes{4, 5, 6}, 1, false, Bytes{'b'});
  auto commit = client->commit(bob, {}, {}, true, false);
  m = message_of([&] { client->handle_commit(alice, {}, commit.commit); });
  EXPECT_CONTAINS(m, "HandleCommit: INVALID_ARGUMENT");
  EXPECT_CONTAINS(m, "RFC 9420 \xc2\xa7");

  // A GroupInfo that does not decode, for an external join: mlsref's error.
  m = message_of([&] { client->external_join(Bytes{}, Bytes{}, false, Bytes{'c'}, false, {}); });
  EXPECT_CONTAINS(m, "ExternalJoin: INVALID_ARGUMENT");

  // What mlsref does not implement (a cipher suite outside §17.1's seven):
  // UNIMPLEMENTED, seen as unsupported.
  EXPECT_MLS_ERROR(client->create_group(Bytes{7}, 0x0042, false, Bytes{'z'}),
                   ErrorKind::unsupported, "5.1");
  auto stub = mls_client::MLSClient::NewStub(
      grpc::CreateChannel(server.target(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  mls_client::CreateGroupRequest q;
  q.set_group_id("g");
  q.set_cipher_suite(0x0042);
  q.set_identity("z");
  mls_client::CreateGroupResponse r;
  grpc::Status status = stub->CreateGroup(&context, q, &r);
  EXPECT_EQ(status.error_code(), grpc::UNIMPLEMENTED);
  EXPECT_CONTAINS(status.error_message(),
                  "RFC 9420 \xc2\xa7"
                  "5.1");

  // Still serving, and the good state is still good.
  EXPECT_EQ(client->name(), "mlsref");
  EXPECT_EQ(client->state_auth(alice).size(), 32u);
  client->free(alice);
  client->free(bob);
  int exit_status = server.stop(SIGTERM);
  EXPECT_TRUE(WIFEXITED(exit_status));
  EXPECT_EQ(WEXITSTATUS(exit_status), 0);
}

TEST(Interop, SigtermAndSigintStopTheServerWithStatusZero) {
  for (int sig : {SIGTERM, SIGINT}) {
    Server server;
    EXPECT_EQ(remote_clients(server.target())("", system_rng())->name(), "mlsref");
    int status = server.stop(sig);
    EXPECT_TRUE(WIFEXITED(status)) << "signal " << sig;
    EXPECT_EQ(WEXITSTATUS(status), 0) << "signal " << sig;
  }
}

TEST(Interop, AFailureNamesTheActorsClientAndTheRpc) {
  Server server;
  std::filesystem::path script = std::filesystem::temp_directory_path() /
                                 ("mlsref-interop-" + std::to_string(::getpid()) + ".json");
  // bob handles a commit twice: the second time it is for an epoch he left.
  std::ofstream(script) << R"({"scripts": {"t": [
      {"action": "createGroup", "actor": "alice", "members": ["bob"]},
      {"action": "commit", "actor": "alice"},
      {"action": "handlePendingCommit", "actor": "alice"},
      {"action": "handleCommit", "actor": "bob", "commit": 1},
      {"action": "handleCommit", "actor": "bob", "commit": 1}]}})";
  ScenarioOptions options;
  options.suite = 1;
  options.handshake = HandshakeMode::public_only;
  std::vector<ClientSpec> clients{{"local", live_local_clients()},
                                  {server.target(), remote_clients(server.target())}};
  auto r = run_scenario_file(script, options, clients);
  ASSERT_EQ(r.cases.size(), 4u);  // 2 clients, 2 actors
  EXPECT_EQ(r.cases[0].name, "t (public) alice=local bob=local");
  EXPECT_EQ(r.cases[1].name, "t (public) alice=local bob=" + server.target());
  for (const auto& c : r.cases) {
    EXPECT_EQ(c.status, Status::fail) << c.name;
    EXPECT_EQ(c.check, "t step 4 (handleCommit by bob)");
  }
  EXPECT_CONTAINS(r.cases[1].message,
                  "bob on " + server.target() + ", HandleCommit: INVALID_ARGUMENT: ");
  EXPECT_CONTAINS(r.cases[0].message, "bob on local, HandleCommit: ");
  std::filesystem::remove(script);
}

// alice created the group, bob joined it; both on one client.
struct Pair {
  uint32_t alice = 0, bob = 0;
};
Pair two_members(Client& c, bool encrypt) {
  Pair p;
  p.alice = c.create_group(Bytes{'g', '1'}, 1, encrypt, Bytes{'a'});
  auto kp = c.create_key_package(1, Bytes{'b'});
  auto commit = c.commit(p.alice, {}, {ProposalDescription{"add", kp.key_package}}, false, false);
  c.handle_pending_commit(p.alice);
  p.bob = c.join_group(kp.transaction_id, commit.welcome, encrypt, Bytes{'b'}, {}).state_id;
  return p;
}

// A refused RPC changes nothing: no commit merged, no PrivateMessage key
// used up, nothing left pending (the runner goes on with the same state).
TEST(Interop, ARefusedRpcLeavesTheStateAsItWas) {
  Server server;
  auto c = remote_clients(server.target())("", system_rng());
  for (bool encrypt : {false, true}) {
    Pair p = two_members(*c, encrypt);
    // HandlePendingReInitCommit / HandleReInitCommit of a commit without a ReInit.
    Bytes before = c->state_auth(p.alice);
    auto commit = c->commit(p.alice, {}, {}, true, false);
    EXPECT_ANY_THROW(c->handle_pending_reinit_commit(p.alice));
    EXPECT_EQ(c->state_auth(p.alice), before);
    c->handle_pending_commit(p.alice);
    EXPECT_ANY_THROW(c->handle_reinit_commit(p.bob, {}, commit.commit));
    // Unprotect of a commit: refused before its key is used.
    EXPECT_ANY_THROW(c->unprotect(p.bob, commit.commit));
    EXPECT_EQ(c->handle_commit(p.bob, {}, commit.commit).epoch_authenticator,
              c->state_auth(p.alice));
    // Unprotect of a proposal, then the proposal committed.
    Bytes update = c->update_proposal(p.bob);
    EXPECT_ANY_THROW(c->unprotect(p.alice, update));
    // ReInitCommit of a list with no ReInit: refused, with nothing pending.
    EXPECT_ANY_THROW(c->reinit_commit(p.alice, {update}, {}, false, false));
    auto covered = c->commit(p.alice, {update}, {}, false, false);
    c->handle_pending_commit(p.alice);
    EXPECT_EQ(c->handle_commit(p.bob, {update}, covered.commit).epoch_authenticator,
              c->state_auth(p.alice));
  }
}

// The upstream config.json's two_party script: alice proposes Adds herself,
// then commits with byReference []; her Commit covers them (as mlspp's
// client does) and its Welcome adds the member.
TEST(Interop, ACommitCoversTheCommittersOwnProposals) {
  Server server;
  auto c = remote_clients(server.target())("", system_rng());
  uint32_t alice = c->create_group(Bytes{'g'}, 1, false, Bytes{'a'});
  auto kb = c->create_key_package(1, Bytes{'b'});
  c->add_proposal(alice, kb.key_package);
  auto commit = c->commit(alice, {}, {}, false, false);
  ASSERT_FALSE(commit.welcome.empty());
  c->handle_pending_commit(alice);
  EXPECT_NO_THROW(c->join_group(kb.transaction_id, commit.welcome, false, Bytes{'b'}, {}));
}

// Input the peer got wrong is INVALID_ARGUMENT (or FAILED_PRECONDITION for
// an id), never INTERNAL, and the server keeps serving. (Some of the junk is
// a real KeyPackage or GroupInfo, which some RPCs take.)
TEST(Interop, BadInputIsNeverAnInternalError) {
  Server server;
  auto c = remote_clients(server.target())("", system_rng());
  Pair p = two_members(*c, true);
  auto stub = mls_client::MLSClient::NewStub(
      grpc::CreateChannel(server.target(), grpc::InsecureChannelCredentials()));
  int checked = 0;
  // One RPC of the stub, whose status must not be INTERNAL.
  auto expect = [&](const char* what, auto method, const auto& request, auto response) {
    ++checked;
    grpc::ClientContext x;
    grpc::Status st = ((*stub).*method)(&x, request, &response);
    EXPECT_NE(st.error_code(), grpc::INTERNAL) << what << ": " << st.error_message();
  };
  using Stub = mls_client::MLSClient::Stub;
  mls_client::RemoveProposalRequest remove;
  remove.set_state_id(p.alice);
  remove.set_removed_id("nobody");
  expect("RemoveProposal of an identity nobody has", &Stub::RemoveProposal, remove,
         mls_client::ProposalResponse{});
  mls_client::CommitRequest frobnicate;
  frobnicate.set_state_id(p.alice);
  frobnicate.add_by_value()->set_proposal_type("frobnicate");
  expect("Commit of an unknown proposal type", &Stub::Commit, frobnicate,
         mls_client::CommitResponse{});
  auto kp = c->create_key_package(1, Bytes{'z'});
  auto gi = c->group_info(p.alice, true);
  const std::vector<std::string> junk{
      "", std::string("\x00\x01\x00\x07\xff", 5),
      std::string(kp.key_package.begin(), kp.key_package.end()),
      std::string(gi.group_info.begin(), gi.group_info.end()),
      std::string(gi.ratchet_tree.begin(), gi.ratchet_tree.end())};
  for (const std::string& j : junk) {
    mls_client::AddProposalRequest add;
    add.set_state_id(p.alice);
    add.set_key_package(j == junk[2] ? junk[3] : j);  // a real KeyPackage would do: a GroupInfo
    expect("AddProposal", &Stub::AddProposal, add, mls_client::ProposalResponse{});
    mls_client::JoinGroupRequest join;
    join.set_transaction_id(kp.transaction_id);
    join.set_welcome(j);
    expect("JoinGroup", &Stub::JoinGroup, join, mls_client::JoinGroupResponse{});
    mls_client::ExternalJoinRequest external;
    external.set_group_info(j);
    external.set_identity("e");
    external.set_remove_prior(true);
    expect("ExternalJoin", &Stub::ExternalJoin, external, mls_client::ExternalJoinResponse{});
    mls_client::HandleCommitRequest handle;
    handle.set_state_id(p.bob);
    handle.add_proposal(j);
    handle.set_commit(j);
    expect("HandleCommit", &Stub::HandleCommit, handle, mls_client::HandleCommitResponse{});
    mls_client::CommitRequest commit;
    commit.set_state_id(p.alice);
    commit.add_by_reference(j);
    expect("Commit by_reference", &Stub::Commit, commit, mls_client::CommitResponse{});
    mls_client::UnprotectRequest unprotect;
    unprotect.set_state_id(p.bob);
    unprotect.set_ciphertext(j);
    expect("Unprotect", &Stub::Unprotect, unprotect, mls_client::UnprotectResponse{});
    mls_client::NewMemberAddProposalRequest new_member;
    new_member.set_group_info(j);
    new_member.set_identity("n");
    expect("NewMemberAddProposal", &Stub::NewMemberAddProposal, new_member,
           mls_client::NewMemberAddProposalResponse{});
    mls_client::CreateBranchRequest branch;
    branch.set_state_id(p.alice);
    branch.set_group_id("br");
    branch.add_key_packages(j);
    expect("CreateBranch", &Stub::CreateBranch, branch, mls_client::CreateSubgroupResponse{});
  }
  EXPECT_EQ(checked, 2 + 8 * static_cast<int>(junk.size()));
  EXPECT_EQ(c->name(), "mlsref");
  EXPECT_EQ(c->state_auth(p.alice), c->state_auth(p.bob));
}

// A step's outcome does not depend on where its actor runs: selfUpdate over
// a pending Add of the actor's own, and a member removed by an external
// sender's proposal (the runner knows, with no view of a remote client).
TEST(Interop, AStepIsTheSameLocallyAndRemotely) {
  Server server;
  std::filesystem::path script = std::filesystem::temp_directory_path() /
                                 ("mlsref-interop-same-" + std::to_string(::getpid()) + ".json");
  std::ofstream(script) << R"({"scripts": {
    "self-update": [
      {"action": "createGroup", "actor": "alice", "members": ["bob"]},
      {"action": "createKeyPackage", "actor": "charlie"},
      {"action": "addProposal", "actor": "alice", "keyPackage": 1},
      {"action": "selfUpdate", "actor": "alice", "byReference": [2], "members": ["bob"]}],
    "external-remove": [
      {"action": "createGroup", "actor": "alice", "members": ["bob", "charlie"]},
      {"action": "addExternalSigner", "actor": "alice", "signer": "ds"},
      {"action": "fullCommit", "actor": "alice", "byReference": [1], "members": ["bob", "charlie"]},
      {"action": "externalSignerProposal", "actor": "ds", "member": "alice",
       "description": {"proposalType": "remove", "removed": "bob"}},
      {"action": "fullCommit", "actor": "alice", "byReference": [3], "members": ["bob", "charlie"]}]
  }})";
  ScenarioOptions options;
  options.suite = 1;
  options.handshake = HandshakeMode::public_only;
  std::vector<ClientSpec> clients{{"local", live_local_clients()},
                                  {server.target(), remote_clients(server.target())}};
  auto r = run_scenario_file(script, options, clients);
  std::filesystem::remove(script);
  ASSERT_GE(r.cases.size(), 8u);
  for (const auto& c : r.cases) {
    EXPECT_EQ(c.status, Status::pass) << c.name << ": " << c.check << ": " << c.message;
  }
}

TEST(Interop, AClientThatDoesNotAnswerIsABadArgument) {
  ScenarioOptions options;
  std::vector<ClientSpec> clients{
      {"127.0.0.1:1", remote_clients("127.0.0.1:1", std::chrono::seconds(2))}};
  std::filesystem::path script = std::filesystem::temp_directory_path() /
                                 ("mlsref-interop-none-" + std::to_string(::getpid()) + ".json");
  std::ofstream(script) << R"({"scripts": {"t": [{"action": "createGroup", "actor": "a"}]}})";
  EXPECT_THROW(run_scenario_file(script, options, clients), InputError);
  std::filesystem::remove(script);
}

}  // namespace
}  // namespace mlsref
