// mlsref scenario: the runner's checks fail when members disagree, and
// unsupported actions are reported as unsupported, never as passed.
#include "conformance/scenario.h"

#include <fstream>

#include "conformance/local_client.h"
#include "tests/test_util.h"

namespace mlsref {
namespace {

namespace fs = std::filesystem;
using namespace conformance;

fs::path write_script(const std::string& name, const std::string& json) {
  fs::path p = fs::temp_directory_path() /
               ("mlsref-scenario-" + std::to_string(::getpid()) + "-" + name + ".json");
  std::ofstream(p) << json;
  return p;
}

constexpr const char* kThreeMembers = R"({"scripts": {"three": [
  {"action": "createGroup", "actor": "alice", "members": ["bob", "charlie"]},
  {"action": "fullCommit", "actor": "charlie", "members": ["alice", "bob"]},
  {"action": "protect", "actor": "bob", "plaintext": "x"},
  {"action": "unprotect", "actor": "alice", "ciphertext": 2}
]}})";

// A client that lies about one value, as a broken implementation would.
class Liar : public LocalClient {
 public:
  Liar(Botan::RandomNumberGenerator& rng, bool lie_export, bool lie_plaintext)
      : LocalClient(rng), export_(lie_export), plaintext_(lie_plaintext) {}
  Bytes export_secret(uint32_t s, const std::string& l, const Bytes& c, uint32_t n) override {
    Bytes out = LocalClient::export_secret(s, l, c, n);
    if (export_) {
      out[0] ^= 1;
    }
    return out;
  }
  Unprotected unprotect(uint32_t s, const Bytes& ct) override {
    Unprotected u = LocalClient::unprotect(s, ct);
    if (plaintext_) {
      u.plaintext.push_back('!');
    }
    return u;
  }

 private:
  bool export_, plaintext_;
};

ClientFactory with_liar(const std::string& who, bool lie_export, bool lie_plaintext) {
  return [=](const std::string& actor, Botan::RandomNumberGenerator& rng) -> std::unique_ptr<Client> {
    if (actor == who) {
      return std::make_unique<Liar>(rng, lie_export, lie_plaintext);
    }
    return std::make_unique<LocalClient>(rng);
  };
}

ScenarioOptions suite1() {
  ScenarioOptions o;
  o.suite = 1;
  return o;
}

TEST(Scenario, HonestClientsPassInBothModes) {
  auto r = run_scenario_file(write_script("honest", kThreeMembers), suite1(), local_clients());
  ASSERT_EQ(r.cases.size(), 2u);
  for (const auto& c : r.cases) {
    EXPECT_EQ(c.status, Status::pass) << c.check << ": " << c.message;
  }
  EXPECT_EQ(r.cases[0].name, "three (public)");
  EXPECT_EQ(r.cases[1].name, "three (private)");
}

TEST(Scenario, AMemberWithAnotherExportedSecretFailsAtTheFirstStep) {
  auto r = run_scenario_file(write_script("export", kThreeMembers), suite1(),
                             with_liar("bob", true, false));
  ASSERT_EQ(r.cases.size(), 2u);
  EXPECT_EQ(r.cases[0].status, Status::fail);
  EXPECT_EQ(r.cases[0].check, "three step 0 (createGroup by alice)");
  EXPECT_NE(r.cases[0].message.find("bob (epoch 1, like alice) disagrees on the exported secret"),
            std::string::npos)
      << r.cases[0].message;
}

TEST(Scenario, AWrongPlaintextFailsTheUnprotectStep) {
  auto r = run_scenario_file(write_script("plaintext", kThreeMembers), suite1(),
                             with_liar("alice", false, true));
  EXPECT_EQ(r.cases[0].status, Status::fail);
  EXPECT_EQ(r.cases[0].check, "three step 3 (unprotect by alice)");
  EXPECT_NE(r.cases[0].message.find("alice disagrees on the plaintext"), std::string::npos)
      << r.cases[0].message;
}

TEST(Scenario, WhatAClientDoesNotImplementIsUnsupportedNotPassed) {
  // A client without external joins, as some implementations are.
  struct NoExternalJoin : LocalClient {
    using LocalClient::LocalClient;
    ExternalJoinResult external_join(const Bytes&, const Bytes&, bool, const Bytes&, bool,
                                     const std::vector<std::pair<Bytes, Bytes>>&) override {
      throw Error(ErrorKind::unsupported, "12.4.3.2", "no external joins here");
    }
  };
  ClientFactory factory = [](const std::string&, Botan::RandomNumberGenerator& rng)
      -> std::unique_ptr<Client> { return std::make_unique<NoExternalJoin>(rng); };
  auto r = run_scenario_file(write_script("unsupported", R"({"scripts": {"r": [
      {"action": "createGroup", "actor": "alice", "members": ["bob"]},
      {"action": "externalJoin", "actor": "alice", "joiner": "charlie"}]}})"),
                             suite1(), factory);
  for (const auto& c : r.cases) {
    EXPECT_EQ(c.status, Status::unsupported);
    EXPECT_EQ(c.check, "r step 1 (externalJoin by alice)");
  }
}

TEST(Scenario, ABadScriptFailsAndSaysWhy) {
  auto r = run_scenario_file(write_script("bad", R"({"scripts": {"b": [
      {"action": "createGroup", "actor": "alice"},
      {"action": "joinGroup", "actor": "bob", "welcome": 0}]}})"),
                             suite1(), local_clients());
  EXPECT_EQ(r.cases[0].status, Status::fail);
  EXPECT_NE(r.cases[0].message.find("bad script: bob has no key package"), std::string::npos)
      << r.cases[0].message;
  EXPECT_THROW(run_scenario_file(write_script("notyaml", "{scripts: [}"), suite1(), local_clients()),
               InputError);
}

TEST(Scenario, ARejectedCommitFailsTheStepWithMlsrefsError) {
  // bob handles a commit twice: the second time it is for an epoch he left.
  auto r = run_scenario_file(write_script("twice", R"({"scripts": {"t": [
      {"action": "createGroup", "actor": "alice", "members": ["bob"]},
      {"action": "commit", "actor": "alice"},
      {"action": "handlePendingCommit", "actor": "alice"},
      {"action": "handleCommit", "actor": "bob", "commit": 1},
      {"action": "handleCommit", "actor": "bob", "commit": 1}]}})"),
                             suite1(), local_clients());
  EXPECT_EQ(r.cases[0].status, Status::fail);
  EXPECT_EQ(r.cases[0].check, "t step 4 (handleCommit by bob)");
  EXPECT_NE(r.cases[0].message.find("RFC 9420"), std::string::npos) << r.cases[0].message;
}

}  // namespace
}  // namespace mlsref
