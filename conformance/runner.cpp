#include "conformance/runner.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <mutex>
#include <sstream>
#include <thread>

#include "conformance/json_reader.h"
#include "conformance/utf8.h"
#include "ref/primitives.h"

namespace mlsref::conformance {

extern const char* const kManifestJson;  // generated from vectors/manifest.json

std::string_view to_string(Status s) {
  switch (s) {
    case Status::pass:
      return "pass";
    case Status::fail:
      return "fail";
    case Status::unsupported:
      return "unsupported";
  }
  return "?";
}

void Totals::add(const FileResult& f) {
  for (const auto& c : f.cases) {
    switch (c.status) {
      case Status::pass:
        ++pass;
        break;
      case Status::fail:
        ++fail;
        break;
      case Status::unsupported:
        ++unsupported;
        break;
    }
  }
}

std::string detect_type(const std::filesystem::path& file) {
  std::string stem = file.stem().string();
  if (find_vector_type(stem) != nullptr) {
    return stem;
  }
  if (stem.rfind("rfc9180", 0) == 0 || stem == "test-vectors" ||
      file.parent_path().filename() == "hpke") {
    return "hpke";
  }
  // Generated files are named <type>.<anything>.json (e.g. crypto-basics.seed7.json).
  auto dot = stem.find('.');
  if (dot != std::string::npos && find_vector_type(stem.substr(0, dot)) != nullptr) {
    return stem.substr(0, dot);
  }
  return {};
}

std::optional<std::string> read_whole_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return std::nullopt;
  }
  std::string data;
  std::error_code ec;
  if (uintmax_t size = std::filesystem::file_size(file, ec); !ec) {
    data.resize(static_cast<size_t>(size));
    in.read(data.data(), static_cast<std::streamsize>(size));
    data.resize(static_cast<size_t>(in.gcount()));
  }
  if (in.bad()) {
    return std::nullopt;
  }
  std::ostringstream rest;
  rest << in.rdbuf();
  data += std::move(rest).str();
  return data;
}

namespace {

std::string sha256_hex(std::string_view data) {
  return to_hex(
      hash(HashAlg::sha256, ByteView(reinterpret_cast<const uint8_t*>(data.data()), data.size())));
}
}  // namespace

std::string sha256_file(const std::filesystem::path& file) {
  return sha256_hex(read_whole_file(file).value_or(""));
}

std::string provenance_of(const std::string& sha256, const std::string& file_name) {
  static const json manifest = json::parse(kManifestJson);
  for (const auto& [set_name, set] : manifest.items()) {
    for (const auto& [name, sum] : set.at("files").items()) {
      if (sum.get<std::string>() != sha256) {
        continue;
      }
      std::string what = set.at("description").get<std::string>();
      std::string as = name == file_name ? "" : " (as " + name + ")";
      return (set.value("pinned", false) ? "pinned upstream " : "known: ") + what + as;
    }
  }
  return "unknown file";
}

