// The `mlsref` command end to end: exit codes, output, reports.
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>

#include "conformance/check.h"
#include "conformance/vector_type.h"
#include "tests/test_util.h"

namespace mlsref {
namespace {

namespace fs = std::filesystem;
using conformance::json;

struct CommandResult {
  int status;
  std::string out;
};

const std::string kMlsref = std::string(MLSREF_BIN_DIR) + "/mlsref";

// A shell command line; its output and errors.
CommandResult shell(const std::string& line) {
  std::string cmd = line + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) {
    out.append(buf, n);
  }
  int st = pclose(p);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

CommandResult mlsref(const std::string& args) { return shell(kMlsref + " " + args); }

std::string last_line(const std::string& s) {
  std::string t = s;
  while (!t.empty() && t.back() == '\n') {
    t.pop_back();
  }
  return t.substr(t.rfind('\n') == std::string::npos ? 0 : t.rfind('\n') + 1);
}

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = mlsref::testing::vectors_root();
    ASSERT_FALSE(root_.empty());
    tmp_ = fs::temp_directory_path() /
           ("mlsref-cli-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(tmp_);
  }
  void TearDown() override { fs::remove_all(tmp_); }
  std::string v(const std::string& rel) { return (root_ / rel).string(); }
  fs::path root_, tmp_;
};

TEST_F(Cli, VerifiesTheFoundationFiles) {
  CommandResult r =
      mlsref("verify " + v("ietf/tree-math.json") + " " + v("ietf/deserialization.json") + " " +
             v("ietf/crypto-basics.json") + " " + v("hpke/rfc9180-appendix-a.json"));
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(last_line(r.out), "59 passed, 0 failed, 0 unsupported") << r.out;
  EXPECT_NE(r.out.find("pinned upstream"), std::string::npos) << r.out;
}

TEST_F(Cli, AlteredVectorFailsAndNamesTheCheck) {
  json cases = json::parse(std::ifstream(root_ / "ietf/crypto-basics.json"));
  std::string ct = cases[3]["encrypt_with_label"]["ciphertext"];
  ct[0] = ct[0] == '0' ? '1' : '0';
  cases[3]["encrypt_with_label"]["ciphertext"] = ct;
  fs::path f = tmp_ / "crypto-basics.json";
  std::ofstream(f) << cases.dump();
  CommandResult r = mlsref("verify " + f.string());
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_NE(r.out.find("FAIL crypto-basics[3] suite 4 encrypt_with_label.decrypt_with_label"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("unknown"), std::string::npos) << r.out;
  EXPECT_EQ(last_line(r.out), "6 passed, 1 failed, 0 unsupported");
}

// A crypto-basics file whose one case names a cipher suite mlsref does not
// implement: that case is unsupported.
fs::path unsupported_file(const fs::path& dir) {
  json cases =
      json::parse(std::ifstream(mlsref::testing::vectors_root() / "ietf/crypto-basics.json"));
  json one = json::array({cases[0]});
  one[0]["cipher_suite"] = 0x0A0A;
  fs::path f = dir / "crypto-basics.json";
  std::ofstream(f) << one.dump();
  return f;
}

TEST_F(Cli, UnsupportedIsNotPass) {
  std::string f = unsupported_file(tmp_).string();
  CommandResult r = mlsref("verify " + f);
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(last_line(r.out), "0 passed, 0 failed, 1 unsupported") << r.out;
  CommandResult strict = mlsref("verify --strict " + f);
  EXPECT_EQ(strict.status, 1) << strict.out;
}

TEST_F(Cli, PassiveClientLifetimesAtTheRecordedTimeOrNow) {
  fs::path report = tmp_ / "p.json";
  CommandResult r =
      mlsref("verify --report " + report.string() + " " + v("ietf/passive-client-welcome.json"));
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(last_line(r.out), "56 passed, 0 failed, 0 unsupported") << r.out;
  json j = json::parse(std::ifstream(report));
  EXPECT_EQ(j["files"][0]["cases"][0]["clock"].get<std::string>().rfind("recorded", 0), 0u);
  // All 56 key packages of the upstream file expired in March 2024.
  CommandResult late = mlsref("verify --report " + report.string() + " --now 1800000000 " +
                              v("ietf/passive-client-welcome.json"));
  EXPECT_EQ(late.status, 1) << late.out;
  EXPECT_EQ(last_line(late.out), "0 passed, 56 failed, 0 unsupported") << late.out;
  EXPECT_NE(late.out.find("RFC 9420 §7.3"), std::string::npos) << late.out;
  j = json::parse(std::ifstream(report));
  EXPECT_EQ(j["files"][0]["cases"][0]["clock"], "--now 1800000000");
}

TEST_F(Cli, BadArgumentsExit2) {
  EXPECT_EQ(mlsref("verify /nonexistent.json").status, 2);
  EXPECT_EQ(mlsref("verify --bogus").status, 2);
  EXPECT_EQ(mlsref("verify --type nope " + v("ietf/tree-math.json")).status, 2);
  EXPECT_EQ(mlsref("frobnicate").status, 2);
  fs::path junk = tmp_ / "tree-math.json";
  std::ofstream(junk) << "{not json";
  CommandResult bad = mlsref("verify " + junk.string());
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.out.find("is not valid JSON: line 1, column 2: expected a member name"),
            std::string::npos)
      << bad.out;
  fs::path unknown = tmp_ / "whatever.json";
  std::ofstream(unknown) << "[]";
  CommandResult r = mlsref("verify " + unknown.string());
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("--type"), std::string::npos) << r.out;
  EXPECT_EQ(mlsref("generate tree-math --seed -1").status, 2);
  EXPECT_EQ(mlsref("generate hpke").status, 2);  // a type without a generator
  // An environment setting it cannot follow: said, not a crash (it was
  // std::terminate, exit 134).
  CommandResult backend =
      shell("MLSREF_BACKEND=bogus " + kMlsref + " verify " + v("ietf/tree-math.json"));
  EXPECT_EQ(backend.status, 2);
  EXPECT_NE(backend.out.find("MLSREF_BACKEND is 'bogus', not auto, botan or openssl"),
            std::string::npos)
      << backend.out;
}

