// RFC 9420 §2.1 Presentation Language, §2.1.2 Variable-Size Vector Length Headers
#include "presentation_language.h"

#include <botan/mem_ops.h>

#include <algorithm>
#include <array>

#include "rule_switch.h"

namespace mlsref {

Bytes to_bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

std::string to_hex(ByteView b) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(b.size() * 2);
  for (uint8_t c : b) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0x0f]);
  }
  return out;
}

Bytes from_hex(std::string_view hex) {
  // The value of each hex digit, -1 for every other character (a table: the
  // vector files are mostly hex, and branching on random digits is slow).
  static constexpr std::array<int8_t, 256> digit = [] {
    std::array<int8_t, 256> t{};
    t.fill(-1);
    for (int c = 0; c < 10; ++c) {
      t['0' + c] = static_cast<int8_t>(c);
    }
    for (int c = 0; c < 6; ++c) {
      t['a' + c] = t['A' + c] = static_cast<int8_t>(10 + c);
    }
    return t;
  }();
  if (hex.size() % 2 != 0) {
    throw Error(ErrorKind::usage, "2.1",
                "hex string has odd length " + std::to_string(hex.size()));
  }
  Bytes out(hex.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = digit[static_cast<uint8_t>(hex[2 * i])];
    int lo = digit[static_cast<uint8_t>(hex[2 * i + 1])];
    if (hi < 0 || lo < 0) {
      throw Error(ErrorKind::usage, "2.1", "non-hex character at offset " + std::to_string(2 * i));
    }
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return out;
}

Writer Writer::zeroizing() {
  Writer w;
  w.zeroize_ = true;
  return w;
}

Writer::~Writer() {
  if (zeroize_) {
    Botan::secure_scrub_memory(out_.data(), out_.size());
  }
}

void Writer::reserve_more(size_t extra) {
  size_t need = out_.size() + extra;
  if (need <= out_.capacity()) {
    return;
  }
  if (!zeroize_) {
    // Doubling from 64 bytes, not from the vector's 1, 2, 4, ...: most
    // encodings are a few dozen bytes or more, and the byte-at-a-time growth
    // cost up to seven allocations each (a profile of psk_secret.json).
    out_.reserve(std::max({need, 2 * out_.capacity(), size_t{64}}));
    return;
  }
  // Grow by hand, so the old buffer is wiped before it is freed.
  Bytes bigger;
  bigger.reserve(std::max(need, 2 * out_.capacity()));
  bigger.assign(out_.begin(), out_.end());
  Botan::secure_scrub_memory(out_.data(), out_.size());
  out_.swap(bigger);
}

Bytes Writer::take() {
  if (zeroize_) {
    throw Error(ErrorKind::internal, "2.1", "a zeroizing Writer's bytes are taken as SecureBytes");
  }
  return std::move(out_);
}

SecureBytes Writer::take_secure() {
  SecureBytes out(out_.begin(), out_.end());
  Botan::secure_scrub_memory(out_.data(), out_.size());
  out_.clear();
  return out;
}

void Writer::put_uint(uint64_t value, size_t width) {
  reserve_more(width);
  for (size_t i = width; i-- > 0;) {
    out_.push_back(static_cast<uint8_t>(value >> (8 * i)));
  }
}

void Writer::put_varint(uint64_t value) {
  // RFC 9420 §2.1.2 [R2.1.2-1]: the writer's side, so nothing to reject
  //    The encoded value MUST use the smallest number of bits required to
  //    represent the value.
  if (value < (1u << 6)) {
    put_uint(value, 1);
  } else if (value < (1u << 14)) {
    put_uint(value | 0x4000, 2);
  } else if (value <= kMaxVarint) {
    put_uint(value | 0x80000000u, 4);
  } else {
    // RFC 9420 §2.1.2 [R2.1.2-4]
    //    To facilitate debugging of potential
    //    interoperability problems, implementations SHOULD provide a clear error when
    //    such an overflow condition occurs.
    // Not switchable (ref/rule_switch.h): the length has no encoding.
    throw Error(ErrorKind::protocol, req::R2_1_2_4,
                "length " + std::to_string(value) + " exceeds the 30-bit varint maximum");
  }
}

void Writer::put_bytes(ByteView bytes) {
  reserve_more(bytes.size());
  out_.insert(out_.end(), bytes.begin(), bytes.end());
}

Reader::Reader(ByteView data) : data_(data), path_(&own_path_) {}
Reader::Reader(ByteView data, std::string* path) : data_(data), path_(path) {}

// RFC 9420 §2.1 [R2.1-i1]: the reads below refuse input that is no encoding of the
// structure (truncated, leftover bytes, an undefined value), naming this rule
//    We use the TLS presentation language {{!RFC8446}} to describe the structure of
//    protocol messages.
void Reader::fail(const std::string& what, const Requirement& requirement) const {
  // Its callers check enforced() for their requirement (ref/rule_switch.h).
  std::string where = path_->empty() ? std::string("input") : *path_;
  throw Error(ErrorKind::decode, requirement, where + ": " + what);
}

uint64_t Reader::get_uint(size_t width) {
  if (remaining() < width) {
    // R2.1-i1. Not switchable (ref/rule_switch.h): there is nothing to decode.
    fail("truncated: need " + std::to_string(width) + " bytes, have " + std::to_string(remaining()),
         req::R2_1_i1);
  }
  uint64_t v = 0;
  for (size_t i = 0; i < width; ++i) {
    v = (v << 8) | data_[pos_ + i];
  }
  pos_ += width;
  return v;
}

uint64_t Reader::get_varint() {
  if (remaining() < 1) {
    // R2.1-i1. Not switchable (ref/rule_switch.h): there is nothing to decode.
    fail("truncated: missing vector length header", req::R2_1_i1);
  }
  uint8_t first = data_[pos_];
  unsigned prefix = first >> 6;
  // RFC 9420 §2.1.2 [R2.1.2-3]
  //    Vectors that start with the prefix "11" are invalid and MUST be rejected.
  // Not switchable (ref/rule_switch.h): the header has no length to go on with.
  if (prefix == 3) {
    fail("vector length header has the invalid 0b11 prefix", req::R2_1_2_3);
  }
  size_t length = size_t{1} << prefix;
  if (remaining() < length) {
    // R2.1-i1. Not switchable (ref/rule_switch.h): there is nothing to decode.
    fail("truncated: vector length header needs " + std::to_string(length) + " bytes",
         req::R2_1_i1);
  }
  uint64_t v = first & 0x3f;
  for (size_t i = 1; i < length; ++i) {
    v = (v << 8) | data_[pos_ + i];
  }
  // RFC 9420 §2.1.2 [R2.1.2-2]
  //    When decoding, values using more bits than necessary MUST
  //    be treated as malformed.
  //    [...]
  //    // Check if the value would fit in half the provided length.
  //    if prefix >= 1 && v < (1 << (8*(length/2) - 2)):
  //      raise Exception('minimum encoding was not used')
  if (prefix >= 1 && v < (uint64_t{1} << (8 * (length / 2) - 2)) && enforced(req::R2_1_2_2)) {
    fail("vector length " + std::to_string(v) + " is not minimally encoded", req::R2_1_2_2);
  }
  pos_ += length;
  return v;
}

ByteView Reader::get_bytes(size_t n) {
  if (remaining() < n) {
    // R2.1-i1. Not switchable (ref/rule_switch.h): there is nothing to decode.
    fail("truncated: vector of " + std::to_string(n) + " bytes, only " +
             std::to_string(remaining()) + " remain",
         req::R2_1_i1);
  }
  ByteView out = data_.subspan(pos_, n);
  pos_ += n;
  return out;
}

Reader Reader::sub(size_t n) { return Reader(get_bytes(n), path_); }

bool Reader::get_presence() {
  uint64_t present = get_uint(1);
  // RFC 9420 §2.1.1 [R2.1.1-1]
  //    When decoding, a presence octet with a value other
  //    than 0 or 1 MUST be rejected as malformed.
  // Not switchable (ref/rule_switch.h): there is no value to decode after it.
  if (present > 1) {
    fail("optional presence octet is " + std::to_string(present) + ", not 0 or 1", req::R2_1_1_1);
  }
  return present == 1;
}

void Reader::expect_done() {
  if (!done()) {
    // R2.1-i1. Not switchable (ref/rule_switch.h): there is nothing to decode.
    fail(std::to_string(remaining()) + " leftover bytes after the end of the structure",
         req::R2_1_i1);
  }
}

Reader::Scope::Scope(Reader& r, std::string_view name, bool member) : r_(r), len_(r.path_->size()) {
  if (member && !r.path_->empty()) {
    r.path_->push_back('.');
  }
  r.path_->append(name);
}

Reader::Scope::~Scope() { r_.path_->resize(len_); }

}  // namespace mlsref
