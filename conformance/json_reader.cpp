#include "conformance/json_reader.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <utility>

#include "conformance/utf8.h"

namespace mlsref::conformance {

namespace {

// Bytes a string holds as they are: not a quote, a backslash, a control
// character (RFC 8259 §7: "All Unicode characters may be placed within the
// quotation marks, except for the characters that MUST be escaped:
// quotation mark, reverse solidus, and the control characters (U+0000
// through U+001F).") or the start of a multi-byte UTF-8 sequence, which is
// checked on its own.
constexpr std::array<bool, 256> kPlain = [] {
  std::array<bool, 256> t{};
  for (int c = 0x20; c < 0x80; ++c) {
    t[static_cast<size_t>(c)] = c != '"' && c != '\\';
  }
  return t;
}();

class Reader {
 public:
  explicit Reader(std::string_view text)
      : begin_(reinterpret_cast<const unsigned char*>(text.data())),
        p_(begin_),
        end_(begin_ + text.size()) {}

  json document() {
    // A UTF-8 byte order mark, which nlohmann skips too.
    if (end_ - p_ >= 3 && p_[0] == 0xEF && p_[1] == 0xBB && p_[2] == 0xBF) {
      p_ += 3;
    }
    skip_whitespace();
    json v = value(0);
    skip_whitespace();
    if (p_ != end_) {
      fail("expected the end of the text after the value");
    }
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& what, bool too_deep = false) const {
    size_t offset = static_cast<size_t>(p_ - begin_);
    size_t line = 1, column = 1;
    for (const unsigned char* q = begin_; q < p_; ++q) {
      if (*q == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    throw JsonSyntaxError(offset, line, column, what, too_deep);
  }

  void skip_whitespace() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) {
      ++p_;
    }
  }

  bool literal(std::string_view word) {
    if (static_cast<size_t>(end_ - p_) < word.size() ||
        std::string_view(reinterpret_cast<const char*>(p_), word.size()) != word) {
      return false;
    }
    p_ += word.size();
    return true;
  }

  json value(size_t depth) {
    if (p_ == end_) {
      fail("expected a value, found the end of the text");
    }
    switch (*p_) {
      case '{':
        return object(depth + 1);
      case '[':
        return array(depth + 1);
      case '"':
        return json(string());
      case 't':
        if (literal("true")) return json(true);
        break;
      case 'f':
        if (literal("false")) return json(false);
        break;
      case 'n':
        if (literal("null")) return json(nullptr);
        break;
      default:
        if (*p_ == '-' || (*p_ >= '0' && *p_ <= '9')) {
          return number();
        }
    }
    fail("expected a value");
  }

  void enter(size_t depth) const {
    if (depth > kMaxJsonDepth) {
      fail("arrays and objects nested deeper than " + std::to_string(kMaxJsonDepth), true);
    }
  }

  // What follows the opening bracket of an array or object: items separated
  // by ',' up to `close`.
  template <class Item>
  void elements(char close, const char* in, Item&& item) {
    skip_whitespace();
    if (p_ != end_ && *p_ == close) {
      ++p_;
      return;
    }
    for (;;) {
      skip_whitespace();
      item();
      skip_whitespace();
      if (p_ != end_ && *p_ == ',') {
        ++p_;
      } else if (p_ != end_ && *p_ == close) {
        ++p_;
        return;
      } else {
        fail(std::string("expected ',' or '") + close + "' in " + in);
      }
    }
  }

  json array(size_t depth) {
    enter(depth);
    ++p_;  // [
    json out = json::array();
    json::array_t& items = out.get_ref<json::array_t&>();
    elements(']', "an array", [&] { items.push_back(value(depth)); });
    return out;
  }

  json object(size_t depth) {
    enter(depth);
    ++p_;  // {
    json out = json::object();
    json::object_t& members = out.get_ref<json::object_t&>();
    elements('}', "an object", [&] {
      if (p_ == end_ || *p_ != '"') {
        fail("expected a member name (a string) in an object");
      }
      std::string name = string();
      skip_whitespace();
      if (p_ == end_ || *p_ != ':') {
        fail("expected ':' after a member name");
      }
      ++p_;
      skip_whitespace();
      members.insert_or_assign(std::move(name), value(depth));
    });
    return out;
  }

  // The four hex digits after "\u".
  uint32_t hex4() {
    if (end_ - p_ < 4) {
      fail("expected four hex digits after \\u");
    }
    uint32_t cp = 0;
    for (int i = 0; i < 4; ++i, ++p_) {
      unsigned char c = *p_;
      uint32_t d;
      if (c >= '0' && c <= '9') {
        d = c - '0';
      } else if (c >= 'a' && c <= 'f') {
        d = c - 'a' + 10;
      } else if (c >= 'A' && c <= 'F') {
        d = c - 'A' + 10;
      } else {
        fail("expected four hex digits after \\u");
      }
      cp = (cp << 4) | d;
    }
    return cp;
  }

