// RFC 9420 Appendix C tree math.
#include "ref/tree_math.h"

#include "tests/test_util.h"

namespace mlsref {
namespace {

using namespace tree_math;

TEST(TreeMath, EightLeafTree) {
  // RFC 9420 §4.1 / Appendix C: the 8-leaf tree rooted at node 7.
  LeafCount n(8);
  EXPECT_EQ(node_width(n), 15u);
  EXPECT_EQ(root(n), NodeIndex(7));
  EXPECT_EQ(level(NodeIndex(7)), 3u);
  EXPECT_EQ(left(NodeIndex(7)), NodeIndex(3));
  EXPECT_EQ(right(NodeIndex(7)), NodeIndex(11));
  EXPECT_EQ(parent(NodeIndex(2), n), NodeIndex(1));
  EXPECT_EQ(sibling(NodeIndex(2), n), NodeIndex(0));
  std::vector<NodeIndex> dp{NodeIndex(1), NodeIndex(3), NodeIndex(7)};
  EXPECT_EQ(direct_path(NodeIndex(0), n), dp);
  std::vector<NodeIndex> cp{NodeIndex(2), NodeIndex(5), NodeIndex(11)};
  EXPECT_EQ(copath(NodeIndex(0), n), cp);
  EXPECT_EQ(common_ancestor(NodeIndex(0), NodeIndex(6)), NodeIndex(3));
  EXPECT_EQ(common_ancestor(NodeIndex(4), NodeIndex(12)), NodeIndex(7));
  EXPECT_EQ(common_ancestor(NodeIndex(5), NodeIndex(4)), NodeIndex(5));
}

TEST(TreeMath, LargestTree) {
  LeafCount n(kMaxLeaves);
  EXPECT_EQ(node_width(n), 0xffffffffu);
  EXPECT_EQ(root(n), NodeIndex(0x7fffffff));
  NodeIndex last(0xfffffffe);
  EXPECT_EQ(direct_path(last, n).size(), 31u);
  EXPECT_EQ(direct_path(last, n).back(), root(n));
}

TEST(TreeMath, Errors) {
  EXPECT_MLS_ERROR(left(NodeIndex(2)), ErrorKind::internal, "4");
  EXPECT_MLS_ERROR(parent(NodeIndex(3), LeafCount(4)), ErrorKind::internal, "4");
  EXPECT_MLS_ERROR(parent(NodeIndex(9), LeafCount(4)), ErrorKind::internal, "4");
  EXPECT_MLS_ERROR(root(LeafCount(0)), ErrorKind::internal, "4");
  EXPECT_MLS_ERROR(root(LeafCount(3)), ErrorKind::internal, "4");
}

}  // namespace
}  // namespace mlsref
