// Google Benchmark timings of the group (RFC 9420 §12): a commit with a path
// created by one member and processed by another, in groups of 2 to 10,000
// members with sparse and full trees; joining from a Welcome; protecting and
// unprotecting an application message; and the heap one member's group state
// takes per member (counter `state_bytes_per_member`, glibc mallinfo2).
//
// How the large groups are set up, without thousands of sequential commits:
// - sparse: the creator adds everyone in one commit without a path, so every
//   parent node is blank (the tree right after a big batch of adds). The
//   committer is the creator (leaf 0); the receiver joins from that Welcome.
// - full: every parent node with members on both sides is non-blank and
//   nobody is unmerged, as after every member committed. The tree is
//   synthesised directly (full_tree below), with a valid parent-hash chain
//   (§7.9.2) from each parent to its left child, so any member's view of it
//   is what real commits would have left. The two benchmarked members join it
//   from a Welcome like any new member (which verifies the whole tree); the
//   receiver gets the path secret of the common ancestor with its sibling,
//   the GroupInfo signer, so it holds every key on its direct path. With 2
//   members the tree is made by real commits (an add, then a self-update by
//   the added member).
// Handshake messages are PublicMessages, so a member can process the same
// commit again and again: staging never changes the group.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <functional>
#include <map>
#include <memory>

#include "ref/framing.h"
#include "ref/group.h"
#include "ref/registries.h"
#include "ref/transcript_hash.h"

