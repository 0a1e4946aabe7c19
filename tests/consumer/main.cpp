// Uses mlsref as an installed package: find_package(mlsref), mlsref::ref.
#include <cstdio>

#include "ref/ratchet_tree.h"

int main() {
  using namespace mlsref;
  CipherSuite suite(1);
  RatchetTree tree = RatchetTree::from_nodes({OptionalNode(Node{NodeType::leaf, LeafNode{}, {}})});
  Bytes hash = tree.root_tree_hash(suite);
  std::printf("consumer: one-leaf tree hash %s\n", to_hex(hash).c_str());
  return hash.size() == 32 ? 0 : 1;
}
