// RFC 9420 §7 ratchet tree and TreeKEM over random group histories: after
// every add, remove, update and path update on a random group of up to 64
// members, the tree is parent-hash valid, every member's copy has the same
// tree hash, everyone derived the committer's commit secret (checked inside
// TreeHistory), and a path update changed every node on the committer's
// filtered direct path.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "conformance/tree_history.h"
#include "conformance/vector_type.h"

namespace mlsref {
namespace {

using conformance::TreeHistory;

LeafIndex any_member(const TreeHistory& h) {
  std::vector<uint32_t> ids;
  for (const auto& [i, m] : h.members()) {
    ids.push_back(i);
  }
  return LeafIndex(*rc::gen::elementOf(ids));
}

RC_GTEST_PROP(TreeProps, RandomHistoriesStayConsistent, ()) {
  // X25519 suites keep the run short; the seven suites all meet the same
  // code paths in the treekem vectors.
  CipherSuite suite(*rc::gen::element<uint16_t>(1, 3));
  auto rng = conformance::seeded_rng(*rc::gen::arbitrary<uint64_t>(), "tree props");
  TreeHistory h(suite, *rng, to_bytes("props"));
  size_t start = *rc::gen::inRange<size_t>(1, 64);
  for (size_t i = 1; i < start; ++i) {
    h.add(LeafIndex(0), false);  // add-only commits: unmerged leaves everywhere
  }
  h.check();
  int steps = *rc::gen::inRange(1, 12);
  for (int s = 0; s < steps; ++s) {
    LeafIndex committer = any_member(h);
    switch (*rc::gen::inRange(0, 4)) {
      case 0:
        if (h.members().size() < 64) {
          h.add(committer, *rc::gen::arbitrary<bool>());
        }
        break;
      case 1:
        if (h.members().size() > 1) {
          LeafIndex removed = any_member(h);
          if (removed != committer) {
            h.remove(committer, removed);
          }
        }
        break;
      case 2:
        if (h.members().size() > 1) {
          LeafIndex updater = any_member(h);
          if (updater != committer) {
            h.update(updater, committer);
          }
        }
        break;
      default: {
        RatchetTree before = h.tree();
        auto commit = h.self_update(committer);
        for (NodeIndex n : commit.filtered_direct_path) {
          // (Plain bools: RC_ASSERT's expression capture would keep
          // references to temporaries.)
          bool set = !h.tree().blank(n);
          RC_ASSERT(set);
          bool changed = n.value >= before.node_count() || before.blank(n) ||
                         encode(*before.node(n)) != encode(*h.tree().node(n));
          RC_ASSERT(changed);
        }
        bool leaf_changed = encode(*before.node(NodeIndex(committer))) !=
                            encode(*h.tree().node(NodeIndex(committer)));
        RC_ASSERT(leaf_changed);
      }
    }
    h.check();
  }
}

}  // namespace
}  // namespace mlsref
