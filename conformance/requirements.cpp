#include "conformance/requirements.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>

namespace mlsref::conformance::requirements {

namespace fs = std::filesystem;

namespace {

std::string collapse(std::string_view s) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = !out.empty();
    } else {
      if (space) {
        out += ' ';
      }
      space = false;
      out += c;
    }
  }
  return out;
}

std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> lines;
  std::string cur;
  for (char c : text) {
    if (c == '\n') {
      lines.push_back(cur);
      cur.clear();
    } else if (c != '\r') {
      cur += c;
    }
  }
  if (!cur.empty()) {
    lines.push_back(cur);
  }
  return lines;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    throw std::runtime_error("cannot read " + p.string());
  }
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// BCP 14 keywords, strongest first within each rank (RFC 2119, RFC 8174: only
// the capitalised words are keywords).
struct Keyword {
  std::string_view word;
  int rank;  // 0 absolute, 1 recommended, 2 optional
};
constexpr std::array<Keyword, 11> kKeywords{{
    {"MUST NOT", 0},
    {"SHALL NOT", 0},
    {"MUST", 0},
    {"SHALL", 0},
    {"REQUIRED", 0},
    {"SHOULD NOT", 1},
    {"NOT RECOMMENDED", 1},
    {"SHOULD", 1},
    {"RECOMMENDED", 1},
    {"MAY", 2},
    {"OPTIONAL", 2},
}};

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// The strongest keyword of a sentence; the first one at equal rank.
std::optional<std::string> keyword_of(const std::string& s) {
  std::optional<std::string> best;
  int best_rank = 99;
  size_t best_pos = std::string::npos;
  for (const auto& k : kKeywords) {
    size_t pos = 0;
    while ((pos = s.find(k.word, pos)) != std::string::npos) {
      size_t end = pos + k.word.size();
      bool bounded =
          (pos == 0 || !is_word_char(s[pos - 1])) && (end >= s.size() || !is_word_char(s[end]));
      // "MUST" inside "MUST NOT" is the longer keyword, found first.
      if (bounded && (k.rank < best_rank || (k.rank == best_rank && pos < best_pos))) {
        best = std::string(k.word);
        best_rank = k.rank;
        best_pos = pos;
      }
      pos = end;
    }
  }
  return best;
}

// Splits a paragraph into sentences: after ". ", "? " or "! " (a closing
// parenthesis or quote may follow the stop) when the next word starts like a
// sentence, except after the abbreviations the RFC uses.
std::vector<std::string> sentences(const std::string& text) {
  static const std::set<std::string> kAbbrev{"e.g.", "i.e.", "etc.", "vs.",  "cf.",
                                             "al.",  "Sec.", "Fig.", "resp."};
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c != '.' && c != '?' && c != '!') {
      continue;
    }
    size_t j = i + 1;
    while (j < text.size() && (text[j] == ')' || text[j] == '"')) {
      ++j;
    }
    if (j >= text.size() || text[j] != ' ' || j + 1 >= text.size()) {
      continue;
    }
    char next = text[j + 1];
    if (!(std::isupper(static_cast<unsigned char>(next)) || next == '`' || next == '{' ||
          next == '(' || next == '"' || next == '[')) {
      continue;
    }
    size_t w = text.rfind(' ', i);
    std::string word = text.substr(w == std::string::npos ? 0 : w + 1,
                                   i + 1 - (w == std::string::npos ? 0 : w + 1));
    if (c == '.' && kAbbrev.count(word)) {
      continue;
    }
    out.push_back(text.substr(start, j - start));
    start = j + 1;
  }
  if (start < text.size()) {
    out.push_back(text.substr(start));
  }
  return out;
}

struct Block {
  std::string section, title;
  size_t indent = 0;
  bool item = false;
  std::string text;
};

std::string guess_binds(std::string_view rfc, const std::string& section,
                        const std::string& text) {
  // The IANA Considerations: RFC 9420 §17, RFC 9180 §11.
  if (section.rfind(rfc == "9180" ? "11" : "17", 0) == 0) {
    return "iana";
  }
  auto has = [&](const char* s) { return text.find(s) != std::string::npos; };
  if (has("Delivery Service") || has("DS ")) {
    return "delivery-service";
  }
  if (has("The application") || has("the application MUST") || has("Applications") ||
      has("applications") || has("Authentication Service") || has("AS ")) {
    return "application";
  }
  return "client";
}

