// RFC 9420 §7 ratchet tree and TreeKEM: error kinds and sections, and the
// atomicity of processing.
#include "conformance/tree_history.h"
#include "conformance/vector_type.h"
#include "fuzz/inputs.h"
#include "ref/registries.h"
#include "ref/rule_switch.h"
#include "ref/tree_kem.h"
#include "tests/hostile_trees.h"
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
  EXPECT_MLS_RULE(RatchetTree::from_nodes(trailing), ErrorKind::protocol, req::R12_4_3_3_2);
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
  EXPECT_MLS_RULE(RatchetTree::from_nodes(with(3, {4})), ErrorKind::protocol, req::R12_4_3_1_9);
  EXPECT_MLS_RULE(RatchetTree::from_nodes(with(3, {0x7fffffff})), ErrorKind::protocol,
                  req::R12_4_3_1_9);
  EXPECT_MLS_RULE(RatchetTree::from_nodes(with(3, {0xffffffff})), ErrorKind::protocol,
                  req::R12_4_3_1_9);
  // Inside the tree but not below the node that lists it.
  EXPECT_MLS_RULE(RatchetTree::from_nodes(with(1, {2})), ErrorKind::protocol, req::R12_4_3_1_9);
  // Below it, but blank.
  RatchetTreeNodes blank_leaf = with(3, {1});
  blank_leaf[2].reset();
  EXPECT_MLS_RULE(RatchetTree::from_nodes(blank_leaf), ErrorKind::protocol, req::R12_4_3_1_9);
  // Listed at the root but not by the non-blank parent between them...
  EXPECT_MLS_RULE(RatchetTree::from_nodes(with(3, {0})), ErrorKind::protocol, req::R12_4_3_1_9);
  // ... which is fine once that parent is blank.
  RatchetTreeNodes blank_between = with(3, {0});
  blank_between[1].reset();
  RatchetTree::from_nodes(blank_between);
  // Not sorted in increasing order.
  EXPECT_MLS_RULE(RatchetTree::from_nodes(with(1, {1, 0})), ErrorKind::protocol, req::R7_1_1);
  EXPECT_MLS_RULE(RatchetTree::from_nodes(with(1, {0, 0})), ErrorKind::protocol, req::R7_1_1);
}