namespace mlsref {
namespace {

constexpr CipherSuiteId kSuite = 1;
enum Shape : int64_t { sparse = 0, full = 1 };

// Heap in use: small blocks from the arenas plus large mmap'ed ones.
size_t heap_in_use() {
  struct mallinfo2 m = mallinfo2();
  return m.uordblks + m.hblkhd;
}

struct Client {
  Signer signer;
  CredentialWithKey credential;
  KeyPackageBundle key_package;
};

Client make_client(const CipherSuite& suite, uint32_t i) {
  Client c;
  c.signer = Signer::generate(suite, system_rng());
  c.credential = CredentialWithKey{Credential::basic(to_bytes("member " + std::to_string(i))),
                                   c.signer.public_key};
  c.key_package = create_key_package(suite, c.signer, c.credential, {}, system_rng());
  return c;
}

// A group as two of its members see it: `committer` sends commits,
// `receiver` processes them; `welcome` is the receiver's.
struct Fixture {
  CipherSuite suite{kSuite};
  Client committer_client, receiver_client;
  std::optional<Group> committer, receiver;
  Welcome welcome;
  size_t members = 0;
};

GroupConfig bench_config() {
  GroupConfig c;
  c.handshake_private = false;
  return c;
}

// Sparse: one commit adds everyone, without a path.
std::unique_ptr<Fixture> sparse_group(uint32_t n) {
  auto f = std::make_unique<Fixture>();
  f->members = n;
  f->committer_client = make_client(f->suite, 0);
  f->committer.emplace(Group::create(bench_config(), kSuite, to_bytes("bench group"),
                                     f->committer_client.signer, f->committer_client.credential));
  std::vector<KeyPackage> kps;
  for (uint32_t i = 1; i < n; ++i) {
    Client c = make_client(f->suite, i);
    kps.push_back(c.key_package.key_package);
    if (i == n - 1) {
      f->receiver_client = std::move(c);
    }
  }
  CommitBundle b = f->committer->add_members_without_update(f->committer_client.signer, kps);
  f->committer->merge_pending_commit();
  f->welcome = std::get<Welcome>(b.welcome.value().body);
  f->receiver.emplace(Group::join(bench_config(), f->welcome, f->receiver_client.key_package));
  return f;
}

// Full, two members: an add with a path, then a self-update by the new member.
std::unique_ptr<Fixture> full_pair() {
  auto f = std::make_unique<Fixture>();
  f->members = 2;
  f->receiver_client = make_client(f->suite, 0);
  f->committer_client = make_client(f->suite, 1);
  Group creator = Group::create(bench_config(), kSuite, to_bytes("bench group"),
                                f->receiver_client.signer, f->receiver_client.credential);
  KeyPackage kps[] = {f->committer_client.key_package.key_package};
  CommitBundle add = creator.add_members(f->receiver_client.signer, kps);
  creator.merge_pending_commit();
  f->welcome = std::get<Welcome>(add.welcome.value().body);
  Group joined = Group::join(bench_config(), f->welcome, f->committer_client.key_package);
  CommitBundle update = joined.self_update(f->committer_client.signer);
  joined.merge_pending_commit();
  creator.merge_staged_commit(
      std::get<StagedCommit>(creator.process_message(encode(update.commit)).content));
  f->committer.emplace(std::move(joined));
  f->receiver.emplace(std::move(creator));
  return f;
}

// Full, n >= 4 members (n even): the tree synthesised as described above.
// The committer is leaf 1, the receiver leaf n - 1, the GroupInfo signer
// leaf n - 2; the leaves at odd indices are as they came from their
// KeyPackages, those at even indices carry the parent hash of the chain.
std::unique_ptr<Fixture> full_tree(uint32_t n) {
  auto f = std::make_unique<Fixture>();
  const CipherSuite& suite = f->suite;
  f->members = n;
  const Bytes group_id = to_bytes("bench group");
  uint64_t now = system_now();
  Capabilities caps{{mls10}, {kSuite}, {}, {}, {credential_type::basic}};

  std::vector<Signer> signers(n);
  std::vector<LeafNode> leaves(n);
  for (uint32_t i = 0; i < n; ++i) {
    if (i == 1 || i == n - 1) {
      Client c = make_client(suite, i);
      signers[i] = c.signer;
      leaves[i] = c.key_package.key_package.leaf_node;
      (i == 1 ? f->committer_client : f->receiver_client) = std::move(c);
      continue;
    }
    signers[i] = Signer::generate(suite, system_rng());
    LeafNode& l = leaves[i];
    l.encryption_key = suite.generate_key_pair(system_rng()).public_key;
    l.signature_key = signers[i].public_key;
    l.credential = Credential::basic(to_bytes("member " + std::to_string(i)));
    l.capabilities = caps;
    l.leaf_node_source = LeafNodeSource::key_package;
    l.lifetime = Lifetime{now - 3600, now + 90ull * 24 * 3600};
  }
  RatchetTreeNodes nodes(2 * static_cast<size_t>(n) - 1);
  for (uint32_t i = 0; i < n; ++i) {
    nodes[2 * i] = Node{NodeType::leaf, leaves[i], {}};
  }
  RatchetTree tree = RatchetTree::from_nodes(std::move(nodes));

  // The receiver's direct path takes its keys from one path-secret chain,
  // starting at the common ancestor with the signer (§7.4).
  LeafIndex signer(n - 2);
  std::vector<NodeIndex> fdp = tree.filtered_direct_path(signer);
  SecureBytes first_bytes(suite.hash_size());
  system_rng().randomize(first_bytes.data(), first_bytes.size());
  const TreeKemPathSecret first_secret(first_bytes);
  std::map<uint32_t, HPKEPublicKey> chain_keys;
  TreeKemPathSecret secret = first_secret;
  for (NodeIndex p : fdp) {
    chain_keys[p.value] = node_key_pair(suite, secret).public_key;
    secret = next_path_secret(suite, secret);
  }

  // Top-down: a parent with members on both sides gets a key; its left child
  // carries ParentHash(parent, tree hash of the right child) (§7.9), so the
  // right subtree is finished first.
  auto has_members = [&](NodeIndex x) { return !tree.resolution(x).empty(); };
  std::function<void(NodeIndex, const Bytes&)> build = [&](NodeIndex x, const Bytes& ph) {
    if (tree_math::level(x) == 0) {
      uint32_t i = x.value / 2;
      if (i >= n || i == 1 || i == n - 1) {
        return;  // padding, or a KeyPackage's leaf as it is
      }
      LeafNode l = leaves[i];
      if (!ph.empty()) {
        l.leaf_node_source = LeafNodeSource::commit;
        l.lifetime = {};
        l.parent_hash = ph;
        l.sign(suite, signers[i].private_key, group_id, i);
      } else {
        l.sign(suite, signers[i].private_key);
      }
      tree.set_node(x, Node{NodeType::leaf, l, {}});
      return;
    }
    NodeIndex left = tree_math::left(x), right = tree_math::right(x);
    if (!has_members(left) || !has_members(right)) {
      build(left, {});
      build(right, {});
      return;
    }
    auto it = chain_keys.find(x.value);
    HPKEPublicKey key =
        it != chain_keys.end() ? it->second : suite.generate_key_pair(system_rng()).public_key;
    tree.set_node(x, Node{NodeType::parent, {}, ParentNode{key, ph, {}}});
    build(right, {});
    build(left, tree.parent_hash(suite, x, right));
  };
  build(tree_math::root(tree.leaf_count()), {});

  GroupContext context{mls10, kSuite, group_id, 1, tree.root_tree_hash(suite), {}, {}};
  context.confirmed_transcript_hash = Bytes(suite.hash_size(), 0x3c);
  SecureBytes joiner_bytes(suite.hash_size());
  system_rng().randomize(joiner_bytes.data(), joiner_bytes.size());
  const JoinerSecret joiner(joiner_bytes);
  EpochSecrets e = derive_epoch_from_joiner(suite, joiner, psk_secret(suite, {}), context);
  GroupInfo gi;
  gi.group_context = context;
  gi.extensions.push_back(Extension{extension_type::ratchet_tree, encode(tree.to_nodes())});
  gi.confirmation_tag =
      confirmation_tag(suite, e.confirmation_key, context.confirmed_transcript_hash);
  gi.signer = signer.value;
  gi.sign(suite, signers[signer.value].private_key);
  WelcomeRecipient to[] = {{f->committer_client.key_package.key_package, std::nullopt},
                           {f->receiver_client.key_package.key_package, first_secret}};
  f->welcome = make_welcome(suite, gi, joiner, {}, to, system_rng());
  f->committer.emplace(Group::join(bench_config(), f->welcome, f->committer_client.key_package));
  f->receiver.emplace(Group::join(bench_config(), f->welcome, f->receiver_client.key_package));
  return f;
}

// One fixture per (shape, size), made on first use and kept.
Fixture& fixture(int64_t shape, int64_t n) {
  // Never destroyed: the groups' secrets outlive Botan's allocator otherwise.
  static auto* cache = new std::map<std::pair<int64_t, int64_t>, std::unique_ptr<Fixture>>;
  auto& f = (*cache)[{shape, n}];
  if (!f) {
    uint32_t members = static_cast<uint32_t>(n);
    f = shape == sparse ? sparse_group(members) : members == 2 ? full_pair() : full_tree(members);
  }
  return *f;
}

void label(benchmark::State& state, const Fixture& f) {
  state.SetLabel(std::string(state.range(0) == sparse ? "sparse" : "full") + " " +
                 std::to_string(f.members) + " members");
}

void BM_CommitCreate(benchmark::State& state) {
  Fixture& f = fixture(state.range(0), state.range(1));
  size_t bytes = 0;
  for (auto _ : state) {
    CommitBundle b = f.committer->self_update(f.committer_client.signer);
    f.committer->clear_pending_commit();
    bytes = encode(b.commit).size();
  }
  state.counters["commit_bytes"] = static_cast<double>(bytes);
  label(state, f);
}

void BM_CommitProcess(benchmark::State& state) {
  Fixture& f = fixture(state.range(0), state.range(1));
  CommitBundle b = f.committer->self_update(f.committer_client.signer);
  f.committer->clear_pending_commit();
  Bytes wire = encode(b.commit);
  for (auto _ : state) {
    ProcessedMessage m = f.receiver->process_message(wire);
    benchmark::DoNotOptimize(std::get<StagedCommit>(m.content).epoch());
  }
  label(state, f);
}

void BM_Join(benchmark::State& state) {
  Fixture& f = fixture(state.range(0), state.range(1));
  for (auto _ : state) {
    benchmark::DoNotOptimize(Group::join(bench_config(), f.welcome, f.receiver_client.key_package));
  }
  state.counters["welcome_bytes"] = static_cast<double>(encode(f.welcome).size());
  label(state, f);
}

// The heap a copy of the receiver's group takes, per member.
void BM_GroupStateMemory(benchmark::State& state) {
  Fixture& f = fixture(state.range(0), state.range(1));
  size_t heap = 0;
  for (auto _ : state) {
    size_t before = heap_in_use();
    auto copy = std::make_unique<Group>(*f.receiver);
    heap = heap_in_use() - before;
    benchmark::DoNotOptimize(copy.get());
  }
  state.counters["state_bytes"] = static_cast<double>(heap);
  state.counters["state_bytes_per_member"] = static_cast<double>(heap) / f.members;
  label(state, f);
}

void BM_ApplicationProtect(benchmark::State& state) {
  Fixture& f = fixture(state.range(0), state.range(1));
  Bytes data(static_cast<size_t>(state.range(2)), 0x61);
  for (auto _ : state) {
    benchmark::DoNotOptimize(f.committer->create_message(f.committer_client.signer, data));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * data.size()));
  label(state, f);
}

// The receiver sends and the committer reads, so that BM_ApplicationProtect
// (which moves the committer's ratchet far ahead) leaves no gap to skip.
void BM_ApplicationUnprotect(benchmark::State& state) {
  Fixture& f = fixture(state.range(0), state.range(1));
  Bytes data(static_cast<size_t>(state.range(2)), 0x61);
  for (auto _ : state) {
    state.PauseTiming();
    Bytes wire = encode(f.receiver->create_message(f.receiver_client.signer, data));
    state.ResumeTiming();
    ProcessedMessage m = f.committer->process_message(wire);
    benchmark::DoNotOptimize(std::get<ApplicationMessage>(m.content).data.size());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * data.size()));
  label(state, f);
}

