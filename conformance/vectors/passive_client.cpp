// passive-client-welcome.json, passive-client-handling-commit.json,
// passive-client-random.json (../shared/vectors/ietf/FORMAT.md "Passive
// Client Scenarios"): RFC 9420 §12.4.3.1 joining, §12.4.2 processing commits.
//
// Verification:
// * Verify that `signature_priv`, `leaf_priv`, and `init_priv` correspond to
//   the public keys (`signature_key`, `encryption_key`, and `init_key`) in the
//   KeyPackage object described by `key_package`
// * Join the group using the Welcome message described by `welcome`, the
//   ratchet tree described by `ratchet_tree` (if given) and the pre-shared keys
//   described in `external_psks`
// * Verify that the locally computed `epoch_authenticator` value is equal to
//   the `initial_epoch_authenticator` value
// * For each entry in `epochs`:
//   * Apply the Commit from `commit`, using any values from `proposals` that
//     are incorporated by reference in the Commit
//   * Verify that the locally computed `epoch_authenticator` value is equal to
//     the `epoch_authenticator` value in the epoch object
//
// Lifetimes are checked, never skipped (RFC 9420 §7.3: a MUST for leaves we
// send, RECOMMENDED for leaves we receive, which may expire in transit). A
// recorded case is judged at the time it was recorded, taken as the
// `not_before` of the case's own KeyPackage, unless `mlsref verify --now`
// gives the clock.
#include "conformance/vector_type.h"
#include "conformance/vectors/fields.h"
#include "ref/group.h"