// Hostile input files and names: refused with exit 2, failed or reported
// as unsupported, never a crash, a hang or a malformed report.
TEST_F(Cli, HostileInputIsRefusedOrReportedNeverACrash) {
  // A file name that is not UTF-8 and holds XML markup: both reports stay
  // well-formed (the JSON parses; the XML has the markup escaped and no byte
  // that is not UTF-8) and JUnit times are plain decimals.
  fs::path odd = tmp_ / "odd";
  fs::create_directories(odd);
  fs::copy_file(root_ / "ietf/tree-math.json", odd / "tree-math.\xff\xfe<&x.json");
  fs::path report = tmp_ / "r.json", junit = tmp_ / "r.xml";
  CommandResult r = mlsref("verify -j 1 --report " + report.string() + " --junit " +
                           junit.string() + " " + odd.string());
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NO_THROW(json::parse(std::ifstream(report))) << "the JSON report is not UTF-8 JSON";
  std::stringstream xml;
  xml << std::ifstream(junit).rdbuf();
  EXPECT_EQ(xml.str().find('\xff'), std::string::npos);
  EXPECT_NE(xml.str().find("\xef\xbf\xbd\xef\xbf\xbd&lt;&amp;x.json"), std::string::npos)
      << xml.str();
  EXPECT_FALSE(std::regex_search(xml.str(), std::regex("time=\"[0-9.]*e"))) << xml.str();

  // A symbolic link loop under a folder is an unreadable file.
  fs::path loop = tmp_ / "loop";
  fs::create_directories(loop);
  fs::create_symlink("b.json", loop / "a.json");
  fs::create_symlink("a.json", loop / "b.json");
  CommandResult l = mlsref("verify " + loop.string());
  EXPECT_EQ(l.status, 2) << l.out;
  EXPECT_NE(l.out.find("cannot read"), std::string::npos) << l.out;

  // A secret-tree generation near 2^32 would take hours: unsupported.
  json st = json::parse(std::ifstream(root_ / "ietf/secret-tree.json"));
  json one = json::array({st[0]});
  one[0]["leaves"][0][0]["generation"] = 4294967295u;
  fs::path far = tmp_ / "secret-tree.json";
  std::ofstream(far) << one.dump();
  CommandResult g = mlsref("verify " + far.string());
  EXPECT_EQ(g.status, 0) << g.out;
  EXPECT_EQ(last_line(g.out), "0 passed, 0 failed, 1 unsupported") << g.out;

  // A case that would check nothing (a key schedule of no epochs) fails.
  json ks = json::parse(std::ifstream(root_ / "ietf/key-schedule.json"));
  json none = json::array({ks[0]});
  none[0]["epochs"] = json::array();
  fs::path empty_ks = tmp_ / "key-schedule.json";
  std::ofstream(empty_ks) << none.dump();
  CommandResult k = mlsref("verify " + empty_ks.string());
  EXPECT_EQ(k.status, 1) << k.out;
  EXPECT_NE(k.out.find("epochs"), std::string::npos) << k.out;

  // Integers are decimal.
  EXPECT_EQ(mlsref("generate tree-math --seed 010").out,
            mlsref("generate tree-math --seed 10").out);
  EXPECT_EQ(mlsref("generate tree-math --seed 0x10").status, 2);

  // Scenario files: a script with no steps fails (it checks nothing), as does
  // an unbounded randomHistory; a script name that is not a string, a
  // folder given as a file and contradictory flags are refused.
  auto script = [&](const std::string& name, const std::string& text) {
    fs::path f = tmp_ / name;
    std::ofstream(f) << text;
    return f.string();
  };
  CommandResult empty =
      mlsref("scenario --suite 1 " + script("empty.json", R"({"scripts": {"a": []}})"));
  EXPECT_EQ(empty.status, 1) << empty.out;
  EXPECT_NE(empty.out.find("bad script: the script has no steps"), std::string::npos) << empty.out;
  CommandResult huge =
      mlsref("scenario --suite 1 --public " +
             script("huge.json",
                    R"({"scripts": {"a": [{"action": "randomHistory", "steps": 1000000000}]}})"));
  EXPECT_EQ(huge.status, 1) << huge.out;
  EXPECT_NE(huge.out.find("at most 100000 steps"), std::string::npos) << huge.out;
  CommandResult typed =
      mlsref("scenario --suite 1 --public " +
             script("typed.json",
                    R"({"scripts": {"a": [{"action": "randomHistory", "members": "abc"}]}})"));
  EXPECT_EQ(typed.status, 1) << typed.out;
  EXPECT_NE(typed.out.find("bad script"), std::string::npos) << typed.out;
  EXPECT_EQ(mlsref("scenario " + script("key.yaml", "scripts:\n  ? [1, 2]\n  : []\n")).status, 2);
  EXPECT_EQ(mlsref("scenario " + tmp_.string()).status, 2);
  EXPECT_EQ(mlsref("scenario --public --private " + script("e.json", R"({"scripts": {}})")).status,
            2);
}