// Refusing an external Commit (anyone holding a GroupInfo can send one, signed
// with a key of their own) that carries arg 0 distinct PreSharedKey
// proposals for PSKs the receiver does not hold: the list is validated
// (R12.2-10, no PSK twice) before the first PSK is looked up (R12.4.2-5).
// With a scan per proposal for R12.2-10, 80,000 of them took 8.8 s, 10.5
// times the time of 20,000 (helper measurement, 2026-12-02, before 45a3d71).
// After it, on a busy machine: 20,000 16.7 ms, 40,000 34.4 ms, 80,000 196 to
// 629 ms from run to run; at 80,000 (3.4 MB) a `perf record` puts most of
// the time in page faults of the growing proposal list, not in any check.
void BM_RefuseExternalCommitPsks(benchmark::State& state) {
  Fixture& f = fixture(full, 2);
  Client outsider = make_client(f.suite, 1000000);
  GroupInfo gi = f.committer->group_info(f.committer_client.signer, true);
  auto [joined, commit] = Group::join_external(bench_config(), gi, std::nullopt, outsider.signer,
                                               outsider.credential);
  auto& pm = std::get<PublicMessage>(commit.body);
  for (int64_t i = 0; i < state.range(0); ++i) {
    PreSharedKeyID id{PSKType::external, encode(static_cast<uint32_t>(i)), {}, {}, 0,
                      Bytes(f.suite.hash_size(), 1)};
    pm.content.commit.proposals.push_back(
        ProposalOrRef{ProposalOrRefType::proposal, Proposal{PreSharedKey{id}}, {}});
  }
  pm.auth.signature = f.suite.sign_with_label(
      outsider.signer.private_key, signature_label::framed_content_tbs,
      framed_content_tbs(wire_format::mls_public_message, pm.content, f.receiver->context()));
  const Bytes wire = encode(commit);
  for (auto _ : state) {
    try {
      f.receiver->process_message(wire);
      state.SkipWithError("an external Commit naming unknown PSKs was accepted");
    } catch (const Error&) {
    }
  }
  state.counters["commit_bytes"] = static_cast<double>(wire.size());
}

