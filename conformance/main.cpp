// The `mlsref` command: verify and generate MLS test vectors.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "conformance/check.h"
#include "conformance/requirements.h"
#include "conformance/runner.h"
#include "conformance/scenario.h"
#include "conformance/seeds.h"
#include "conformance/vector_type.h"
#include "ref/primitives.h"
#ifdef MLSREF_HAVE_INTEROP
#include "conformance/interop/remote_client.h"
#include "conformance/interop/server.h"
#endif

namespace fs = std::filesystem;
using namespace mlsref::conformance;

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

void print_main_help() {
  std::cout <<
      R"(mlsref: a reference implementation of MLS (RFC 9420) and a conformance harness.

Usage:
  mlsref verify [options] [PATH...]     check test vectors
  mlsref generate TYPE [options]        write test vectors of one type
  mlsref vectors-path                   print where the default vector set is
  mlsref seeds DIR                      write fuzzing seed corpora from the vectors
  mlsref types                          list the vector types and what each supports
  mlsref rules                          the rules the must-reject vectors break (invalid-passive-client)
  mlsref scenario [options] FILE...     run multi-member scripts (interop runner configs)
  mlsref requirements [options]         the RFC 9420 and RFC 9180 requirements and where each is enforced
  mlsref serve [--host H] --port N      serve the IETF interop harness's MLSClient gRPC service
  mlsref --help | COMMAND --help        describe a command
  mlsref --version

Exit status: 0 when no case failed (unsupported cases do not fail unless
verify --strict), 1 when a case failed, 2 for bad arguments or unreadable
files.
)";
}

void print_verify_help() {
  std::cout <<
      R"(Usage: mlsref verify [--type T] [--strict] [--now SECONDS] [--report FILE.json]
                     [--junit FILE.xml] [--quiet] [--stats] [--no-cache] [-j N]
                     [PATH...]

Checks every case of each vector file and reports it as pass, fail (with the
first check that failed, e.g. "crypto-basics[3] suite 4 encrypt_with_label.plaintext:
expected ..., got ...") or unsupported (a type or suite not implemented yet).

PATH is a file or a folder (every *.json in it and its subfolders). Without PATH,
the default vector set is used: the ietf/ and hpke/ folders found at
$MLSREF_VECTORS, else ../shared/vectors beside the checkout, else the
checkout's vectors/ (see scripts/fetch-vectors.sh). A file may be a stream,
with its type given by --type: `curl ... | mlsref verify --type treekem /dev/stdin`.

The type of a file comes from its name (tree-math.json, crypto-basics.json,
...; RFC 9180 files: rfc9180*.json, test-vectors.json or any file in a folder
named hpke) or from --type. Type hpke reads RFC 9180 test vectors in the CFRG
layout (encryptions in sequence order) or with a "seq" per encryption.

Type invalid-passive-client (must-reject vectors, `mlsref rules`): a case
passes only when its marked message ("invalid": {"epoch", "rule"}) is rejected
with an error naming the marked rule and nothing before it is; a missed
rejection, an earlier rejection or another rule fails it. The last lines then
give the passes per rule.

Each file is checked against vectors/manifest.json and said to be the pinned
upstream file, another known file, or unknown. One line is printed per file
as it finishes (counts, time); the last line is
  N passed, M failed, K unsupported

Options:
  --type T           treat every PATH as type T (see `mlsref types`)
  --strict           count unsupported cases as failed
  --now SECONDS      judge lifetimes (RFC 9420 §7.3) at this Unix time. Default:
                     each passive-client case at the time it was recorded, the
                     not_before of the case's own KeyPackage. The report says
                     which clock each such case used ("clock").
  --report FILE      write a JSON report:
                     {"summary": {"pass", "fail", "unsupported"},
                      "files": [{"path", "type", "sha256", "provenance", "seconds",
                                 "cases": [{"index", "cipher_suite", "status",
                                            "check", "message", "clock", "rule"}]}],
                      "rules": {ID: {"pass", "fail", "unsupported"}}}
                     ("rule" and "rules" for must-reject cases only)
  --junit FILE       write the same results as JUnit XML (a testsuite per file,
                     a testcase per case; unsupported cases are <skipped/>)
  --quiet            print only failures and the summary line
  --stats            after each file, the primitive operations its cases ran
                     (dh, key_derivation, key_generation, sign, verify,
                     aead_seal, aead_open, hash, hmac; each by algorithm),
                     then the input bytes of hash, hmac, key_derivation and
                     the AEADs; the same for all files together before the
                     summary line
  -j, --jobs N       verify cases on N threads (default: the number of cores);
                     the output and reports are those of -j 1, in the same order
  --no-cache         compute every primitive operation each time it is asked
                     for (by default a case computes a key pair, DH or
                     successful signature check once: same results, less work)

Environment: MLSREF_BACKEND=auto|botan|openssl chooses the library of the
primitives (default auto: the faster one per primitive).

Exit status: 0 when no case failed, 1 when a case failed, 2 for bad arguments
or unreadable files.
)";
}

void print_generate_help() {
  std::cout <<
      R"(Usage: mlsref generate TYPE [--suite N] [--seed S] [-o FILE]
       mlsref generate invalid-passive-client [--rule ID]... [--suite N] [--seed S] [-o DIR]

Writes a JSON test-vector file of TYPE in the IETF layout
(../shared/vectors/ietf/FORMAT.md). The same TYPE, suite and seed always give
byte-identical output, and the output passes `mlsref verify`.

Types that can be generated: )";
  bool first = true;
  for (const auto& t : vector_types()) {
    if (t.generate != nullptr) {
      std::cout << (first ? "" : ", ") << t.name;
      first = false;
    }
  }
  std::cout << R"(

Options:
  --suite N   only cipher suite N (1..7); default: every suite
              (ignored by types without cipher suites)
  --seed S    the seed of every random choice (unsigned integer, default 0)
  -o FILE     write to FILE instead of standard output

