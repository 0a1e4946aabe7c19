// Decoding hostile ratchet trees (issue 8): the time and memory that 1 MiB
// of blank nodes costs. Counters: `heap_bytes`, the heap the decoded tree
// holds (glibc mallinfo2), and `peak_rss_MiB`, the process's peak resident
// set so far (getrusage), which bounds the decode's transient peak.
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <sys/resource.h>

#include "ref/ratchet_tree.h"

namespace mlsref {
namespace {

// Heap in use: small blocks from the arenas plus large mmap'ed ones.
size_t heap_in_use() {
  struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

Bytes blank_node_tree(size_t blanks) {
  Writer leaf;
  encode_into(leaf, OptionalNode(Node{NodeType::leaf, LeafNode{}, {}}));
  Bytes body(blanks, 0x00);
  body.insert(body.end(), leaf.bytes().begin(), leaf.bytes().end());
  Writer w;
  w.put_varint(body.size());
  w.put_bytes(body);
  return w.bytes();
}

void BM_DecodeBlankNodeTree(benchmark::State& state) {
  Bytes encoded = blank_node_tree(static_cast<size_t>(state.range(0)) - 1);
  size_t heap = 0;
  for (auto _ : state) {
    size_t before = heap_in_use();
    RatchetTreeNodes nodes = decode<RatchetTreeNodes>(encoded);
    heap = heap_in_use() - before;
    benchmark::DoNotOptimize(RatchetTree::from_nodes(std::move(nodes)));
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  state.counters["input_bytes"] = static_cast<double>(encoded.size());
  state.counters["heap_bytes"] = static_cast<double>(heap);
  state.counters["peak_rss_MiB"] = static_cast<double>(usage.ru_maxrss) / 1024.0;
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * encoded.size()));
}
// 2^20 - 1 nodes: 1 MiB of input.
BENCHMARK(BM_DecodeBlankNodeTree)->Arg((1 << 20) - 1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace mlsref
