// The requirements matrix (spec/requirements.yaml): every normative statement
// of RFC 9420 (IDs R<section>-<n>) and of RFC 9180, HPKE, which MLS uses
// (IDs H<section>-<n>), extracted from the RFCs' markdown sources, each traced
// to the checks in ref/ that cite it and the tests that name it.
//
// Who writes what:
//   - extract() computes id, section, title, keyword and text from the RFC,
//     and a first guess of `binds`;
//   - people set binds, and status `not-applicable` (with a reason) or `open`
//     (with the issue that will enforce it) in the YAML;
//   - status `enforced` is computed: an entry is enforced exactly when a
//     `// RFC 9420 §S [ID]` (or `// RFC 9180 §S [ID]`) comment in ref/ cites it.
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

// The RFCs the matrix covers, in the order of the YAML: RFC 9420 and then
// RFC 9180, each with the letter its IDs start with.
struct RfcInfo {
  std::string_view number;  // "9420"
  std::string_view prefix;  // "R"
};
inline constexpr RfcInfo kRfcs[] = {{"9420", "R"}, {"9180", "H"}};
// The letter of an RFC's IDs ("R" for 9420, "H" for 9180).
std::string id_prefix(std::string_view rfc);

// The markdown sources by RFC number ("9420" -> its text). check() and the
// extraction cover the RFCs given.
using Rfcs = std::map<std::string, std::string>;

struct Entry {
  std::string rfc = "9420";  // the RFC of the statement: "9420" or "9180"
  std::string id;       // R<section>-<n> (H<section>-<n> for RFC 9180): the n-th
                        // normative statement of the section
  std::string section;  // "12.4.2", "A" (the section within its RFC)
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

// A quoted passage under a `// RFC 9420 §S` (or `// RFC 9180 §S`) comment in
// ref/: the lines indented by four or more spaces, joined; "[...]" marks an
// omission.
struct Quote {
  Site site;
  std::string text;
  std::string rfc = "9420";      // the RFC the header names
  Site block;                    // the `// RFC 9420 §S [ID]` line it belongs to
  std::vector<std::string> ids;  // the IDs that line cites
};

struct SourceScan {
  std::map<std::string, std::vector<Site>> citations;        // ID -> comments in ref/
  std::map<std::string, std::vector<Site>> tests;            // ID -> mentions in tests/
  // per citation: the § it names, as a Requirement constant writes it
  // ("12.2"; "9180 7.1.4" for RFC 9180)
  std::vector<std::pair<Site, std::string>> cited_sections;
  std::vector<std::pair<Site, std::string>> cited_ids;       // per citation: the ID
  std::vector<Quote> quotes;
};

// The requirements that ref/'s code names by constant (`req::R12_2_3` in a
// raise, an enforced() switch or an argument; comments aside): the rules its
// checks enforce. ID -> sites, for the IDs of `entries`.
std::map<std::string, std::vector<Site>> rules_named_in_ref(const std::filesystem::path& root,
                                                            const std::vector<Entry>& entries);

// The section as a Requirement constant and Error::section() write it: "12.2"
// for RFC 9420, "9180 7.1.4" for RFC 9180.
std::string qualified_section(const Entry& e);

// The keyword sentences, checklist items and "is invalid if" sentences of the
// RFC's markdown source, in document order, with status "open"; `rfc` is the
// RFC's number, which gives the IDs' letter.
std::vector<Entry> extract(std::string_view rfc_markdown, std::string_view rfc = "9420");
// extract() of each RFC given, in the order of kRfcs.
std::vector<Entry> extract_all(const Rfcs& rfcs);

// Reads `// RFC 9420 §S [ID, ...]` and `// RFC 9180 §S [ID, ...]` citations
// and their quotes from ref/, and the requirement constants tests/ names
// (req::R12_2_3, req::H7_1_4_1, as EXPECT_MLS_RULE takes).
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
// aside, in the source of the RFC the quote's header names: one message per
// quote (also for a quote of an RFC not given).
std::vector<std::string> check_quotes(const Rfcs& rfcs, const std::vector<Quote>& quotes);

// Citation blocks whose quote does not quote the entry of a cited ID, at
// least in part: a run of 8 consecutive words of the entry's text (of half its
// words when it has fewer than 16), whitespace aside. One message per ID.
std::vector<std::string> check_cited_texts(const std::vector<Quote>& quotes,
                                           const std::vector<Entry>& entries);

// Every disagreement between the RFCs, spec/requirements.yaml,
// ref/requirement_ids.h and the code under root: one message each.
std::vector<std::string> check(const Rfcs& rfcs, const std::filesystem::path& root);

// The totals per top-level section, as the README shows them between
// kTotalsBegin and kTotalsEnd: a Markdown table with one row per section
// (total, enforced, not-applicable, open, and the MUST-class entries --
// MUST, MUST NOT, REQUIRED, SHALL, SHALL NOT, checklist -- enforced of all;
// "§7" for RFC 9420, "RFC 9180 §7" for RFC 9180), a row per RFC when there
// are entries of more than one, and a last row for all. `mlsref requirements --markdown-totals`
// prints it; check() fails when README.md shows another.
inline constexpr std::string_view kTotalsBegin = "<!-- requirements-totals -->";
inline constexpr std::string_view kTotalsEnd = "<!-- /requirements-totals -->";
std::string markdown_totals(const std::vector<Entry>& entries);

// The README with the table between the markers replaced by `table`, or
// nullopt when the README lacks the markers.
std::optional<std::string> with_totals(const std::string& readme, const std::string& table);

// Where an RFC's markdown source is: $MLSREF_RFC9420 ($MLSREF_RFC9180),
// ../shared/spec/rfc9420.md (rfc9180.md) beside the checkout, else the
// checkout's spec/upstream/rfc9420.md (rfc9180.md; scripts/fetch-vectors.sh).
std::optional<std::filesystem::path> locate_rfc(const std::filesystem::path& root,
                                                std::string_view rfc = "9420");

// MUST, MUST NOT, REQUIRED, SHALL, SHALL NOT: the absolute requirements.
bool is_absolute(std::string_view keyword);

}  // namespace mlsref::conformance::requirements
