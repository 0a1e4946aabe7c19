// treekem.json (../shared/vectors/ietf/FORMAT.md "TreeKEM"), RFC 9420 §7.4-§7.6.
//
// Verification:
// * each `leaves_private` entry gives a private state (encryption_priv for the
//   leaf, path secrets for parent nodes) consistent with `ratchet_tree`
// * GroupContext: cipher_suite, group_id, epoch, confirmed_transcript_hash as
//   given, tree_hash as updated by the UpdatePath, no extensions
// * for each `update_paths` entry from sender i:
//   * `update_path` is parent-hash valid relative to `ratchet_tree`
//   * every other non-blank leaf j with private state decrypts
//     `path_secrets[j]` and derives `commit_secret`
//   * merging it gives root tree hash `tree_hash_after`
//   * a new UpdatePath made by mlsref from sender i (with its signature_priv)
//     is processed by every other such leaf to the commit secret mlsref got
#include "conformance/vector_type.h"
#include "conformance/vectors/fields.h"
#include "ref/tree_kem.h"

namespace mlsref::conformance {

namespace {

struct LeafPrivate {
  TreeKemPrivate state;
  Bytes signature_priv;
};

std::map<uint32_t, LeafPrivate> private_states(const CipherSuite& suite, const json& c,
                                               const RatchetTree& tree) {
  std::map<uint32_t, LeafPrivate> out;
  const json& leaves = member(c, "leaves_private");
  for (size_t k = 0; k < leaves.size(); ++k) {
    const json& l = leaves[k];
    std::string at = "leaves_private[" + std::to_string(k) + "]";
    auto index = static_cast<uint32_t>(uint_field(l, "index", UINT32_MAX));
    LeafPrivate p;
    p.state.leaf = LeafIndex(index);
    Bytes enc = hex_field(l, "encryption_priv");
    p.state.private_keys[NodeIndex(LeafIndex(index)).value] = SecureBytes(enc.begin(), enc.end());
    p.signature_priv = hex_field(l, "signature_priv");
    for (const auto& ps : member(l, "path_secrets")) {
      p.state.set_path_secret(suite, NodeIndex(static_cast<uint32_t>(uint_field(ps, "node"))),
                              TreeKemPathSecret(hex_field(ps, "path_secret")));
    }
    try {
      p.state.check_consistent(suite, tree);
    } catch (const Error& e) {
      throw CheckFailure(at, e.message());
    }
    out.emplace(index, std::move(p));
  }
  return out;
}

}  // namespace

void verify_treekem(const json& c) {
  auto id = static_cast<uint16_t>(uint_field(c, "cipher_suite", 0xffff));
  CipherSuite suite(id);
  RatchetTree tree = tree_field(c, "ratchet_tree");
  GroupContext base{mls10,
                    id,
                    hex_field(c, "group_id"),
                    uint_field(c, "epoch"),
                    {},
                    hex_field(c, "confirmed_transcript_hash"),
                    {}};
  std::map<uint32_t, LeafPrivate> leaves = private_states(suite, c, tree);
  // Computed once here, every node's tree hash is kept by each copy of `tree`
  // below, which then hashes again only the nodes an UpdatePath changes.
  tree.root_tree_hash(suite);

  const json& paths = member(c, "update_paths");
  for (size_t u = 0; u < paths.size(); ++u) {
    const json& up = paths[u];
    std::string at = "update_paths[" + std::to_string(u) + "].";
    LeafIndex sender(static_cast<uint32_t>(uint_field(up, "sender", UINT32_MAX)));
    UpdatePath path;
    try {
      path = decode<UpdatePath>(hex_field(up, "update_path"));
    } catch (const Error& e) {
      throw CheckFailure(at + "update_path", "does not decode: " + e.message());
    }
    Bytes commit_secret = hex_field(up, "commit_secret");
    const json& expected_secrets = member(up, "path_secrets");
    {
      RatchetTree merged = tree;
      try {
        merge_update_path(suite, merged, sender, path, base.group_id);
      } catch (const Error& e) {
        throw CheckFailure(at + "update_path", e.message());
      }
      expect_bytes(at + "tree_hash_after", hex_field(up, "tree_hash_after"),
                   merged.root_tree_hash(suite));
    }
    for (auto& [j, leaf] : leaves) {
      if (j == sender.value || !tree.has_leaf(LeafIndex(j))) {
        continue;
      }
      std::string who = at + "path_secrets[" + std::to_string(j) + "]";
      RatchetTree t = tree;
      GroupContext ctx = base;
      TreeKemPrivate me = leaf.state;
      ProcessedPath got;
      try {
        got = process_update_path(suite, t, sender, path, ctx, me, {});
      } catch (const Error& e) {
        throw CheckFailure(who, "processing fails: " + e.message());
      }
      if (j >= expected_secrets.size() || !expected_secrets[j].is_string()) {
        malformed(who, "missing");
      }
      expect_bytes(who, from_hex(expected_secrets[j].get<std::string>()), got.path_secret.view());
      expect_bytes(at + "commit_secret (leaf " + std::to_string(j) + ")", commit_secret,
                   got.commit_secret.view());
    }
    // The creating side: mlsref's own UpdatePath from the same sender.
    auto sender_private = leaves.find(sender.value);
    if (sender_private == leaves.end()) {
      malformed(at + "sender", "no leaves_private entry for the sender");
    }
    RatchetTree created_tree = tree;
    GroupContext created_ctx = base;
    CreatedPath created =
        create_update_path(suite, created_tree, sender, sender_private->second.signature_priv,
                           created_ctx, {}, system_rng());
    for (auto& [j, leaf] : leaves) {
      if (j == sender.value || !tree.has_leaf(LeafIndex(j))) {
        continue;
      }
      RatchetTree t = tree;
      GroupContext ctx = base;
      TreeKemPrivate me = leaf.state;
      ProcessedPath got;
      try {
        got = process_update_path(suite, t, sender, created.update_path, ctx, me, {});
      } catch (const Error& e) {
        throw CheckFailure(at + "new_update_path (leaf " + std::to_string(j) + ")",
                           "processing mlsref's UpdatePath fails: " + e.message());
      }
      expect_bytes(at + "new_commit_secret (leaf " + std::to_string(j) + ")",
                   created.commit_secret.view(), got.commit_secret.view());
      expect_bytes(at + "new tree hash (leaf " + std::to_string(j) + ")",
                   created_tree.root_tree_hash(suite), t.root_tree_hash(suite));
    }
  }
}

}  // namespace mlsref::conformance

