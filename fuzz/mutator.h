// A structure-aware libFuzzer mutator (LLVMFuzzerCustomMutator) for the
// wire-structure targets. It decodes the input as T with the codec, walks the
// decoded value the way the codec does (ref/presentation_language.h: the same
// type tests, T::fields), changes one field, and re-encodes. So a mutant is a
// well-formed encoding that gets past the decoder to validation, with values
// chosen to break it: indices and lengths at the edges (0, 1, n-1, n, n+1 for
// every vector size n in the input, 0x7fffffff, 0xffffffff), optionals
// toggled, vector elements dropped, copied or added, enums set to other
// values. Inputs that do not decode, and one mutation in eight, go to
// libFuzzer's own byte mutator.
#pragma once

#include <cstdint>
#include <cstring>
#include <random>
#include <variant>

#include "ref/mls_message.h"

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

namespace mlsref::fuzz {

// The select(...) structures have hand-written codecs and no field list; the
// mutator walks these members of theirs (a member the current selector does
// not encode is harmless: a mutation that leaves the encoding unchanged is
// retried). A CustomCodec type not listed here is mutated as bytes.
template <class T>
constexpr auto select_members = nullptr;
template <>
constexpr auto select_members<Node> =
    std::tuple{&Node::node_type, &Node::leaf_node, &Node::parent_node};
template <>
constexpr auto select_members<LeafNode> =
    std::tuple{&LeafNode::encryption_key, &LeafNode::signature_key,    &LeafNode::credential,
               &LeafNode::capabilities,   &LeafNode::leaf_node_source, &LeafNode::lifetime,
               &LeafNode::parent_hash,    &LeafNode::extensions,       &LeafNode::signature};
template <>
constexpr auto select_members<Credential> =
    std::tuple{&Credential::credential_type, &Credential::identity, &Credential::certificates};
template <>
constexpr auto select_members<Sender> =
    std::tuple{&Sender::sender_type, &Sender::leaf_index, &Sender::sender_index};
template <>
constexpr auto select_members<FramedContent> =
    std::tuple{&FramedContent::group_id,     &FramedContent::epoch,
               &FramedContent::sender,       &FramedContent::authenticated_data,
               &FramedContent::content_type, &FramedContent::application_data,
               &FramedContent::proposal,     &FramedContent::commit};
template <>
constexpr auto select_members<FramedContentAuthData> =
    std::tuple{&FramedContentAuthData::signature, &FramedContentAuthData::confirmation_tag};
template <>
constexpr auto select_members<PublicMessage> =
    std::tuple{&PublicMessage::content, &PublicMessage::auth, &PublicMessage::membership_tag};
template <>
constexpr auto select_members<MLSMessage> = std::tuple{&MLSMessage::version, &MLSMessage::body};
template <>
constexpr auto select_members<Proposal> = std::tuple{&Proposal::body};
template <>
constexpr auto select_members<ProposalOrRef> =
    std::tuple{&ProposalOrRef::type, &ProposalOrRef::proposal, &ProposalOrRef::reference};
template <>
constexpr auto select_members<PreSharedKeyID> = std::tuple{
    &PreSharedKeyID::psktype,      &PreSharedKeyID::psk_id,    &PreSharedKeyID::usage,
    &PreSharedKeyID::psk_group_id, &PreSharedKeyID::psk_epoch, &PreSharedKeyID::psk_nonce};

template <class T>
struct is_variant : std::false_type {};
template <class... A>
struct is_variant<std::variant<A...>> : std::true_type {};

class Mutator {
 public:
  explicit Mutator(unsigned seed) : rng_(seed) {}

  size_t below(size_t n) { return n == 0 ? 0 : rng_() % n; }
  bool one_in(size_t n) { return below(n) == 0; }

  // Changes one field of `value`; false when it has none.
  template <class T>
  bool mutate(T& value) {
    target_ = SIZE_MAX;
    seen_ = 0;
    walk(value);  // counts the fields, collects the vector sizes
    if (seen_ == 0) {
      return false;
    }
    target_ = below(seen_);
    seen_ = 0;
    walk(value);
    return true;
  }

  // `bytes` holds an encoded U (a field the target decodes itself): changes
  // one field of that U; false when `bytes` does not decode as U.
  template <class U>
  bool mutate_encoded(Bytes& bytes) {
    try {
      U inner = decode<U>(bytes);
      if (!mutate(inner)) {
        return false;
      }
      bytes = encode(inner);
      return true;
    } catch (const Error&) {
      return false;
    }
  }

  // libFuzzer's byte mutator on `bytes`, which may grow by a little.
  template <class B>
  void mutate_bytes(B& bytes) {
    size_t size = bytes.size();
    bytes.resize(size + 16);
    bytes.resize(LLVMFuzzerMutate(bytes.data(), size, bytes.size()));
  }

 private:
  // True for the field picked to change.
  bool pick() { return seen_++ == target_; }

