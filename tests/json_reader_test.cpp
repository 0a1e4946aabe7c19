// The JSON reader of conformance/json_reader.h against nlohmann's parser
// (fuzz/json_oracle.h): on every vector and scenario file, on hand-picked
// edge cases of RFC 8259, and on generated and mutated texts.
#include "conformance/json_reader.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <cmath>

#include "fuzz/json_oracle.h"
#include "tests/test_util.h"

namespace mlsref::conformance {
namespace {

using fuzz::identical;
using fuzz::json_disagreement;

TEST(JsonReader, ReadsEveryVectorAndScenarioFileAsNlohmannDoes) {
  std::vector<std::filesystem::path> files;
  std::filesystem::path root = testing::vectors_root();
  for (const auto& dir : {root, std::filesystem::path(MLSREF_SOURCE_DIR) / "vectors",
                          std::filesystem::path(MLSREF_SOURCE_DIR) / "conformance" / "scenarios"}) {
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
      if (e.is_regular_file() && e.path().extension() == ".json") {
        files.push_back(e.path());
      }
    }
  }
  ASSERT_GE(files.size(), 20u);
  for (const auto& f : files) {
    std::string text = read_whole_file(f).value_or("");
    json ours = read_json(text);
    EXPECT_TRUE(identical(ours, json::parse(text))) << f;
  }
}

TEST(JsonReader, ReadsValuesWithNlohmannsTypes) {
  EXPECT_TRUE(read_json("1").is_number_unsigned());
  EXPECT_TRUE(read_json("-1").is_number_integer());
  EXPECT_TRUE(read_json("-0").is_number_integer());
  EXPECT_TRUE(read_json("1.5").is_number_float());
  EXPECT_TRUE(read_json("18446744073709551616").is_number_float());
  EXPECT_EQ(read_json("18446744073709551615").get<uint64_t>(), UINT64_MAX);
  EXPECT_EQ(read_json("-9223372036854775808").get<int64_t>(), INT64_MIN);
  EXPECT_EQ(read_json(R"("a\u00e9\ud83d\ude00\n")").get<std::string>(),
            "a\xc3\xa9\xf0\x9f\x98\x80\n");
  EXPECT_EQ(read_json(R"({"a": 1, "a": 2})"), json({{"a", 2}}));
  EXPECT_EQ(read_json("\xef\xbb\xbf [true, false, null] "), json({true, false, nullptr}));
}

// Each text: both parsers accept it to identical values, or both reject it.
TEST(JsonReader, AgreesWithNlohmannOnEdgeCases) {
  // Many short texts, several to a line.
  // clang-format off
  const char* const accepted[] = {
      "0", "-0", "0.0", "1E5", "1e-5", "-1.25e+3", "1e-999", "9007199254740993",
      "18446744073709551616", "-9223372036854775809", "\"\"", "\"\\u0000\"",
      "\"\\/\\b\\f\\n\\r\\t\\\"\\\\\"", "\"\x7f\"", "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"",
      "\"\xed\x9f\xbf\"", "\"\xee\x80\x80\"", "\"\xf4\x8f\xbf\xbf\"", " \t\r\n[ ]\n", "[[]]",
      "{}", "{\"\":{}}", "[1,[2,[3,{\"a\":[]}]]]", "\xef\xbb\xbf{}"};
  for (const char* text : accepted) {
    EXPECT_NO_THROW(read_json(text)) << text;
    EXPECT_EQ(json_disagreement(text), "") << text;
  }
  const std::string rejected[] = {
      "", " ", "[", "]", "[1,]", "[,1]", "{\"a\":1,}", "{\"a\" 1}", "{1:2}", "{\"a\"}", "01",
      "-", "-a", "1.", "1.e3", "1e", "1e+", ".5", "+1", "0x10", "1e999", "-1e999", "Infinity",
      "NaN", "tru", "nul", "fals", "true false", "[true]]", "\"abc", "\"\\x\"", "\"\\u12\"",
      "\"\\u12G4\"", "\"\\ud83d\"", "\"\\ude00\"", "\"\\ud83dx\"", "\"\\ud83d\\u0041\"",
      "\"\x01\"", "\"\t\"", "\"\xc0\x80\"", "\"\xc1\xbf\"", "\"\x80\"", "\"\xed\xa0\x80\"",
      "\"\xe0\x80\x80\"", "\"\xf0\x8f\xbf\xbf\"", "\"\xf4\x90\x80\x80\"", "\"\xf5\x80\x80\x80\"",
      "\"\xff\"", "\"\xc3\"", "\"\xe2\x82\"", "\xef\xbb[]", "[\f]", "'a'", "[1 2]",
      std::string("\0", 1), std::string("[]\0", 3), std::string("\"\0\"", 3), "/* */[]", "[]//"};
  // clang-format on
  for (const std::string& text : rejected) {
    EXPECT_THROW(read_json(text), JsonSyntaxError) << text;
    EXPECT_EQ(json_disagreement(text), "") << text;
  }
}

TEST(JsonReader, BoundsNestingAndSaysWhere) {
  auto nested = [](size_t n) { return std::string(n, '[') + std::string(n, ']'); };
  EXPECT_NO_THROW(read_json(nested(kMaxJsonDepth)));
  try {
    read_json(nested(kMaxJsonDepth + 1));
    ADD_FAILURE() << "nesting beyond the bound was read";
  } catch (const JsonSyntaxError& e) {
    EXPECT_TRUE(e.too_deep()) << e.what();
    EXPECT_EQ(e.offset(), kMaxJsonDepth) << e.what();
  }
  // Deeper than any stack: refused at the bound, not by a crash.
  EXPECT_THROW(read_json(std::string(1'000'000, '[')), JsonSyntaxError);
  try {
    read_json("{\n  \"a\": tru\n}");
    ADD_FAILURE() << "read an invalid literal";
  } catch (const JsonSyntaxError& e) {
    EXPECT_FALSE(e.too_deep());
    EXPECT_EQ(e.offset(), 9u);
    EXPECT_STREQ(e.what(), "line 2, column 8: expected a value");
  }
}

// A JSON value of every type, at most `depth` arrays and objects deep.
std::string random_utf8() {
  std::string out;
  for (uint32_t cp : *rc::gen::container<std::vector<uint32_t>>(rc::gen::oneOf(
           rc::gen::inRange<uint32_t>(0, 0x80), rc::gen::inRange<uint32_t>(0x80, 0xD800),
           rc::gen::inRange<uint32_t>(0xE000, 0x110000)))) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out += {static_cast<char>(0xC0 | (cp >> 6)), static_cast<char>(0x80 | (cp & 0x3F))};
    } else if (cp < 0x10000) {
      out += {static_cast<char>(0xE0 | (cp >> 12)), static_cast<char>(0x80 | ((cp >> 6) & 0x3F)),
              static_cast<char>(0x80 | (cp & 0x3F))};
    } else {
      out += {static_cast<char>(0xF0 | (cp >> 18)), static_cast<char>(0x80 | ((cp >> 12) & 0x3F)),
              static_cast<char>(0x80 | ((cp >> 6) & 0x3F)), static_cast<char>(0x80 | (cp & 0x3F))};
    }
  }
  return out;
}