// Intro paragraphs that make the items of the list below them requirements
// (the "verify that" checklists of §7.3, §10.1, §12.2, §12.4.2, ...).
bool introduces_checklist(const std::string& intro) {
  if (intro.empty() || intro.back() != ':') {
    return false;
  }
  static const std::regex kChecklist(
      "(verif(y|ies)|validat|is (in)?valid if|MUST|must (be|perform|check)|following "
      "(checks|steps|general "
      "rules))",
      std::regex::icase);
  return std::regex_search(intro, kChecklist);
}

// A sentence that says when something "is invalid if" (the proposal rules of
// §12.1.x: "An Add proposal is invalid if the KeyPackage is invalid [...]"):
// a requirement without a keyword. Not when it introduces a list (its items
// are the requirements) or only gives an example ("is invalid if, for example").
bool states_validity(const std::string& sentence) {
  static constexpr std::string_view kExample = "is invalid if, for example";
  size_t at = sentence.find("is invalid if");
  return at != std::string::npos && sentence.back() != ':' &&
         sentence.compare(at, kExample.size(), kExample) != 0;
}

}  // namespace

std::string id_prefix(std::string_view rfc) {
  for (const auto& r : kRfcs) {
    if (r.number == rfc) {
      return std::string(r.prefix);
    }
  }
  throw std::invalid_argument("the requirements matrix does not cover RFC " + std::string(rfc));
}

std::string qualified_section(const Entry& e) {
  return e.rfc == "9420" ? e.section : e.rfc + " " + e.section;
}

bool is_absolute(std::string_view keyword) {
  return keyword == "MUST" || keyword == "MUST NOT" || keyword == "REQUIRED" ||
         keyword == "SHALL" || keyword == "SHALL NOT";
}

std::vector<Entry> extract(std::string_view rfc_markdown, std::string_view rfc) {
  const std::string prefix = id_prefix(rfc);
  std::vector<std::string> lines = lines_of(rfc_markdown);
  std::vector<Block> blocks;
  bool body = false, back = false, fence = false;
  std::vector<int> number;  // heading counters by level
  std::string section, title;
  long cur = -1;
  static const std::regex kHeading(R"(^(#+)\s+(.*?)\s*(\{#[^}]*\})?\s*$)");
  static const std::regex kItem(R"(^( *)([*-]|[0-9]+\.) +(.*)$)");
  for (const auto& line : lines) {
    if (line.rfind("--- middle", 0) == 0) {
      body = true;
      continue;
    }
    if (line.rfind("--- back", 0) == 0) {
      back = true;
      number.clear();
      continue;
    }
    if (!body) {
      continue;
    }
    std::string trimmed = collapse(line);
    if (trimmed.rfind("~~~", 0) == 0 || trimmed.rfind("```", 0) == 0) {
      fence = !fence;
      cur = -1;
      continue;
    }
    if (fence) {
      continue;
    }
    std::smatch m;
    if (std::regex_match(line, m, kHeading)) {
      size_t level = m[1].length();
      number.resize(level, 0);
      number[level - 1]++;
      section.clear();
      for (size_t i = 0; i < level; ++i) {
        if (i > 0) {
          section += '.';
        }
        section += (back && i == 0) ? std::string(1, static_cast<char>('A' + number[0] - 1))
                                    : std::to_string(number[i]);
      }
      title = m[2].str();
      cur = -1;
      continue;
    }
    if (trimmed.empty() || trimmed.rfind("{:", 0) == 0 || trimmed[0] == '|') {
      cur = -1;
      continue;
    }
    if (std::regex_match(line, m, kItem)) {
      blocks.push_back({section, title, static_cast<size_t>(m[1].length()), true, m[3].str()});
      cur = static_cast<long>(blocks.size()) - 1;
      continue;
    }
    if (cur >= 0) {
      blocks[cur].text += " " + trimmed;
      continue;
    }
    size_t indent = line.find_first_not_of(' ');
    blocks.push_back({section, title, indent, false, trimmed});
    cur = static_cast<long>(blocks.size()) - 1;
  }

  std::vector<Entry> entries;
  std::map<std::string, int> count;  // per section
  for (size_t i = 0; i < blocks.size(); ++i) {
    const Block& b = blocks[i];
    std::string text = collapse(b.text);
    bool checklist = false;
    if (b.item) {
      // The intro: the nearest earlier paragraph at or left of the item, or
      // the item it is nested in.
      for (size_t j = i; j-- > 0 && blocks[j].section == b.section;) {
        const Block& p = blocks[j];
        if ((p.item && p.indent < b.indent) || (!p.item && p.indent <= b.indent)) {
          checklist = introduces_checklist(collapse(p.text));
          break;
        }
      }
    }
    // A checklist item of one or two words ("`add`", "Proposal types:") is a
    // piece of the sentence that introduces the list, not a requirement.
    if (checklist && std::count(text.begin(), text.end(), ' ') < 2) {
      checklist = false;
    }
    auto ss = sentences(text);
    for (size_t k = 0; k < ss.size(); ++k) {
      auto kw = keyword_of(ss[k]);
      if (!kw && !(checklist && k == 0) && !states_validity(ss[k])) {
        continue;
      }
      Entry e;
      e.rfc = std::string(rfc);
      e.section = b.section;
      e.title = b.title;
      e.id = prefix + b.section + "-" + std::to_string(++count[b.section]);
      e.keyword = kw ? *kw : "checklist";
      e.text = ss[k];
      e.binds = guess_binds(rfc, b.section, ss[k]);
      e.status = "open";
      entries.push_back(std::move(e));
    }
  }
  return entries;
}

