// Running verifiers over vector files, and the reports `mlsref verify` writes.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "conformance/vector_type.h"
#include "ref/primitives.h"

namespace mlsref::conformance {

enum class Status { pass, fail, unsupported };
std::string_view to_string(Status s);

struct CaseResult {
  size_t index = 0;
  std::string name;  // a case's own name when it has one (scenarios: "script (private)")
  std::optional<uint16_t> cipher_suite;
  Status status = Status::pass;
  std::string check;       // the first check that failed, or why unsupported
  std::string message;     // how it failed
  std::string clock;       // for types that judge lifetimes: the clock used
  std::string rule;        // invalid-passive-client: the rule the case's message breaks
  PrimitiveCounts counts;  // the primitive operations the case ran (--stats)
};

struct FileResult {
  std::string path;
  std::string type;
  std::string provenance;  // "pinned upstream ...", "known ...", "unknown"
  std::string sha256;
  double seconds = 0;
  std::vector<CaseResult> cases;
  PrimitiveCounts counts() const;  // of every case
};

struct Totals {
  size_t pass = 0, fail = 0, unsupported = 0;
  void add(const FileResult& f);
};

// A file that cannot be read or is not a JSON array of test cases (exit 2).
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The type of a vector file from its name: the IETF stem (`tree-math.json`),
// or `hpke` for RFC 9180 files (`rfc9180*.json`, `test-vectors.json`, or any
// file in a folder named `hpke`). Empty when it cannot tell.
std::string detect_type(const std::filesystem::path& file);

struct VerifyOptions {
  bool strict = false;          // unsupported counts as failed
  std::optional<uint64_t> now;  // --now: the clock for lifetimes (default: per case)
};

// Verifies every case of one file. Throws InputError for unreadable input.
FileResult verify_file(const std::filesystem::path& file, const VectorType& type,
                       const VerifyOptions& options);

// Verifies the cases of every file on `jobs` threads (cases of one file run
// in parallel too), each case on one thread with its own PrimitiveCache and
// counters. Every file is read first: an unreadable one throws InputError
// before any case runs. `done` is called on the calling thread for each file
// in the order given, as soon as its cases are done, with results identical
// to a serial run's (only `seconds`, the sum of the file's case times, varies
// from run to run as it always did).
std::vector<FileResult> verify_files(const std::vector<std::filesystem::path>& files,
                                     const std::vector<const VectorType*>& types,
                                     const VerifyOptions& options, size_t jobs,
                                     const std::function<void(const FileResult&)>& done);

// The number of threads -j defaults to: the machine's cores.
size_t default_jobs();

// Runs work(0) ... work(n-1) on `jobs` threads (taken in order), and calls
// deliver(i) on the calling thread for i = 0, 1, ... in order, each as soon
// as work(0..i) are done; with jobs == 1, work(i) then deliver(i) in turn on
// the calling thread. work(i) must not throw; it may run while deliver runs.
void for_each_ordered(size_t n, size_t jobs, const std::function<void(size_t)>& work,
                      const std::function<void(size_t)>& deliver);

// `--stats`: the counts by operation, each with its algorithms, and the total,
// then the input bytes of the operations that count them (PrimitiveCounts::bytes):
// "dh 14 (P-256 6, X25519 8), ..., total 1234; input bytes: hash 5120 (SHA-256 5120)".
std::string stats_line(const PrimitiveCounts& counts);

// The short name of a case for messages: `crypto-basics[3] suite 4`.
std::string case_name(const FileResult& f, const CaseResult& c);

// Per rule (cases that name one: invalid-passive-client), how many passed,
// failed and were unsupported, by rule ID.
std::map<std::string, Totals> totals_by_rule(const std::vector<FileResult>& files);

// The *.json files under a folder and its subfolders, sorted.
std::vector<std::filesystem::path> json_files_under(const std::filesystem::path& dir);

void write_json_report(const std::filesystem::path& out, const std::vector<FileResult>& files);
void write_junit_report(const std::filesystem::path& out, const std::vector<FileResult>& files);

// Where the default vector set lives (a folder holding ietf/ and hpke/):
// $MLSREF_VECTORS, then ../shared/vectors beside the checkout, then the
// checkout's own vectors/ (filled by scripts/fetch-vectors.sh).
// Empty when none is found.
std::optional<std::filesystem::path> locate_vectors();
// Where locate_vectors() looks, as a sentence.
std::string vectors_search_order();
// What to tell a user when locate_vectors() finds nothing.
std::string missing_vectors_help();
// Every *.json of <root>/ietf and <root>/hpke, sorted.
std::vector<std::filesystem::path> default_vector_files(const std::filesystem::path& root);

// The pinned manifest (vectors/manifest.json, built into the binary).
std::string provenance_of(const std::string& sha256, const std::string& file_name);
// The whole file (nullopt when it cannot be read): a regular file in one
// read into a buffer of its size, then whatever else the stream holds (a
// file that grew, or a pipe, whose size is not known).
std::optional<std::string> read_whole_file(const std::filesystem::path& file);

std::string sha256_file(const std::filesystem::path& file);

}  // namespace mlsref::conformance