// Validating a KeyPackage (§10.1) that anyone can make, signed by its own
// leaf's key: 65,000 extension types once each, then one other type
// repeated until the KeyPackage's extensions number arg 0; refused for the
// repeat (R13.4-5). With every pair of extensions compared, CPU time 2.27 s
// at 100,000, 5.62 s at 200,000, 9.33 s at 300,000 (900 KB); with the types
// sorted once, 8.6, 17.6 and 25.3 ms (helper measurements on a shared
// machine). BM_Join at 10,000 members, which checks every leaf the same way,
// did not slow down (1.37 s CPU before, 1.00 s after, sparse tree).
void BM_RefuseKeyPackageExtensions(benchmark::State& state) {
  CipherSuite suite(kSuite);
  Client c = make_client(suite, 0);
  KeyPackage kp = c.key_package.key_package;
  kp.extensions.clear();
  for (int64_t i = 0; i < state.range(0); ++i) {
    kp.extensions.push_back(
        Extension{static_cast<ExtensionType>(i < 65000 ? 0x100 + i : 0x00F0), {}});
  }
  kp.sign(suite, c.signer.private_key);
  const Bytes wire = encode(kp);
  for (auto _ : state) {
    try {
      decode<KeyPackage>(wire).validate(suite, std::nullopt);
      state.SkipWithError("a KeyPackage with a repeated extension type was accepted");
    } catch (const Error&) {
    }
  }
  state.counters["key_package_bytes"] = static_cast<double>(wire.size());
}

void group_sizes(benchmark::internal::Benchmark* b) {
  for (int64_t shape : {sparse, full}) {
    for (int64_t n : {2, 16, 128, 1024, 10000}) {
      b->Args({shape, n});
    }
  }
}
void join_sizes(benchmark::internal::Benchmark* b) {
  for (int64_t shape : {sparse, full}) {
    for (int64_t n : {1024, 10000}) {
      b->Args({shape, n});
    }
  }
}
void message_sizes(benchmark::internal::Benchmark* b) {
  for (int64_t n : {2, 10000}) {
    b->Args({full, n, 100});
  }
  b->Args({full, 2, 16384});
}

BENCHMARK(BM_CommitCreate)->Apply(group_sizes)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CommitProcess)->Apply(group_sizes)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Join)->Apply(join_sizes)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_GroupStateMemory)->Apply(group_sizes)->Iterations(1);
BENCHMARK(BM_ApplicationProtect)->Apply(message_sizes)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ApplicationUnprotect)->Apply(message_sizes)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_RefuseExternalCommitPsks)
    ->Arg(20000)
    ->Arg(40000)
    ->Arg(80000)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RefuseKeyPackageExtensions)
    ->Arg(100000)
    ->Arg(200000)
    ->Arg(300000)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace mlsref
