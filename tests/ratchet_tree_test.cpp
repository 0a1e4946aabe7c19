// RFC 9420 §7 ratchet tree and TreeKEM: error kinds and sections, and the
// atomicity of processing.
#include "conformance/tree_history.h"
#include "conformance/vector_type.h"
#include "fuzz/inputs.h"
#include "ref/tree_kem.h"
#include "tests/test_util.h"

namespace mlsref {
namespace {

struct Fixture {
  CipherSuite suite{1};
  std::unique_ptr<Botan::RandomNumberGenerator> rng = conformance::seeded_rng(1, "unit");
  conformance::TreeHistory h{suite, *rng, to_bytes("g")};
  Fixture() {
    for (uint32_t i = 0; i < 4; ++i) {
      h.add(LeafIndex(i), true);
    }
  }
};

TEST(RatchetTree, ExtensionForm) {
  Fixture f;
  RatchetTreeNodes nodes = f.h.tree().to_nodes();
  EXPECT_TRUE(nodes.back().has_value());
  RatchetTreeNodes trailing = nodes;
  trailing.push_back(std::nullopt);
  trailing.push_back(std::nullopt);
  EXPECT_MLS_ERROR(RatchetTree::from_nodes(trailing), ErrorKind::protocol, "12.4.3.3");
  RatchetTreeNodes swapped = nodes;
  std::swap(swapped[0], swapped[1]);
  EXPECT_MLS_ERROR(RatchetTree::from_nodes(swapped), ErrorKind::protocol, "12.4.3.3");
  EXPECT_EQ(encode(RatchetTree::from_nodes(nodes).to_nodes()), encode(nodes));
}

// A 4-leaf tree (nodes 0..6) of placeholder leaves and parents, for the
// structural checks of from_nodes, which look at positions and
// unmerged_leaves only.
RatchetTreeNodes four_leaf_tree() {
  RatchetTreeNodes nodes(7);
  for (uint32_t i = 0; i < 7; ++i) {
    if (i % 2 == 0) {
      nodes[i] = Node{NodeType::leaf, LeafNode{}, {}};
    } else {
      nodes[i] = Node{NodeType::parent, {}, ParentNode{Bytes{uint8_t(i)}, {}, {}}};
    }
  }
  return nodes;
}

TEST(RatchetTree, UnmergedLeavesAreCheckedOnTheWayIn) {
  RatchetTreeNodes ok = four_leaf_tree();
  ok[3]->parent_node.unmerged_leaves = {0, 3};
  ok[1]->parent_node.unmerged_leaves = {0};
  ok[5]->parent_node.unmerged_leaves = {3};
  RatchetTree::from_nodes(ok);

  auto with = [](uint32_t node, std::vector<uint32_t> unmerged) {
    RatchetTreeNodes n = four_leaf_tree();
    n[node]->parent_node.unmerged_leaves = std::move(unmerged);
    return n;
  };
  // Outside the tree, and far outside it (the fuzzer's finding).
  EXPECT_MLS_ERROR(RatchetTree::from_nodes(with(3, {4})), ErrorKind::protocol, "12.4.3.1");
  EXPECT_MLS_ERROR(RatchetTree::from_nodes(with(3, {0x7fffffff})), ErrorKind::protocol, "12.4.3.1");
  EXPECT_MLS_ERROR(RatchetTree::from_nodes(with(3, {0xffffffff})), ErrorKind::protocol, "12.4.3.1");
  // Inside the tree but not below the node that lists it.
  EXPECT_MLS_ERROR(RatchetTree::from_nodes(with(1, {2})), ErrorKind::protocol, "12.4.3.1");
  // Below it, but blank.
  RatchetTreeNodes blank_leaf = with(3, {1});
  blank_leaf[2].reset();
  EXPECT_MLS_ERROR(RatchetTree::from_nodes(blank_leaf), ErrorKind::protocol, "12.4.3.1");
  // Listed at the root but not by the non-blank parent between them...
  EXPECT_MLS_ERROR(RatchetTree::from_nodes(with(3, {0})), ErrorKind::protocol, "12.4.3.1");
  // ... which is fine once that parent is blank.
  RatchetTreeNodes blank_between = with(3, {0});
  blank_between[1].reset();
  RatchetTree::from_nodes(blank_between);
  // Not sorted in increasing order.
  EXPECT_MLS_ERROR(RatchetTree::from_nodes(with(1, {1, 0})), ErrorKind::protocol, "7.1");
  EXPECT_MLS_ERROR(RatchetTree::from_nodes(with(1, {0, 0})), ErrorKind::protocol, "7.1");
}

// The input of issue 8 (fuzz_ratchet_tree's layout): a parent lists leaf
// 0x7fffffff. It used to read past the node array in verify_parent_hashes.
TEST(RatchetTree, FuzzerFoundUnmergedLeafOutsideTheTree) {
  auto input = decode<fuzz::RatchetTreeInput>(from_hex(
      "0001016740574055010101aa01bb0001000000000000010000000000000000000000000000000000000000"
      "010201cc000000010201dd00047fffffff010101ee01ff000100000000000001000000000000000000000000"
      "000000000000"));
  auto nodes = decode<RatchetTreeNodes>(input.tree);
  EXPECT_MLS_ERROR(RatchetTree::from_nodes(nodes), ErrorKind::protocol, "12.4.3.1");
}

TEST(RatchetTree, MaximumSizeIsConfigurable) {
  RatchetTreeNodes nodes = four_leaf_tree();
  EXPECT_EQ(RatchetTree::from_nodes(nodes, TreeLimits{4}).leaf_count().value, 4u);
  EXPECT_MLS_ERROR(RatchetTree::from_nodes(nodes, TreeLimits{3}), ErrorKind::unsupported,
                   "12.4.3.3");
  RatchetTree t = RatchetTree::from_nodes(nodes, TreeLimits{4});
  EXPECT_MLS_ERROR(t.add_leaf(LeafNode{}), ErrorKind::unsupported, "7.7");
  EXPECT_EQ(t.leaf_count().value, 4u);
}

TEST(RatchetTree, EvolutionErrors) {
  Fixture f;
  RatchetTree t = f.h.tree();
  EXPECT_EQ(t.leaf_count().value, 8u);
  t.remove_leaf(LeafIndex(4));
  EXPECT_EQ(t.leaf_count().value, 4u);  // truncated: nothing right of leaf 3
  EXPECT_MLS_ERROR(t.remove_leaf(LeafIndex(4)), ErrorKind::protocol, "12.1.3");
  EXPECT_MLS_ERROR(t.update_leaf(LeafIndex(7), LeafNode{}), ErrorKind::protocol, "12.1.2");
}

TEST(RatchetTree, TamperedParentHashIsDetected) {
  Fixture f;
  RatchetTree t = f.h.tree();
  t.verify_parent_hashes(f.suite);
  NodeIndex root = tree_math::root(t.leaf_count());
  Node n = *t.node(root);
  n.parent_node.encryption_key[0] ^= 1;
  t.set_node(root, n);
  EXPECT_MLS_ERROR(t.verify_parent_hashes(f.suite), ErrorKind::protocol, "7.9.2");
}

TEST(TreeKem, BadUpdatePathsChangeNothing) {
  Fixture f;
  LeafIndex sender(1), receiver(3);
  const auto& me = f.h.members().at(receiver.value);
  RatchetTree creator_tree = f.h.tree();
  GroupContext ctx = f.h.context();
  CreatedPath created =
      create_update_path(f.suite, creator_tree, sender,
                         f.h.members().at(sender.value).signature_priv, ctx, {}, *f.rng);
  auto attempt = [&](const UpdatePath& path, const std::string& section) {
    RatchetTree tree = me.tree;
    TreeKemPrivate priv = me.priv;
    GroupContext c = f.h.context();
    EXPECT_MLS_ERROR(process_update_path(f.suite, tree, sender, path, c, priv, {}),
                     ErrorKind::protocol, section);
    EXPECT_EQ(encode(tree.to_nodes()), encode(me.tree.to_nodes()));
    EXPECT_EQ(priv.private_keys, me.priv.private_keys);
  };
  UpdatePath fewer = created.update_path;
  fewer.nodes.pop_back();
  attempt(fewer, "7.6");
  UpdatePath wrong_key = created.update_path;
  wrong_key.nodes.back().encryption_key = f.suite.generate_key_pair(*f.rng).public_key;
  attempt(wrong_key, "7.9.2");
  // And the real one processes to the creator's commit secret and tree.
  RatchetTree tree = me.tree;
  TreeKemPrivate priv = me.priv;
  GroupContext c = f.h.context();
  ProcessedPath got = process_update_path(f.suite, tree, sender, created.update_path, c, priv, {});
  EXPECT_EQ(got.commit_secret, created.commit_secret);
  EXPECT_EQ(tree.root_tree_hash(f.suite), creator_tree.root_tree_hash(f.suite));
}

}  // namespace
}  // namespace mlsref

