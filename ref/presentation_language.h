// RFC 9420 §2.1 Presentation Language, §2.1.2 Variable-Size Vector Length Headers
//
// One codec for every structure. A struct lists its fields once, in wire
// order, as `static constexpr auto fields = std::tuple{field("name", &T::name), ...}`
// and a `static constexpr std::string_view type_name`; encoding and decoding
// both walk that list. Equality is the defaulted member-wise `operator==`.
// Decoding never validates semantics beyond what the presentation language
// itself says (RFC 9420 §2.1).
#pragma once

#include <botan/secmem.h>

#include <array>
#include <concepts>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <vector>

#include "error.h"
#include "requirement_ids.h"

namespace mlsref {

using Bytes = std::vector<uint8_t>;
// Secrets live in zeroizing buffers.
using SecureBytes = Botan::secure_vector<uint8_t>;
using ByteView = std::span<const uint8_t>;

Bytes to_bytes(std::string_view s);
std::string to_hex(ByteView b);
// Throws Error{decode} on odd length or a non-hex digit.
Bytes from_hex(std::string_view hex);

// optional<T> held through a pointer. An absent value costs one pointer
// instead of a whole T, so that a long vector of mostly absent elements (a
// ratchet tree of blank nodes, one octet each on the wire) decodes in memory
// proportional to its input. Value semantics: copies are deep. The codec
// treats it exactly like std::optional<T> (value_type and has_value()).
template <class T>
class BoxedOptional {
 public:
  using value_type = T;
  BoxedOptional() = default;
  BoxedOptional(std::nullopt_t) {}
  BoxedOptional(T value) : p_(std::make_unique<T>(std::move(value))) {}
  BoxedOptional(const BoxedOptional& o) : p_(o.p_ ? std::make_unique<T>(*o.p_) : nullptr) {}
  BoxedOptional(BoxedOptional&&) noexcept = default;
  BoxedOptional& operator=(const BoxedOptional& o) {
    if (this != &o) {
      p_ = o.p_ ? std::make_unique<T>(*o.p_) : nullptr;
    }
    return *this;
  }
  BoxedOptional& operator=(BoxedOptional&&) noexcept = default;

  bool has_value() const { return p_ != nullptr; }
  explicit operator bool() const { return has_value(); }
  T& operator*() { return *p_; }
  const T& operator*() const { return *p_; }
  T* operator->() { return p_.get(); }
  const T* operator->() const { return p_.get(); }
  void reset() { p_.reset(); }

  friend bool operator==(const BoxedOptional& a, const BoxedOptional& b) {
    return a.has_value() == b.has_value() && (!a.has_value() || *a == *b);
  }

 private:
  std::unique_ptr<T> p_;
};

// A named member of a struct, in wire order.
template <class S, class M>
struct Field {
  std::string_view name;
  M S::*member;
};
template <class S, class M>
constexpr Field<S, M> field(std::string_view name, M S::*member) {
  return {name, member};
}

template <class T>
concept Structure = requires {
  T::fields;
  T::type_name;
};

// A closed enumeration: the type provides `bool is_known(E)` (found by ADL);
// decoding an unknown value is an error. Open registries (RFC 9420 §13.5
// GREASE) are plain integers or structs and keep unknown values exactly.
template <class T>
concept ClosedEnum = std::is_enum_v<T> && requires(T v) {
  { is_known(v) } -> std::same_as<bool>;
};

template <class T>
concept OpaqueBytes = std::same_as<T, Bytes> || std::same_as<T, SecureBytes>;

// opaque name[N]: a fixed-length byte string (no length header).
template <class T>
struct is_fixed_bytes : std::false_type {};
template <size_t N>
struct is_fixed_bytes<std::array<uint8_t, N>> : std::true_type {};

// Largest length a variable-size vector header can carry (RFC 9420 §2.1.2).
inline constexpr uint64_t kMaxVarint = (uint64_t{1} << 30) - 1;

class Writer {
 public:
  Writer() = default;
  // A writer for a structure that holds secrets (GroupSecrets, PathSecret):
  // every buffer it outgrows or drops, inner length-prefixed ones included,
  // is wiped, and the result is taken with take_secure().
  static Writer zeroizing();
  ~Writer();
  Writer(Writer&& other) noexcept = default;
  Writer& operator=(Writer&&) = delete;
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  void put_uint(uint64_t value, size_t width);
  // RFC 9420 §2.1.2: the smallest of the 1, 2 or 4 byte forms.
  void put_varint(uint64_t value);
  void put_bytes(ByteView bytes);
  // Writes a varint length header in front of whatever `body` writes.
  template <class F>
  void put_prefixed(F&& body) {
    Writer inner;
    inner.zeroize_ = zeroize_;
    body(inner);
    put_varint(inner.out_.size());
    put_bytes(inner.out_);
  }
  const Bytes& bytes() const { return out_; }
  // Error{internal} on a zeroizing writer, whose bytes leave only as SecureBytes.
  Bytes take();
  SecureBytes take_secure();