  template <class T>
  void walk(T& v) {
    if constexpr (std::same_as<T, bool>) {
      if (pick()) {
        v = !v;
      }
    } else if constexpr (std::unsigned_integral<T>) {
      if (pick()) {
        v = static_cast<T>(number(v, ~T{0}));
      }
    } else if constexpr (std::is_enum_v<T>) {
      if (pick()) {
        set_enum(v);
      }
    } else if constexpr (OpaqueBytes<T>) {
      if (pick()) {
        bytes(v);
      }
    } else if constexpr (is_fixed_bytes<T>::value) {
      if (pick()) {
        size_t i = below(v.size());
        v[i] = static_cast<uint8_t>(number(v[i], 0xff));
      }
    } else if constexpr (requires {
                           typename T::value_type;
                           v.has_value();
                         }) {
      if (pick()) {
        v.has_value() ? v.reset() : void(v = typename T::value_type{});
      } else if (v.has_value()) {
        walk(*v);
      }
    } else if constexpr (requires {
                           typename T::value_type;
                           v.begin();
                         }) {
      if (target_ == SIZE_MAX) {
        sizes_.push_back(v.size());
      }
      if (pick()) {
        resize(v);
      } else if constexpr (std::same_as<typename T::value_type, bool>) {
        for (size_t i = 0; i < v.size(); ++i) {  // std::vector<bool> has no bool&
          bool b = v[i];
          walk(b);
          v[i] = b;
        }
      } else {
        for (auto& element : v) {
          walk(element);
        }
      }
    } else if constexpr (is_variant<T>::value) {
      std::visit([&](auto& alt) { walk(alt); }, v);
    } else if constexpr (!std::is_same_v<decltype(select_members<T>), const std::nullptr_t>) {
      std::apply([&](auto... m) { (walk(v.*m), ...); }, select_members<T>);
    } else if constexpr (CustomCodec<T>) {
      if (pick()) {
        Bytes b = encode(v);
        mutate_bytes(b);
        try {
          v = decode<T>(b);
        } catch (const Error&) {
        }
      }
    } else {
      static_assert(Structure<T>, "type has no presentation-language encoding");
      std::apply([&](const auto&... f) { (walk(v.*(f.member)), ...); }, T::fields);
    }
  }

  // A new value for an integer field whose largest value is `max`.
  uint64_t number(uint64_t v, uint64_t max) {
    switch (below(6)) {
      case 0: {  // around the size of some vector in the input
        uint64_t n = sizes_.empty() ? 0 : sizes_[below(sizes_.size())];
        const uint64_t near[] = {n - 1, n, n + 1, n / 2, (n + 1) / 2, 2 * n};
        return near[below(std::size(near))] & max;
      }
      case 1: {
        const uint64_t edges[] = {0, 1, 2, max, max - 1, max >> 1, (max >> 1) + 1};
        return edges[below(std::size(edges))];
      }
      case 2:
        return (v + 1) & max;
      case 3:
        return (v - 1) & max;
      case 4:
        return (v ^ (uint64_t{1} << below(64))) & max;
      default:
        return rng_() & max;
    }
  }

  template <class E>
  void set_enum(E& v) {
    using U = std::underlying_type_t<E>;
    if constexpr (ClosedEnum<E>) {
      // Mostly another known value: an unknown one only tests the decoder.
      for (int tries = 0; tries < 64 && !one_in(16); ++tries) {
        E e = static_cast<E>(below(16));
        if (is_known(e) && e != v) {
          v = e;
          return;
        }
      }
    }
    v = static_cast<E>(number(static_cast<U>(v), static_cast<U>(~U{0})));
  }

  template <class B>
  void bytes(B& v) {
    switch (below(8)) {
      case 0:
        v.clear();
        break;
      case 1:
        v.resize(below(2 * v.size() + 2));
        break;
      default:
        mutate_bytes(v);
    }
  }

  // Drops, copies or adds an element (an added element then gets a mutation
  // of its own), or swaps two.
  template <class V>
  void resize(V& v) {
    size_t n = v.size();
    switch (n == 0 ? 2 : below(4)) {
      case 0:
        v.erase(v.begin() + below(n));
        break;
      case 1:
        v.insert(v.begin() + below(n + 1), v[below(n)]);
        break;
      case 2: {
        typename V::value_type element{};
        Mutator inner(rng_());
        inner.sizes_ = sizes_;
        inner.mutate(element);
        v.insert(v.begin() + below(n + 1), std::move(element));
        break;
      }
      default: {
        size_t i = below(n), j = below(n);
        typename V::value_type t = v[i];
        v[i] = v[j];
        v[j] = t;
      }
    }
  }

  std::minstd_rand rng_;
  size_t target_ = SIZE_MAX;
  size_t seen_ = 0;
  std::vector<uint64_t> sizes_;
};

// The body of LLVMFuzzerCustomMutator for a target whose input is a T:
// `nested(T&, Mutator&)`, when given, may change a field holding another
// encoding instead (returning true when it did).
template <class T, class Nested = std::nullptr_t>
size_t mutate(uint8_t* data, size_t size, size_t max_size, unsigned seed, Nested nested = nullptr) {
  Mutator m(seed);
  if (!m.one_in(8)) {
    try {
      T value = decode<T>(ByteView(data, size));
      Bytes before = encode(value);
      // A change to a member the encoding does not carry is no change: retry.
      for (int tries = 0; tries < 8; ++tries) {
        T mutant = value;
        bool changed = false;
        if constexpr (!std::is_same_v<Nested, std::nullptr_t>) {
          changed = !m.one_in(4) && nested(mutant, m);
        }
        if (!changed) {
          m.mutate(mutant);
        }
        Bytes after = encode(mutant);
        if (after != before && after.size() <= max_size) {
          std::memcpy(data, after.data(), after.size());
          return after.size();
        }
      }
    } catch (const Error&) {
      // Not a T: fall through to the byte mutator.
    }
  }
  return LLVMFuzzerMutate(data, size, max_size);
}

}  // namespace mlsref::fuzz