namespace mlsref {
namespace {

TEST(LeafValidation, KeyPackageRules) {
  CipherSuite suite(2);
  auto rng = conformance::seeded_rng(2, "kp");
  hpke::KeyPair init;
  SecureBytes sk;
  KeyPackage kp = conformance::make_key_package(suite, *rng, "a", init, sk);
  kp.validate(suite, 1700000000);
  KeyPackage expired = kp;
  expired.leaf_node.lifetime = Lifetime{0, 10};
  expired.leaf_node.sign(suite, sk);
  expired.sign(suite, sk);
  EXPECT_MLS_ERROR(expired.validate(suite, 1700000000), ErrorKind::protocol, "7.3");
  KeyPackage same_keys = kp;
  same_keys.init_key = kp.leaf_node.encryption_key;
  same_keys.sign(suite, sk);
  EXPECT_MLS_ERROR(same_keys.validate(suite, std::nullopt), ErrorKind::protocol, "10.1");
  KeyPackage unsigned_leaf = kp;
  unsigned_leaf.leaf_node.signature[3] ^= 1;
  unsigned_leaf.sign(suite, sk);
  EXPECT_MLS_ERROR(unsigned_leaf.validate(suite, std::nullopt), ErrorKind::crypto, "7.3");
  KeyPackage extension = kp;
  extension.leaf_node.extensions.push_back(Extension{0xff00, {}});
  extension.leaf_node.sign(suite, sk);
  extension.sign(suite, sk);
  EXPECT_MLS_ERROR(extension.validate(suite, std::nullopt), ErrorKind::protocol, "7.3");
  EXPECT_MLS_ERROR(kp.validate(CipherSuite(1), std::nullopt), ErrorKind::protocol, "10.1");
}

}  // namespace
}  // namespace mlsref