#include "conformance/tree_history.h"

namespace mlsref::conformance {

// Trees from real histories (get_tree(n), with removes, unmerged leaves and
// updates), every member's private state, and an UpdatePath from up to three
// senders, each processed by every other member.
json generate_treekem(const GenerateOptions& options) {
  return per_suite(
      options, "treekem",
      [&](const CipherSuite& suite, Botan::RandomNumberGenerator& rng, json& out) {
        uint16_t id = suite.id();
        Bytes group_id = random_bytes(rng, 16);
        for (int shape = 0; shape < 3; ++shape) {
          TreeHistory h(suite, rng, group_id);
          uint32_t n = shape == 0 ? 4 : shape == 1 ? 7 : 9;
          for (uint32_t i = 0; i + 1 < n; ++i) {
            h.add(LeafIndex(i), shape != 1 || i % 2 == 0);
          }
          if (shape == 2) {
            h.remove(LeafIndex(0), LeafIndex(3));
            h.update(LeafIndex(5), LeafIndex(1));
          }
          GroupContext ctx = h.context();
          json leaves = json::array();
          for (const auto& [index, m] : h.members()) {
            json secrets = json::array();
            for (const auto& [node, secret] : m.path_secrets) {
              secrets.push_back(json{{"node", node}, {"path_secret", to_hex(secret.view())}});
            }
            leaves.push_back(json{{"index", index},
                                  {"encryption_priv", to_hex(m.priv.private_keys.at(
                                                          NodeIndex(LeafIndex(index)).value))},
                                  {"signature_priv", to_hex(m.signature_priv)},
                                  {"path_secrets", secrets}});
          }
          json paths = json::array();
          std::vector<uint32_t> senders;
          for (const auto& [index, m] : h.members()) {
            senders.push_back(index);
          }
          for (size_t s = 0; s < senders.size(); s += std::max<size_t>(1, senders.size() / 3)) {
            LeafIndex sender(senders[s]);
            RatchetTree tree = h.tree();
            GroupContext c = ctx;
            CreatedPath created = create_update_path(
                suite, tree, sender, h.members().at(sender.value).signature_priv, c, {}, rng);
            json secrets = json::array();
            for (uint32_t j = 0; j < h.tree().leaf_count().value; ++j) {
              if (j == sender.value || !h.members().count(j)) {
                secrets.push_back(nullptr);
                continue;
              }
              RatchetTree t = h.tree();
              GroupContext cj = ctx;
              TreeKemPrivate me = h.members().at(j).priv;
              secrets.push_back(
                  to_hex(process_update_path(suite, t, sender, created.update_path, cj, me, {})
                             .path_secret.view()));
            }
            paths.push_back(json{{"sender", sender.value},
                                 {"update_path", to_hex(encode(created.update_path))},
                                 {"path_secrets", secrets},
                                 {"commit_secret", to_hex(created.commit_secret.view())},
                                 {"tree_hash_after", to_hex(tree.root_tree_hash(suite))}});
          }
          out.push_back(json{{"cipher_suite", id},
                             {"group_id", to_hex(group_id)},
                             {"epoch", ctx.epoch},
                             {"confirmed_transcript_hash", to_hex(ctx.confirmed_transcript_hash)},
                             {"ratchet_tree", to_hex(encode(h.tree().to_nodes()))},
                             {"leaves_private", leaves},
                             {"update_paths", paths}});
        }
      });
}

}  // namespace mlsref::conformance