// A file that is a stream, not a regular file (a pipe, /dev/stdin, a
// process substitution), with its type named by --type.
TEST_F(Cli, VerifiesAPipe) {
  CommandResult r = shell("cat " + v("ietf/psk_secret.json") + " | " + kMlsref +
                          " verify --type psk_secret /dev/stdin");
  EXPECT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("/dev/stdin [psk_secret; pinned upstream"), std::string::npos) << r.out;
  EXPECT_EQ(last_line(r.out), "77 passed, 0 failed, 0 unsupported") << r.out;
}

TEST_F(Cli, Reports) {
  fs::path report = tmp_ / "r.json", junit = tmp_ / "r.xml";
  CommandResult r = mlsref("verify --report " + report.string() + " --junit " + junit.string() +
                           " " + v("ietf/tree-math.json") + " " + unsupported_file(tmp_).string());
  ASSERT_EQ(r.status, 0) << r.out;
  json j = json::parse(std::ifstream(report));
  EXPECT_EQ(j["summary"]["pass"], 10);
  EXPECT_EQ(j["summary"]["fail"], 0);
  EXPECT_GT(j["summary"]["unsupported"].get<int>(), 0);
  ASSERT_EQ(j["files"].size(), 2u);
  EXPECT_EQ(j["files"][0]["type"], "tree-math");
  const json& c = j["files"][0]["cases"][0];
  for (const char* k : {"index", "cipher_suite", "status", "check", "message"}) {
    EXPECT_TRUE(c.contains(k)) << k;
  }
  std::stringstream xml;
  xml << std::ifstream(junit).rdbuf();
  EXPECT_NE(xml.str().find("<testsuite name="), std::string::npos);
  EXPECT_NE(xml.str().find("<skipped"), std::string::npos);
}

