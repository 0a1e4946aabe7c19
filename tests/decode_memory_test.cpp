// Decoding costs memory in proportion to the input (issue 8): for the
// densest encodings of the structures whose vectors hold large elements,
// the heap that the decoded value holds stays within a small constant
// times the input's size. A blank ratchet tree node is one octet on the
// wire; it used to cost a whole std::optional<Node> (hundreds of bytes).
#include <malloc.h>

#include <cstdio>

// AddressSanitizer's allocator does not report through mallinfo2; under it
// the heap is read from the sanitizer's own count. GCC says so with
// __SANITIZE_ADDRESS__, clang with __has_feature.
#if defined(__SANITIZE_ADDRESS__)
#define MLSREF_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MLSREF_ASAN 1
#endif
#endif
#if defined(MLSREF_ASAN)
// From <sanitizer/allocator_interface.h>, which GCC does not install; both
// runtimes export it.
extern "C" size_t __sanitizer_get_current_allocated_bytes();
#endif

#include "ref/commit.h"
#include "ref/ratchet_tree.h"
#include "ref/welcome.h"
#include "tests/test_util.h"

namespace mlsref {
namespace {

// Bytes of heap per input byte that any decoded structure may hold. The
// densest case measured is a Commit of Remove proposals by value: 7 octets
// each on the wire, a 408-byte Proposal (a variant sized by Add's KeyPackage)
// plus its slot, about 65 bytes per input byte. Blank tree nodes cost about
// 8-16 (a pointer each, with vector growth).
constexpr size_t kMaxHeapPerInputByte = 128;

// Heap in use: small blocks from the arenas plus large mmap'ed ones (under
// AddressSanitizer: the bytes its allocator has handed out).
size_t heap_in_use() {
#if defined(MLSREF_ASAN)
  return __sanitizer_get_current_allocated_bytes();
#else
  struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
#endif
}

// `count` copies of `element`, as the body of a vector<V>.
Bytes vector_of(ByteView element, size_t count, ByteView tail = {}) {
  Bytes body;
  body.reserve(element.size() * count + tail.size());
  for (size_t i = 0; i < count; ++i) {
    body.insert(body.end(), element.begin(), element.end());
  }
  body.insert(body.end(), tail.begin(), tail.end());
  Writer w;
  w.put_varint(body.size());
  w.put_bytes(body);
  return w.bytes();
}

template <class T>
T decode_measured(const Bytes& encoded, size_t& heap) {
  size_t before = heap_in_use();
  T value = decode<T>(encoded);
  heap = heap_in_use() - before;
  return value;
}

void expect_linear(size_t heap, size_t input) {
  EXPECT_GT(heap, 0u);
  std::printf("heap: %zu bytes for %zu input bytes (%.1f per byte)\n", heap, input,
              static_cast<double>(heap) / static_cast<double>(input));
  EXPECT_LE(heap, kMaxHeapPerInputByte * input) << heap << " heap bytes for " << input << " input";
}

// 1 MiB of blank nodes, then one leaf.
TEST(DecodeMemory, OneMebibyteOfBlankTreeNodes) {
  constexpr size_t kBlanks = (size_t{1} << 20) - 2;
  Writer leaf;
  encode_into(leaf, OptionalNode(Node{NodeType::leaf, LeafNode{}, {}}));
  Bytes encoded = vector_of(Bytes{0x00}, kBlanks, leaf.bytes());
  ASSERT_GT(encoded.size(), size_t{1} << 20);

  size_t heap = 0;
  auto nodes = decode_measured<RatchetTreeNodes>(encoded, heap);
  ASSERT_EQ(nodes.size(), kBlanks + 1);
  EXPECT_FALSE(nodes.front().has_value());
  EXPECT_TRUE(nodes.back().has_value());
  expect_linear(heap, encoded.size());

  RatchetTree t = RatchetTree::from_nodes(std::move(nodes));
  EXPECT_EQ(t.leaf_count().value, uint32_t{1} << 19);
  EXPECT_EQ(encode(t.to_nodes()), encoded);
}

// A Commit of 2-octet references (type, empty ProposalRef): each used to
// decode into a whole Proposal.
TEST(DecodeMemory, CommitOfEmptyReferences) {
  Bytes encoded = vector_of(Bytes{0x02, 0x00}, size_t{1} << 19);
  encoded.push_back(0x00);  // no path
  size_t heap = 0;
  auto commit = decode_measured<Commit>(encoded, heap);
  EXPECT_EQ(commit.proposals.size(), size_t{1} << 19);
  expect_linear(heap, encoded.size());
}

// A Commit of Remove proposals by value: type, proposal_type, uint32.
TEST(DecodeMemory, CommitOfRemoves) {
  Bytes encoded = vector_of(Bytes{0x01, 0x00, 0x03, 0, 0, 0, 1}, size_t{1} << 17);
  encoded.push_back(0x00);  // no path
  size_t heap = 0;
  auto commit = decode_measured<Commit>(encoded, heap);
  EXPECT_EQ(commit.proposals.size(), size_t{1} << 17);
  expect_linear(heap, encoded.size());
}

// A Welcome of empty EncryptedGroupSecrets.
TEST(DecodeMemory, WelcomeOfEmptySecrets) {
  Bytes body = vector_of(Bytes{0x00, 0x00, 0x00}, size_t{1} << 18);
  Bytes encoded{0x00, 0x01};
  encoded.insert(encoded.end(), body.begin(), body.end());
  encoded.push_back(0x00);  // encrypted_group_info
  size_t heap = 0;
  auto welcome = decode_measured<Welcome>(encoded, heap);
  EXPECT_EQ(welcome.secrets.size(), size_t{1} << 18);
  expect_linear(heap, encoded.size());
}

}  // namespace
}  // namespace mlsref
