// The must-reject vectors (invalid-passive-client, issue 11): the rule switch
// of ref/rule_switch.h, and that `mlsref verify` passes such a case only when
// the marked message is rejected at the marked place for the marked rule.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "conformance/runner.h"
#include "conformance/vector_type.h"
#include "ref/requirement_ids.h"
#include "ref/rule_switch.h"

namespace mlsref::conformance {
namespace {

// One rule's cases, for one suite, as the generator writes them.
json cases_of(const std::string& rule, uint16_t suite, uint64_t seed = 0) {
  GenerateOptions o;
  o.suite = suite;
  o.seed = seed;
  o.rules = {rule};
  return generate_invalid_passive_client(o);
}

// What verify reports for one case: empty when it passes, else "check: message".
std::string verify_invalid(const json& c) {
  CaseContext context;
  try {
    verify_invalid_passive_client(c, context);
    return "";
  } catch (const CheckFailure& f) {
    return f.check() + ": " + f.message();
  }
}

std::string verify_plain(const json& c) {
  CaseContext context;
  try {
    verify_passive_client(c, context);
    return "";
  } catch (const CheckFailure& f) {
    return f.check() + ": " + f.message();
  }
}

TEST(RuleSwitch, OnlyTheGuardedRuleIsOffAndOnlyWhileTheGuardLives) {
  EXPECT_TRUE(enforced(req::R12_2_4));
  {
    RuleSwitchedOff off(req::R12_2_4);
    EXPECT_FALSE(enforced(req::R12_2_4));
    EXPECT_TRUE(enforced(req::R12_2_6));
    {
      RuleSwitchedOff inner({&req::R12_2_6, &req::R12_2_10});
      EXPECT_FALSE(enforced(req::R12_2_6));
      EXPECT_FALSE(enforced(req::R12_2_10));
      EXPECT_FALSE(enforced(req::R12_2_4));
    }
    EXPECT_TRUE(enforced(req::R12_2_6));
    EXPECT_FALSE(enforced(req::R12_2_4));
  }
  EXPECT_TRUE(enforced(req::R12_2_4));
}

// ref/'s source files with one of `extensions`, by file name, as their lines.
std::vector<std::pair<std::string, std::vector<std::string>>> ref_sources(
    std::initializer_list<std::string_view> extensions) {
  namespace fs = std::filesystem;
  std::vector<std::pair<std::string, std::vector<std::string>>> out;
  for (const auto& f : fs::directory_iterator(fs::path(MLSREF_SOURCE_DIR) / "ref")) {
    if (std::find(extensions.begin(), extensions.end(), f.path().extension().string()) ==
        extensions.end()) {
      continue;
    }
    std::ifstream in(f.path());
    std::vector<std::string> lines;
    for (std::string l; std::getline(in, l);) {
      lines.push_back(l);
    }
    out.emplace_back(f.path().filename().string(), std::move(lines));
  }
  return out;
}

// One finding per line, indented, for a failure message.
std::string listed(const std::vector<std::string>& findings) {
  std::string s;
  for (const auto& f : findings) s += "  " + f + "\n";
  return s;
}

// Issue 11: "every validation check has a rule ID, and a test-only way to
// switch off one rule by ID". Read from ref/'s sources: every place that
// raises an Error naming a requirement (`throw Error(..., req::X, ...)`,
// `tree_error(req::X, ...)`, `fail(..., req::X)`, or a `rule` passed in) is
// guarded by enforced() of that requirement in its condition or the lines
// just above it, or says there why it cannot be switched off: a comment
// containing "(ref/rule_switch.h)".
TEST(RuleSwitch, EveryCheckThatNamesARuleCanBeSwitchedOffOrSaysWhyNot) {
  static const std::regex kRaise(R"((throw Error\(|tree_error\(|\bfail\())");
  static const std::regex kRule(R"(req::([RH][0-9_]+(?:i[0-9]+)?)|\brule\b)");
  constexpr size_t kLookBack = 12;  // lines above the raise
  std::vector<std::string> unguarded;
  size_t raises = 0;
  for (const auto& [file, lines] : ref_sources({".cpp"})) {
    for (size_t i = 0; i < lines.size(); ++i) {
      if (!std::regex_search(lines[i], kRaise) || lines[i].find("void ") != std::string::npos) {
        continue;  // not a raise, or the definition of tree_error/fail
      }
      std::string statement;
      for (size_t j = i; j < lines.size() && statement.find(';') == std::string::npos; ++j) {
        statement += lines[j];
      }
      std::set<std::string> rules;
      for (std::sregex_iterator m(statement.begin(), statement.end(), kRule), end; m != end; ++m) {
        rules.insert((*m)[1].matched ? "req::" + (*m)[1].str() : "rule");
      }
      if (rules.empty()) {
        continue;  // an Error naming only a section: no rule to switch
      }
      ++raises;
      std::string above;
      for (size_t j = i > kLookBack ? i - kLookBack : 0; j < i; ++j) {
        above += lines[j] + "\n";
      }
      if (above.find("(ref/rule_switch.h)") != std::string::npos) {
        continue;
      }
      for (const std::string& r : rules) {
        // enforced(req::X), or enforced(a ? req::X : req::Y) naming it
        static const std::regex kEnforced(R"(enforced\(([^;{]*)\))");
        bool guarded = false;
        for (std::sregex_iterator m(above.begin(), above.end(), kEnforced), end; m != end; ++m) {
          const std::string args = (*m)[1].str();
          size_t at = args.find(r);
          guarded |= at != std::string::npos &&
                     (at + r.size() == args.size() ||
                      (!std::isalnum(args[at + r.size()]) && args[at + r.size()] != '_'));
        }
        if (!guarded) {
          unguarded.push_back(file + ":" + std::to_string(i + 1) + " " + r);
        }
      }
    }
  }
  EXPECT_GT(raises, 100u) << "the scan found too few raises: has ref/ moved?";
  EXPECT_TRUE(unguarded.empty()) << "raises without enforced() or a (ref/rule_switch.h) reason:\n"
                                 << listed(unguarded);
}

// Issue 11: "every validation check has a rule ID". A check that refuses
// input (ErrorKind decode, protocol, crypto or
// unsupported_group_context_extensions) names the requirement it enforces;
// an Error that names a section only is one of the kinds that are not about
// the input's validity: usage (a precondition of mlsref's API), unsupported
// (a valid value mlsref does not implement) or internal (a bug). Read from
// ref/'s sources: every `Error(ErrorKind::K, <section>` with K a validation
// kind, and every helper that raises with a section string, is listed.
TEST(RuleSwitch, EveryValidationErrorNamesARule) {
  // A raise whose second argument is a string (a literal, a section variable
  // or a choice between literals) rather than a Requirement.
  static const std::regex kSectionOnly(
      R"(Error\(ErrorKind::(decode|protocol|crypto|unsupported_group_context_extensions),\s*)"
      R"(([^,]*))");
  static const std::regex kHelper(R"(\b(tree_error|crypto_error)\(\s*")");
  std::vector<std::string> sectionless;
  size_t raises = 0;
  for (const auto& [file, lines] : ref_sources({".cpp", ".h"})) {
    for (size_t i = 0; i < lines.size(); ++i) {
      // Join a raise split over lines up to its second argument.
      std::string text = lines[i];
      if (i + 1 < lines.size()) {
        text += " " + lines[i + 1];
      }
      std::smatch m;
      bool flagged = false;
      if (std::regex_search(text, m, kSectionOnly) && static_cast<size_t>(m.position(0)) < lines[i].size()) {
        ++raises;
        const std::string arg = m[2].str();
        flagged = arg.find('"') != std::string::npos || arg == "section";
      }
      if (std::regex_search(lines[i], kHelper)) {
        ++raises;
        flagged = true;
      }
      if (flagged) {
        sectionless.push_back(file + ":" + std::to_string(i + 1) + " " +
                              lines[i].substr(lines[i].find_first_not_of(' ')));
      }
    }
  }
  EXPECT_GT(raises, 100u) << "the scan found too few raises: has ref/ moved?";
  EXPECT_TRUE(sectionless.empty()) << "validation errors that name a section but no rule:\n"
                                   << listed(sectionless);
}

TEST(InvalidPassiveClient, GeneratedCasesPassAndAreDeterministic) {
  for (const char* rule : {"R12.2-4", "R12.4.2-23", "R12.4.3.1-6"}) {
    json a = cases_of(rule, 1, 7);
    ASSERT_GE(a.size(), 1u) << rule;
    EXPECT_EQ(a, cases_of(rule, 1, 7)) << rule;
    for (const auto& c : a) {
      EXPECT_EQ(verify_invalid(c), "") << rule;
      EXPECT_EQ(c["invalid"]["rule"], rule);
    }
  }
}

// Each case breaks no rule its mark does not name: with the marked rule and
// its also_breaks switched off (an implementation that enforces none of
// them), the marked message is accepted, or (no accepted state) refused for
// want of state, never for another rule. A rejection for a rule of
// also_breaks that cannot be switched off (a path secret that no longer
// decrypts) is a rejection the mark names.
TEST(InvalidPassiveClient, EachCaseBreaksOnlyTheRulesItsMarkNames) {
  GenerateOptions o;
  o.suite = 1;
  json cases = generate_invalid_passive_client(o);
  ASSERT_GE(cases.size(), 80u);
  for (const json& c : cases) {
    const json& mark = c["invalid"];
    std::vector<std::string> ids{mark["rule"].get<std::string>()};
    for (const json& a : mark.value("also_breaks", json::array())) {
      ids.push_back(a.get<std::string>());
    }
    std::vector<Requirement> rules;
    for (const std::string& id : ids) {
      rules.push_back(Requirement{id, ""});
    }
    std::vector<std::unique_ptr<RuleSwitchedOff>> off;
    for (const Requirement& r : rules) {
      off.push_back(std::make_unique<RuleSwitchedOff>(r));
    }
    const std::string got = verify_invalid(c);
    const std::string rejected = "rejected for ";
    size_t at = got.find(rejected);
    if (at == std::string::npos) {
      // Accepted (a missed rejection), or passed over without state.
      continue;
    }
    std::string rule = got.substr(at + rejected.size());
    rule = rule.substr(0, rule.find(','));
    const bool named = std::find(ids.begin(), ids.end(), rule) != ids.end();
    const bool stateless =
        !mark.value("accepted_state", true) && rule == "no rule ID (RFC 9420 §7)";
    EXPECT_TRUE(named || stateless) << ids[0] << ": " << got;
  }
}

// A rule's cases do not depend on which other rules are generated with it.
TEST(InvalidPassiveClient, ARulesCasesDoNotDependOnTheOtherRulesGenerated) {
  GenerateOptions both;
  both.suite = 5;
  both.rules = {"R12.2-10", "R12.2-14"};
  json all = generate_invalid_passive_client(both);
  json one = cases_of("R12.2-14", 5);
  ASSERT_EQ(one.size(), 1u);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1], one[0]);
}