TEST_F(Cli, GenerateIsDeterministicAndVerifies) {
  for (std::string type : {"tree-math", "crypto-basics", "deserialization"}) {
    fs::path a = tmp_ / (type + ".a.json"), b = tmp_ / (type + ".b.json");
    ASSERT_EQ(mlsref("generate " + type + " --seed 9 -o " + a.string()).status, 0);
    ASSERT_EQ(mlsref("generate " + type + " --seed 9 -o " + b.string()).status, 0);
    std::stringstream sa, sb;
    sa << std::ifstream(a).rdbuf();
    sb << std::ifstream(b).rdbuf();
    EXPECT_EQ(sa.str(), sb.str()) << type;
    CommandResult r = mlsref("verify " + a.string());
    EXPECT_EQ(r.status, 0) << r.out;
    EXPECT_NE(last_line(r.out).find(" 0 failed, 0 unsupported"), std::string::npos) << r.out;
  }
  CommandResult one = mlsref("generate crypto-basics --suite 6 --seed 1");
  EXPECT_EQ(json::parse(one.out).size(), 1u);
}

std::string read_file(const fs::path& p) {
  std::stringstream ss;
  ss << std::ifstream(p, std::ios::binary).rdbuf();
  return ss.str();
}

// Output or a report with the times (which differ between any two runs)
// blanked: "(0.12 s)", "seconds": 0.12, time="0.12".
std::string without_times(const std::string& s) {
  static const std::regex times(R"(\([0-9.]+ s\)|"seconds": [0-9.e+-]+|time="[0-9.e+-]+")");
  return std::regex_replace(s, times, "TIME");
}

// Without the --stats lines, which count only operations actually run.
std::string without_stats(const std::string& s) {
  static const std::regex stats(R"((^|\n) *stats: [^\n]*)");
  return std::regex_replace(s, stats, "");
}

// Several files, one of them with failing cases, one without cases, one whose
// cases judge lifetimes, one with more cases than threads.
std::string mixed_files(const fs::path& tmp, const fs::path& root) {
  json cases = json::parse(std::ifstream(root / "ietf/crypto-basics.json"));
  for (size_t i : {1, 3, 5}) {
    std::string ct = cases[i]["encrypt_with_label"]["ciphertext"];
    ct[0] = ct[0] == '0' ? '1' : '0';
    cases[i]["encrypt_with_label"]["ciphertext"] = ct;
  }
  fs::path altered = tmp / "crypto-basics.json";
  std::ofstream(altered) << cases.dump();
  fs::path empty = tmp / "tree-math.json";
  std::ofstream(empty) << "[]";
  std::string files = altered.string() + " " + empty.string();
  for (const char* f : {"ietf/tree-validation.json", "ietf/message-protection.json",
                        "ietf/welcome.json", "ietf/passive-client-welcome.json"}) {
    files += " " + (root / f).string();
  }
  return files;
}

TEST_F(Cli, ParallelVerifyIsByteIdenticalToSerial) {
  std::string files = mixed_files(tmp_, root_);
  std::vector<std::string> outs, reports, junits;
  for (int jobs : {1, 2, 5}) {
    fs::path report = tmp_ / ("r" + std::to_string(jobs) + ".json");
    fs::path junit = tmp_ / ("r" + std::to_string(jobs) + ".xml");
    CommandResult r = mlsref("verify --stats -j " + std::to_string(jobs) + " --report " +
                             report.string() + " --junit " + junit.string() + " " + files);
    EXPECT_EQ(r.status, 1) << r.out;
    EXPECT_EQ(last_line(r.out), "172 passed, 3 failed, 0 unsupported") << r.out;
    outs.push_back(without_times(r.out));
    reports.push_back(without_times(read_file(report)));
    junits.push_back(without_times(read_file(junit)));
  }
  for (size_t k = 1; k < outs.size(); ++k) {
    EXPECT_EQ(outs[0], outs[k]);
    EXPECT_EQ(reports[0], reports[k]);
    EXPECT_EQ(junits[0], junits[k]);
  }
}