invalid-passive-client (must-reject vectors, see `mlsref rules`):
  --rule ID   only the rule ID (e.g. R12.2-4); may be repeated. Default: every rule
  -o DIR      one file per rule, DIR/<section>/invalid-passive-client.<ID>.json
)";
}

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

uint64_t parse_uint(const std::string& flag, const std::string& v, uint64_t max) {
  try {
    size_t used = 0;
    if (v.empty() || v[0] == '-') {
      throw std::invalid_argument("negative");
    }
    uint64_t x = std::stoull(v, &used, 10);  // decimal: "010" is ten, "0x10" is refused
    if (used != v.size() || x > max) {
      throw std::out_of_range("range");
    }
    return x;
  } catch (const std::logic_error&) {
    throw UsageError(flag + " takes an unsigned integer up to " + std::to_string(max) + ", not '" +
                     v + "'");
  }
}

std::string next_arg(const std::vector<std::string>& args, size_t& i) {
  if (i + 1 >= args.size()) {
    throw UsageError(args[i] + " needs a value");
  }
  return args[++i];
}

int cmd_verify(const std::vector<std::string>& args) {
  std::optional<std::string> type_name;
  std::optional<fs::path> report, junit;
  VerifyOptions options;
  bool quiet = false;
  bool stats = false;
  size_t jobs = default_jobs();
  std::vector<fs::path> paths;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      print_verify_help();
      return kExitOk;
    } else if (a == "--type") {
      type_name = next_arg(args, i);
    } else if (a == "--report") {
      report = next_arg(args, i);
    } else if (a == "--junit") {
      junit = next_arg(args, i);
    } else if (a == "--strict") {
      options.strict = true;
    } else if (a == "--now") {
      options.now = parse_uint("--now", next_arg(args, i), UINT64_MAX);
    } else if (a == "--quiet" || a == "-q") {
      quiet = true;
    } else if (a == "--stats") {
      stats = true;
    } else if (a == "--no-cache") {
      mlsref::set_primitive_cache_enabled(false);
    } else if (a == "-j" || a == "--jobs") {
      jobs = parse_uint(a, next_arg(args, i), 1024);
      if (jobs == 0) {
        throw UsageError(a + " takes a number of threads from 1");
      }
    } else if (a.size() > 1 && a[0] == '-') {
      throw UsageError("unknown option " + a + " (see mlsref verify --help)");
    } else {
      paths.emplace_back(a);
    }
  }
  if (type_name && find_vector_type(*type_name) == nullptr) {
    throw UsageError("unknown type '" + *type_name + "' (see mlsref types)");
  }

  std::vector<fs::path> files;
  if (paths.empty()) {
    auto root = locate_vectors();
    if (!root) {
      std::cerr << "mlsref verify: " << missing_vectors_help() << "\n";
      return kExitUsage;
    }
    files = default_vector_files(*root);
    if (files.empty()) {
      std::cerr << "mlsref verify: no *.json under " << (*root / "ietf").string() << " or "
                << (*root / "hpke").string() << "\n";
      return kExitUsage;
    }
    if (!quiet) {
      std::cout << "vectors: " << root->string() << "\n";
    }
  }
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<fs::path> in_dir;
      try {
        in_dir = json_files_under(p);
      } catch (const InputError& e) {
        std::cerr << "mlsref verify: " << e.what() << "\n";
        return kExitUsage;
      }
      if (in_dir.empty()) {
        std::cerr << "mlsref verify: no *.json files in " << p.string() << " or its subfolders\n";
        return kExitUsage;
      }
      files.insert(files.end(), in_dir.begin(), in_dir.end());
    } else if (fs::exists(p, ec)) {
      // A regular file, or a stream such as a pipe, /dev/stdin or a process
      // substitution (read to its end once).
      files.push_back(p);
    } else {
      std::cerr << "mlsref verify: cannot read " << p.string() << ": no such file or folder\n";
      return kExitUsage;
    }
  }

  // Types first, so that a file of unknown type stops the run before any work.
  std::vector<const VectorType*> types;
  for (const auto& f : files) {
    std::string t = type_name ? *type_name : detect_type(f);
    if (t.empty()) {
      std::cerr << "mlsref verify: cannot tell the vector type of " << f.string()
                << " from its name; use --type (see mlsref types)\n";
      return kExitUsage;
    }
    types.push_back(find_vector_type(t));
  }

  std::vector<FileResult> results;
  Totals total;
  mlsref::PrimitiveCounts all_counts;
  auto print_file = [&](const FileResult& r) {
    Totals t;
    t.add(r);
    total.add(r);
    std::string clocks;
    for (const auto& c : r.cases) {
      if (!c.clock.empty() &&
          clocks.find(c.clock.substr(0, c.clock.find(' '))) == std::string::npos) {
        clocks += (clocks.empty() ? "" : ", ") + c.clock.substr(0, c.clock.find(' '));
      }
    }
    for (const auto& c : r.cases) {
      if (c.status == Status::fail) {
        std::cout << "  FAIL " << case_name(r, c) << " " << c.check << ": " << c.message << "\n";
      }
    }
    if (!quiet) {
      char secs[32];
      std::snprintf(secs, sizeof secs, "%.2f", r.seconds);
      std::cout << r.path << " [" << r.type << "; " << r.provenance << "]: " << t.pass
                << " passed, " << t.fail << " failed, " << t.unsupported << " unsupported (" << secs
                << " s)" << (clocks.empty() ? "" : "; lifetimes judged by " + clocks) << std::endl;
    }
    if (stats) {
      std::cout << "  stats: " << stats_line(r.counts()) << "\n";
      all_counts += r.counts();
    }
  };
  try {
    results = verify_files(files, types, options, jobs, print_file);
  } catch (const InputError& e) {
    std::cerr << "mlsref verify: " << e.what() << "\n";
    return kExitUsage;
  }

  try {
    if (report) {
      write_json_report(*report, results);
    }
    if (junit) {
      write_junit_report(*junit, results);
    }
  } catch (const InputError& e) {
    std::cerr << "mlsref verify: " << e.what() << "\n";
    return kExitUsage;
  }
  auto by_rule = totals_by_rule(results);
  if (!by_rule.empty() && !quiet) {
    std::cout << "per rule (must-reject cases passed: rejected at the marked message, for the "
                 "marked rule):\n";
    for (const auto& [id, t] : by_rule) {
      std::cout << "  " << id << ": " << t.pass << " of " << t.pass + t.fail + t.unsupported
                << " passed" << (t.fail ? ", " + std::to_string(t.fail) + " failed" : "")
                << "\n";
    }
  }
  if (stats) {
    std::cout << "stats: " << stats_line(all_counts) << "\n";
  }
  std::cout << total.pass << " passed, " << total.fail << " failed, " << total.unsupported
            << " unsupported" << std::endl;
  return total.fail > 0 ? kExitFailed : kExitOk;
}