  void escape(std::string& out) {
    ++p_;  // backslash
    if (p_ == end_) {
      fail("expected an escape after '\\'");
    }
    // RFC 8259 §7: the two-character escapes, and \u with four hex digits.
    static constexpr std::string_view kAfterBackslash = "\"\\/bfnrt";
    static constexpr std::string_view kMeaning = "\"\\/\b\f\n\r\t";
    unsigned char c = *p_;
    if (size_t i = kAfterBackslash.find(static_cast<char>(c)); i != std::string_view::npos) {
      ++p_;
      out.push_back(kMeaning[i]);
      return;
    }
    if (c != 'u') {
      fail("expected one of \" \\ / b f n r t u after '\\'");
    }
    ++p_;
    uint32_t cp = hex4();
    if (cp >= 0xDC00 && cp <= 0xDFFF) {
      fail("a low surrogate (U+DC00 to U+DFFF) with no high surrogate before it");
    }
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      // RFC 8259 §7: a character outside the Basic Multilingual Plane is
      // "represented as a 12-character sequence, encoding the UTF-16
      // surrogate pair".
      if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') {
        fail("a high surrogate must be followed by \\u and a low surrogate");
      }
      p_ += 2;
      uint32_t low = hex4();
      if (low < 0xDC00 || low > 0xDFFF) {
        fail("a high surrogate must be followed by \\u and a low surrogate");
      }
      cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    }
    put_utf8(out, cp);
  }

  // One multi-byte UTF-8 sequence (RFC 3629 §4), copied as it is.
  void utf8(std::string& out) {
    const unsigned char* start = p_;
    unsigned char c = *p_;
    size_t n;
    unsigned char lo = 0x80, hi = 0xBF;  // range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else if (c < 0x20) {
      fail("a control character in a string (RFC 8259 §7: it MUST be escaped)");
    } else {
      fail("a byte that starts no UTF-8 character in a string");
    }
    if (static_cast<size_t>(end_ - p_) < n || p_[1] < lo || p_[1] > hi) {
      fail("an invalid UTF-8 sequence in a string");
    }
    for (size_t i = 2; i < n; ++i) {
      if (p_[i] < 0x80 || p_[i] > 0xBF) {
        fail("an invalid UTF-8 sequence in a string");
      }
    }
    p_ += n;
    out.append(reinterpret_cast<const char*>(start), n);
  }

  std::string string() {
    ++p_;  // opening quote
    std::string out;
    for (;;) {
      const unsigned char* run = p_;
      while (p_ != end_ && kPlain[*p_]) {
        ++p_;
      }
      out.append(reinterpret_cast<const char*>(run), static_cast<size_t>(p_ - run));
      if (p_ == end_) {
        fail("a string with no closing quote");
      }
      if (*p_ == '"') {
        ++p_;
        return out;
      }
      if (*p_ == '\\') {
        escape(out);
      } else {
        utf8(out);
      }
    }
  }

  bool digit() const { return p_ != end_ && *p_ >= '0' && *p_ <= '9'; }

  // RFC 8259 §6: number = [ minus ] int [ frac ] [ exp ]. An integer that
  // fits is kept as one (unsigned unless negative); the rest is a double,
  // as nlohmann reads them.
  json number() {
    const unsigned char* start = p_;
    bool negative = *p_ == '-';
    if (negative) ++p_;
    if (!digit()) fail("expected a digit in a number");
    if (*p_ == '0') {
      ++p_;
    } else {
      while (digit()) ++p_;
    }
    bool integer = true;
    if (p_ != end_ && *p_ == '.') {
      integer = false;
      ++p_;
      if (!digit()) fail("expected a digit after the decimal point");
      while (digit()) ++p_;
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      integer = false;
      ++p_;
      if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (!digit()) fail("expected a digit in the exponent");
      while (digit()) ++p_;
    }
    const char* first = reinterpret_cast<const char*>(start);
    const char* last = reinterpret_cast<const char*>(p_);
    if (integer) {
      if (negative) {
        int64_t v = 0;
        auto r = std::from_chars(first, last, v);
        if (r.ec == std::errc() && r.ptr == last) return json(v);
      } else {
        uint64_t v = 0;
        auto r = std::from_chars(first, last, v);
        if (r.ec == std::errc() && r.ptr == last) return json(v);
      }
    }
    // strtod as nlohmann uses it (the "C" locale: mlsref never sets one).
    std::string token(first, last);
    double d = std::strtod(token.c_str(), nullptr);
    if (!std::isfinite(d)) {
      p_ = start;
      fail("a number too large for a double");
    }
    return json(d);
  }

  const unsigned char* begin_;
  const unsigned char* p_;
  const unsigned char* end_;
};

}  // namespace

json read_json(std::string_view text) { return Reader(text).document(); }

}  // namespace mlsref::conformance
