// Hostile ratchet trees: decoding (issue 8), the time and memory that 1 MiB
// of blank nodes costs; and the parent-hash check at join (§7.9.2) on trees
// of tests/hostile_trees.h, once quadratic in their size. Counters: `heap_bytes`, the heap the decoded tree
// holds (glibc mallinfo2), and `peak_rss_MiB`, the process's peak resident
// set so far (getrusage), which bounds the decode's transient peak.
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <sys/resource.h>

#include "ref/ratchet_tree.h"
#include "tests/hostile_trees.h"

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

// Refusing a hostile tree of 2^k leaves (arg 0: k; arg 1: 1 for the
// parent-hash claims, 0 for the unmerged leaves). At 2^14 leaves: 4584 ms
// and 939 ms before the fix of verify_parent_hashes and tree_hash_excluding
// (quadratic), 4.3 ms and 12.8 ms after (`build-bench/bin/mlsref_bench
// --benchmark_filter=BM_RefuseHostile`, 2026-12-01).
void BM_RefuseHostileParentHashTree(benchmark::State& state) {
  CipherSuite suite(1);
  RatchetTree t = hostile_parent_hash_tree(suite, static_cast<uint32_t>(state.range(0)),
                                           state.range(1) == 1);
  for (auto _ : state) {
    try {
      t.verify_parent_hashes(suite);
      state.SkipWithError("a hostile tree was accepted");
    } catch (const Error&) {
    }
  }
  state.counters["leaves"] = static_cast<double>(t.leaf_count().value);
}
BENCHMARK(BM_RefuseHostileParentHashTree)
    ->ArgsProduct({{12, 14}, {0, 1}})
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace mlsref
