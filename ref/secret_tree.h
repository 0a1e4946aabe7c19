// RFC 9420 §9 Secret Tree, §9.1 Encryption Keys, §9.2 Deletion Schedule;
// §6.3.2 sender data key and nonce.
#pragma once

#include <map>
#include <optional>
#include <vector>

#include "cipher_suite.h"
#include "secrets.h"
#include "tree_math.h"

namespace mlsref {

enum class RatchetType { handshake, application };

struct KeyAndNonce {
  uint32_t generation = 0;
  SecureBytes key;
  SecureBytes nonce;
};

// How far a receiver lets generations arrive out of order (§9.2 leaves both
// to the application). Defaults: keys of the 32 generations before the newest
// one asked for are kept; a request may jump at most 1024 generations ahead.
struct RatchetLimits {
  uint32_t out_of_order_window = 32;
  uint32_t max_forward_jump = 1024;
};

// One hash ratchet (§9.1): a key and nonce per generation. A key handed out
// is deleted (§9.2); skipped keys are kept within the window only.
class HashRatchet {
 public:
  HashRatchet(const CipherSuite& suite, RatchetSecret secret, RatchetLimits limits);

  // The key and nonce of `generation`, consumed: asking again is an error.
  // Error{protocol, "9.2"} for a consumed or expired generation, or a jump
  // past max_forward_jump.
  KeyAndNonce get(uint32_t generation);
  // The next unused generation (for a sender).
  KeyAndNonce next() { return get(next_generation_); }
  uint32_t next_generation() const { return next_generation_; }

  // Its position, for a client that keeps its state across restarts
  // (§6.3.1, Group::export_state): next_generation, the ratchet secret of
  // that generation, and the keys and nonces kept for skipped generations.
  void write_state(Writer& w) const;
  // Error{protocol, R6.3.1-3} for a state this ratchet cannot be in under
  // `limits` (a secret or key of the wrong size, a kept generation that is
  // not before next_generation or is outside the out-of-order window).
  static HashRatchet read_state(Reader& r, const CipherSuite& suite, RatchetLimits limits);

 private:
  KeyAndNonce derive_current() const;
  void advance();

  const CipherSuite* suite_;
  RatchetSecret secret_;  // ratchet_secret_[next_generation_]
  uint32_t next_generation_ = 0;
  std::map<uint32_t, KeyAndNonce> kept_;  // skipped generations within the window
  RatchetLimits limits_;
};

class SecretTree {
 public:
  SecretTree(const CipherSuite& suite, LeafCount leaves, const EncryptionSecret& encryption_secret,
             RatchetLimits limits = {});

  // Error{protocol, "9"} for a leaf outside the tree.
  HashRatchet& ratchet(LeafIndex leaf, RatchetType type);
  KeyAndNonce get(LeafIndex leaf, RatchetType type, uint32_t generation) {
    return ratchet(leaf, type).get(generation);
  }
  LeafCount leaf_count() const { return leaves_; }

  // What is left of the tree (§9.2: the node secrets not yet derived from,
  // the ratchets of the leaves derived), for Group::export_state (§6.3.1).
  void write_state(Writer& w) const;
  // Error{protocol, R6.3.1-3} for a state no secret tree of `leaves` leaves
  // can be in: a node outside the tree, a leaf whose path holds no secret
  // and that has no ratchets, or one that could be derived twice.
  static SecretTree read_state(Reader& r, const CipherSuite& suite, LeafCount leaves,
                               RatchetLimits limits);

 private:
  SecretTree(const CipherSuite& suite, LeafCount leaves, RatchetLimits limits)
      : suite_(&suite), leaves_(leaves), limits_(limits) {}

  const CipherSuite* suite_;
  LeafCount leaves_;
  RatchetLimits limits_;
  // tree_node_[N]_secret by node index, present only until both children are
  // derived (§9.2). Sparse, so a large group costs only what is derived.
  std::map<uint32_t, TreeNodeSecret> secrets_;
  std::map<uint32_t, std::pair<HashRatchet, HashRatchet>> ratchets_;  // by leaf
};

// §6.3.2
//    ciphertext_sample = ciphertext[0..KDF.Nh-1]
//    sender_data_key = ExpandWithLabel(sender_data_secret, "key", ciphertext_sample, AEAD.Nk)
//    sender_data_nonce = ExpandWithLabel(sender_data_secret, "nonce", ciphertext_sample, AEAD.Nn)
SecureBytes sender_data_key(const CipherSuite& suite, const SenderDataSecret& sender_data_secret,
                            ByteView ciphertext);
SecureBytes sender_data_nonce(const CipherSuite& suite, const SenderDataSecret& sender_data_secret,
                              ByteView ciphertext);

}  // namespace mlsref