int cmd_generate(const std::vector<std::string>& args) {
  std::optional<std::string> type_name;
  GenerateOptions options;
  std::optional<fs::path> out;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      print_generate_help();
      return kExitOk;
    } else if (a == "--suite") {
      options.suite = static_cast<uint16_t>(parse_uint("--suite", next_arg(args, i), 0xffff));
    } else if (a == "--seed") {
      options.seed = parse_uint("--seed", next_arg(args, i), UINT64_MAX);
    } else if (a == "-o" || a == "--output") {
      out = next_arg(args, i);
    } else if (a == "--rule") {
      options.rules.push_back(next_arg(args, i));
    } else if (a.size() > 1 && a[0] == '-') {
      throw UsageError("unknown option " + a + " (see mlsref generate --help)");
    } else if (!type_name) {
      type_name = a;
    } else {
      throw UsageError("generate takes one TYPE, got '" + *type_name + "' and '" + a + "'");
    }
  }
  if (!type_name) {
    throw UsageError("generate needs a TYPE (see mlsref generate --help)");
  }
  const VectorType* type = find_vector_type(*type_name);
  if (type == nullptr) {
    throw UsageError("unknown type '" + *type_name + "' (see mlsref types)");
  }
  if (type->generate == nullptr) {
    std::cerr << "mlsref generate: generating " << type->name << " is not supported yet\n";
    return kExitUsage;
  }
  const bool must_reject = type->name == "invalid-passive-client";
  if (!options.rules.empty() && !must_reject) {
    throw UsageError("--rule is for invalid-passive-client only");
  }
  json v;
  try {
    v = type->generate(options);
  } catch (const mlsref::Error& e) {
    std::cerr << "mlsref generate: " << e.what() << "\n";
    return kExitUsage;
  }
  if (must_reject && out) {
    // A folder: one file per rule, under a subfolder per RFC section,
    // <out>/<section>/invalid-passive-client.<rule>.json (RFC 9180's section
    // "9180 7.1.4" in 9180-7.1.4).
    std::map<std::string, json> by_rule;
    for (auto& c : v) {
      const json& mark = c.at("invalid");
      std::string folder = mark.at("section").get<std::string>();
      std::replace(folder.begin(), folder.end(), ' ', '-');
      fs::path file = *out / folder /
                      ("invalid-passive-client." + mark.at("rule").get<std::string>() + ".json");
      auto [it, fresh] = by_rule.emplace(file.string(), json::array());
      it->second.push_back(std::move(c));
    }
    for (const auto& [file, cases] : by_rule) {
      std::error_code ec;
      fs::create_directories(fs::path(file).parent_path(), ec);
      std::ofstream f(file, std::ios::binary | std::ios::trunc);
      if (!f || !(f << cases.dump(2) << "\n")) {
        std::cerr << "mlsref generate: cannot write " << file << "\n";
        return kExitUsage;
      }
    }
    std::cout << "wrote " << v.size() << " cases of " << by_rule.size() << " rules under "
              << out->string() << "\n";
    return kExitOk;
  }
  std::string text = v.dump(2) + "\n";
  if (out) {
    std::ofstream f(*out, std::ios::binary | std::ios::trunc);
    if (!f || !(f << text)) {
      std::cerr << "mlsref generate: cannot write " << out->string() << "\n";
      return kExitUsage;
    }
  } else {
    std::cout << text;
  }
  return kExitOk;
}

void print_rules_help() {
  std::cout <<
      R"(Usage: mlsref rules [--covered] [--source DIR]

Lists every rule that mlsref's checks enforce: first the rules that
`mlsref generate invalid-passive-client` has a generator for, with their
requirement ID (spec/requirements.yaml), section, the RFC sentence (quoted
from spec/requirements.yaml), what the invalid message does, and how many
cases a full run generates (one per cipher suite); then every other rule that
the code in ref/ names (a check that raises it, or its switch), with 0 cases
and the first place in ref/ that names it.

  --covered      only the rules that have generated cases
  --source DIR   the mlsref source tree holding spec/requirements.yaml and
                 ref/ (default: the one this was built from)
)";
}

