// RFC 9420 §9 Secret Tree, §9.1 Encryption Keys, §9.2 Deletion Schedule, §6.3.2
#include "secret_tree.h"

namespace mlsref {

HashRatchet::HashRatchet(const CipherSuite& suite, RatchetSecret secret, RatchetLimits limits)
    : suite_(&suite), secret_(std::move(secret)), limits_(limits) {}

KeyAndNonce HashRatchet::derive_current() const {
  KeyAndNonce kn;
  kn.generation = next_generation_;
  // ratchet_key_[i]_[j] = DeriveTreeSecret(ratchet_secret_[i]_[j], "key", j, AEAD.Nk)
  kn.key = suite_->derive_tree_secret(secret_.view(), "key", next_generation_, suite_->key_size());
  // ratchet_nonce_[i]_[j] = DeriveTreeSecret(ratchet_secret_[i]_[j], "nonce", j, AEAD.Nn)
  kn.nonce =
      suite_->derive_tree_secret(secret_.view(), "nonce", next_generation_, suite_->nonce_size());
  return kn;
}

void HashRatchet::advance() {
  // RFC 9420 §9.1 [R9.1-1]: a uint32 generation that wrapped around would
  // give out generation 0's key and nonce again.
  //    Each key/nonce pair MUST NOT be used to encrypt
  //    more than one message.
  // Not switchable (ref/rule_switch.h): the generation would wrap and give out generation 0 again.
  if (next_generation_ == UINT32_MAX) {
    throw Error(ErrorKind::protocol, req::R9_1_1, "ratchet generation would overflow uint32");
  }
  // ratchet_secret_[i]_[j+1] = DeriveTreeSecret(ratchet_secret_[i]_[j], "secret", j, KDF.Nh)
  // RFC 9420 §9.2 [R9.2-6]: the old secret is overwritten in place
  //    the first j secrets in the application data ratchet of node L, and
  secret_ = RatchetSecret(
      suite_->derive_tree_secret(secret_.view(), "secret", next_generation_, suite_->hash_size()));
  ++next_generation_;
}

KeyAndNonce HashRatchet::get(uint32_t generation) {
  if (generation < next_generation_) {
    auto it = kept_.find(generation);
    // Not switchable (ref/rule_switch.h): the key is gone, so there is nothing to decrypt with.
    if (it == kept_.end()) {
      // RFC 9420 §9.2 [R9.2-1, R9.2-2]
      //    As soon as a group member consumes a value, they MUST immediately delete
      //    (all representations of) that value. [...] Members MAY keep unconsumed values around
      //    for some reasonable amount of time to handle out-of-order message delivery.
      throw Error(ErrorKind::protocol, req::R9_2_1,
                  "generation " + std::to_string(generation) +
                      " was already consumed or is outside the out-of-order window");
    }
    KeyAndNonce kn = std::move(it->second);
    // RFC 9420 §9.2 [R9.2-7]: a kept key and nonce leave the ratchet when used
    //    `application_ratchet_nonce_[L]_[j]` and `application_ratchet_key_[L]_[j]`.
    kept_.erase(it);
    return kn;
  }
  // RFC 9420 §15.3 [R15.3-2]
  //    Applications SHOULD also define a policy
  //    limiting the maximum number of steps that clients will move the ratchet forward
  //    in response to a new message.  Messages received with a generation counter
  //    that is too much higher than the last message received would then be rejected.
  // Not switchable (ref/rule_switch.h): a hostile generation would make the ratchet step up to 2^32 times.
  if (generation - next_generation_ > limits_.max_forward_jump) {
    throw Error(ErrorKind::protocol, req::R15_3_2,
                "generation " + std::to_string(generation) + " is " +
                    std::to_string(generation - next_generation_) +
                    " ahead of the ratchet, beyond the forward limit of " +
                    std::to_string(limits_.max_forward_jump));
  }
  while (next_generation_ < generation) {
    if (generation - next_generation_ <= limits_.out_of_order_window) {
      kept_.emplace(next_generation_, derive_current());
    }
    advance();
  }
  // RFC 9420 §9.2 [R9.2-7]: generation j goes to the caller; the ratchet advances past it
  //    `application_ratchet_nonce_[L]_[j]` and `application_ratchet_key_[L]_[j]`.
  KeyAndNonce kn = derive_current();
  advance();
  // Keys older than the window are deleted.
  while (!kept_.empty() &&
         uint64_t{kept_.begin()->first} + limits_.out_of_order_window < next_generation_ - 1) {
    kept_.erase(kept_.begin());
  }
  return kn;
}

SecretTree::SecretTree(const CipherSuite& suite, LeafCount leaves,
                       const EncryptionSecret& encryption_secret, RatchetLimits limits)
    : suite_(&suite), leaves_(leaves), limits_(limits) {
  // tree_node_[root]_secret = encryption_secret
  secrets_[tree_math::root(leaves).value] = TreeNodeSecret(encryption_secret.bytes());
}

HashRatchet& SecretTree::ratchet(LeafIndex leaf, RatchetType type) {
  // RFC 9420 §6.3.2 [R6.3.2-2]: an index outside the tree identifies no node
  //    When parsing a SenderData struct as part of message decryption, the recipient
  //    MUST verify that the leaf index indicated in the `leaf_index` field identifies a
  //    non-blank node.
  // (Callers that know the tree refuse such an index before; this is the check
  // for those that give the secret tree alone.)
  if (leaf.value >= leaves_.value) {
    // Not switchable (ref/rule_switch.h): there is no ratchet outside the tree.
    throw Error(ErrorKind::protocol, req::R6_3_2_2,
                "leaf " + std::to_string(leaf.value) + " is outside a secret tree of " +
                    std::to_string(leaves_.value) + " leaves");
  }
  auto it = ratchets_.find(leaf.value);
  if (it == ratchets_.end()) {
    NodeIndex target(leaf);
    // The lowest node on the leaf's path that still holds a secret.
    std::vector<NodeIndex> path = tree_math::direct_path(target, leaves_);
    path.insert(path.begin(), target);
    size_t k = 0;
    while (!secrets_.count(path[k].value)) {
      ++k;  // the root has one until derived, and derived nodes pass it down
    }
    for (; k > 0; --k) {
      NodeIndex node = path[k];
      ByteView secret = secrets_.at(node.value).view();
      // tree_node_[left(N)]_secret = ExpandWithLabel(tree_node_[N]_secret, "tree", "left", KDF.Nh)
      // tree_node_[right(N)]_secret = ExpandWithLabel(tree_node_[N]_secret, "tree", "right", KDF.Nh)
      secrets_[tree_math::left(node).value] = TreeNodeSecret(
          suite_->expand_with_label(secret, "tree", to_bytes("left"), suite_->hash_size()));
      secrets_[tree_math::right(node).value] = TreeNodeSecret(
          suite_->expand_with_label(secret, "tree", to_bytes("right"), suite_->hash_size()));
      // RFC 9420 §9.2 [R9.2-5]: a node's secret is deleted once its children's are derived
      //    all node secrets in the secret tree on the path from the root to the leaf with node L,
      secrets_.erase(node.value);
    }
    ByteView leaf_secret = secrets_.at(target.value).view();
    // handshake_ratchet_secret_[N]_[0] = ExpandWithLabel(tree_node_[N]_secret, "handshake", "", KDF.Nh)
    // application_ratchet_secret_[N]_[0] = ExpandWithLabel(tree_node_[N]_secret, "application", "", KDF.Nh)
    HashRatchet handshake(
        *suite_,
        RatchetSecret(suite_->expand_with_label(leaf_secret, "handshake", {}, suite_->hash_size())),
        limits_);
    HashRatchet application(*suite_,
                            RatchetSecret(suite_->expand_with_label(leaf_secret, "application", {},
                                                                    suite_->hash_size())),
                            limits_);
    // RFC 9420 §9.2 [R9.2-5]: and the leaf's, once its ratchets are
    //    all node secrets in the secret tree on the path from the root to the leaf with node L,
    secrets_.erase(target.value);
    it = ratchets_.emplace(leaf.value, std::make_pair(std::move(handshake), std::move(application)))
             .first;
  }
  return type == RatchetType::handshake ? it->second.first : it->second.second;
}

// ---------------------------------------------------------------- kept state
// Group::export_state and import_state (§6.3.1): the encodings below are
// mlsref's own, not the RFC's.
//
//   struct { uint32 generation; opaque key<V>; opaque nonce<V>; } KeptKey;
//   struct {
//       uint32 next_generation;
//       opaque ratchet_secret<V>;   /* ratchet_secret_[next_generation] */
//       KeptKey kept<V>;            /* by generation, ascending */
//   } HashRatchetState;
//   struct { uint32 node; opaque secret<V>; } NodeSecret;
//   struct { uint32 leaf; HashRatchetState handshake; HashRatchetState application; } LeafRatchets;
//   struct {
//       uint32 leaves;
//       NodeSecret secrets<V>;      /* by node, ascending */
//       LeafRatchets ratchets<V>;   /* by leaf, ascending */
//   } SecretTreeState;

namespace {

// RFC 9420 §6.3.1 [R6.3.1-3]: a kept state that no secret tree can be in is
// refused rather than used
//    Because the key schedule generates nonces deterministically, a client MUST
//    keep persistent state as to where in the key schedule it is; if this
//    persistent state is lost or corrupted, a client might reuse a generation
//    that has already been used, causing reuse of a key/nonce pair.
// Not switchable (ref/rule_switch.h): a kept state is the application's own
// storage, not a message; no must-reject vector is made of it.
[[noreturn]] void refuse_state(const std::string& what) {
  throw Error(ErrorKind::protocol, req::R6_3_1_3, "kept secret tree state: " + what);
}

void get_sized(Reader& r, SecureBytes& out, size_t size, const std::string& what) {
  decode_from(r, out);
  if (out.size() != size) {
    refuse_state(what + " has " + std::to_string(out.size()) + " bytes, not " +
                 std::to_string(size));
  }
}

}  // namespace

void HashRatchet::write_state(Writer& w) const {
  encode_into(w, next_generation_);
  encode_into(w, secret_);
  w.put_prefixed([&](Writer& inner) {
    for (const auto& [generation, kn] : kept_) {
      encode_into(inner, generation);
      encode_into(inner, kn.key);
      encode_into(inner, kn.nonce);
    }
  });
}

HashRatchet HashRatchet::read_state(Reader& r, const CipherSuite& suite, RatchetLimits limits) {
  uint32_t next = 0;
  decode_from(r, next);
  SecureBytes secret;
  get_sized(r, secret, suite.hash_size(), "a ratchet secret");
  HashRatchet ratchet(suite, RatchetSecret(std::move(secret)), limits);
  ratchet.next_generation_ = next;
  r.for_each_element([&](Reader& e) {
    KeyAndNonce kn;
    decode_from(e, kn.generation);
    get_sized(e, kn.key, suite.key_size(), "a kept key");
    get_sized(e, kn.nonce, suite.nonce_size(), "a kept nonce");
    // The ratchet keeps only generations it skipped: before next - 1, the
    // one it handed out last (HashRatchet::get).
    if (uint64_t{kn.generation} + 1 >= next) {
      refuse_state("kept generation " + std::to_string(kn.generation) +
                   " was not skipped by a ratchet at generation " + std::to_string(next));
    }
    // And within the window (HashRatchet::get deletes the older ones).
    if (uint64_t{kn.generation} + limits.out_of_order_window < uint64_t{next} - 1) {
      refuse_state("kept generation " + std::to_string(kn.generation) + " is outside the " +
                   std::to_string(limits.out_of_order_window) +
                   "-generation out-of-order window of GroupConfig::ratchet_limits (was the "
                   "state kept under a larger one?)");
    }
    if (!ratchet.kept_.empty() && ratchet.kept_.rbegin()->first >= kn.generation) {
      refuse_state("kept generations are not in ascending order");
    }
    uint32_t generation = kn.generation;
    ratchet.kept_.emplace(generation, std::move(kn));
  });
  return ratchet;
}

void SecretTree::write_state(Writer& w) const {
  encode_into(w, leaves_.value);
  w.put_prefixed([&](Writer& inner) {
    for (const auto& [node, secret] : secrets_) {
      encode_into(inner, node);
      encode_into(inner, secret);
    }
  });
  w.put_prefixed([&](Writer& inner) {
    for (const auto& [leaf, ratchets] : ratchets_) {
      encode_into(inner, leaf);
      ratchets.first.write_state(inner);
      ratchets.second.write_state(inner);
    }
  });
}

SecretTree SecretTree::read_state(Reader& r, const CipherSuite& suite, LeafCount leaves,
                                  RatchetLimits limits) {
  uint32_t n = 0;
  decode_from(r, n);
  if (n != leaves.value) {
    refuse_state("it has " + std::to_string(n) + " leaves where the tree has " +
                 std::to_string(leaves.value));
  }
  SecretTree tree(suite, leaves, limits);
  // How many times each leaf could be derived: once from each secret on its
  // path, once more if it has its ratchets. Exactly once is consistent.
  std::vector<uint8_t> derivable(leaves.value, 0);
  auto count = [&](uint64_t first, uint64_t width) {
    for (uint64_t leaf = first; leaf < first + width; ++leaf) {
      if (leaf >= leaves.value) {
        refuse_state("a secret for leaf " + std::to_string(leaf) + ", outside the tree");
      }
      if (++derivable[leaf] > 1) {
        refuse_state("leaf " + std::to_string(leaf) + " could be derived twice");
      }
    }
  };
  r.for_each_element([&](Reader& e) {
    uint32_t node = 0;
    decode_from(e, node);
    if (node >= tree_math::node_width(leaves)) {
      refuse_state("a secret of node " + std::to_string(node) + ", outside the tree");
    }
    if (!tree.secrets_.empty() && tree.secrets_.rbegin()->first >= node) {
      refuse_state("node secrets are not in ascending order");
    }
    SecureBytes secret;
    get_sized(e, secret, suite.hash_size(), "a node secret");
    // The leaves below a node of level k: 2^k of them, from its leftmost.
    uint32_t level = tree_math::level(NodeIndex(node));
    count((uint64_t{node} >> (level + 1)) << level, uint64_t{1} << level);
    tree.secrets_.emplace(node, TreeNodeSecret(std::move(secret)));
  });
  r.for_each_element([&](Reader& e) {
    uint32_t leaf = 0;
    decode_from(e, leaf);
    if (leaf >= leaves.value) {
      refuse_state("ratchets of leaf " + std::to_string(leaf) + ", outside the tree");
    }
    if (!tree.ratchets_.empty() && tree.ratchets_.rbegin()->first >= leaf) {
      refuse_state("leaf ratchets are not in ascending order");
    }
    count(leaf, 1);
    HashRatchet handshake = HashRatchet::read_state(e, suite, limits);
    HashRatchet application = HashRatchet::read_state(e, suite, limits);
    tree.ratchets_.emplace(leaf, std::make_pair(std::move(handshake), std::move(application)));
  });
  for (uint32_t leaf = 0; leaf < leaves.value; ++leaf) {
    if (derivable[leaf] == 0) {
      refuse_state("leaf " + std::to_string(leaf) + " has no ratchets and no secret above it");
    }
  }
  return tree;
}

namespace {
ByteView ciphertext_sample(const CipherSuite& suite, ByteView ciphertext) {
  // ciphertext_sample = ciphertext[0..KDF.Nh-1] (all of it when shorter)
  return ciphertext.first(std::min(ciphertext.size(), suite.hash_size()));
}
}  // namespace

SecureBytes sender_data_key(const CipherSuite& suite, const SenderDataSecret& sender_data_secret,
                            ByteView ciphertext) {
  return suite.expand_with_label(sender_data_secret.view(), "key",
                                 ciphertext_sample(suite, ciphertext), suite.key_size());
}

SecureBytes sender_data_nonce(const CipherSuite& suite, const SenderDataSecret& sender_data_secret,
                              ByteView ciphertext) {
  return suite.expand_with_label(sender_data_secret.view(), "nonce",
                                 ciphertext_sample(suite, ciphertext), suite.nonce_size());
}

}  // namespace mlsref