// A harness that knows nothing of "invalid" (mlsref's own passive-client
// verifier, as another implementation's harness) fails the case at the
// marked message: a correct implementation reports FAIL there.
TEST(InvalidPassiveClient, APlainPassiveClientHarnessFailsAtTheMarkedMessage) {
  json c = cases_of("R12.2-11", 2)[0];
  std::string got = verify_plain(c);
  size_t k = c["invalid"]["epoch"].get<size_t>();
  EXPECT_NE(got.find("epochs[" + std::to_string(k) + "].commit"), std::string::npos) << got;
  EXPECT_NE(got.find("R12.2-11"), std::string::npos) << got;
}

// With the rule switched off (an implementation that does not enforce it),
// the case fails as a missed rejection, and a plain passive-client harness
// passes it: the recorded epoch_authenticator is what such an implementation
// computes.
TEST(InvalidPassiveClient, VerifyFailsWhenTheRuleIsNotEnforced) {
  for (const char* rule : {"R12.2-6", "R12.1-1", "R7.9.2-1", "R6.2-2"}) {
    json c = cases_of(rule, 3)[0];
    RuleSwitchedOff off(*[&]() -> const Requirement* {
      for (const Requirement* r : {&req::R12_2_6, &req::R12_1_1, &req::R7_9_2_1, &req::R6_2_2}) {
        if (r->id == rule) {
          return r;
        }
      }
      return nullptr;
    }());
    std::string got = verify_invalid(c);
    EXPECT_NE(got.find("accepted, but it breaks " + std::string(rule)), std::string::npos)
        << rule << ": " << got;
    EXPECT_EQ(verify_plain(c), "") << rule;
  }
}