int cmd_rules(const std::vector<std::string>& args) {
  namespace rq = mlsref::conformance::requirements;
  fs::path source = MLSREF_SOURCE_DIR;
  bool covered_only = false;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--help" || args[i] == "-h") {
      print_rules_help();
      return kExitOk;
    } else if (args[i] == "--covered") {
      covered_only = true;
    } else if (args[i] == "--source") {
      source = next_arg(args, i);
    } else {
      throw UsageError("rules: unknown argument '" + args[i] + "' (see mlsref rules --help)");
    }
  }
  std::ifstream in(source / "spec" / "requirements.yaml", std::ios::binary);
  if (!in) {
    throw UsageError("rules: no spec/requirements.yaml under " + source.string() +
                     " (use --source DIR)");
  }
  std::ostringstream text;
  text << in.rdbuf();
  std::map<std::string, rq::Entry> by_id;
  const std::vector<rq::Entry> entries = rq::parse_yaml(text.str());
  for (const auto& e : entries) {
    by_id[e.id] = e;
  }
  // One entry per rule, in the generator's order; a rule may have several
  // generators (variants), each giving one case per suite it can be made in.
  std::vector<std::string> order;
  std::map<std::string, std::vector<InvalidRuleInfo>> variants;
  for (const auto& r : invalid_rules()) {
    std::string id(r.id);
    if (!variants.count(id)) {
      order.push_back(id);
    }
    variants[id].push_back(r);
  }
  size_t total = 0;
  for (const auto& id : order) {
    const auto& vs = variants[id];
    auto it = by_id.find(id);
    size_t n = 0;
    for (const auto& v : vs) {
      n += v.suites.size();
    }
    total += n;
    std::cout << id << "  §" << vs.front().section << "  " << n << " cases"
              << (vs.front().welcome ? "  (the Welcome)" : "") << "\n"
              << "    RFC: \"" << (it == by_id.end() ? "?" : it->second.text) << "\"\n";
    for (const auto& v : vs) {
      std::cout << "    invalid message: " << v.description
                << (v.accepted_state || v.description.find("no accepted state") != std::string_view::npos ? "" : " [no accepted state]") << "\n";
    }
  }
  std::vector<std::pair<std::string, rq::Site>> uncovered;
  if (!covered_only) {
    // In the YAML's order (the RFC's).
    auto named = rq::rules_named_in_ref(source, entries);
    for (const auto& e : entries) {
      auto it = named.find(e.id);
      if (it != named.end() && !variants.count(e.id)) {
        uncovered.emplace_back(e.id, it->second.front());
      }
    }
    if (!uncovered.empty()) {
      std::cout << "\nRules that ref/'s checks enforce with no generated case:\n";
    }
    for (const auto& [id, site] : uncovered) {
      const rq::Entry& e = by_id.at(id);
      std::cout << id << "  §" << e.section << "  0 cases  (" << site.file << ":" << site.line
                << ")\n"
                << "    RFC: \"" << e.text << "\"\n";
    }
  }
  std::cout << order.size() << " rules, " << total << " cases";
  if (!covered_only) {
    std::cout << "; " << uncovered.size() << " more rules that ref/'s checks enforce have none";
  }
  std::cout << "\n";
  return kExitOk;
}

void print_types_help() {
  std::cout << R"(Usage: mlsref types

Lists the vector types mlsref knows, one line each: the name (the IETF file
stem, which `verify --type` and `generate` take), whether `mlsref verify`
checks its cases and `mlsref generate` writes its files, and what part of
the RFC it covers.
)";
}

int cmd_types(const std::vector<std::string>& args) {
  if (!args.empty()) {
    if (args[0] == "--help" || args[0] == "-h") {
      print_types_help();
      return kExitOk;
    }
    throw UsageError("types: unknown argument '" + args[0] + "' (see mlsref types --help)");
  }
  for (const auto& t : vector_types()) {
    std::printf("%-32s verify: %-3s generate: %-3s %s\n", std::string(t.name).c_str(),
                t.verifies() ? "yes" : "no", t.generate ? "yes" : "no",
                std::string(t.summary).c_str());
  }
  return kExitOk;
}

void print_vectors_path_help() {
  std::cout << "Usage: mlsref vectors-path\n\nPrints the folder of the default vector set, the "
               "one `mlsref verify` checks when given no PATH.\n"
            << vectors_search_order() << "\n";
}

int cmd_vectors_path(const std::vector<std::string>& args) {
  if (!args.empty()) {
    if (args[0] == "--help" || args[0] == "-h") {
      print_vectors_path_help();
      return kExitOk;
    }
    throw UsageError("vectors-path: unknown argument '" + args[0] +
                     "' (see mlsref vectors-path --help)");
  }
  auto root = locate_vectors();
  if (!root) {
    std::cerr << "mlsref: " << missing_vectors_help() << "\n";
    return kExitUsage;
  }
  std::error_code ec;
  if (!fs::is_directory(*root / "ietf", ec)) {
    std::cerr << "mlsref: " << root->string() << " (from $MLSREF_VECTORS) has no ietf/ folder\n";
    return kExitUsage;
  }
  std::cout << root->string() << "\n";
  return kExitOk;
}

void print_seeds_help() {
  std::cout << "Usage: mlsref seeds DIR\n\nWrites one seed corpus per fuzz target, "
               "DIR/<target>/<n>, made from the default vector set.\n";
}

int cmd_seeds(const std::vector<std::string>& args) {
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    print_seeds_help();
    return kExitOk;
  }
  if (!args.empty() && args[0].starts_with('-')) {
    throw UsageError("seeds: unknown argument '" + args[0] +
                     "' (see mlsref seeds --help; a folder whose name starts with '-' is "
                     "written ./" + args[0] + ")");
  }
  if (args.size() != 1) {
    throw UsageError("seeds: expected one folder, DIR (see mlsref seeds --help)");
  }
  auto root = locate_vectors();
  if (!root) {
    std::cerr << "mlsref seeds: " << missing_vectors_help() << "\n";
    return kExitUsage;
  }
  try {
    size_t n = write_seed_corpora(*root, args[0]);
    std::cout << "wrote " << n << " seed inputs under " << args[0] << "\n";
  } catch (const std::exception& e) {
    std::cerr << "mlsref seeds: " << e.what() << "\n";
    return kExitUsage;
  }
  return kExitOk;
}