std::vector<Entry> extract_all(const Rfcs& rfcs) {
  std::vector<Entry> out;
  for (const auto& r : kRfcs) {
    if (auto it = rfcs.find(std::string(r.number)); it != rfcs.end()) {
      auto entries = extract(it->second, r.number);
      out.insert(out.end(), entries.begin(), entries.end());
    }
  }
  return out;
}

// ---------------------------------------------------------------- the code

SourceScan scan_sources(const fs::path& root) {
  SourceScan scan;
  static const std::regex kHeader(R"(^\s*// RFC (9420|9180) §([0-9A-Z][0-9.]*)(.*)$)");
  static const std::regex kIds(R"(^ \[([^\]]+)\])");
  static const std::regex kQuoteLine(R"(^\s*//    +(\S.*)$)");
  static const std::regex kComment(R"(^\s*//)");
  std::vector<fs::path> files;
  for (const char* dir : {"ref", "tests"}) {
    std::error_code ec;
    if (!fs::is_directory(root / dir, ec)) {
      continue;
    }
    for (const auto& f : fs::recursive_directory_iterator(root / dir)) {
      auto ext = f.path().extension();
      if (f.is_regular_file() && (ext == ".cpp" || ext == ".h")) {
        files.push_back(f.path());
      }
    }
  }
  std::sort(files.begin(), files.end());
  // A test exercises a requirement when it names its constant (EXPECT_MLS_RULE).
  static const std::regex kMention(R"(\breq::([RH])([0-9A-Z][0-9_]*?)_([0-9]+)\b)");
  for (const auto& f : files) {
    std::string rel = fs::relative(f, root).generic_string();
    bool in_ref = rel.rfind("ref/", 0) == 0;
    if (rel == "ref/requirement_ids.h" || rel == "tests/requirements_test.cpp") {
      continue;  // the generated list of every ID; the made-up IDs of the checker's test
    }
    auto lines = lines_of(read_file(f));
    std::optional<Quote> quote;
    Site block;                    // the last citation header of the file
    std::vector<std::string> ids;  // and the IDs it cites
    std::string rfc = "9420";      // and the RFC it names
    bool after_header = false;     // the previous line was a header or quote line
    auto flush = [&] {
      if (quote && !quote->text.empty()) {
        scan.quotes.push_back(*quote);
      }
      quote.reset();
    };
    for (size_t n = 0; n < lines.size(); ++n) {
      const std::string& line = lines[n];
      Site site{rel, n + 1};
      if (!in_ref) {
        for (std::sregex_iterator it(line.begin(), line.end(), kMention), end; it != end; ++it) {
          std::string section = (*it)[2].str();
          std::replace(section.begin(), section.end(), '_', '.');
          std::string id = (*it)[1].str() + section + "-" + (*it)[3].str();
          scan.tests[id].push_back(site);
        }
        continue;
      }
      std::smatch m;
      if (std::regex_match(line, m, kHeader)) {
        flush();
        rfc = m[1].str();
        std::string section = rfc == "9420" ? m[2].str() : rfc + " " + m[2].str();
        std::string rest = m[3].str();
        std::smatch list_match;
        ids.clear();
        block = site;
        if (std::regex_search(rest, list_match, kIds)) {
          std::stringstream list(list_match[1].str());
          std::string id;
          while (std::getline(list, id, ',')) {
            id = collapse(id);
            scan.citations[id].push_back(site);
            scan.cited_ids.emplace_back(site, id);
            scan.cited_sections.emplace_back(site, section);
            ids.push_back(id);
          }
        }
        quote = Quote{site, "", rfc, block, ids};
        after_header = true;
        continue;
      }
      if (std::regex_match(line, m, kQuoteLine)) {
        std::string text = m[1].str();
        if (!quote && !after_header && text.rfind("[...]", 0) == 0) {
          quote = Quote{site, "", rfc, block, ids};  // a quote resumed below the code it covers
        }
        if (quote) {
          quote->text += (quote->text.empty() ? "" : " ") + text;
          continue;
        }
      } else if (std::regex_search(line, kComment) && quote && quote->text.empty()) {
        continue;  // a header spread over more than one comment line
      }
      flush();
      after_header = false;
    }
    flush();
  }
  return scan;
}

