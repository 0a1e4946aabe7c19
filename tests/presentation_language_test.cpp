// RFC 9420 §2.1 presentation language codec.
#include "ref/presentation_language.h"

#include "ref/cipher_suite.h"
#include "tests/test_util.h"

namespace mlsref {
namespace {

struct Inner {
  uint8_t a = 0;
  Bytes b;
  bool operator==(const Inner&) const = default;
  static constexpr std::string_view type_name = "Inner";
  static constexpr auto fields = std::tuple{field("a", &Inner::a), field("b", &Inner::b)};
};

struct Outer {
  uint32_t x = 0;
  std::vector<Inner> inners;
  std::optional<Inner> maybe;
  bool operator==(const Outer&) const = default;
  static constexpr std::string_view type_name = "Outer";
  static constexpr auto fields = std::tuple{field("x", &Outer::x), field("inners", &Outer::inners),
                                            field("maybe", &Outer::maybe)};
};

TEST(Varint, EncodesMinimally) {
  // RFC 9420 §2.1.2 examples.
  Writer w;
  w.put_varint(37);
  EXPECT_EQ(to_hex(w.bytes()), "25");
  Writer w2;
  w2.put_varint(15293);
  EXPECT_EQ(to_hex(w2.bytes()), "7bbd");
  Writer w3;
  w3.put_varint(494878333);
  EXPECT_EQ(to_hex(w3.bytes()), "9d7f3e7d");
}

TEST(Varint, RejectsTooLarge) {
  Writer w;
  EXPECT_MLS_RULE(w.put_varint(kMaxVarint + 1), ErrorKind::protocol, req::R2_1_2_4);
}

TEST(Varint, Rejects0b11Prefix) {
  Bytes b = from_hex("c0000000000000000000");
  EXPECT_MLS_RULE(decode<Bytes>(b), ErrorKind::decode, req::R2_1_2_3);
}

TEST(Varint, RejectsNonMinimal) {
  // 37 in two bytes: 0x4025.
  Bytes b = from_hex("4025");
  b.resize(2 + 37, 0);
  EXPECT_MLS_RULE(decode<Bytes>(b), ErrorKind::decode, req::R2_1_2_2);
  // 37 in four bytes, and 64 (the smallest two-byte value) in four.
  EXPECT_MLS_RULE(decode<Bytes>(from_hex("80000025")), ErrorKind::decode, req::R2_1_2_2);
  EXPECT_MLS_RULE(decode<Bytes>(from_hex("80000040")), ErrorKind::decode, req::R2_1_2_2);
  // The smallest values of each width are minimal, and accepted.
  Bytes two = from_hex("4040");
  two.resize(2 + 64, 0);
  EXPECT_EQ(decode<Bytes>(two).size(), 64u);
}

TEST(Codec, OptionalPresenceOctetIsZeroOrOne) {
  EXPECT_EQ(decode<std::optional<uint8_t>>(from_hex("00")), std::nullopt);
  EXPECT_EQ(decode<std::optional<uint8_t>>(from_hex("0107")), std::optional<uint8_t>(7));
  EXPECT_MLS_RULE(decode<std::optional<uint8_t>>(from_hex("0207")), ErrorKind::decode,
                  req::R2_1_1_1);
  EXPECT_MLS_RULE(decode<std::optional<uint8_t>>(from_hex("ff07")), ErrorKind::decode,
                  req::R2_1_1_1);
}

TEST(Codec, RoundTripNested) {
  Outer o{7, {{1, {1, 2}}, {2, {}}}, Inner{3, {9}}};
  Bytes b = encode(o);
  EXPECT_EQ(to_hex(b),
            "00000007"
            "06"
            "01020102"
            "0200"
            "01"
            "030109");
  EXPECT_TRUE(decode<Outer>(b) == o);
}

TEST(Codec, ErrorNamesPath) {
  Outer o{7, {{1, {1, 2}}}, std::nullopt};
  Bytes b = encode(o);
  b[6] = 0x03;  // inners[0].b claims 3 bytes, only 2 remain in the vector
  try {
    decode<Outer>(b);
    FAIL() << "decoded";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::decode);
    EXPECT_NE(e.message().find("Outer.inners[0].b"), std::string::npos) << e.message();
  }
}

TEST(Codec, RejectsLeftoverBytes) {
  Bytes b = encode(Inner{1, {2}});
  b.push_back(0);
  EXPECT_MLS_ERROR(decode<Inner>(b), ErrorKind::decode, "2.1");
}

TEST(Codec, RejectsBadOptionalOctet) {
  Bytes b = encode(Outer{});
  b.back() = 2;
  EXPECT_MLS_RULE(decode<Outer>(b), ErrorKind::decode, req::R2_1_1_1);
}

TEST(Codec, RejectsTruncation) {
  Bytes b = encode(Outer{1, {{1, {1, 2, 3}}}, Inner{2, {4}}});
  for (size_t n = 0; n < b.size(); ++n) {
    try {
      decode<Outer>(ByteView(b.data(), n));
      ADD_FAILURE() << "prefix of " << n << " bytes decoded";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::decode);
      EXPECT_TRUE(e.section() == "2.1" || e.section() == "2.1.2") << e.what();
      EXPECT_NE(e.message().find("truncated"), std::string::npos) << e.what();
    }
  }
}

TEST(Codec, HpkeCiphertext) {
  HPKECiphertext c{{1, 2, 3}, {4}};
  EXPECT_EQ(to_hex(encode(c)), "030102030104");
  EXPECT_TRUE(decode<HPKECiphertext>(encode(c)) == c);
}

TEST(Hex, RejectsBadInput) {
  EXPECT_MLS_ERROR(from_hex("abc"), ErrorKind::usage, "2.1");
  EXPECT_MLS_ERROR(from_hex("zz"), ErrorKind::usage, "2.1");
  EXPECT_EQ(from_hex("00Ff"), (Bytes{0x00, 0xff}));
  // The characters beside the digit ranges, and bytes above 0x7f.
  for (std::string_view bad : std::initializer_list<std::string_view>{
           "0/", "0:", "0@", "0G", "0`", "0g", "0\xff", std::string_view("0\0", 2)}) {
    EXPECT_MLS_ERROR(from_hex(bad), ErrorKind::usage, "2.1");
  }
  Bytes all(256);
  for (size_t i = 0; i < all.size(); ++i) {
    all[i] = static_cast<uint8_t>(i);
  }
  EXPECT_EQ(from_hex(to_hex(all)), all);
  EXPECT_EQ(from_hex("0123456789ABCDEFabcdef"),
            (Bytes{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xab, 0xcd, 0xef}));
}

}  // namespace
}  // namespace mlsref