void print_requirements_help() {
  std::cout <<
      R"(Usage: mlsref requirements [--section S] [--status X] [--report FILE.json]
                           [--source DIR] [--rfc FILE] [--rfc9180 FILE]
       mlsref requirements --check | --extract | --markdown-totals [--source DIR]
                           [--rfc FILE] [--rfc9180 FILE]

Prints the requirements matrix (spec/requirements.yaml) of RFC 9420 (IDs R...)
and of RFC 9180, HPKE (IDs H..., sections written "9180 7.1.4"): one line per
normative statement with its ID, section, keyword, who it binds, status, where
ref/ enforces it (file:line) and which tests name it; then the totals per
top-level section.

  --section S      only section S and its subsections (e.g. 12.4; "9180 7.1"
                   for RFC 9180's)
  --status X       only entries with status X: enforced, not-applicable, open
  --report F.json  also write the matrix as JSON
  --check          report every disagreement between the RFC, the YAML,
                   ref/requirement_ids.h and the citations in ref/ (exit 1 if any)
  --extract        rewrite spec/requirements.yaml and ref/requirement_ids.h
                   from the RFC, the YAML's hand-set fields and the citations,
                   and the totals table in README.md (what
                   scripts/extract-requirements runs)
  --markdown-totals  print the totals per section as the Markdown table
                   README.md shows (section "Requirements")
  --source DIR     the mlsref source tree (default: the one this was built from)
  --rfc FILE       RFC 9420's markdown source (default: $MLSREF_RFC9420, else
                   ../shared/spec/rfc9420.md beside the source tree, else
                   spec/upstream/rfc9420.md from scripts/fetch-vectors.sh)
  --rfc9180 FILE   RFC 9180's markdown source (default: $MLSREF_RFC9180, else
                   ../shared/spec/rfc9180.md, else spec/upstream/rfc9180.md)
)";
}

std::string top_section(const std::string& s) { return s.substr(0, s.find('.')); }

