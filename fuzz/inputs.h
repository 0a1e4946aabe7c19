// The structured inputs of the fuzz targets, encoded with the same codec as
// MLS itself, so a seed is the encoding of a meaningful value.
#pragma once

#include "ref/presentation_language.h"

namespace mlsref::fuzz {

// A structure exercising every codec form: integers, opaque vectors, a
// vector of vectors, optional, and a vector of booleans.
struct VectorSample {
  uint16_t id = 0;
  std::vector<Bytes> blobs;
  std::optional<Bytes> maybe;
  std::vector<bool> flags;
  uint64_t tail = 0;
  bool operator==(const VectorSample&) const = default;
  static constexpr std::string_view type_name = "VectorSample";
  static constexpr auto fields =
      std::tuple{field("id", &VectorSample::id), field("blobs", &VectorSample::blobs),
                 field("maybe", &VectorSample::maybe), field("flags", &VectorSample::flags),
                 field("tail", &VectorSample::tail)};
};

// What fuzz_hpke_open decrypts: DecryptWithLabel(private_key, label, context,
// kem_output, ciphertext) in `cipher_suite`.
struct HpkeOpenInput {
  uint16_t cipher_suite = 0;
  Bytes private_key;
  Bytes label;
  Bytes context;
  Bytes kem_output;
  Bytes ciphertext;
  bool operator==(const HpkeOpenInput&) const = default;
  static constexpr std::string_view type_name = "HpkeOpenInput";
  static constexpr auto fields = std::tuple{field("cipher_suite", &HpkeOpenInput::cipher_suite),
                                            field("private_key", &HpkeOpenInput::private_key),
                                            field("label", &HpkeOpenInput::label),
                                            field("context", &HpkeOpenInput::context),
                                            field("kem_output", &HpkeOpenInput::kem_output),
                                            field("ciphertext", &HpkeOpenInput::ciphertext)};
};

}  // namespace mlsref::fuzz

#include "ref/mls_message.h"

namespace mlsref::fuzz {

// The fixed epoch fuzz_unprotect checks messages against: suite 1, two
// members, every secret a constant. `mlsref seeds` protects real messages for
// it, so the fuzzer starts from inputs that unprotect.
struct FixedEpoch {
  CipherSuite suite{1};
  GroupContext context;
  SecureBytes signature_private_key;
  Bytes signature_public_key;
  EncryptionSecret encryption_secret{SecureBytes(32, 0x11)};
  SenderDataSecret sender_data_secret{SecureBytes(32, 0x22)};
  MembershipKey membership_key{SecureBytes(32, 0x33)};

  FixedEpoch() {
    context =
        GroupContext{mls10, 1, to_bytes("fuzz group"), 7, Bytes(32, 0x44), Bytes(32, 0x55), {}};
    signature_private_key = SecureBytes(32, 0x66);
    signature_public_key = suite.signature_public_key(signature_private_key);
  }
  SecretTree fresh_tree() const { return SecretTree(suite, LeafCount(2), encryption_secret); }
};

}  // namespace mlsref::fuzz

#include "conformance/tree_history.h"
#include "conformance/vector_type.h"

namespace mlsref::fuzz {

// The fixed group fuzz_update_path processes UpdatePaths in: suite 1, seven
// members built by a real history (so the tree has blanks and unmerged
// leaves); leaf 1 sends, leaf 6 receives.
struct FixedTreeGroup {
  CipherSuite suite{1};
  std::unique_ptr<Botan::RandomNumberGenerator> rng = conformance::seeded_rng(0, "fuzz tree");
  conformance::TreeHistory history{suite, *rng, to_bytes("fuzz tree group")};
  LeafIndex sender{1};
  LeafIndex receiver{6};

  FixedTreeGroup() {
    for (uint32_t i = 0; i < 7; ++i) {
      history.add(LeafIndex(i % 2), i % 3 != 0);
    }
    history.remove(LeafIndex(0), LeafIndex(3));
  }
};

// fuzz_ratchet_tree's input: a cipher suite and an encoded ratchet tree.
struct RatchetTreeInput {
  uint16_t cipher_suite = 1;
  Bytes group_id;
  Bytes tree;  // optional<Node> ratchet_tree<V>, encoded
  bool operator==(const RatchetTreeInput&) const = default;
  static constexpr std::string_view type_name = "RatchetTreeInput";
  static constexpr auto fields = std::tuple{field("cipher_suite", &RatchetTreeInput::cipher_suite),
                                            field("group_id", &RatchetTreeInput::group_id),
                                            field("tree", &RatchetTreeInput::tree)};
};

}  // namespace mlsref::fuzz