 private:
  // Makes room for `extra` more bytes; a zeroizing writer wipes the old buffer.
  void reserve_more(size_t extra);
  Bytes out_;
  bool zeroize_ = false;
};

class Reader {
 public:
  explicit Reader(ByteView data);
  // The path string is shared with sub-readers by pointer: not copyable.
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  uint64_t get_uint(size_t width);
  // RFC 9420 §2.1.2, including the minimal-encoding and 0b11 checks.
  uint64_t get_varint();
  ByteView get_bytes(size_t n);
  // An optional<T>'s presence octet (RFC 9420 §2.1.1): true for 1, false for 0.
  bool get_presence();
  // A vector<V> read by hand: `element(body)` reads one element at a time
  // from a reader over the vector's body, until the body is used up.
  template <class F>
  void for_each_element(F&& element) {
    Reader body = sub(get_varint());
    while (!body.done()) {
      element(body);
    }
  }
  // A reader over the next `n` bytes, sharing this reader's path.
  Reader sub(size_t n);
  bool done() const { return pos_ == data_.size(); }
  size_t remaining() const { return data_.size() - pos_; }
  // Leftover bytes after a complete structure are an error.
  void expect_done();

  // Refuses the input, naming the requirement it breaks (R2.1-i1 when it is
  // simply no encoding of the structure).
  [[noreturn]] void fail(const std::string& what, const Requirement& requirement) const;

  // Names the part being decoded for error messages (`LeafNode.capabilities`).
  class Scope {
   public:
    Scope(Reader& r, std::string_view name, bool member = true);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    Reader& r_;
    size_t len_;
  };

