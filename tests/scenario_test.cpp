// mlsref scenario: the runner's checks fail when members disagree, and
// unsupported actions are reported as unsupported, never as passed.
#include "conformance/scenario.h"

#include <fstream>

#include "conformance/local_client.h"
#include "conformance/runner.h"
#include "conformance/vector_type.h"
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

// The key-update steps (selfUpdate, selfUpdateWithNewSigner,
// commitToPendingProposals) give the committer the step's byReference
// proposals first, as commit and fullCommit do, so that its commit covers
// them (key-updates.txt: "Later, commit to the proposal"). A client that
// counts the proposals its staged commits cover.
class CommitCounter : public LocalClient {
 public:
  CommitCounter(Botan::RandomNumberGenerator& rng, std::vector<size_t>* covered)
      : LocalClient(rng), covered_(covered) {}
  CommitResult self_update(uint32_t s, const std::vector<Bytes>& p) override {
    return counted(s, LocalClient::self_update(s, p));
  }
  CommitResult commit_to_pending_proposals(uint32_t s, const std::vector<Bytes>& p) override {
    return counted(s, LocalClient::commit_to_pending_proposals(s, p));
  }

 private:
  CommitResult counted(uint32_t s, CommitResult r) {
    covered_->push_back(local_group(s)->pending_commit()->proposals().size());
    return r;
  }
  std::vector<size_t>* covered_;
};

TEST(Scenario, KeyUpdateStepsCommitTheProposalsTheyList) {
  std::vector<size_t> covered;
  ClientFactory counting = [&](const std::string&, Botan::RandomNumberGenerator& rng)
      -> std::unique_ptr<Client> { return std::make_unique<CommitCounter>(rng, &covered); };
  ScenarioOptions o = suite1();
  o.handshake = HandshakeMode::public_only;
  auto r = run_scenario_file(write_script("key-update-by-reference", R"({"scripts": {"k": [
    {"action": "createGroup", "actor": "alice", "members": ["bob", "charlie"]},
    {"action": "updateProposal", "actor": "bob"},
    {"action": "commitToPendingProposals", "actor": "alice", "byReference": [1],
     "members": ["bob", "charlie"]},
    {"action": "updateProposal", "actor": "charlie"},
    {"action": "selfUpdate", "actor": "bob", "byReference": [3], "members": ["alice", "charlie"]}
  ]}})"),
                             o, counting);
  ASSERT_EQ(r.cases.size(), 1u);
  EXPECT_EQ(r.cases[0].status, Status::pass) << r.cases[0].check << ": " << r.cases[0].message;
  EXPECT_EQ(covered, (std::vector<size_t>{1, 1}));
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

// --emit-passive follows the watcher into the new group of a reinit and of a
// branch: a second case, joined with the old group's resumption PSK
// (resumed_from), that verifies; with that PSK changed, it fails at the
// Welcome.
TEST(Scenario, ThePassiveWatcherFollowsReinitAndBranch) {
  fs::path out = fs::temp_directory_path() / ("mlsref-passive-" + std::to_string(::getpid()));
  fs::remove_all(out);
  ScenarioOptions o = suite1();
  o.handshake = HandshakeMode::public_only;
  o.emit_passive = out;
  auto r = run_scenario_file(write_script("resumed", R"({"scripts": {
    "reinit": [
      {"action": "createGroup", "actor": "alice", "members": ["bob"]},
      {"action": "reinit", "proposer": "bob", "committer": "alice", "welcomer": "alice",
       "members": [], "changeGroupID": true},
      {"action": "fullCommit", "actor": "bob", "members": ["alice"]}],
    "branch": [
      {"action": "createGroup", "actor": "alice", "members": ["bob"]},
      {"action": "branch", "actor": "bob", "members": ["alice"]}]}})"),
                             o, local_clients());
  for (const auto& c : r.cases) {
    ASSERT_EQ(c.status, Status::pass) << c.check << ": " << c.message;
  }
  fs::path file = out / ("passive-client-handling-commit.scenario-mlsref-scenario-" +
                         std::to_string(::getpid()) + "-resumed.json");
  ASSERT_TRUE(fs::exists(file)) << file;
  json cases = json::parse(std::ifstream(file));
  ASSERT_EQ(cases.size(), 4u);  // each run: the old group, then the new one
  EXPECT_TRUE(cases[1]["resumed_from"].contains("reinit"));
  EXPECT_EQ(cases[1]["epochs"].size(), 1u);
  EXPECT_TRUE(cases[3]["resumed_from"].contains("members"));
  const VectorType& type = *find_vector_type("passive-client-handling-commit");
  auto passed = [](const FileResult& f) {
    Totals t;
    t.add(f);
    return t;
  };
  FileResult good = verify_file(file, type, {});
  EXPECT_EQ(passed(good).pass, 4u);

  std::string psk = cases[1]["resumed_from"]["resumption_psk"];
  psk[0] = psk[0] == '0' ? '1' : '0';
  cases[1]["resumed_from"]["resumption_psk"] = psk;
  cases[3]["resumed_from"].erase("resumption_psk");
  std::ofstream(file) << cases.dump();
  Totals bad = passed(verify_file(file, type, {}));
  EXPECT_EQ(bad.pass, 2u);
  EXPECT_EQ(bad.fail, 2u);
  fs::remove_all(out);
}

}  // namespace
}  // namespace mlsref