// The same for the rules of the second round of issue 11 that have an
// accepted state; where the message necessarily breaks a second rule
// ("also_breaks"), that one is switched off as well.
TEST(InvalidPassiveClient, VerifyFailsWhenTheNewRulesAreNotEnforced) {
  struct Row {
    const char* rule;
    std::vector<const Requirement*> off;
    size_t variant = 0;  // which of the rule's cases, in the generator's order
  };
  const Row rows[] = {
      {"R8.1-1", {&req::R8_1_1}},
      {"R6-1", {&req::R6_1}},
      {"R6.3.1-5", {&req::R6_3_1_5}},
      {"R12.1.8-2", {&req::R12_1_8_2}},
      {"R12.2-19", {&req::R12_2_19}},
      {"R12.4.3.2-2", {&req::R12_4_3_2_2}},
      {"R12.4.2-13", {&req::R12_4_2_13, &req::R12_4_2_14}},
      {"R12.4.2-14", {&req::R12_4_2_14}},  // the parent-node case: no second rule
      {"R7.1-1", {&req::R7_1_1}},
      {"R10-4", {&req::R10_4}},
      {"R13.4-5", {&req::R13_4_5}},
      {"R7.3-4", {&req::R7_3_4}},
      {"R7.3-5", {&req::R7_3_5}},
      {"R16.7-1", {&req::R16_7_1}},
      {"R12.4.3.1-17", {&req::R12_4_3_1_17}},
      {"R11.2-4", {&req::R11_2_4}},
      {"R11.2-6", {&req::R11_2_6}},
      {"R11.3-6", {&req::R11_3_6}},
      {"R11.3-8", {&req::R11_3_8}},
      // the third round
      {"R10-3", {&req::R10_3}},
      {"R12.4.3.1-i3", {&req::R12_4_3_1_i3}},
      {"R11.3-2", {&req::R11_3_2}},
      {"R8.4-i2", {&req::R8_4_i2}},
      {"R12.2-20", {&req::R12_2_20}},
      {"R6.1-i1", {&req::R6_1_i1}},
      {"R12.4.2-25", {&req::R12_4_2_25}},
      // the key a path secret does not give (the first case does not decrypt)
      {"R12.4.2-17", {&req::R12_4_2_17}, 1},
  };
  for (const Row& row : rows) {
    json c = cases_of(row.rule, 2).at(row.variant);
    ASSERT_NE(c["invalid"].value("accepted_state", true), false) << row.rule;
    std::vector<std::unique_ptr<RuleSwitchedOff>> off;
    for (const Requirement* r : row.off) {
      off.push_back(std::make_unique<RuleSwitchedOff>(*r));
    }
    std::string got = verify_invalid(c);
    EXPECT_NE(got.find("accepted, but it breaks " + std::string(row.rule)), std::string::npos)
        << row.rule << ": " << got;
    EXPECT_EQ(verify_plain(c), "") << row.rule;
  }
}