int cmd_requirements(const std::vector<std::string>& args) {
  namespace rq = mlsref::conformance::requirements;
  std::optional<std::string> section, status, report, rfc_arg, rfc9180_arg;
  fs::path source = MLSREF_SOURCE_DIR;
  bool check = false, extract = false, markdown_totals = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      print_requirements_help();
      return kExitOk;
    } else if (a == "--section") {
      section = next_arg(args, i);
    } else if (a == "--status") {
      status = next_arg(args, i);
      if (*status != "enforced" && *status != "not-applicable" && *status != "open") {
        throw UsageError("--status is enforced, not-applicable or open, not '" + *status + "'");
      }
    } else if (a == "--report") {
      report = next_arg(args, i);
    } else if (a == "--source") {
      source = next_arg(args, i);
    } else if (a == "--rfc") {
      rfc_arg = next_arg(args, i);
    } else if (a == "--rfc9180") {
      rfc9180_arg = next_arg(args, i);
    } else if (a == "--check") {
      check = true;
    } else if (a == "--extract") {
      extract = true;
    } else if (a == "--markdown-totals") {
      markdown_totals = true;
    } else {
      throw UsageError("requirements: unknown argument '" + a + "' (see mlsref requirements --help)");
    }
  }
  std::error_code ec;
  if (!fs::is_regular_file(source / "spec" / "requirements.yaml", ec) && !extract) {
    throw UsageError("requirements: " + source.string() +
                     " is not an mlsref source tree with spec/requirements.yaml (use --source DIR)");
  }
  rq::Rfcs rfc;
  for (const auto& [number, arg, option] :
       {std::tuple{"9420", rfc_arg, "--rfc"}, std::tuple{"9180", rfc9180_arg, "--rfc9180"}}) {
    auto path = arg ? std::optional<fs::path>(*arg) : rq::locate_rfc(source, number);
    if (!path || !fs::is_regular_file(*path, ec)) {
      throw UsageError("requirements: RFC " + std::string(number) +
                       "'s markdown source not found: give " + option + " FILE, set $MLSREF_RFC" +
                       number + ", or run scripts/fetch-vectors.sh");
    }
    std::ifstream in(*path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    rfc[number] = s.str();
  }
  try {
    if (check) {
      auto problems = rq::check(rfc, source);
      for (const auto& p : problems) {
        std::cout << p << "\n";
      }
      std::cout << (problems.empty() ? "requirements: consistent\n"
                                     : "requirements: " + std::to_string(problems.size()) +
                                           " problems\n");
      return problems.empty() ? kExitOk : kExitFailed;
    }
    auto scan = rq::scan_sources(source);
    std::vector<rq::Entry> existing;
    if (fs::is_regular_file(source / "spec" / "requirements.yaml", ec)) {
      std::ifstream in(source / "spec" / "requirements.yaml", std::ios::binary);
      std::ostringstream s;
      s << in.rdbuf();
      existing = rq::parse_yaml(s.str());
    }
    auto entries = rq::merge(rq::extract_all(rfc), existing, scan);
    if (markdown_totals) {
      std::cout << rq::markdown_totals(entries);
      return kExitOk;
    }
    if (extract) {
      std::ofstream(source / "spec" / "requirements.yaml", std::ios::binary) << rq::to_yaml(entries);
      std::ofstream(source / "ref" / "requirement_ids.h", std::ios::binary) << rq::to_header(entries);
      std::cout << "wrote spec/requirements.yaml and ref/requirement_ids.h: " << entries.size()
                << " requirements\n";
      std::string readme;
      if (std::ifstream in(source / "README.md", std::ios::binary); in) {
        std::ostringstream s;
        s << in.rdbuf();
        readme = s.str();
      }
      if (auto updated = rq::with_totals(readme, rq::markdown_totals(entries))) {
        if (*updated != readme) {
          std::ofstream(source / "README.md", std::ios::binary) << *updated;
          std::cout << "wrote the totals table in README.md\n";
        }
      } else {
        std::cout << "README.md has no " << rq::kTotalsBegin << " ... " << rq::kTotalsEnd
                  << " block for the totals table\n";
      }
      return kExitOk;
    }
    auto sites = [](const std::vector<rq::Site>& v) {
      std::string s;
      for (const auto& x : v) {
        s += (s.empty() ? "" : ",") + x.file + ":" + std::to_string(x.line);
      }
      return s;
    };
    struct Totals {
      size_t all = 0, enforced = 0, na = 0, open = 0, absolute = 0, absolute_enforced = 0;
      Totals& operator+=(const Totals& x) {
        all += x.all;
        enforced += x.enforced;
        na += x.na;
        open += x.open;
        absolute += x.absolute;
        absolute_enforced += x.absolute_enforced;
        return *this;
      }
    };
    std::map<std::string, Totals> totals;
    std::vector<std::string> order;
    json out = json::array();
    for (const auto& e : entries) {
      const std::string qualified = rq::qualified_section(e);
      if (section && qualified != *section && qualified.rfind(*section + ".", 0) != 0 &&
          qualified.rfind(*section + " ", 0) != 0) {
        continue;
      }
      if (status && e.status != *status) {
        continue;
      }
      auto c = scan.citations.find(e.id);
      auto t = scan.tests.find(e.id);
      std::string where = c == scan.citations.end() ? "" : sites(c->second);
      std::string tests = t == scan.tests.end() ? "" : sites(t->second);
      std::string note = e.status == "not-applicable" ? e.reason
                         : e.issue ? "issue " + std::to_string(*e.issue)
                                   : "";
      std::printf("%-12s §%-9s %-15s %-16s %-14s %s%s%s\n", e.id.c_str(), qualified.c_str(),
                  e.keyword.c_str(), e.binds.c_str(), e.status.c_str(),
                  where.empty() ? note.c_str() : where.c_str(), tests.empty() ? "" : "  tests: ",
                  tests.c_str());
      std::string top = (e.rfc == "9420" ? "" : e.rfc + " ") + top_section(e.section);
      if (!totals.count(top)) {
        order.push_back(top);
      }
      Totals& x = totals[top];
      x.all++;
      x.enforced += e.status == "enforced";
      x.na += e.status == "not-applicable";
      x.open += e.status == "open";
      x.absolute += rq::is_absolute(e.keyword) || e.keyword == "checklist";
      x.absolute_enforced +=
          (rq::is_absolute(e.keyword) || e.keyword == "checklist") && e.status == "enforced";
      json j = {{"id", e.id},         {"rfc", e.rfc},         {"section", e.section},
                {"title", e.title},
                {"keyword", e.keyword}, {"binds", e.binds},   {"status", e.status},
                {"text", e.text}};
      if (!e.reason.empty()) j["reason"] = e.reason;
      if (e.issue) j["issue"] = *e.issue;
      j["enforced_at"] = json::array();
      if (c != scan.citations.end()) {
        for (const auto& s : c->second) j["enforced_at"].push_back(s.file + ":" + std::to_string(s.line));
      }
      j["tests"] = json::array();
      if (t != scan.tests.end()) {
        for (const auto& s : t->second) j["tests"].push_back(s.file + ":" + std::to_string(s.line));
      }
      out.push_back(j);
    }
    std::printf("\n%-8s %6s %9s %15s %6s %22s\n", "section", "total", "enforced", "not-applicable",
                "open", "MUST-class enforced");
    Totals all;
    for (const auto& s : order) {
      const Totals& x = totals[s];
      std::printf("§%-7s %6zu %9zu %15zu %6zu %14zu of %-5zu\n", s.c_str(), x.all, x.enforced, x.na,
                  x.open, x.absolute_enforced, x.absolute);
      all += x;
    }
    // One row per RFC when the matrix shows both.
    std::map<std::string, Totals> per_rfc;
    for (const auto& s : order) {
      per_rfc[s.find(' ') == std::string::npos ? "9420" : s.substr(0, s.find(' '))] += totals[s];
    }
    if (per_rfc.size() > 1) {
      for (const char* number : {"9420", "9180"}) {
        const Totals& x = per_rfc[number];
        std::printf("RFC %-4s %6zu %9zu %15zu %6zu %14zu of %-5zu\n", number, x.all, x.enforced, x.na,
                    x.open, x.absolute_enforced, x.absolute);
      }
    }
    std::printf("%-8s %6zu %9zu %15zu %6zu %14zu of %-5zu\n", "all", all.all, all.enforced, all.na,
                all.open, all.absolute_enforced, all.absolute);
    if (report) {
      std::ofstream f(*report, std::ios::binary);
      if (!f) {
        throw UsageError("cannot write " + *report);
      }
      f << json{{"rfcs", {"9420", "9180"}}, {"requirements", out}}.dump(2) << "\n";
    }
  } catch (const std::runtime_error& e) {
    if (dynamic_cast<const UsageError*>(&e) != nullptr) {
      throw;
    }
    std::cerr << "mlsref requirements: " << e.what() << "\n";
    return kExitUsage;
  }
  return kExitOk;
}