 private:
  Reader(ByteView data, std::string* path);
  ByteView data_;
  size_t pos_ = 0;
  std::string own_path_;
  std::string* path_;
};

template <class T>
void encode_into(Writer& w, const T& value);
template <class T>
void decode_from(Reader& r, T& value);

// Structs with hand-written encodings (select(...) variants, RFC 9420 §2.1)
// provide `void encode(Writer&) const` and `void decode(Reader&)`.
template <class T>
concept CustomCodec = requires(const T& c, T& m, Writer& w, Reader& r) {
  c.encode(w);
  m.decode(r);
};

template <class T>
void encode_into(Writer& w, const T& value) {
  if constexpr (std::same_as<T, bool>) {
    w.put_uint(value ? 1 : 0, 1);
  } else if constexpr (std::unsigned_integral<T>) {
    w.put_uint(value, sizeof(T));
  } else if constexpr (std::is_enum_v<T>) {
    using U = std::underlying_type_t<T>;
    w.put_uint(static_cast<U>(value), sizeof(U));
  } else if constexpr (OpaqueBytes<T> || std::same_as<T, ByteView>) {
    // A ByteView field is an opaque<V> of a structure that is only encoded.
    w.put_varint(value.size());
    w.put_bytes(value);
  } else if constexpr (is_fixed_bytes<T>::value) {
    w.put_bytes(value);
  } else if constexpr (requires {
                         typename T::value_type;
                         value.has_value();
                       }) {
    // optional<T>: a presence octet (RFC 9420 §2.1.1... via RFC 8446 §3.7 form)
    w.put_uint(value.has_value() ? 1 : 0, 1);
    if (value.has_value()) {
      encode_into(w, *value);
    }
  } else if constexpr (requires {
                         typename T::value_type;
                         value.begin();
                       }) {
    w.put_prefixed([&](Writer& inner) {
      for (const auto& element : value) {
        encode_into(inner, element);
      }
    });
  } else if constexpr (CustomCodec<T>) {
    value.encode(w);
  } else {
    static_assert(Structure<T>, "type has no presentation-language encoding");
    std::apply([&](const auto&... f) { (encode_into(w, value.*(f.member)), ...); }, T::fields);
  }
}

template <class T>
void decode_from(Reader& r, T& value) {
  if constexpr (std::same_as<T, bool>) {
    uint64_t v = r.get_uint(1);
    if (v > 1) {
      r.fail("boolean octet is " + std::to_string(v) + ", not 0 or 1", req::R2_1_i1);
    }
    value = v == 1;
  } else if constexpr (std::unsigned_integral<T>) {
    value = static_cast<T>(r.get_uint(sizeof(T)));
  } else if constexpr (std::is_enum_v<T>) {
    using U = std::underlying_type_t<T>;
    value = static_cast<T>(r.get_uint(sizeof(U)));
    if constexpr (ClosedEnum<T>) {
      if (!is_known(value)) {
        r.fail("unknown value " + std::to_string(static_cast<U>(value)), req::R2_1_i1);
      }
    }
  } else if constexpr (OpaqueBytes<T>) {
    size_t n = r.get_varint();
    ByteView b = r.get_bytes(n);
    value.assign(b.begin(), b.end());
  } else if constexpr (is_fixed_bytes<T>::value) {
    ByteView b = r.get_bytes(value.size());
    std::copy(b.begin(), b.end(), value.begin());
  } else if constexpr (requires {
                         typename T::value_type;
                         value.has_value();
                       }) {
    if (r.get_presence()) {
      typename T::value_type inner{};
      decode_from(r, inner);
      value = std::move(inner);
    } else {
      value.reset();
    }
  } else if constexpr (requires {
                         typename T::value_type;
                         value.begin();
                       }) {
    size_t n = r.get_varint();
    Reader body = r.sub(n);
    value.clear();
    while (!body.done()) {
      Reader::Scope s(body, "[" + std::to_string(value.size()) + "]", false);
      typename T::value_type element{};
      decode_from(body, element);
      value.push_back(std::move(element));
    }
  } else if constexpr (CustomCodec<T>) {
    value.decode(r);
  } else {
    static_assert(Structure<T>, "type has no presentation-language decoding");
    std::apply(
        [&](const auto&... f) {
          (([&] {
             Reader::Scope s(r, f.name);
             decode_from(r, value.*(f.member));
           }()),
           ...);
        },
        T::fields);
  }
}

// For hand-written select(...) codecs: one field, named for error paths.
template <class T>
void decode_field(Reader& r, std::string_view name, T& value) {
  Reader::Scope s(r, name);
  decode_from(r, value);
}

template <class T>
Bytes encode(const T& value) {
  Writer w;
  encode_into(w, value);
  return w.take();
}

// The encoding of a structure that holds secrets, built and returned in
// zeroizing memory only (RFC 9420 §12.4.3.1: the GroupSecrets plaintext).
template <class T>
SecureBytes encode_secret(const T& value) {
  Writer w = Writer::zeroizing();
  encode_into(w, value);
  return w.take_secure();
}

// Decodes one complete `T`: trailing bytes are an error (RFC 9420 §2.1).
template <class T>
T decode(ByteView bytes) {
  Reader r(bytes);
  T value{};
  if constexpr (requires { T::type_name; }) {
    Reader::Scope s(r, T::type_name, false);
    decode_from(r, value);
    r.expect_done();
  } else {
    decode_from(r, value);
    r.expect_done();
  }
  return value;
}

}  // namespace mlsref