#include "fuzz/inputs.h"

namespace mlsref {
namespace {

// The fixed group of fuzz_update_path: its seeds must process, or the fuzzer
// would start from inputs that only reach the first rejection.
TEST(FuzzFixtures, FixedTreeGroupProcessesItsSeeds) {
  fuzz::FixedTreeGroup group;
  group.history.check();
  RatchetTree tree = group.history.tree();
  GroupContext ctx = group.history.context();
  CreatedPath created = create_update_path(
      group.suite, tree, group.sender,
      group.history.members().at(group.sender.value).signature_priv, ctx, {}, *group.rng);
  const auto& me = group.history.members().at(group.receiver.value);
  RatchetTree t = me.tree;
  TreeKemPrivate priv = me.priv;
  GroupContext c = group.history.context();
  UpdatePath path = decode<UpdatePath>(encode(created.update_path));
  EXPECT_EQ(process_update_path(group.suite, t, group.sender, path, c, priv, {}).commit_secret,
            created.commit_secret);
}

// The fixed epoch of fuzz_unprotect: a message protected for it unprotects.
TEST(FuzzFixtures, FixedEpochUnprotects) {
  const fuzz::FixedEpoch epoch;
  FramedContent fc;
  fc.group_id = epoch.context.group_id;
  fc.epoch = epoch.context.epoch;
  fc.sender = Sender::member(1);
  fc.content_type = ContentType::application;
  fc.application_data = {1, 2, 3};
  SecretTree sender = epoch.fresh_tree(), receiver = epoch.fresh_tree();
  PrivateMessage m = protect_private(epoch.suite, fc, epoch.signature_private_key, epoch.context,
                                     sender, epoch.sender_data_secret, system_rng());
  EXPECT_EQ(unprotect_private(epoch.suite, m, epoch.context, receiver, epoch.sender_data_secret,
                              [&](LeafIndex) { return epoch.signature_public_key; })
                .content,
            fc);
}

}  // namespace
}  // namespace mlsref