namespace {

// A vector file read and parsed, its cases not yet verified.
struct LoadedFile {
  FileResult result;  // path, type, sha256, provenance; cases sized, not run
  json cases;
  const VectorType* type = nullptr;
  double load_seconds = 0;
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

LoadedFile load_file(const std::filesystem::path& file, const VectorType& type) {
  auto start = std::chrono::steady_clock::now();
  LoadedFile lf;
  lf.type = &type;
  lf.result.path = file.string();
  lf.result.type = std::string(type.name);

  // Read once: parsed from memory (faster than from the stream) and hashed.
  std::optional<std::string> data = read_whole_file(file);
  if (!data) {
    throw InputError("cannot read " + file.string());
  }
  try {
    lf.cases = read_json(*data);
  } catch (const JsonSyntaxError& e) {
    throw InputError(file.string() + " is not valid JSON: " + e.what());
  }
  if (!lf.cases.is_array()) {
    throw InputError(file.string() + " is not a JSON array of test cases");
  }
  lf.result.sha256 = sha256_hex(*data);
  lf.result.provenance = provenance_of(lf.result.sha256, file.filename().string());
  lf.result.cases.resize(lf.cases.size());
  lf.load_seconds = seconds_since(start);
  return lf;
}

// One case, on the calling thread; returns its wall time.
double verify_case(LoadedFile& lf, size_t i, const VerifyOptions& options) {
  auto start = std::chrono::steady_clock::now();
  const VectorType& type = *lf.type;
  CaseResult cr;
  cr.index = i;
  const json& c = lf.cases[i];
  // A suite above 0xffff is reported by the case's check, not named here.
  if (c.is_object() && c.contains("cipher_suite") && c["cipher_suite"].is_number_unsigned() &&
      c["cipher_suite"].get<uint64_t>() <= 0xffff) {
    cr.cipher_suite = static_cast<uint16_t>(c["cipher_suite"].get<uint64_t>());
  }
  const PrimitiveCounts before = thread_primitive_counts();
  {
    // Per case: what several checks of the case need is computed once.
    PrimitiveCache cache;
    if (!type.verifies()) {
      cr.status = Status::unsupported;
      cr.check = "type";
      cr.message = "vector type " + std::string(type.name) + " is not implemented yet";
    } else {
      try {
        if (type.verify_in != nullptr) {
          CaseContext context{options.now, {}, {}};
          try {
            type.verify_in(c, context);
          } catch (...) {
            cr.clock = context.clock;
            cr.rule = context.rule;
            throw;
          }
          cr.clock = context.clock;
          cr.rule = context.rule;
        } else {
          type.verify(c);
        }
      } catch (const CheckFailure& f) {
        cr.status = Status::fail;
        cr.check = f.check();
        cr.message = f.message();
      } catch (const Error& e) {
        cr.status = e.kind() == ErrorKind::unsupported ? Status::unsupported : Status::fail;
        cr.check = e.kind() == ErrorKind::unsupported ? "unsupported" : "error";
        cr.message = e.what();
      } catch (const json::exception& e) {
        cr.status = Status::fail;
        cr.check = "vector";
        cr.message = std::string("malformed vector: ") + e.what();
      } catch (const std::exception& e) {
        cr.status = Status::fail;
        cr.check = "internal";
        cr.message = e.what();
      }
    }
  }
  cr.counts = thread_primitive_counts();
  cr.counts -= before;
  if (cr.status == Status::unsupported && options.strict) {
    cr.status = Status::fail;
    cr.message = "unsupported (--strict): " + cr.message;
  }
  lf.result.cases[i] = std::move(cr);
  return seconds_since(start);
}

}  // namespace

FileResult verify_file(const std::filesystem::path& file, const VectorType& type,
                       const VerifyOptions& options) {
  std::vector<FileResult> out = verify_files({file}, {&type}, options, 1, [](const FileResult&) {});
  return std::move(out.front());
}

size_t default_jobs() { return std::max(1u, std::thread::hardware_concurrency()); }

void for_each_ordered(size_t n, size_t jobs, const std::function<void(size_t)>& work,
                      const std::function<void(size_t)>& deliver) {
  jobs = std::max<size_t>(1, std::min(jobs, n));
  if (jobs == 1) {
    for (size_t i = 0; i < n; ++i) {
      work(i);
      deliver(i);
    }
    return;
  }
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<bool> finished(n, false);
  std::atomic<size_t> next{0};
  std::vector<std::thread> threads;
  // Joined however this function ends; when it ends early (deliver threw)
  // the threads take no new work.
  struct Join {
    std::vector<std::thread>& threads;
    std::atomic<size_t>& next;
    size_t end;
    ~Join() {
      next = end;
      for (auto& t : threads) {
        t.join();
      }
    }
  } join{threads, next, n};
  for (size_t j = 0; j < jobs; ++j) {
    threads.emplace_back([&] {
      for (size_t i = next++; i < n; i = next++) {
        work(i);
        std::lock_guard lock(mutex);
        finished[i] = true;
        changed.notify_all();
      }
    });
  }
  for (size_t i = 0; i < n; ++i) {
    {
      std::unique_lock lock(mutex);
      changed.wait(lock, [&] { return finished[i]; });
    }
    deliver(i);
  }
}

std::vector<FileResult> verify_files(const std::vector<std::filesystem::path>& files,
                                     const std::vector<const VectorType*>& types,
                                     const VerifyOptions& options, size_t jobs,
                                     const std::function<void(const FileResult&)>& done) {
  std::vector<LoadedFile> loaded;
  for (size_t f = 0; f < files.size(); ++f) {
    loaded.push_back(load_file(files[f], *types[f]));
  }
  // Every case of every file, in order.
  std::vector<std::pair<size_t, size_t>> tasks;
  std::vector<double> case_seconds;
  for (size_t f = 0; f < loaded.size(); ++f) {
    for (size_t i = 0; i < loaded[f].cases.size(); ++i) {
      tasks.emplace_back(f, i);
    }
  }
  case_seconds.resize(tasks.size());
  std::vector<FileResult> results;
  auto finish = [&](size_t f) {
    double seconds = loaded[f].load_seconds;
    for (size_t t = 0; t < tasks.size(); ++t) {
      seconds += tasks[t].first == f ? case_seconds[t] : 0;
    }
    loaded[f].result.seconds = seconds;
    loaded[f].cases = json();  // no longer needed
    results.push_back(std::move(loaded[f].result));
    done(results.back());
  };
  // Files without cases are delivered in their place too.
  size_t delivered = 0;
  auto deliver_through = [&](size_t last) {
    for (; delivered <= last; ++delivered) {
      finish(delivered);
    }
  };
  for_each_ordered(
      tasks.size(), jobs,
      [&](size_t t) {
        case_seconds[t] = verify_case(loaded[tasks[t].first], tasks[t].second, options);
      },
      [&](size_t t) {
        size_t f = tasks[t].first;
        if (f > 0) {
          deliver_through(f - 1);
        }
        if (tasks[t].second + 1 == loaded[f].cases.size()) {
          deliver_through(f);
        }
      });
  if (!loaded.empty()) {
    deliver_through(loaded.size() - 1);
  }
  return results;
}

PrimitiveCounts FileResult::counts() const {
  PrimitiveCounts sum;
  for (const auto& c : cases) {
    sum += c.counts;
  }
  return sum;
}

namespace {
// "op N (alg N, ...), ..." for every operation with a non-zero entry in `table`.
std::string by_operation(const PrimitiveCounts::Table& table) {
  std::string line;
  for (size_t op = 0; op < kPrimitiveOps; ++op) {
    uint64_t sum = 0;
    for (uint64_t x : table[op]) {
      sum += x;
    }
    if (sum == 0) {
      continue;
    }
    line += (line.empty() ? "" : ", ") + std::string(to_string(static_cast<PrimitiveOp>(op))) +
            " " + std::to_string(sum) + " (";
    bool first = true;
    for (size_t alg = 0; alg < kPrimitiveAlgs; ++alg) {
      if (table[op][alg] != 0) {
        line += (first ? "" : ", ") + std::string(primitive_alg_name(alg)) + " " +
                std::to_string(table[op][alg]);
        first = false;
      }
    }
    line += ")";
  }
  return line;
}
}  // namespace

std::string stats_line(const PrimitiveCounts& counts) {
  std::string line = by_operation(counts.n);
  line += (line.empty() ? "" : ", ") + std::string("total ") + std::to_string(counts.total());
  if (std::string bytes = by_operation(counts.bytes); !bytes.empty()) {
    line += "; input bytes: " + bytes;
  }
  return line;
}

std::string case_name(const FileResult& f, const CaseResult& c) {
  std::string name =
      c.name.empty() ? f.type + "[" + std::to_string(c.index) + "]" : f.type + " " + c.name;
  if (!c.rule.empty()) {
    name += " " + c.rule;
  }
  if (c.cipher_suite) {
    name += " suite " + std::to_string(*c.cipher_suite);
  }
  return name;
}

std::map<std::string, Totals> totals_by_rule(const std::vector<FileResult>& files) {
  std::map<std::string, Totals> by_rule;
  for (const auto& f : files) {
    for (const auto& c : f.cases) {
      if (c.rule.empty()) {
        continue;
      }
      FileResult one;
      one.cases.push_back(c);
      by_rule[c.rule].add(one);
    }
  }
  return by_rule;
}

std::vector<std::filesystem::path> json_files_under(const std::filesystem::path& dir) {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  // A folder that cannot be read, or a .json name that cannot be resolved (a
  // symbolic link loop), is an unreadable input (exit 2), not a crash.
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end;; it.increment(ec)) {
    if (ec) {
      throw InputError("cannot read " + (it == end ? dir : it->path()).string() + ": " +
                       ec.message());
    }
    if (it == end) {
      break;
    }
    if (it->path().extension() != ".json") {
      continue;
    }
    std::error_code file_ec;
    if (it->is_regular_file(file_ec)) {
      files.push_back(it->path());
    } else if (file_ec) {
      throw InputError("cannot read " + it->path().string() + ": " + file_ec.message());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

namespace {
std::ofstream open_out(const std::filesystem::path& out) {
  std::ofstream f(out, std::ios::binary | std::ios::trunc);
  if (!f) {
    throw InputError("cannot write " + out.string());
  }
  return f;
}
}  // namespace

void write_json_report(const std::filesystem::path& out, const std::vector<FileResult>& files) {
  Totals t;
  json jfiles = json::array();
  for (const auto& f : files) {
    t.add(f);
    json jcases = json::array();
    for (const auto& c : f.cases) {
      json jc{{"index", c.index},
              {"cipher_suite", c.cipher_suite ? json(*c.cipher_suite) : json()},
              {"status", to_string(c.status)},
              {"check", c.check.empty() ? json() : json(c.check)},
              {"message", c.message.empty() ? json() : json(c.message)}};
      if (!c.clock.empty()) {
        jc["clock"] = c.clock;
      }
      if (!c.name.empty()) {
        jc["name"] = c.name;
      }
      if (!c.rule.empty()) {
        jc["rule"] = c.rule;
      }
      jcases.push_back(std::move(jc));
    }
    jfiles.push_back(json{{"path", f.path},
                          {"type", f.type},
                          {"sha256", f.sha256},
                          {"provenance", f.provenance},
                          {"seconds", f.seconds},
                          {"cases", jcases}});
  }
  json report{{"summary", {{"pass", t.pass}, {"fail", t.fail}, {"unsupported", t.unsupported}}},
              {"files", jfiles}};
  auto by_rule = totals_by_rule(files);
  if (!by_rule.empty()) {
    json rules = json::object();
    for (const auto& [id, rt] : by_rule) {
      rules[id] = {{"pass", rt.pass}, {"fail", rt.fail}, {"unsupported", rt.unsupported}};
    }
    report["rules"] = rules;
  }
  // File names and vector strings need not be UTF-8: what is not becomes
  // U+FFFD, so that the report is JSON (RFC 8259 §8.1: UTF-8). Serialized
  // before the file is opened, so nothing is truncated by a failure.
  const std::string text = report.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
  open_out(out) << text;
}

namespace {
// Text for an XML 1.0 attribute or element: the five markup characters
// escaped, and every code point outside XML's Char production (§2.2: tab,
// newlines, U+0020-U+D7FF, U+E000-U+FFFD, U+10000-U+10FFFF), or not UTF-8,
// written as U+FFFD.
std::string xml_escape(std::string_view s) {
  std::string o;
  for (size_t i = 0; i < s.size();) {
    char32_t cp = next_code_point(s, i);
    switch (cp) {
      case '&':
        o += "&amp;";
        break;
      case '<':
        o += "&lt;";
        break;
      case '>':
        o += "&gt;";
        break;
      case '"':
        o += "&quot;";
        break;
      default: {
        const bool allowed = cp == '\t' || cp == '\n' || cp == '\r' ||
                             (cp >= 0x20 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD) ||
                             cp >= 0x10000;
        put_utf8(o, allowed ? cp : 0xFFFD);
      }
    }
  }
  return o;
}
}  // namespace

void write_junit_report(const std::filesystem::path& out, const std::vector<FileResult>& files) {
  Totals all;
  for (const auto& f : files) {
    all.add(f);
  }
  std::ostringstream x;
  x << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  x << "<testsuites name=\"mlsref verify\" tests=\"" << all.pass + all.fail + all.unsupported
    << "\" failures=\"" << all.fail << "\" skipped=\"" << all.unsupported << "\">\n";
  for (const auto& f : files) {
    Totals t;
    t.add(f);
    x << "  <testsuite name=\"" << xml_escape(f.path) << "\" tests=\"" << f.cases.size()
      << "\" failures=\"" << t.fail << "\" skipped=\"" << t.unsupported << "\" time=\""
      << std::fixed << std::setprecision(6) << f.seconds << std::defaultfloat << "\">\n";
    x << "    <properties><property name=\"type\" value=\"" << xml_escape(f.type)
      << "\"/><property name=\"provenance\" value=\"" << xml_escape(f.provenance)
      << "\"/></properties>\n";
    for (const auto& c : f.cases) {
      x << "    <testcase classname=\"" << xml_escape(f.type) << "\" name=\""
        << xml_escape(case_name(f, c)) << "\"";
      if (c.status == Status::pass) {
        x << "/>\n";
        continue;
      }
      x << ">\n";
      if (c.status == Status::fail) {
        x << "      <failure message=\"" << xml_escape(c.check) << "\">"
          << xml_escape(c.check + ": " + c.message) << "</failure>\n";
      } else {
        x << "      <skipped message=\"" << xml_escape("unsupported: " + c.message) << "\"/>\n";
      }
      x << "    </testcase>\n";
    }
    x << "  </testsuite>\n";
  }
  x << "</testsuites>\n";
  open_out(out) << x.str();
}

std::optional<std::filesystem::path> locate_vectors() {
  namespace fs = std::filesystem;
  auto usable = [](const fs::path& p) {
    std::error_code ec;
    return fs::is_directory(p / "ietf", ec);
  };
  if (const char* env = std::getenv("MLSREF_VECTORS"); env != nullptr && *env != '\0') {
    // An explicit choice is used as given, even when it is wrong, so that the
    // error names it instead of silently falling back.
    return fs::path(env);
  }
  fs::path source(MLSREF_SOURCE_DIR);
  for (const fs::path& p : {source / ".." / "shared" / "vectors", source / "vectors"}) {
    if (usable(p)) {
      return fs::weakly_canonical(p);
    }
  }
  return std::nullopt;
}

std::string vectors_search_order() {
  return "mlsref looks, in order, at $MLSREF_VECTORS, at ../shared/vectors beside the checkout "
         "(" MLSREF_SOURCE_DIR "/../shared/vectors), and at the checkout's vectors/ folder.";
}

std::string missing_vectors_help() {
  return "no test vectors found. " + vectors_search_order() +
         " Get them with scripts/fetch-vectors.sh (needs git and internet), or point "
         "MLSREF_VECTORS at a folder holding ietf/ and hpke/.";
}

std::vector<std::filesystem::path> default_vector_files(const std::filesystem::path& root) {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  for (const char* sub : {"ietf", "hpke"}) {
    std::error_code ec;
    if (!fs::is_directory(root / sub, ec)) {
      continue;
    }
    for (const auto& e : fs::directory_iterator(root / sub)) {
      if (e.is_regular_file() && e.path().extension() == ".json") {
        files.push_back(e.path());
      }
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace mlsref::conformance