void print_scenario_help() {
  std::cout <<
      R"(Usage: mlsref scenario [--suite N] [--public | --private] [--seed S]
                       [--client HOST:PORT | --client local]... [--random]
                       [--report FILE.json] [--junit FILE.xml] [--quiet] [-j N]
                       [--emit-passive DIR] FILE...

Runs the scripts of each config file (the IETF interop test runner's format:
{"scripts": {"name": [{"action": ..., "actor": ..., ...}, ...]}}, as JSON or
YAML) with one mlsref client per actor: every script for every cipher suite
and for handshake messages both public and private, unless told otherwise.

With --client, the actors are played by the clients given instead: HOST:PORT
is an MLSClient gRPC server (the IETF interop harness's interface: another
MLS implementation's interop client, or `mlsref serve`), `local` an mlsref
client in this process. As the upstream test runner does, each script runs
with every assignment of the clients to its actors (those named by actor,
members, joiners, joiner, clients, proposer, committer, welcomer, signer),
or with --random one assignment drawn from the seed (also for a script with
more than 4096 assignments, such as a randomHistory), for every cipher
suite all the clients support (their SupportedCiphersuites). A case is named by
its assignment: "three (private) alice=127.0.0.1:50051 bob=local".

Actions: those of the upstream runner (createGroup, createKeyPackage,
joinGroup, externalJoin, installExternalPSK, groupInfo, addProposal,
updateProposal, removeProposal, externalPSKProposal, resumptionPSKProposal,
groupContextExtensionsProposal, commit, fullCommit, handleCommit,
handlePendingCommit, protect, unprotect, reinit, branch,
newMemberAddProposal, addExternalSigner, externalSignerProposal); ours:
selfUpdate, selfUpdateWithNewSigner, commitToPendingProposals (each with
"members" who apply the commit and "byReference" proposals it covers; a
remote client does selfUpdate as a Commit with force_path of those and its
own pending proposals, and has no RPC for the other two) and
randomHistory ("members", "steps").
What a client does not implement is reported unsupported, never passed.

Checked: what the upstream runner checks (every member and joiner reaches the
committer's epoch authenticator; decrypted data is what was sent), and after
every step, members in the same epoch of the same group agree on the epoch
authenticator, an exported secret and the tree hash (remote members, whose
epoch the runner cannot see, are compared with every member that has the
same epoch authenticator, on the exported secret). A failure names the
script, the step, the action, the member, its client, the RPC and what
differed. Each run ends by freeing its states (Free).

  --client C         HOST:PORT of an MLSClient server, or `local`; repeatable
  --random           one random assignment of clients to actors per run
                     (from --seed), not every assignment
  --suite N          only cipher suite N
  --public           handshake messages as PublicMessage only
  --private          handshake messages as PrivateMessage only
  --seed S           the seed of every random choice (default 0)
  --report FILE      a JSON report (as mlsref verify writes)
  --junit FILE       JUnit XML
  --quiet            only failures and the totals
  -j, --jobs N       run on N threads (default: the number of cores); output,
                     reports and passive vectors are those of -j 1. Runs with
                     --client go one at a time
  --emit-passive DIR write passive-client vectors: every run gets one more
                     member, a watcher that the first createGroup adds and
                     that never sends (always an mlsref client in this
                     process); its key package, private keys, Welcome and
                     each epoch's proposals, commit and epoch authenticator
                     become a case of DIR/passive-client-handling-commit.
                     scenario-<file>.json (one case per passed run), which
                     mlsref verify checks like the IETF files

Without --client every client runs on a fixed clock (2026-01-01) so that a
seed gives the same bytes; with --client, in-process clients read the
system clock, as remote ones do.

The last line is "N passed, M failed, K unsupported". Exit status 1 when a
run failed, 2 for bad arguments, unreadable files or a client that does not
answer.
)";
}

int cmd_scenario(const std::vector<std::string>& args) {
  ScenarioOptions options;
  options.jobs = default_jobs();
  std::optional<fs::path> report, junit;
  bool quiet = false;
  std::vector<fs::path> files;
  std::vector<std::string> client_names;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      print_scenario_help();
      return kExitOk;
    } else if (a == "--client") {
      client_names.push_back(next_arg(args, i));
    } else if (a == "--random") {
      options.random_assignment = true;
    } else if (a == "--suite") {
      options.suite = static_cast<uint16_t>(parse_uint(a, next_arg(args, i), 0xffff));
    } else if (a == "--public" || a == "--private") {
      const HandshakeMode mode =
          a == "--public" ? HandshakeMode::public_only : HandshakeMode::private_only;
      if (options.handshake != HandshakeMode::both && options.handshake != mode) {
        throw UsageError("--public and --private exclude each other (neither: both kinds)");
      }
      options.handshake = mode;
    } else if (a == "--seed") {
      options.seed = parse_uint(a, next_arg(args, i), UINT64_MAX);
    } else if (a == "--report") {
      report = next_arg(args, i);
    } else if (a == "--junit") {
      junit = next_arg(args, i);
    } else if (a == "--quiet") {
      quiet = true;
    } else if (a == "--emit-passive") {
      options.emit_passive = next_arg(args, i);
    } else if (a == "-j" || a == "--jobs") {
      options.jobs = parse_uint(a, next_arg(args, i), 1024);
      if (options.jobs == 0) {
        throw UsageError(a + " takes a number of threads from 1");
      }
    } else if (!a.empty() && a[0] == '-') {
      throw UsageError("scenario: unknown option '" + a + "' (see mlsref scenario --help)");
    } else {
      files.emplace_back(a);
    }
  }
  if (files.empty()) {
    throw UsageError("scenario: no FILE given (see mlsref scenario --help)");
  }
  if (options.random_assignment && client_names.empty()) {
    throw UsageError("scenario: --random assigns --client clients to actors; give some");
  }
  std::vector<ClientSpec> clients;
  for (const auto& name : client_names) {
    if (name == "local") {
      clients.push_back({name, live_local_clients()});
      continue;
    }
#ifdef MLSREF_HAVE_INTEROP
    if (name.find(':') == std::string::npos) {
      throw UsageError("scenario: --client takes HOST:PORT or local, not '" + name + "'");
    }
    clients.push_back({name, remote_clients(name)});
#else
    throw UsageError("scenario: --client " + name + ": this mlsref was built without gRPC: " +
                     MLSREF_INTEROP_MISSING);
#endif
  }
  std::vector<FileResult> results;
  Totals totals;
  try {
    for (const auto& f : files) {
      auto progress = [&](const FileResult& fr, const CaseResult& c) {
        if (c.status == Status::pass && quiet) {
          return;
        }
        std::cout << to_string(c.status) << "  " << case_name(fr, c);
        if (c.status != Status::pass) {
          std::cout << ": " << c.check << ": " << c.message;
        }
        std::cout << std::endl;
      };
      results.push_back(clients.empty()
                            ? run_scenario_file(f, options, local_clients(), progress)
                            : run_scenario_file(f, options, clients, progress));
      totals.add(results.back());
    }
    if (report) {
      write_json_report(*report, results);
    }
    if (junit) {
      write_junit_report(*junit, results);
    }
  } catch (const InputError& e) {
    std::cerr << "mlsref scenario: " << e.what() << "\n";
    return kExitUsage;
  } catch (const std::exception& e) {
    // What a script file can still make a reader throw: refused as input.
    std::cerr << "mlsref scenario: " << e.what() << "\n";
    return kExitUsage;
  }
  std::cout << totals.pass << " passed, " << totals.fail << " failed, " << totals.unsupported
            << " unsupported\n";
  return totals.fail == 0 ? kExitOk : kExitFailed;
}