// The input of issue 8 (fuzz_ratchet_tree's layout): a parent lists leaf
// 0x7fffffff. It used to read past the node array in verify_parent_hashes.
TEST(RatchetTree, FuzzerFoundUnmergedLeafOutsideTheTree) {
  auto input = decode<fuzz::RatchetTreeInput>(from_hex(
      "0001016740574055010101aa01bb0001000000000000010000000000000000000000000000000000000000"
      "010201cc000000010201dd00047fffffff010101ee01ff000100000000000001000000000000000000000000"
      "000000000000"));
  auto nodes = decode<RatchetTreeNodes>(input.tree);
  EXPECT_MLS_RULE(RatchetTree::from_nodes(nodes), ErrorKind::protocol, req::R12_4_3_1_9);
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

// RFC 9420 §7.1 [R7.1-1]: "The entries in the `unmerged_leaves` vector MUST
// be sorted in increasing order." A tree that passes every join check, in
// which parent node 3 lists unmerged leaf 3 while leaf 1 below it is blank:
// the next Add fills leaf 1, which goes before 3 (appended, the tree this
// member sends next would be refused).
TEST(RatchetTree, AnAddKeepsUnmergedLeavesSorted) {
  CipherSuite suite(1);
  auto rng = conformance::seeded_rng(1, "sorted unmerged leaves");
  const Bytes group_id = to_bytes("g");
  conformance::TreeHistory h(suite, *rng, group_id);
  h.add(LeafIndex(0), true);    // leaf 1
  h.add(LeafIndex(0), true);    // leaf 2 (a tree of 4 leaves)
  h.self_update(LeafIndex(0));  // nodes 1 and 3 set by leaf 0
  h.add(LeafIndex(0), false);   // leaf 3, unmerged at node 3
  RatchetTree t = h.tree();
  ASSERT_EQ(t.parent(NodeIndex(3)).unmerged_leaves, std::vector<uint32_t>{3});
  // Leaf 1 and node 1 blank; leaf 0's parent hash now names node 3 (its
  // filtered direct path is [3]), re-signed by leaf 0's owner.
  t.set_node(NodeIndex(LeafIndex(1)), std::nullopt);
  t.set_node(NodeIndex(1), std::nullopt);
  LeafNode l0 = t.leaf(LeafIndex(0));
  l0.parent_hash = t.parent_hash(suite, NodeIndex(3), NodeIndex(5));
  l0.sign(suite, h.members().at(0).signature_priv, group_id, 0);
  t.set_node(NodeIndex(LeafIndex(0)), Node{NodeType::leaf, l0, {}});
  RatchetTree joined = RatchetTree::from_nodes(t.to_nodes());
  ASSERT_NO_THROW(joined.verify_parent_hashes(suite));
  ASSERT_NO_THROW(joined.verify_leaves(suite, group_id));

  LeafNode newcomer = h.tree().leaf(LeafIndex(2));
  newcomer.encryption_key = suite.generate_key_pair(*rng).public_key;
  EXPECT_EQ(joined.add_leaf(newcomer), LeafIndex(1));  // §12.1.1: the leftmost blank leaf
  EXPECT_EQ(joined.parent(NodeIndex(3)).unmerged_leaves, (std::vector<uint32_t>{1, 3}));
  EXPECT_NO_THROW(RatchetTree::from_nodes(joined.to_nodes()));
}

// Hostile trees for the parent-hash check at join (tests/hostile_trees.h).
// verify_parent_hashes once did work quadratic in their size
// (tests/bench/tree_bench.cpp measures it at 2^14 leaves); here, that it
// still refuses them with R7.9.2-1.

TEST(RatchetTree, HostileParentHashTreesAreRefused) {
  CipherSuite suite(1);
  for (bool claims : {true, false}) {
    RatchetTree t = hostile_parent_hash_tree(suite, 6, claims);
    EXPECT_MLS_RULE(t.verify_parent_hashes(suite), ErrorKind::protocol, req::R7_9_2_1);
  }
}

TEST(RatchetTree, EvolutionErrors) {
  Fixture f;
  RatchetTree t = f.h.tree();
  EXPECT_EQ(t.leaf_count().value, 8u);
  t.remove_leaf(LeafIndex(4));
  EXPECT_EQ(t.leaf_count().value, 4u);  // truncated: nothing right of leaf 3
  EXPECT_MLS_RULE(t.remove_leaf(LeafIndex(4)), ErrorKind::protocol, req::R12_1_3_1);
  EXPECT_MLS_ERROR(t.update_leaf(LeafIndex(7), LeafNode{}), ErrorKind::usage, "12.1.2");
}

TEST(RatchetTree, TamperedParentHashIsDetected) {
  Fixture f;
  RatchetTree t = f.h.tree();
  t.verify_parent_hashes(f.suite);
  NodeIndex root = tree_math::root(t.leaf_count());
  Node n = *t.node(root);
  n.parent_node.encryption_key[0] ^= 1;
  t.set_node(root, n);
  EXPECT_MLS_RULE(t.verify_parent_hashes(f.suite), ErrorKind::protocol, req::R7_9_2_1);
}

TEST(RatchetTree, SetNodeRefusesUnmergedLeavesNotBelowTheNode) {
  // The stored tree hashes (§7.8) rely on unmerged_leaves naming only leaves below their node.
  Fixture f;
  RatchetTree t = f.h.tree();
  NodeIndex left_of_root = tree_math::left(tree_math::root(t.leaf_count()));
  Node n{NodeType::parent, {}, ParentNode{{1, 2, 3}, {}, {t.leaf_count().value - 1}}};
  EXPECT_MLS_ERROR(t.set_node(left_of_root, n), ErrorKind::internal, "7.1");
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
  // `rule`: a section, or the Requirement the error must name.
  auto attempt = [&](const UpdatePath& path, const auto& rule) {
    RatchetTree tree = me.tree;
    TreeKemPrivate priv = me.priv;
    GroupContext c = f.h.context();
    if constexpr (std::is_same_v<std::decay_t<decltype(rule)>, Requirement>) {
      EXPECT_MLS_RULE(process_update_path(f.suite, tree, sender, path, c, priv, {}),
                      ErrorKind::protocol, rule);
    } else {
      EXPECT_MLS_ERROR(process_update_path(f.suite, tree, sender, path, c, priv, {}),
                       ErrorKind::protocol, std::string(rule));
    }
    EXPECT_EQ(encode(tree.to_nodes()), encode(me.tree.to_nodes()));
    EXPECT_EQ(priv.private_keys, me.priv.private_keys);
  };
  UpdatePath fewer = created.update_path;
  fewer.nodes.pop_back();
  attempt(fewer, "7.6");
  UpdatePath wrong_key = created.update_path;
  wrong_key.nodes.back().encryption_key = f.suite.generate_key_pair(*f.rng).public_key;
  attempt(wrong_key, req::R7_9_2_2);
  // And the real one processes to the creator's commit secret and tree.
  RatchetTree tree = me.tree;
  TreeKemPrivate priv = me.priv;
  GroupContext c = f.h.context();
  ProcessedPath got = process_update_path(f.suite, tree, sender, created.update_path, c, priv, {});
  EXPECT_EQ(got.commit_secret, created.commit_secret);
  EXPECT_EQ(tree.root_tree_hash(f.suite), creator_tree.root_tree_hash(f.suite));
}

// Requests the tree and TreeKEM functions cannot carry out are usage errors,
// and change nothing: the parent node of a leaf or of a blank node,
// processing our own UpdatePath, and a creation that reuses the key of a node
// off the filtered direct path.
TEST(TreeKem, RequestsThatCannotBeCarriedOutAreUsageErrors) {
  Fixture f;
  RatchetTree t = f.h.tree();
  EXPECT_MLS_ERROR(t.parent(NodeIndex(0)), ErrorKind::usage, "7");  // a leaf
  t.remove_leaf(LeafIndex(0));  // blanks its direct path: node 1 among them
  EXPECT_MLS_ERROR(t.parent(NodeIndex(1)), ErrorKind::usage, "7");

  LeafIndex sender(1);
  const auto& member = f.h.members().at(sender.value);
  RatchetTree creator_tree = f.h.tree();
  GroupContext ctx = f.h.context();
  CreatedPath created = create_update_path(f.suite, creator_tree, sender, member.signature_priv,
                                           ctx, {}, *f.rng);
  RatchetTree tree = member.tree;
  TreeKemPrivate priv = member.priv;
  GroupContext c = f.h.context();
  EXPECT_MLS_ERROR(process_update_path(f.suite, tree, sender, created.update_path, c, priv, {}),
                   ErrorKind::usage, "7.5");
  EXPECT_EQ(encode(tree.to_nodes()), encode(member.tree.to_nodes()));
  EXPECT_EQ(priv.private_keys, member.priv.private_keys);

  RatchetTree again = f.h.tree();
  ReusedPathKeys off_path;
  off_path.copied[5] = 3;  // node 5 is not on leaf 1's direct path
  GroupContext ctx2 = f.h.context();
  EXPECT_MLS_ERROR(create_update_path(f.suite, again, sender, member.signature_priv, ctx2, {},
                                      *f.rng, off_path),
                   ErrorKind::usage, "7.5");
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
  EXPECT_MLS_RULE(expired.validate(suite, 1700000000), ErrorKind::protocol, req::R7_3_6);
  KeyPackage same_keys = kp;
  same_keys.init_key = kp.leaf_node.encryption_key;
  same_keys.sign(suite, sk);
  EXPECT_MLS_ERROR(same_keys.validate(suite, std::nullopt), ErrorKind::protocol, "10.1");
  KeyPackage unsigned_leaf = kp;
  unsigned_leaf.leaf_node.signature[3] ^= 1;
  unsigned_leaf.sign(suite, sk);
  EXPECT_MLS_RULE(unsigned_leaf.validate(suite, std::nullopt), ErrorKind::crypto, req::R7_3_2);
  KeyPackage extension = kp;
  extension.leaf_node.extensions.push_back(Extension{0xff00, {}});
  extension.leaf_node.sign(suite, sk);
  extension.sign(suite, sk);
  EXPECT_MLS_RULE(extension.validate(suite, std::nullopt), ErrorKind::protocol, req::R7_3_9);
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

namespace mlsref {
namespace {

// §7.3, §16.7: the group-wide checks of RatchetTree::verify_leaves, each
// broken alone (the leaves are re-signed, so that only the rule under test fails).
TEST(RatchetTree, GroupWideLeafRules) {
  Fixture f;
  const Bytes group_id = to_bytes("g");
  const RatchetTree t = f.h.tree();
  EXPECT_NO_THROW(t.verify_leaves(f.suite, group_id));
  auto resign = [&](RatchetTree& u, LeafIndex l, LeafNode leaf, const SecureBytes& sk) {
    leaf.sign(f.suite, sk, group_id, l.value);
    u.set_node(NodeIndex(l), Node{NodeType::leaf, std::move(leaf), {}});
  };

  // A parent node repeating a member's encryption_key.
  RatchetTree parent_repeats = t;
  uint32_t p = 1;
  while (parent_repeats.blank(NodeIndex(p))) {
    p += 2;
  }
  Node n = *parent_repeats.node(NodeIndex(p));
  n.parent_node.encryption_key = t.leaf(LeafIndex(0)).encryption_key;
  parent_repeats.set_node(NodeIndex(p), n);
  EXPECT_MLS_RULE(parent_repeats.verify_leaves(f.suite, group_id), ErrorKind::protocol,
                  req::R16_7_1);

  // Two members with one signature_key, or one encryption_key.
  RatchetTree same_signer = t;
  LeafNode second = t.leaf(LeafIndex(1));
  second.signature_key = t.leaf(LeafIndex(0)).signature_key;
  resign(same_signer, LeafIndex(1), second, f.h.members().at(0).signature_priv);
  EXPECT_MLS_RULE(same_signer.verify_leaves(f.suite, group_id), ErrorKind::protocol, req::R7_3_14);
  RatchetTree same_encryption_key = t;
  second = t.leaf(LeafIndex(1));
  second.encryption_key = t.leaf(LeafIndex(0)).encryption_key;
  resign(same_encryption_key, LeafIndex(1), second, f.h.members().at(1).signature_priv);
  EXPECT_MLS_RULE(same_encryption_key.verify_leaves(f.suite, group_id), ErrorKind::protocol,
                  req::R7_3_14);

  // A member whose credential type another member does not support.
  RatchetTree x509 = t;
  second = t.leaf(LeafIndex(1));
  second.credential = Credential{};
  second.credential.credential_type = credential_type::x509;
  second.capabilities.credentials.push_back(credential_type::x509);
  resign(x509, LeafIndex(1), second, f.h.members().at(1).signature_priv);
  EXPECT_MLS_RULE(x509.verify_leaves(f.suite, group_id), ErrorKind::protocol, req::R7_3_5);
}

TEST(TreeKem, UpdatePathRules) {
  Fixture f;
  LeafIndex sender(1), receiver(3);
  const auto& me = f.h.members().at(receiver.value);
  RatchetTree creator_tree = f.h.tree();
  GroupContext ctx = f.h.context();
  CreatedPath created =
      create_update_path(f.suite, creator_tree, sender,
                         f.h.members().at(sender.value).signature_priv, ctx, {}, *f.rng);
  auto attempt = [&](const UpdatePath& path, ErrorKind kind, const Requirement& rule) {
    RatchetTree tree = me.tree;
    TreeKemPrivate priv = me.priv;
    GroupContext c = f.h.context();
    EXPECT_MLS_RULE(process_update_path(f.suite, tree, sender, path, c, priv, {}), kind, rule);
    EXPECT_EQ(encode(tree.to_nodes()), encode(me.tree.to_nodes()));
  };
  UpdatePath not_commit = created.update_path;
  not_commit.leaf_node.leaf_node_source = LeafNodeSource::update;
  attempt(not_commit, ErrorKind::protocol, req::R7_3_13);
  UpdatePath forged_leaf = created.update_path;
  forged_leaf.leaf_node.signature[5] ^= 1;
  attempt(forged_leaf, ErrorKind::crypto, req::R7_3_2);
  UpdatePath fewer_ciphertexts = created.update_path;
  for (auto& node : fewer_ciphertexts.nodes) {
    if (!node.encrypted_path_secret.empty()) {
      node.encrypted_path_secret.pop_back();
    }
  }
  attempt(fewer_ciphertexts, ErrorKind::protocol, req::R7_6_2);
  UpdatePath garbled = created.update_path;
  for (auto& node : garbled.nodes) {
    for (auto& ct : node.encrypted_path_secret) {
      ct.ciphertext[0] ^= 1;
    }
  }
  attempt(garbled, ErrorKind::crypto, req::R12_4_2_17);

  // One ciphertext too many at a node the receiver does not decrypt (its
  // copath child is not above the receiver): every receiver checks every
  // node's count (§7.6), and with R7.6-2 switched off the path is accepted,
  // so this is the one rule it breaks.
  std::vector<NodeIndex> fdp = me.tree.filtered_direct_path(sender);
  ASSERT_EQ(fdp.size(), created.update_path.nodes.size());
  UpdatePath extra_elsewhere = created.update_path;
  size_t edited = 0;
  for (size_t j = 0; j < fdp.size(); ++j) {
    if (!tree_math::is_ancestor(tree_math::copath_child(fdp[j], NodeIndex(sender)),
                                NodeIndex(receiver))) {
      auto& cts = extra_elsewhere.nodes[j].encrypted_path_secret;
      cts.push_back(created.update_path.nodes.back().encrypted_path_secret.at(0));
      ++edited;
    }
  }
  ASSERT_GE(edited, 1u);
  attempt(extra_elsewhere, ErrorKind::protocol, req::R7_6_2);
  RuleSwitchedOff off(req::R7_6_2);
  RatchetTree tree = me.tree;
  TreeKemPrivate priv = me.priv;
  GroupContext c = f.h.context();
  EXPECT_NO_THROW(process_update_path(f.suite, tree, sender, extra_elsewhere, c, priv, {}));
}

TEST(TreeKem, PrivateKeysMatchTheTree) {
  Fixture f;
  const auto& m = f.h.members().at(1);
  EXPECT_NO_THROW(m.priv.check_consistent(f.suite, m.tree));
  TreeKemPrivate wrong = m.priv;
  wrong.private_keys[NodeIndex(LeafIndex(1)).value] = f.suite.generate_key_pair(*f.rng).private_key;
  EXPECT_MLS_RULE(wrong.check_consistent(f.suite, m.tree), ErrorKind::protocol, req::R12_4_3_1_12);
}

// §6.3.1: a PrivateMessage is built as protect_private builds it, but with
// the chosen padding; any non-zero padding byte makes it malformed.
TEST(Framing, NonZeroPaddingIsMalformed) {
  const fuzz::FixedEpoch epoch;
  const CipherSuite& suite = epoch.suite;
  FramedContent fc;
  fc.group_id = epoch.context.group_id;
  fc.epoch = epoch.context.epoch;
  fc.sender = Sender::member(1);
  fc.content_type = ContentType::application;
  fc.application_data = {1, 2, 3};
  SecretTree sender = epoch.fresh_tree();
  auto with_padding = [&](const Bytes& padding) {
    FramedContentAuthData auth;
    auth.signature = suite.sign_with_label(
        epoch.signature_private_key, signature_label::framed_content_tbs,
        framed_content_tbs(wire_format::mls_private_message, fc, epoch.context));
    Writer plain;
    fc.encode_body(plain);
    auth.encode(plain, fc.content_type);
    plain.put_bytes(padding);
    PrivateMessage m;
    m.group_id = fc.group_id;
    m.epoch = fc.epoch;
    m.content_type = fc.content_type;
    Writer aad;  // PrivateContentAAD
    encode_into(aad, m.group_id);
    encode_into(aad, m.epoch);
    encode_into(aad, m.content_type);
    encode_into(aad, m.authenticated_data);
    KeyAndNonce kn = sender.ratchet(LeafIndex(1), RatchetType::application).next();
    SenderData sd{1, kn.generation, {}};  // reuse_guard 0: the nonce as derived
    m.ciphertext = aead_seal(suite.info().aead, kn.key, kn.nonce, aad.bytes(), plain.bytes());
    Writer sd_aad;  // SenderDataAAD
    encode_into(sd_aad, m.group_id);
    encode_into(sd_aad, m.epoch);
    encode_into(sd_aad, m.content_type);
    m.encrypted_sender_data =
        aead_seal(suite.info().aead, sender_data_key(suite, epoch.sender_data_secret, m.ciphertext),
                  sender_data_nonce(suite, epoch.sender_data_secret, m.ciphertext), sd_aad.bytes(),
                  encode(sd));
    return m;
  };
  SecretTree receiver = epoch.fresh_tree();
  auto unprotect = [&](const PrivateMessage& m) {
    return unprotect_private(suite, m, epoch.context, receiver, epoch.sender_data_secret,
                             [&](LeafIndex) { return epoch.signature_public_key; });
  };
  EXPECT_EQ(unprotect(with_padding(Bytes(5, 0))).content, fc);
  EXPECT_MLS_RULE(unprotect(with_padding(Bytes{0, 0, 0, 1})), ErrorKind::decode, req::R6_3_1_2);
  EXPECT_MLS_RULE(unprotect(with_padding(Bytes{0x80})), ErrorKind::decode, req::R6_3_1_2);
}

// §6.3.2: only members send PrivateMessages, and a receiver refuses a
// SenderData naming a leaf that is blank or outside the tree, consuming no key.
TEST(Framing, PrivateMessageSenderRules) {
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
  const RatchetTree one_leaf(LeafNode{});  // leaf 1 is outside it
  EXPECT_MLS_RULE(
      unprotect_private(epoch.suite, m, epoch.context, receiver, epoch.sender_data_secret,
                        [&](LeafIndex l) { return one_leaf.leaf(l).signature_key; }),
      ErrorKind::protocol, req::R6_3_2_2);
  EXPECT_EQ(unprotect_private(epoch.suite, m, epoch.context, receiver, epoch.sender_data_secret,
                              [&](LeafIndex) { return epoch.signature_public_key; })
                .content,
            fc);

  FramedContent external = fc;
  external.sender = Sender{SenderType::external, 0, 0};
  external.content_type = ContentType::proposal;
  external.proposal.body = Remove{0};
  EXPECT_MLS_RULE(protect_private(epoch.suite, external, epoch.signature_private_key, epoch.context,
                                  sender, epoch.sender_data_secret, system_rng()),
                  ErrorKind::protocol, req::R6_3_2_1);
}

}  // namespace
}  // namespace mlsref