std::map<std::string, std::vector<Site>> rules_named_in_ref(const fs::path& root,
                                                            const std::vector<Entry>& entries) {
  // The constant of ref/requirement_ids.h: the ID with '.' and '-' as '_'.
  std::map<std::string, std::string> by_constant;
  for (const auto& e : entries) {
    std::string name = e.id;
    std::replace(name.begin(), name.end(), '.', '_');
    std::replace(name.begin(), name.end(), '-', '_');
    by_constant[name] = e.id;
  }
  std::vector<fs::path> files;
  for (const auto& f : fs::directory_iterator(root / "ref")) {
    auto ext = f.path().extension();
    if (f.is_regular_file() && (ext == ".cpp" || ext == ".h") &&
        f.path().filename() != "requirement_ids.h") {
      files.push_back(f.path());
    }
  }
  std::sort(files.begin(), files.end());
  static const std::regex kConstant(R"(\breq::([A-Z][0-9A-Za-z_]*))");
  std::map<std::string, std::vector<Site>> named;
  for (const auto& f : files) {
    std::string rel = fs::relative(f, root).generic_string();
    auto lines = lines_of(read_file(f));
    for (size_t n = 0; n < lines.size(); ++n) {
      std::string code = lines[n].substr(0, lines[n].find("//"));
      for (std::sregex_iterator it(code.begin(), code.end(), kConstant), end; it != end; ++it) {
        auto id = by_constant.find((*it)[1].str());
        if (id != by_constant.end()) {
          named[id->second].push_back(Site{rel, n + 1});
        }
      }
    }
  }
  return named;
}

std::vector<std::string> check_quotes(const Rfcs& rfcs, const std::vector<Quote>& quotes) {
  std::map<std::string, std::string> collapsed;
  for (const auto& [number, markdown] : rfcs) {
    collapsed[number] = collapse(markdown);
  }
  std::vector<std::string> problems;
  for (const auto& q : quotes) {
    auto source = collapsed.find(q.rfc);
    if (source == collapsed.end()) {
      problems.push_back(q.site.file + ":" + std::to_string(q.site.line) + ": quotes RFC " + q.rfc +
                         ", whose markdown source was not given");
      continue;
    }
    const std::string& rfc = source->second;
    std::string text = q.text;
    size_t pos = 0;
    std::vector<std::string> fragments;
    while (true) {
      size_t gap = text.find("[...]", pos);
      fragments.push_back(collapse(text.substr(pos, gap == std::string::npos ? gap : gap - pos)));
      if (gap == std::string::npos) {
        break;
      }
      pos = gap + 5;
    }
    for (const auto& frag : fragments) {
      if (!frag.empty() && rfc.find(frag) == std::string::npos) {
        problems.push_back(q.site.file + ":" + std::to_string(q.site.line) +
                           ": the quote is not word for word in RFC " + q.rfc + ": \"" + frag +
                           "\"");
        break;
      }
    }
  }
  return problems;
}