namespace mlsref::conformance {

namespace {

SecureBytes to_secure(const Bytes& b) { return SecureBytes(b.begin(), b.end()); }

// An HPKE private key of the vector. Some vectors write NIST scalars as
// integers without their leading zero bytes (a 65-byte P-521 key); RFC 9180
// §7.1.2 SerializePrivateKey is fixed-length (Nsk), so we left-pad.
SecureBytes hpke_private(const CipherSuite& suite, const json& c, const std::string& name) {
  Bytes b = hex_field(c, name);
  size_t nsk = suite.hpke().kem().private_key_size();
  if (b.size() < nsk && dh_is_nist(suite.hpke().kem().group())) {
    b.insert(b.begin(), nsk - b.size(), 0);
  }
  return to_secure(b);
}

// The latest not_before among the key_package leaves of the group being
// joined (the ratchet_tree of the case, else of the Welcome's GroupInfo).
uint64_t latest_not_before(const CipherSuite& suite, const Welcome& welcome,
                           const KeyPackageBundle& bundle,
                           const std::optional<RatchetTreeNodes>& tree,
                           const std::map<Bytes, SecureBytes>& psks) {
  std::optional<RatchetTreeNodes> nodes = tree;
  if (!nodes) {
    OpenedWelcome o = open_welcome(suite, welcome, bundle.key_package, bundle.init_private_key,
                                   [&](const PreSharedKeyID& id) {
                                     auto it = psks.find(id.psk_id);
                                     if (it == psks.end()) {
                                       throw Error(ErrorKind::protocol, "12.4.3.1", "unknown PSK");
                                     }
                                     return it->second;
                                   });
    for (const auto& e : o.group_info.extensions) {
      if (e.extension_type == extension_type::ratchet_tree) {
        nodes = decode<RatchetTreeNodes>(e.extension_data);
      }
    }
  }
  uint64_t latest = 0;
  if (nodes) {
    for (const auto& n : *nodes) {
      if (n && n->node_type == NodeType::leaf &&
          n->leaf_node.leaf_node_source == LeafNodeSource::key_package) {
        latest = std::max(latest, n->leaf_node.lifetime.not_before);
      }
    }
  }
  return latest;
}

}  // namespace

void verify_passive_client(const json& c, CaseContext& context) {
  CipherSuite suite(static_cast<uint16_t>(uint_field(c, "cipher_suite", 0xffff)));
  auto key_package = message_field<KeyPackage>(c, "key_package");
  auto welcome = message_field<Welcome>(c, "welcome");
  SecureBytes signature_priv = to_secure(hex_field(c, "signature_priv"));
  KeyPackageBundle bundle{key_package, hpke_private(suite, c, "init_priv"),
                          hpke_private(suite, c, "encryption_priv")};
  expect_bytes("signature_priv (public key)", key_package.leaf_node.signature_key,
               suite.signature_public_key(signature_priv));
  expect_bytes("encryption_priv (public key)", key_package.leaf_node.encryption_key,
               suite.hpke().kem().key_pair(bundle.encryption_private_key).public_key);
  expect_bytes("init_priv (public key)", key_package.init_key,
               suite.hpke().kem().key_pair(bundle.init_private_key).public_key);

  std::map<Bytes, SecureBytes> psks;
  for (const auto& p : member(c, "external_psks")) {
    psks[hex_field(p, "psk_id")] = to_secure(hex_field(p, "psk"));
  }
  std::optional<RatchetTreeNodes> tree;
  if (!member(c, "ratchet_tree").is_null()) {
    try {
      tree = decode<RatchetTreeNodes>(hex_field(c, "ratchet_tree"));
    } catch (const Error& e) {
      throw CheckFailure("ratchet_tree", "does not decode: " + e.message());
    }
  }

  // The clock: --now, else the time the case was recorded, the not_before of
  // its own KeyPackage.
  // AMBIGUITY: some recorders give their own KeyPackage the unbounded lifetime
  // [0, 2^64-1], which says nothing about when it was made. Then we take the
  // latest not_before of the key_package leaves in the group joined: the case
  // cannot have been recorded before its newest KeyPackage was made.
  uint64_t now = 0;
  const Lifetime& own = key_package.leaf_node.lifetime;
  if (context.now) {
    now = *context.now;
    context.clock = "--now " + std::to_string(now);
  } else if (own.not_before != 0 || own.not_after != UINT64_MAX) {
    now = own.not_before;
    context.clock = "recorded (not_before of the case's KeyPackage: " + std::to_string(now) + ")";
  } else {
    try {
      now = latest_not_before(suite, welcome, bundle, tree, psks);
    } catch (const Error& e) {
      throw CheckFailure("welcome", e.what());
    }
    context.clock = "recorded (latest not_before in the joined tree: " + std::to_string(now) + ")";
  }
  GroupConfig config;
  config.clock = [now] { return now; };

  std::optional<Group> group;
  try {
    group.emplace(Group::join(config, welcome, bundle, tree, psks));
  } catch (const Error& e) {
    throw CheckFailure("welcome", e.what());
  }
  expect_bytes("initial_epoch_authenticator", hex_field(c, "initial_epoch_authenticator"),
               group->epoch_authenticator());

  const json& epochs = member(c, "epochs");
  for (size_t i = 0; i < epochs.size(); ++i) {
    const json& epoch = epochs[i];
    std::string at = "epochs[" + std::to_string(i) + "]";
    const json& proposals = member(epoch, "proposals");
    for (size_t j = 0; j < proposals.size(); ++j) {
      std::string name = at + ".proposals[" + std::to_string(j) + "]";
      if (!proposals[j].is_string()) {
        malformed(name, "not a hex string");
      }
      try {
        ProcessedMessage m = group->process_message(from_hex(proposals[j].get<std::string>()));
        auto* q = std::get_if<QueuedProposal>(&m.content);
        if (q == nullptr) {
          throw CheckFailure(name, "is not a proposal");
        }
        group->store_pending_proposal(std::move(*q));
      } catch (const Error& e) {
        throw CheckFailure(name, e.what());
      }
    }
    try {
      ProcessedMessage m = group->process_message(hex_field(epoch, "commit"));
      auto* staged = std::get_if<StagedCommit>(&m.content);
      if (staged == nullptr) {
        throw CheckFailure(at + ".commit", "is not a commit");
      }
      group->merge_staged_commit(std::move(*staged));
    } catch (const Error& e) {
      throw CheckFailure(at + ".commit", e.what());
    }
    expect_bytes(at + ".epoch_authenticator", hex_field(epoch, "epoch_authenticator"),
                 group->epoch_authenticator());
  }
}

}  // namespace mlsref::conformance
