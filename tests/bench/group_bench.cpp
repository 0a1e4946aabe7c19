// The group state machine (issue 7): commit creation and processing with a
// path, joining from a Welcome, application messages, and the heap one
// member's group state takes per member.
//
// Large groups are set up without thousands of sequential commits: the
// creator adds every other member in one commit without a path, so the tree
// is sparse (every parent but the creator's path blank, the new leaves
// unmerged) and a path must be encrypted to every other leaf (the worst case
// for the sender; a receiver decrypts once).
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <map>
#include <memory>

#include "ref/group.h"

namespace mlsref {
namespace {

constexpr CipherSuiteId kSuite = 1;

size_t heap_in_use() {
  struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

struct BenchGroup {
  Signer alice, bob;
  std::unique_ptr<Group> a;  // the creator, leaf 0
  std::unique_ptr<Group> b;  // a member that joined from the Welcome, leaf 1
  CommitBundle add;          // the commit (and Welcome) that added everyone
  KeyPackageBundle bob_key_package;
};

// One group of each size (and purpose), built once.
BenchGroup& group_of(size_t members, int purpose = 0) {
  static std::map<std::pair<size_t, int>, std::unique_ptr<BenchGroup>> groups;
  auto& slot = groups[{members, purpose}];
  if (slot) {
    return *slot;
  }
  slot = std::make_unique<BenchGroup>();
  BenchGroup& g = *slot;
  CipherSuite suite(kSuite);
  g.alice = Signer::generate(suite, system_rng());
  g.a = std::make_unique<Group>(
      Group::create({}, kSuite, to_bytes("bench"), g.alice,
                    {Credential::basic(to_bytes("a")), g.alice.public_key}));
  std::vector<KeyPackage> kps;
  for (size_t i = 1; i < members; ++i) {
    Signer s = Signer::generate(suite, system_rng());
    KeyPackageBundle kp = create_key_package(
        suite, s, {Credential::basic(to_bytes("m" + std::to_string(i))), s.public_key}, {},
        system_rng());
    if (i == 1) {
      g.bob = s;
      g.bob_key_package = kp;
    }
    kps.push_back(kp.key_package);
  }
  if (!kps.empty()) {
    g.add = g.a->add_members_without_update(g.alice, kps);
    g.a->merge_pending_commit();
    g.b = std::make_unique<Group>(
        Group::join({}, std::get<Welcome>(g.add.welcome->body), g.bob_key_package));
  }
  return g;
}

void BM_CommitWithPath(benchmark::State& state) {
  BenchGroup& g = group_of(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    CommitBundle c = g.a->self_update(g.alice);
    benchmark::DoNotOptimize(c);
    g.a->clear_pending_commit();
  }
}

void BM_ProcessCommitWithPath(benchmark::State& state) {
  BenchGroup& g = group_of(static_cast<size_t>(state.range(0)));
  CommitBundle c = g.a->self_update(g.alice);
  g.a->clear_pending_commit();
  Bytes bytes = encode(c.commit);
  for (auto _ : state) {
    // Staged, not merged: the same commit is processed every iteration.
    ProcessedMessage m = g.b->process_message(bytes);
    benchmark::DoNotOptimize(m);
  }
}

void BM_JoinFromWelcome(benchmark::State& state) {
  BenchGroup& g = group_of(static_cast<size_t>(state.range(0)));
  const Welcome& welcome = std::get<Welcome>(g.add.welcome->body);
  for (auto _ : state) {
    Group joined = Group::join({}, welcome, g.bob_key_package);
    benchmark::DoNotOptimize(joined);
  }
}

void BM_ProtectApplication(benchmark::State& state) {
  BenchGroup& g = group_of(2);
  Bytes data(static_cast<size_t>(state.range(0)), 0x61);
  for (auto _ : state) {
    benchmark::DoNotOptimize(g.a->create_message(g.alice, data));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}

void BM_UnprotectApplication(benchmark::State& state) {
  // Its own group: the receiver reads every message in order, within the
  // secret tree's forward limit.
  BenchGroup& g = group_of(2, static_cast<int>(state.range(0)));
  Bytes data(static_cast<size_t>(state.range(0)), 0x61);
  std::vector<Bytes> messages;
  for (int i = 0; i < 1000; ++i) {
    messages.push_back(encode(g.a->create_message(g.alice, data)));
  }
  size_t next = 0;
  for (auto _ : state) {
    if (next == messages.size()) {
      state.PauseTiming();
      for (auto& m : messages) {
        m = encode(g.a->create_message(g.alice, data));
      }
      next = 0;
      state.ResumeTiming();
    }
    benchmark::DoNotOptimize(g.b->process_message(messages[next++]));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}

// The heap a copy of one member's group state takes, per member.
void BM_StateBytesPerMember(benchmark::State& state) {
  size_t n = static_cast<size_t>(state.range(0));
  BenchGroup& g = group_of(n);
  size_t bytes = 0;
  for (auto _ : state) {
    size_t before = heap_in_use();
    auto copy = std::make_unique<Group>(*g.b);
    bytes = heap_in_use() - before;
    benchmark::DoNotOptimize(copy);
  }
  state.counters["bytes_per_member"] = static_cast<double>(bytes) / static_cast<double>(n);
}

BENCHMARK(BM_CommitWithPath)
    ->Arg(2)
    ->Arg(16)
    ->Arg(128)
    ->Arg(1024)
    ->Arg(10000)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ProcessCommitWithPath)
    ->Arg(2)
    ->Arg(16)
    ->Arg(128)
    ->Arg(1024)
    ->Arg(10000)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_JoinFromWelcome)->Arg(1024)->Arg(10000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ProtectApplication)->Arg(100)->Arg(10000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_UnprotectApplication)->Arg(100)->Arg(10000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_StateBytesPerMember)->Arg(16)->Arg(1024)->Arg(10000)->Iterations(1);

}  // namespace
}  // namespace mlsref
