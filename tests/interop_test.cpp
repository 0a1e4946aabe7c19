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