void print_serve_help() {
  std::cout <<
      R"(Usage: mlsref serve [--host 127.0.0.1] --port N

Serves the MLSClient gRPC service of the IETF MLS interop harness
(mls_client.proto of mlswg/mls-implementations) with mlsref groups, so that
a test runner (mlsref scenario --client HOST:PORT, or the upstream
test-runner -client HOST:PORT) can drive mlsref next to other
implementations. One in-process mlsref client holds every state; calls are
served one at a time.

Every RPC is answered, ExternalJoin, the ReInit RPCs, CreateBranch,
HandleBranch, NewMemberAddProposal and the external signer RPCs included.
What mlsref does not implement (a cipher suite outside RFC 9420 §17.1's
seven, a ReInit to another protocol version) returns UNIMPLEMENTED. A
request mlsref rejects returns INVALID_ARGUMENT with mlsref's error (its
kind, RFC section and rule); an unknown state, transaction, reinit or
external signer id returns FAILED_PRECONDITION. The server keeps serving,
and logs each error on stderr.

  --host H   the address to bind (default 127.0.0.1, loopback only)
  --port N   the port; 0 picks a free one

Prints "mlsref serve: listening on HOST:PORT" once bound. Stops on SIGINT or
SIGTERM with exit status 0; exit status 2 for bad arguments or an address it
cannot bind.
)";
}

int cmd_serve(const std::vector<std::string>& args) {
  std::string host = "127.0.0.1";
  std::optional<uint64_t> port;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      print_serve_help();
      return kExitOk;
    } else if (a == "--host") {
      host = next_arg(args, i);
    } else if (a == "--port") {
      port = parse_uint(a, next_arg(args, i), 65535);
    } else {
      throw UsageError("serve: unknown argument '" + a + "' (see mlsref serve --help)");
    }
  }
  if (!port) {
    throw UsageError("serve: no --port given (see mlsref serve --help)");
  }
#ifdef MLSREF_HAVE_INTEROP
  return serve(host, static_cast<uint16_t>(*port));
#else
  std::cerr << "mlsref serve: this mlsref was built without the interop server: "
            << MLSREF_INTEROP_MISSING << "\n";
  return kExitUsage;
#endif
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    print_main_help();
    return kExitUsage;
  }
  std::string cmd = args[0];
  std::vector<std::string> rest(args.begin() + 1, args.end());
  try {
    // ref/ reads MLSREF_BACKEND at the first primitive it runs, and refuses a
    // value that names no backend there, in the middle of a command; checked
    // here first, it is a bad argument like any other.
    if (const char* backend = std::getenv("MLSREF_BACKEND");
        backend != nullptr && *backend != '\0' && !mlsref::parse_backend_choice(backend)) {
      throw UsageError(std::string("MLSREF_BACKEND is '") + backend +
                       "', not auto, botan or openssl");
    }
    if (cmd == "--help" || cmd == "-h" || cmd == "help") {
      // `mlsref help COMMAND` prints what `mlsref COMMAND --help` prints.
      static const std::map<std::string, void (*)()> command_help = {
          {"verify", print_verify_help},     {"generate", print_generate_help},
          {"vectors-path", print_vectors_path_help}, {"seeds", print_seeds_help},
          {"types", print_types_help},       {"rules", print_rules_help},
          {"scenario", print_scenario_help}, {"requirements", print_requirements_help},
          {"serve", print_serve_help}};
      if (rest.empty()) {
        print_main_help();
        return kExitOk;
      }
      auto it = command_help.find(rest[0]);
      if (it == command_help.end()) {
        throw UsageError("no command '" + rest[0] + "' (see mlsref --help)");
      }
      it->second();
      return kExitOk;
    }
    if (cmd == "--version") {
      std::cout << "mlsref " MLSREF_VERSION "\n";
      return kExitOk;
    }
    if (cmd == "verify") {
      return cmd_verify(rest);
    }
    if (cmd == "generate") {
      return cmd_generate(rest);
    }
    if (cmd == "types") {
      return cmd_types(rest);
    }
    if (cmd == "rules") {
      return cmd_rules(rest);
    }
    if (cmd == "vectors-path") {
      return cmd_vectors_path(rest);
    }
    if (cmd == "scenario") {
      return cmd_scenario(rest);
    }
    if (cmd == "requirements") {
      return cmd_requirements(rest);
    }
    if (cmd == "serve") {
      return cmd_serve(rest);
    }
    if (cmd == "seeds") {
      return cmd_seeds(rest);
    }
    throw UsageError("unknown command '" + cmd + "' (see mlsref --help)");
  } catch (const UsageError& e) {
    std::cerr << "mlsref: " << e.what() << "\n";
    return kExitUsage;
  }
}