TEST(InvalidPassiveClient, VerifyFailsARejectionForAnotherRule) {
  json c = cases_of("R12.2-10", 1)[0];
  c["invalid"]["rule"] = "R12.2-11";
  std::string got = verify_invalid(c);
  EXPECT_NE(got.find("rejected for R12.2-10, not for R12.2-11"), std::string::npos) << got;
}

TEST(InvalidPassiveClient, VerifyFailsARejectionBeforeTheMarkedEpoch) {
  json c = cases_of("R12.2-14", 1)[0];
  // The invalid epoch twice: the first copy is rejected, before the mark.
  json epochs = c["epochs"];
  epochs.push_back(epochs.back());
  c["epochs"] = epochs;
  c["invalid"]["epoch"] = epochs.size() - 1;
  std::string got = verify_invalid(c);
  EXPECT_NE(got.find("rejected before the invalid message"), std::string::npos) << got;
}

TEST(InvalidPassiveClient, VerifyFailsAWelcomeCaseWhoseWelcomeIsValid) {
  // An ordinary passive-client case, marked as if its Welcome were invalid.
  GenerateOptions o;
  o.suite = 1;
  json c = generate_passive_client_welcome(o)[0];
  c["epochs"] = json::array();
  c["invalid"] = {{"epoch", "welcome"}, {"rule", "R12.4.3.1-6"}, {"section", "12.4.3.1"}};
  std::string got = verify_invalid(c);
  EXPECT_NE(got.find("welcome: accepted, but it breaks R12.4.3.1-6"), std::string::npos) << got;
}

TEST(InvalidPassiveClient, MalformedMarksAreRefused) {
  json c = cases_of("R12.2-12", 1)[0];
  json not_last = c;
  not_last["invalid"]["epoch"] = 0;
  EXPECT_NE(verify_invalid(not_last).find("invalid.epoch"), std::string::npos);
  json no_rule = c;
  no_rule["invalid"].erase("rule");
  EXPECT_NE(verify_invalid(no_rule).find("rule"), std::string::npos);
}

TEST(InvalidPassiveClient, EveryRuleHasAGeneratorThatNamesARequirementOfItsSection) {
  auto rules = invalid_rules();
  EXPECT_GE(rules.size(), 30u);
  for (const auto& r : rules) {
    std::string id(r.id);
    std::string section(r.section);
    // RFC 9180's rules: H7.1.4-2 under "9180 7.1.4".
    const std::string prefix =
        section.rfind("9180 ", 0) == 0 ? "H" + section.substr(5) : "R" + section;
    EXPECT_EQ(id.rfind(prefix + "-", 0), 0u) << id << " under §" << section;
  }
}

TEST(InvalidPassiveClient, UnknownRuleIsRefused) {
  GenerateOptions o;
  o.rules = {"R99-1"};
  EXPECT_THROW(generate_invalid_passive_client(o), Error);
}

}  // namespace
}  // namespace mlsref::conformance