TEST_F(Cli, ParallelScenarioIsByteIdenticalToSerial) {
  std::string scripts;
  for (const char* s : {"welcome-join.json", "application.json", "external-join.json"}) {
    scripts += " " + (fs::path(MLSREF_SOURCE_DIR) / "conformance/scenarios" / s).string();
  }
  std::vector<std::string> outs, reports, passive;
  for (int jobs : {1, 3}) {
    std::string n = std::to_string(jobs);
    fs::path report = tmp_ / ("s" + n + ".json"), dir = tmp_ / ("passive" + n);
    CommandResult r = mlsref("scenario -j " + n + " --report " + report.string() +
                             " --emit-passive " + dir.string() + scripts);
    EXPECT_EQ(r.status, 0) << r.out;
    outs.push_back(r.out);
    reports.push_back(without_times(read_file(report)));
    std::string all;
    for (const auto& e : fs::directory_iterator(dir)) {
      all += e.path().filename().string() + "\n" + read_file(e.path());
    }
    passive.push_back(all);
  }
  EXPECT_EQ(outs[0], outs[1]);
  EXPECT_EQ(reports[0], reports[1]);
  EXPECT_FALSE(passive[0].empty());
  EXPECT_EQ(passive[0], passive[1]);
}

// The per-case memo of public-key operations changes no result, failures
// included, and does save operations.
TEST_F(Cli, CacheChangesNoResult) {
  std::string files = mixed_files(tmp_, root_);
  fs::path with = tmp_ / "with.json", without = tmp_ / "without.json";
  CommandResult cached = mlsref("verify --stats --report " + with.string() + " " + files);
  CommandResult uncached =
      mlsref("verify --stats --no-cache --report " + without.string() + " " + files);
  EXPECT_EQ(cached.status, 1);
  EXPECT_EQ(without_stats(without_times(cached.out)), without_stats(without_times(uncached.out)));
  EXPECT_EQ(without_times(read_file(with)), without_times(read_file(without)));
  // tree-validation checks each leaf signature of a tree in several ways.
  auto total = [](const std::string& out) {
    std::smatch m;
    EXPECT_TRUE(std::regex_search(out, m, std::regex(R"(\nstats: .*total ([0-9]+)(;|\n))"))) << out;
    return std::stoull(m[1]);
  };
  EXPECT_LT(total(cached.out), total(uncached.out));
}

TEST_F(Cli, Help) {
  CommandResult r = mlsref("--help");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("mlsref verify"), std::string::npos);
  CommandResult vh = mlsref("verify --help");
  EXPECT_EQ(vh.status, 0);
  EXPECT_NE(vh.out.find("--junit"), std::string::npos);
  EXPECT_NE(vh.out.find("--strict"), std::string::npos);
  CommandResult gh = mlsref("generate --help");
  EXPECT_NE(gh.out.find("crypto-basics"), std::string::npos);
}

// Every command the main help lists has its own help, the same by `mlsref
// help COMMAND`, and rejects an argument it does not know with exit 2.
TEST_F(Cli, EveryCommandHasHelpAndRejectsUnknownArguments) {
  std::string main_help = mlsref("--help").out;
  std::regex listed(R"(\n  mlsref ([a-z][a-z-]*) )");
  std::vector<std::string> commands;
  for (std::sregex_iterator it(main_help.begin(), main_help.end(), listed), end; it != end;
       ++it) {
    commands.push_back((*it)[1]);
  }
  EXPECT_EQ(commands.size(), 9u) << main_help;
  for (const std::string& c : commands) {
    CommandResult h = mlsref(c + " --help");
    EXPECT_EQ(h.status, 0) << c << ": " << h.out;
    EXPECT_EQ(h.out.rfind("Usage: mlsref " + c, 0), 0u) << c << ": " << h.out;
    CommandResult via_help = mlsref("help " + c);
    EXPECT_EQ(via_help.status, 0) << c;
    EXPECT_EQ(via_help.out, h.out) << c;
    CommandResult bad = mlsref(c + " --no-such-option");
    EXPECT_EQ(bad.status, 2) << c << ": " << bad.out;
    EXPECT_NE(bad.out.find("--no-such-option"), std::string::npos) << c << ": " << bad.out;
  }
  EXPECT_EQ(mlsref("help frobnicate").status, 2);
}