json random_json(int depth) {
  switch (*rc::gen::inRange(0, depth > 0 ? 8 : 6)) {
    case 0:
      return nullptr;
    case 1:
      return *rc::gen::arbitrary<bool>();
    case 2:
      return *rc::gen::arbitrary<uint64_t>();
    case 3:
      return -1 - static_cast<int64_t>(*rc::gen::inRange<uint64_t>(0, INT64_MAX));
    case 4:
      return *rc::gen::suchThat(rc::gen::arbitrary<double>(),
                                [](double d) { return std::isfinite(d); });
    case 5:
      return random_utf8();
    case 6: {
      json a = json::array();
      for (int i = *rc::gen::inRange(0, 4); i > 0; --i) {
        a.push_back(random_json(depth - 1));
      }
      return a;
    }
    default: {
      json o = json::object();
      for (int i = *rc::gen::inRange(0, 4); i > 0; --i) {
        o[random_utf8()] = random_json(depth - 1);
      }
      return o;
    }
  }
}

RC_GTEST_PROP(JsonReader, ReadsBackWhatNlohmannWrites, ()) {
  json v = random_json(4);
  const int indent = *rc::gen::element(-1, 0, 2);
  const bool ascii = *rc::gen::arbitrary<bool>();
  std::string text = v.dump(indent, ' ', ascii);
  json back = read_json(text);
  RC_ASSERT(identical(back, v));
}

RC_GTEST_PROP(JsonReader, AgreesWithNlohmannOnMutatedTexts, ()) {
  std::string text =
      random_json(3).dump(*rc::gen::element(-1, 1), ' ', *rc::gen::arbitrary<bool>());
  static const char kBytes[] =
      "{}[],:\"\\/-+.0123456789eEtrufalsn u\x01\x7f\x80\xbf\xc3\xed\xf4\xff";
  for (int edits = *rc::gen::inRange(1, 4); edits > 0; --edits) {
    size_t at = *rc::gen::inRange<size_t>(0, text.size() + 1);
    char byte = kBytes[*rc::gen::inRange<size_t>(0, sizeof kBytes - 1)];
    switch (*rc::gen::inRange(0, 3)) {
      case 0:
        text.insert(at, 1, byte);
        break;
      case 1:
        if (at < text.size()) text[at] = byte;
        break;
      default:
        text = text.substr(0, at);
    }
  }
  RC_ASSERT(json_disagreement(text) == "");
}

}  // namespace
}  // namespace mlsref::conformance
