// RFC 9420 §7 ratchet tree and TreeKEM over random group histories: after
// every add, remove, update and path update on a random group of up to 64
// members, the tree is parent-hash valid, every member's copy has the same
// tree hash, everyone derived the committer's commit secret (checked inside
// TreeHistory), and a path update changed every node on the committer's
// filtered direct path. And the tree hashes a RatchetTree keeps (§7.8) are
// always those of the tree as it is, whatever was asked and changed before.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "conformance/tree_history.h"
#include "conformance/vector_type.h"
#include "tests/props/structure_gen.h"

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

// Every tree hash and parent hash of `t` (whose stored hashes come from its
// history) equals that of a new tree of the same nodes, which has none stored.
void check_hashes_are_fresh(const CipherSuite& suite, const RatchetTree& t) {
  RatchetTree fresh = RatchetTree::from_nodes(t.to_nodes());
  RC_ASSERT(fresh.node_count() == t.node_count());
  for (uint32_t i = 0; i < t.node_count(); ++i) {
    bool same = t.tree_hash(suite, NodeIndex(i)) == fresh.tree_hash(suite, NodeIndex(i));
    RC_ASSERT(same);
    if (!tree_math::is_leaf(NodeIndex(i)) && !t.blank(NodeIndex(i))) {
      for (NodeIndex s : {tree_math::left(NodeIndex(i)), tree_math::right(NodeIndex(i))}) {
        bool same_parent_hash =
            t.parent_hash(suite, NodeIndex(i), s) == fresh.parent_hash(suite, NodeIndex(i), s);
        RC_ASSERT(same_parent_hash);
      }
    }
  }
}

RC_GTEST_PROP(TreeProps, StoredTreeHashesEqualFreshOnes, ()) {
  CipherSuite suite(*rc::gen::element<uint16_t>(1, 2, 3, 4, 5, 6, 7));
  auto leaf = [] {
    LeafNode l;
    props::fill(l);
    return l;
  };
  RatchetTree t(leaf());
  auto member = [&] {
    std::vector<uint32_t> ids;
    for (uint32_t i = 0; i < t.leaf_count().value; ++i) {
      if (t.has_leaf(LeafIndex(i))) {
        ids.push_back(i);
      }
    }
    return LeafIndex(*rc::gen::elementOf(ids));
  };
  int steps = *rc::gen::inRange(1, 40);
  for (int s = 0; s < steps; ++s) {
    switch (*rc::gen::inRange(0, 6)) {
      case 0:
      case 1:
        t.add_leaf(leaf());  // unmerged_leaves grow above the new leaf
        break;
      case 2:
        t.update_leaf(member(), leaf());
        break;
      case 3: {
        LeafIndex l = member();
        if (l.value != 0) {  // keep one member
          t.remove_leaf(l);  // and perhaps truncate
        }
        break;
      }
      case 4: {
        // As when an UpdatePath is merged (§7.5): blank the direct path, set
        // some nodes of the filtered direct path with empty unmerged_leaves,
        // and the leaf.
        LeafIndex l = member();
        t.blank_direct_path(l);
        for (NodeIndex p : t.filtered_direct_path(l)) {
          if (*rc::gen::arbitrary<bool>()) {
            t.set_node(
                p,
                Node{NodeType::parent, {}, ParentNode{props::arb_bytes(), props::arb_bytes(), {}}});
          }
        }
        t.set_node(NodeIndex(l), Node{NodeType::leaf, leaf(), {}});
        break;
      }
      default:
        // Store some hashes, so that the next changes meet a partly filled store.
        for (int k = *rc::gen::inRange(0, 4); k > 0; --k) {
          t.tree_hash(suite, NodeIndex(*rc::gen::inRange<uint32_t>(0, t.node_count())));
        }
        t.root_tree_hash(suite);
    }
    if (*rc::gen::arbitrary<bool>()) {
      check_hashes_are_fresh(suite, t);
    }
  }
  check_hashes_are_fresh(suite, t);
}

}  // namespace
}  // namespace mlsref
