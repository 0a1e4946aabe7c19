// Helpers shared by the tests.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "conformance/runner.h"
#include "ref/error.h"
#include "ref/requirement_ids.h"

namespace mlsref::testing {

// Asserts that `expr` throws mlsref::Error, then runs the checks given on it
// (`e_`); the EXPECT_MLS_* macros below are made of it.
#define EXPECT_MLS_THROW_(expr, ...)               \
  do {                                             \
    try {                                          \
      (void)(expr);                                \
      ADD_FAILURE() << #expr " did not throw";     \
    } catch (const ::mlsref::Error& e_) {          \
      __VA_ARGS__;                                 \
    }                                              \
  } while (0)

// Asserts that `expr` throws mlsref::Error of `kind` citing `section`.
#define EXPECT_MLS_ERROR(expr, kind_, section_)                 \
  EXPECT_MLS_THROW_(expr, EXPECT_EQ(e_.kind(), (kind_)) << e_.what(); \
                    EXPECT_EQ(e_.section(), (section_)) << e_.what())

// Asserts that `expr` throws mlsref::Error of `kind` naming requirement
// `rule_` (a constant of ref/requirement_ids.h, e.g. req::R12_2_3), with a
// message that contains `text_`: for a rule checked at several places, it
// names the check that refused. The requirements matrix lists the test as
// exercising the rule.
#define EXPECT_MLS_RULE_AT(expr, kind_, rule_, text_)                         \
  EXPECT_MLS_THROW_(expr, EXPECT_EQ(e_.kind(), (kind_)) << e_.what();         \
                    EXPECT_EQ(e_.rule(), (rule_).id) << e_.what();            \
                    EXPECT_EQ(e_.section(), (rule_).section) << e_.what();    \
                    EXPECT_NE(e_.message().find(text_), std::string::npos) << e_.what())

// EXPECT_MLS_RULE_AT, whatever the message.
#define EXPECT_MLS_RULE(expr, kind_, rule_) EXPECT_MLS_RULE_AT(expr, kind_, rule_, "")

// The folder of the default vector set; the test fails (never skips) when
// there is none.
inline std::filesystem::path vectors_root() {
  auto root = conformance::locate_vectors();
  if (!root) {
    ADD_FAILURE() << conformance::missing_vectors_help();
    return {};
  }
  return *root;
}

}  // namespace mlsref::testing