// `mlsref types` says verify: yes for every type `mlsref verify` checks,
// whichever of its two verifier functions the type has.
TEST_F(Cli, TypesSayWhatVerifyAndGenerateDo) {
  CommandResult r = mlsref("types");
  EXPECT_EQ(r.status, 0) << r.out;
  for (const conformance::VectorType& t : conformance::vector_types()) {
    std::regex line("(^|\n)" + std::string(t.name) + " +verify: (yes|no) +generate: (yes|no) ");
    std::smatch m;
    ASSERT_TRUE(std::regex_search(r.out, m, line)) << t.name << "\n" << r.out;
    EXPECT_EQ(m[2] == "yes", t.verifies()) << t.name;
    EXPECT_EQ(m[3] == "yes", t.generate != nullptr) << t.name;
  }
  // The passive-client types are verified by verify_in (they take the clock).
  EXPECT_NE(r.out.find("passive-client-welcome           verify: yes"), std::string::npos)
      << r.out;
}

// The must-reject suite end to end: mlsref rules, generate -o DIR (a file per
// rule under a folder per section), verify of the folder (recursing) with the
// passes per rule, and a missed rejection reported as a failure.
TEST_F(Cli, MustRejectVectors) {
  CommandResult rules = mlsref("rules");
  EXPECT_EQ(rules.status, 0) << rules.out;
  EXPECT_NE(rules.out.find("R12.2-11  §12.2"), std::string::npos) << rules.out;
  EXPECT_NE(rules.out.find("It contains multiple GroupContextExtensions proposals."),
            std::string::npos);
  // Rules that ref/ checks but no case exercises are listed too, with 0 cases
  // and where ref/ names them (R9.1-1: a key/nonce pair encrypts one message).
  EXPECT_NE(rules.out.find("R9.1-1  §9.1  0 cases  (ref/"), std::string::npos) << rules.out;
  EXPECT_NE(rules.out.find("more rules that ref/'s checks enforce have none"), std::string::npos);
  CommandResult covered = mlsref("rules --covered");
  EXPECT_EQ(covered.status, 0) << covered.out;
  EXPECT_EQ(covered.out.find("0 cases"), std::string::npos) << covered.out;

  fs::path dir = tmp_ / "invalid";
  CommandResult g = mlsref("generate invalid-passive-client --rule R12.2-11 --rule R12.4.3.1-6 "
                           "--suite 1 -o " + dir.string());
  ASSERT_EQ(g.status, 0) << g.out;
  fs::path file = dir / "12.2" / "invalid-passive-client.R12.2-11.json";
  ASSERT_TRUE(fs::is_regular_file(file));
  ASSERT_TRUE(fs::is_regular_file(dir / "12.4.3.1" / "invalid-passive-client.R12.4.3.1-6.json"));
  CommandResult ok = mlsref("verify " + dir.string());
  EXPECT_EQ(ok.status, 0) << ok.out;
  EXPECT_NE(ok.out.find("R12.2-11: 1 of 1 passed"), std::string::npos) << ok.out;
  EXPECT_NE(ok.out.find("R12.4.3.1-6: 1 of 1 passed"), std::string::npos) << ok.out;

  // The mark moved to another rule: the rejection no longer counts.
  json cases;
  std::ifstream(file) >> cases;
  cases[0]["invalid"]["rule"] = "R12.2-10";
  std::ofstream(file, std::ios::trunc) << cases.dump();
  CommandResult bad = mlsref("verify " + dir.string());
  EXPECT_EQ(bad.status, 1) << bad.out;
  EXPECT_NE(bad.out.find("rejected for R12.2-11, not for R12.2-10"), std::string::npos)
      << bad.out;
  EXPECT_NE(bad.out.find("R12.2-10: 0 of 1 passed, 1 failed"), std::string::npos) << bad.out;

  EXPECT_EQ(mlsref("generate tree-math --rule R12.2-11").status, 2);
  EXPECT_EQ(mlsref("generate invalid-passive-client --rule R99-1 --suite 1").status, 2);
}

}  // namespace
}  // namespace mlsref