std::vector<std::string> check_cited_texts(const std::vector<Quote>& quotes,
                                           const std::vector<Entry>& entries) {
  std::map<std::string, const Entry*> by_id;
  for (const auto& e : entries) {
    by_id[e.id] = &e;
  }
  // A block's quote: its lines under the header and any resumed below the code.
  std::vector<std::pair<const Quote*, std::string>> blocks;
  std::map<std::pair<std::string, size_t>, size_t> index;
  for (const auto& q : quotes) {
    if (q.ids.empty()) {
      continue;
    }
    auto key = std::pair{q.block.file, q.block.line};
    auto [it, fresh] = index.emplace(key, blocks.size());
    if (fresh) {
      blocks.emplace_back(&q, collapse(q.text));
    } else {
      blocks[it->second].second += " " + collapse(q.text);
    }
  }
  std::vector<std::string> problems;
  for (const auto& [q, text] : blocks) {
    for (const auto& id : q->ids) {
      auto e = by_id.find(id);
      if (e == by_id.end()) {
        continue;  // check() reports an unknown ID
      }
      std::vector<std::string> words;
      std::stringstream ws(e->second->text);
      for (std::string w; ws >> w;) {
        words.push_back(w);
      }
      size_t run = std::min<size_t>(8, (words.size() + 1) / 2);
      bool quoted = words.empty();
      for (size_t i = 0; !quoted && i + run <= words.size(); ++i) {
        std::string s;
        for (size_t k = i; k < i + run; ++k) {
          s += (k == i ? "" : " ") + words[k];
        }
        quoted = text.find(s) != std::string::npos;
      }
      if (!quoted) {
        problems.push_back(q->block.file + ":" + std::to_string(q->block.line) + ": cites " + id +
                           " but its quote does not quote " + id + " (\"" + e->second->text +
                           "\"): a wrong ID, or a quote of another sentence");
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------- the YAML

std::vector<Entry> merge(const std::vector<Entry>& extracted, const std::vector<Entry>& existing,
                         const SourceScan& scan) {
  // The hand-set fields follow the statement, not its number: a new statement
  // extracted earlier in a section renumbers the ones after it. By section and
  // text first; by ID only for an entry whose text the RFC no longer has.
  std::map<std::string, const Entry*> by_id;
  std::map<std::pair<std::string, std::string>, const Entry*> by_text;
  for (const auto& e : existing) {
    by_id[e.id] = &e;
    by_text.emplace(std::pair{qualified_section(e), e.text}, &e);
  }
  std::set<std::pair<std::string, std::string>> extracted_texts;
  for (const auto& e : extracted) {
    extracted_texts.emplace(qualified_section(e), e.text);
  }
  std::vector<Entry> out;
  for (Entry e : extracted) {
    const Entry* found = nullptr;
    if (auto t = by_text.find({qualified_section(e), e.text}); t != by_text.end()) {
      found = t->second;
    } else if (auto i = by_id.find(e.id);
               i != by_id.end() &&
               !extracted_texts.count({qualified_section(*i->second), i->second->text})) {
      found = i->second;
    }
    if (found != nullptr) {
      const Entry& old = *found;
      e.binds = old.binds.empty() ? e.binds : old.binds;
      e.status = old.status.empty() ? e.status : old.status;
      e.reason = old.reason;
      e.issue = old.issue;
    }
    if (scan.citations.count(e.id)) {
      e.status = "enforced";
      e.reason.clear();
      e.issue.reset();
    } else if (e.status == "enforced") {
      e.status = "open";  // no check cites it any more
    }
    out.push_back(std::move(e));
  }
  // Implied rules are kept from the YAML, each after the last entry of its
  // section, their status computed the same way.
  for (Entry e : existing) {
    if (e.keyword != "implied") {
      continue;
    }
    if (scan.citations.count(e.id)) {
      e.status = "enforced";
      e.issue.reset();
    } else if (e.status == "enforced") {
      e.status = "open";
    }
    // After the last entry of a section at or before its own, in RFC order.
    auto numbers = [](const std::string& s) {
      std::vector<int> n;
      std::stringstream ss(s);
      for (std::string part; std::getline(ss, part, '.');) {
        n.push_back(std::isdigit(static_cast<unsigned char>(part[0])) ? std::stoi(part)
                                                                      : 1000 + part[0]);
      }
      return n;
    };
    auto after = std::find_if(out.rbegin(), out.rend(), [&](const Entry& o) {
      return o.rfc == e.rfc && numbers(o.section) <= numbers(e.section);
    });
    if (after == out.rend()) {
      // Before its RFC's first entry (the end when it has none).
      auto first = std::find_if(out.begin(), out.end(), [&](const Entry& o) { return o.rfc == e.rfc; });
      out.insert(first, std::move(e));
      continue;
    }
    out.insert(after.base(), std::move(e));
  }
  return out;
}

std::vector<Entry> parse_yaml(const std::string& yaml_text) {
  YAML::Node root = YAML::Load(yaml_text);
  std::vector<Entry> out;
  for (const auto& n : root["requirements"]) {
    Entry e;
    e.rfc = n["rfc"] ? n["rfc"].as<std::string>() : "9420";
    e.id = n["id"].as<std::string>();
    e.section = n["section"].as<std::string>();
    e.title = n["title"] ? n["title"].as<std::string>() : "";
    e.keyword = n["keyword"].as<std::string>();
    e.text = n["text"].as<std::string>();
    e.binds = n["binds"] ? n["binds"].as<std::string>() : "";
    e.status = n["status"] ? n["status"].as<std::string>() : "";
    e.reason = n["reason"] ? n["reason"].as<std::string>() : "";
    if (n["issue"]) {
      e.issue = n["issue"].as<int>();
    }
    out.push_back(std::move(e));
  }
  return out;
}

namespace {
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out + "\"";
}
}  // namespace

std::string to_yaml(const std::vector<Entry>& entries) {
  std::ostringstream y;
  y << "# Every normative statement of RFC 9420 (`rfc: 9420`, IDs R<section>-<n>)\n"
       "# and then of RFC 9180, HPKE, which MLS uses (`rfc: 9180`, IDs\n"
       "# H<section>-<n>): each sentence with a BCP 14 keyword and each item of a\n"
       "# \"verify that\" checklist (keyword: checklist).\n"
       "# Entries with keyword `implied` are written here by hand, with IDs\n"
       "# R<section>-i<n> (H<section>-i<n>): a check that the RFC implies without a\n"
       "# BCP 14 sentence or a checklist item of its own; `text` is the passage that\n"
       "# implies it, word for word, and `reason` says, as a paraphrase, what it\n"
       "# implies.\n"
       "#\n"
       "# Written by scripts/extract-requirements from the RFCs' markdown sources and\n"
       "# this file: rfc, id, section, title, keyword and text come from the RFC;\n"
       "# binds, reason and issue are kept from here; status `enforced` is computed\n"
       "# (a `// RFC 9420 §S [ID]` or `// RFC 9180 §S [ID]` comment in ref/ cites the\n"
       "# entry), `not-applicable` (with a reason) and `open` (with the issue that\n"
       "# will enforce it) are set here by hand. tests/requirements_test.cpp fails\n"
       "# when this file, the RFCs and the code disagree. `mlsref requirements`\n"
       "# prints the matrix.\n"
       "requirements:\n";
  for (const auto& e : entries) {
    y << "  - id: " << e.id << "\n"
      << "    rfc: " << e.rfc << "\n"
      << "    section: " << quoted(e.section) << "\n"
      << "    title: " << quoted(e.title) << "\n"
      << "    keyword: " << e.keyword << "\n"
      << "    binds: " << e.binds << "\n"
      << "    status: " << e.status << "\n";
    if (!e.reason.empty()) {
      y << "    reason: " << quoted(e.reason) << "\n";
    }
    if (e.issue) {
      y << "    issue: " << *e.issue << "\n";
    }
    y << "    text: " << quoted(e.text) << "\n";
  }
  return y.str();
}

std::string to_header(const std::vector<Entry>& entries) {
  std::ostringstream h;
  h << "// The requirements of RFC 9420 and RFC 9180 by ID (spec/requirements.yaml),\n"
       "// for the checks that raise an Error naming one. Written by\n"
       "// scripts/extract-requirements; do not edit.\n"
       "#pragma once\n\n"
       "#include \"requirement.h\"\n\n"
       "namespace mlsref::req {\n\n";
  for (const auto& e : entries) {
    std::string name = e.id;
    std::replace(name.begin(), name.end(), '.', '_');
    std::replace(name.begin(), name.end(), '-', '_');
    h << "inline constexpr Requirement " << name << "{\"" << e.id << "\", \""
      << qualified_section(e) << "\"};\n";
  }
  h << "\n}  // namespace mlsref::req\n";
  return h.str();
}

// ---------------------------------------------------------------- the totals

std::string markdown_totals(const std::vector<Entry>& entries) {
  struct Totals {
    size_t all = 0, enforced = 0, na = 0, open = 0, absolute = 0, absolute_enforced = 0;
    void add(const Entry& e) {
      bool must = is_absolute(e.keyword) || e.keyword == "checklist";
      all++;
      enforced += e.status == "enforced";
      na += e.status == "not-applicable";
      open += e.status == "open";
      absolute += must;
      absolute_enforced += must && e.status == "enforced";
    }
  };
  std::vector<std::string> order, rfcs;
  std::map<std::string, Totals> per, per_rfc;
  Totals sum;
  for (const auto& e : entries) {
    std::string top = e.section.substr(0, e.section.find('.'));
    std::string row = (e.rfc == "9420" ? "" : "RFC " + e.rfc + " ") + "§" + top;
    if (!per.count(row)) {
      order.push_back(row);
    }
    if (!per_rfc.count(e.rfc)) {
      rfcs.push_back(e.rfc);
    }
    per[row].add(e);
    per_rfc[e.rfc].add(e);
    sum.add(e);
  }
  std::ostringstream t;
  auto row = [&](const std::string& name, const Totals& x) {
    t << "| " << name << " | " << x.all << " | " << x.enforced << " | " << x.na << " | " << x.open
      << " | " << x.absolute_enforced << " of " << x.absolute << " |\n";
  };
  t << "| section | total | enforced | not-applicable | open | MUST-class enforced |\n"
    << "|---|--:|--:|--:|--:|--:|\n";
  for (const auto& s : order) {
    row(s, per[s]);
  }
  if (rfcs.size() > 1) {
    for (const auto& r : rfcs) {
      row("RFC " + r, per_rfc[r]);
    }
  }
  row("all", sum);
  return t.str();
}

std::optional<std::string> with_totals(const std::string& readme, const std::string& table) {
  size_t begin = readme.find(kTotalsBegin);
  if (begin == std::string::npos) {
    return std::nullopt;
  }
  begin += kTotalsBegin.size();
  size_t end = readme.find(kTotalsEnd, begin);
  if (end == std::string::npos) {
    return std::nullopt;
  }
  return readme.substr(0, begin) + "\n" + table + readme.substr(end);
}

// ---------------------------------------------------------------- the test

namespace {
std::string first_difference(const std::string& want, const std::string& have) {
  auto a = lines_of(want), b = lines_of(have);
  for (size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
    std::string x = i < a.size() ? a[i] : "(end of file)";
    std::string y = i < b.size() ? b[i] : "(end of file)";
    if (x != y) {
      return "line " + std::to_string(i + 1) + ": expected `" + x + "`, found `" + y + "`";
    }
  }
  return "";
}
}  // namespace

std::vector<std::string> check(const Rfcs& rfcs, const fs::path& root) {
  std::vector<std::string> problems;
  auto say = [&](std::string s) { problems.push_back(std::move(s)); };
  auto extracted = extract_all(rfcs);
  auto scan = scan_sources(root);
  std::string yaml_text = read_file(root / "spec/requirements.yaml");
  auto existing = parse_yaml(yaml_text);

  std::map<std::string, const Entry*> by_id;
  for (const auto& e : existing) {
    by_id[e.id] = &e;
  }
  std::map<std::string, const Entry*> extracted_by_id;
  for (const auto& e : extracted) {
    extracted_by_id[e.id] = &e;
  }
  for (const auto& e : existing) {
    if (!rfcs.count(e.rfc)) {
      say("spec/requirements.yaml: " + e.id + " is of RFC " + e.rfc +
          ", whose markdown source was not given");
    }
    auto it = extracted_by_id.find(e.id);
    if (it != extracted_by_id.end() && it->second->text != e.text) {
      say("spec/requirements.yaml: " + e.id + " has text that the RFC does not have there: \"" +
          e.text + "\"");
    }
  }
  auto merged = merge(extracted, existing, scan);
  std::string want = to_yaml(merged);
  if (want != yaml_text) {
    say("spec/requirements.yaml is not what scripts/extract-requirements writes (" +
        first_difference(want, yaml_text) + "): run scripts/extract-requirements");
  }
  std::string header;
  try {
    header = read_file(root / "ref/requirement_ids.h");
  } catch (const std::exception&) {
  }
  if (header != to_header(merged)) {
    say("ref/requirement_ids.h is not what scripts/extract-requirements writes (" +
        first_difference(to_header(merged), header) + ")");
  }

  std::string readme;
  try {
    readme = read_file(root / "README.md");
  } catch (const std::exception&) {
  }
  std::string table = markdown_totals(merged);
  auto want_readme = with_totals(readme, table);
  if (!want_readme) {
    say("README.md has no totals table between " + std::string(kTotalsBegin) + " and " +
        std::string(kTotalsEnd));
  } else if (*want_readme != readme) {
    size_t at = readme.find(kTotalsBegin);
    std::string have = readme.substr(at + kTotalsBegin.size() + 1,
                                     readme.find(kTotalsEnd, at) - at - kTotalsBegin.size() - 1);
    say("README.md: the requirements totals are stale (" + first_difference(table, have) +
        "): paste `mlsref requirements --markdown-totals` or run scripts/extract-requirements");
  }

  for (size_t i = 0; i < scan.cited_ids.size(); ++i) {
    const auto& [site, id] = scan.cited_ids[i];
    const std::string& section = scan.cited_sections[i].second;
    std::string where = site.file + ":" + std::to_string(site.line) + ": ";
    auto it = by_id.find(id);
    if (it == by_id.end()) {
      say(where + "cites " + id + ", which spec/requirements.yaml does not have");
    } else if (qualified_section(*it->second) != section) {
      say(where + "cites " + id + " under §" + section + ", but " + id + " is in §" +
          qualified_section(*it->second));
    }
  }
  for (const auto& [id, sites] : scan.tests) {
    if (!by_id.count(id)) {
      say(sites[0].file + ":" + std::to_string(sites[0].line) + ": names " + id +
          ", which spec/requirements.yaml does not have");
    }
  }
  static const std::set<std::string> kStatus{"enforced", "not-applicable", "open"};
  static const std::set<std::string> kBinds{"client",      "sender",           "receiver",
                                            "application", "delivery-service", "iana"};
  for (const auto& e : existing) {
    std::string where = "spec/requirements.yaml: " + e.id + ": ";
    if (!kStatus.count(e.status)) {
      say(where + "status '" + e.status + "' is not enforced, not-applicable or open");
    }
    if (!kBinds.count(e.binds)) {
      say(where + "binds '" + e.binds +
          "' is not one of client, sender, receiver, "
          "application, delivery-service, iana");
    }
    if (e.status == "enforced" && !scan.citations.count(e.id)) {
      say(where + "is marked enforced but no check in ref/ cites it");
    }
    if (e.status == "not-applicable" && e.reason.empty()) {
      say(where + "is not-applicable without a reason");
    }
    bool client = e.binds == "client" || e.binds == "sender" || e.binds == "receiver";
    if (e.status == "open" && client && (is_absolute(e.keyword) || e.keyword == "checklist") &&
        !e.issue) {
      say(where + e.keyword +
          " about what a client does is open without the issue that "
          "will enforce it");
    }
  }
  for (auto& p : check_quotes(rfcs, scan.quotes)) {
    say(std::move(p));
  }
  // An implied rule quotes the RFC word for word and has an ID of its own kind.
  static const std::regex kImpliedId(R"([RH][0-9A-Z.]+-i[1-9][0-9]*)");
  std::map<std::string, std::string> rfc_text;
  for (const auto& [number, markdown] : rfcs) {
    rfc_text[number] = collapse(markdown);
  }
  for (const auto& e : existing) {
    if (e.keyword != "implied" || !rfcs.count(e.rfc)) {
      continue;
    }
    std::string where = "spec/requirements.yaml: " + e.id + ": ";
    std::string prefix = id_prefix(e.rfc);
    if (!std::regex_match(e.id, kImpliedId) || e.id.rfind(prefix + e.section + "-i", 0) != 0) {
      say(where + "an implied rule's ID is " + prefix + "<section>-i<n>");
    }
    if (rfc_text[e.rfc].find(collapse(e.text)) == std::string::npos) {
      say(where + "the text of an implied rule is not word for word in RFC " + e.rfc);
    }
    if (e.reason.empty()) {
      say(where + "an implied rule says what it implies in `reason`");
    }
  }
  for (auto& p : check_cited_texts(scan.quotes, merged)) {
    say(std::move(p));
  }
  return problems;
}

std::optional<fs::path> locate_rfc(const fs::path& root, std::string_view rfc) {
  std::error_code ec;
  const std::string name = "rfc" + std::string(rfc) + ".md";
  const std::string var = "MLSREF_RFC" + std::string(rfc);
  if (const char* env = std::getenv(var.c_str()); env != nullptr && *env != '\0') {
    return fs::path(env);
  }
  for (const auto& p : {root / ".." / "shared" / "spec" / name, root / "spec" / "upstream" / name}) {
    if (fs::is_regular_file(p, ec)) {
      return fs::weakly_canonical(p, ec);
    }
  }
  return std::nullopt;
}

}  // namespace mlsref::conformance::requirements
