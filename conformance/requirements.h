// The requirements matrix (spec/requirements.yaml): every normative statement
// of RFC 9420, extracted from the RFC's markdown source, each traced to the
// checks in ref/ that cite it and the tests that name it.
//
// Who writes what:
//   - extract() computes id, section, title, keyword and text from the RFC,
//     and a first guess of `binds`;
//   - people set binds, and status `not-applicable` (with a reason) or `open`
//     (with the issue that will enforce it) in the YAML;
//   - status `enforced` is computed: an entry is enforced exactly when a
//     `// RFC 9420 §S [ID]` comment in ref/ cites it.
// merge() combines the three; `mlsref requirements --extract` (run by
// scripts/extract-requirements) writes the result, and check() is the test
// that the file, the code and the RFC agree.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mlsref::conformance::requirements {

struct Entry {
  std::string id;       // R<section>-<n>: the n-th normative statement of the section
  std::string section;  // "12.4.2", "A"
  std::string title;    // the section's title
  // the strongest BCP 14 keyword, "checklist" (a "verify that" item), or
  // "implied" (kept by hand: a check the RFC implies; see spec/requirements.yaml)
  std::string keyword;
  std::string text;          // the sentence, whitespace collapsed, as in the RFC source
  std::string binds;         // client, sender, receiver, delivery-service, application, iana
  std::string status;        // enforced, not-applicable, open
  std::string reason;        // why not-applicable
  std::optional<int> issue;  // the open issue that will enforce it
};

// Where a requirement is cited or named.
struct Site {
  std::string file;  // relative to the source root
  size_t line = 0;
};

// A quoted passage under a `// RFC 9420 §S` comment in ref/: the lines
// indented by four or more spaces, joined; "[...]" marks an omission.
struct Quote {
  Site site;
  std::string text;
  Site block;                    // the `// RFC 9420 §S [ID]` line it belongs to
  std::vector<std::string> ids;  // the IDs that line cites
};

struct SourceScan {
  std::map<std::string, std::vector<Site>> citations;        // ID -> comments in ref/
  std::map<std::string, std::vector<Site>> tests;            // ID -> mentions in tests/
  std::vector<std::pair<Site, std::string>> cited_sections;  // per citation: the § it names
  std::vector<std::pair<Site, std::string>> cited_ids;       // per citation: the ID
  std::vector<Quote> quotes;
};

// The requirements that ref/'s code names by constant (`req::R12_2_3` in a
// raise, an enforced() switch or an argument; comments aside): the rules its
// checks enforce. ID -> sites, for the IDs of `entries`.
std::map<std::string, std::vector<Site>> rules_named_in_ref(const std::filesystem::path& root,
                                                            const std::vector<Entry>& entries);

// The keyword sentences, checklist items and "is invalid if" sentences of the
// RFC's markdown source, in document order, with status "open".
std::vector<Entry> extract(std::string_view rfc_markdown);

// Reads `// RFC 9420 §S [ID, ...]` citations and their quotes from ref/, and
// the requirement constants tests/ names (req::R12_2_3, as EXPECT_MLS_RULE takes).
SourceScan scan_sources(const std::filesystem::path& root);

// Extracted entries with the people-set fields of `existing` (matched by
// section and text, so that renumbering moves them along; by ID only for an
// entry whose text the RFC no longer has) and status enforced exactly where
// cited.
std::vector<Entry> merge(const std::vector<Entry>& extracted, const std::vector<Entry>& existing,
                         const SourceScan& scan);

std::vector<Entry> parse_yaml(const std::string& yaml_text);
std::string to_yaml(const std::vector<Entry>& entries);
// ref/requirement_ids.h: one constant per entry, so that a check raising an
// error names its requirement by a name the compiler knows.
std::string to_header(const std::vector<Entry>& entries);

// The quote fragments (between "[...]") not found word for word, whitespace
// aside, in the RFC source: one message per quote.
std::vector<std::string> check_quotes(std::string_view rfc_markdown,
                                      const std::vector<Quote>& quotes);

// Citation blocks whose quote does not quote the entry of a cited ID, at
// least in part: a run of 8 consecutive words of the entry's text (of half its
// words when it has fewer than 16), whitespace aside. One message per ID.
std::vector<std::string> check_cited_texts(const std::vector<Quote>& quotes,
                                           const std::vector<Entry>& entries);

// Every disagreement between the RFC, spec/requirements.yaml,
// ref/requirement_ids.h and the code under root: one message each.
std::vector<std::string> check(std::string_view rfc_markdown, const std::filesystem::path& root);

// The totals per top-level section, as the README shows them between
// kTotalsBegin and kTotalsEnd: a Markdown table with one row per section
// (total, enforced, not-applicable, open, and the MUST-class entries --
// MUST, MUST NOT, REQUIRED, SHALL, SHALL NOT, checklist -- enforced of all)
// and a last row for the whole RFC. `mlsref requirements --markdown-totals`
// prints it; check() fails when README.md shows another.
inline constexpr std::string_view kTotalsBegin = "<!-- requirements-totals -->";
inline constexpr std::string_view kTotalsEnd = "<!-- /requirements-totals -->";
std::string markdown_totals(const std::vector<Entry>& entries);

// The README with the table between the markers replaced by `table`, or
// nullopt when the README lacks the markers.
std::optional<std::string> with_totals(const std::string& readme, const std::string& table);

// Where the RFC's markdown source is: $MLSREF_RFC9420, ../shared/spec/rfc9420.md
// beside the checkout, else the checkout's spec/upstream/rfc9420.md
// (scripts/fetch-vectors.sh).
std::optional<std::filesystem::path> locate_rfc(const std::filesystem::path& root);

// MUST, MUST NOT, REQUIRED, SHALL, SHALL NOT: the absolute requirements.
bool is_absolute(std::string_view keyword);

}  // namespace mlsref::conformance::requirements
