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
// * An mlsref extension of the format, for the joins of a reinitialized or
//   branched group (RFC 9420 §11.2, §11.3), whose Welcome names a resumption
//   PSK of the old group: `resumed_from` gives what the joiner knows of the
//   old group: `group_id`, `cipher_suite`, `epoch` and `resumption_psk` (its
//   resumption_psk of that epoch), `reinit` (the ReInit proposal its last
//   Commit covered, encoded; for a reinit) and `members` (its members'
//   Credentials, encoded; for a branch). A harness that does not read it
//   fails such a case at the Welcome, for want of the PSK.
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
#include "conformance/vectors/passive_scenario.h"
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

namespace {

// The message of an invalid-passive-client case that breaks a rule (its
// "invalid" object), when the case is read as one.
struct InvalidMark {
  std::optional<size_t> epoch;  // an index into "epochs"; empty: the Welcome
  std::string rule;             // the requirement ID, "R12.2-4"
  std::string description;
  std::string where() const {
    return epoch ? "epochs[" + std::to_string(*epoch) + "]" : std::string("welcome");
  }
};

InvalidMark read_mark(const json& c, size_t epochs) {
  const json& m = member(c, "invalid");
  if (!m.is_object()) {
    malformed("invalid", "not an object");
  }
  InvalidMark mark;
  const json& e = member(m, "epoch");
  if (e.is_string() && e.get<std::string>() == "welcome") {
    if (epochs != 0) {
      malformed("invalid.epoch", "\"welcome\" in a case with epochs");
    }
  } else if (e.is_number_unsigned()) {
    mark.epoch = e.get<size_t>();
    if (*mark.epoch + 1 != epochs) {
      malformed("invalid.epoch", "the invalid epoch must be the case's last");
    }
  } else {
    malformed("invalid.epoch", "neither an epoch index nor \"welcome\"");
  }
  const json& r = member(m, "rule");
  if (!r.is_string() || r.get<std::string>().empty()) {
    malformed("invalid.rule", "not a requirement ID");
  }
  mark.rule = r.get<std::string>();
  if (m.contains("description") && m["description"].is_string()) {
    mark.description = m["description"].get<std::string>();
  }
  return mark;
}

std::string rule_of(const Error& e) {
  return e.rule().empty() ? "no rule ID (RFC 9420 §" + e.section() + ")"
                          : std::string(e.rule());
}

// The error `e` raised at `at` (the Welcome or an epoch's message `name`),
// judged against the mark: returns when it is the expected rejection, else
// throws the CheckFailure that says what went wrong.
void judge_rejection(const InvalidMark* mark, const std::optional<size_t>& at,
                     const std::string& name, const Error& e) {
  if (mark == nullptr) {
    throw CheckFailure(name, e.what());
  }
  if (at != mark->epoch) {
    throw CheckFailure(name, "rejected before the invalid message (" + mark->where() +
                                 ", which breaks " + mark->rule + "): " + e.what());
  }
  if (e.rule() != mark->rule) {
    throw CheckFailure(name, "rejected for " + rule_of(e) + ", not for " + mark->rule +
                                 " as the case expects: " + e.what());
  }
}

[[noreturn]] void missed(const InvalidMark& mark, const std::string& name) {
  throw CheckFailure(name, "accepted, but it breaks " + mark.rule +
                               (mark.description.empty() ? "" : " (" + mark.description + ")") +
                               ": a rejection was expected here");
}

void run_passive_client(const json& c, CaseContext& context, bool invalid) {
  const json& epochs = member(c, "epochs");
  if (!epochs.is_array()) {
    malformed("epochs", "not an array");
  }
  std::optional<InvalidMark> mark;
  if (invalid) {
    mark = read_mark(c, epochs.size());
    context.rule = mark->rule;
  }
  const InvalidMark* m = mark ? &*mark : nullptr;

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
      if (m != nullptr && !m->epoch) {
        // A tree that does not decode is a rejection of the Welcome's group.
        judge_rejection(m, std::nullopt, "ratchet_tree", e);
        return;
      }
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

  std::optional<ResumedGroup> resumed;
  if (c.contains("resumed_from")) {
    const json& r = member(c, "resumed_from");
    resumed.emplace();
    resumed->group_id = hex_field(r, "group_id");
    resumed->cipher_suite = static_cast<CipherSuiteId>(uint_field(r, "cipher_suite", 0xffff));
    Bytes psk = hex_field(r, "resumption_psk");
    resumed->epoch = uint_field(r, "epoch");
    resumed->resumption_psks.emplace(resumed->epoch,
                                     ResumptionPsk(SecureBytes(psk.begin(), psk.end())));
    try {
      if (r.contains("reinit")) {
        resumed->reinit = decode<ReInit>(hex_field(r, "reinit"));
      }
      for (const auto& cred : r.contains("members") ? member(r, "members") : json::array()) {
        if (!cred.is_string()) {
          throw CheckFailure("resumed_from.members", "not a hex string");
        }
        resumed->members.push_back(decode<Credential>(from_hex(cred.get<std::string>())));
      }
    } catch (const Error& e) {
      throw CheckFailure("resumed_from", "does not decode: " + e.message());
    }
  }

  std::optional<Group> group;
  try {
    group.emplace(resumed ? Group::join(config, welcome, bundle, tree, psks, *resumed)
                          : Group::join(config, welcome, bundle, tree, psks));
  } catch (const Error& e) {
    judge_rejection(m, std::nullopt, "welcome", e);
    return;
  }
  if (m != nullptr && !m->epoch) {
    missed(*m, "welcome");
  }
  expect_bytes("initial_epoch_authenticator", hex_field(c, "initial_epoch_authenticator"),
               group->epoch_authenticator().view());

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
        ProcessedMessage pm = group->process_message(from_hex(proposals[j].get<std::string>()));
        auto* q = std::get_if<QueuedProposal>(&pm.content);
        if (q == nullptr && std::holds_alternative<ApplicationMessage>(pm.content)) {
          // An application message changes no state: accepted, it is passed
          // over (the must-reject suite's R6-1 case puts one among an epoch's
          // messages, as a PublicMessage that must be refused).
          continue;
        }
        if (q == nullptr) {
          throw CheckFailure(name, "is not a proposal");
        }
        group->store_pending_proposal(std::move(*q));
      } catch (const Error& e) {
        judge_rejection(m, i, name, e);
        return;
      }
    }
    try {
      ProcessedMessage pm = group->process_message(hex_field(epoch, "commit"));
      auto* staged = std::get_if<StagedCommit>(&pm.content);
      if (staged == nullptr) {
        throw CheckFailure(at + ".commit", "is not a commit");
      }
      group->merge_staged_commit(std::move(*staged));
    } catch (const Error& e) {
      judge_rejection(m, i, at + ".commit", e);
      return;
    }
    if (m != nullptr && m->epoch == i) {
      missed(*m, at);
    }
    expect_bytes(at + ".epoch_authenticator", hex_field(epoch, "epoch_authenticator"),
                 group->epoch_authenticator().view());
  }
}

}  // namespace

// An "invalid" member, if any, is not looked at: the case is read as an
// IETF passive-client case, as another implementation's harness reads it.
void verify_passive_client(const json& c, CaseContext& context) {
  run_passive_client(c, context, false);
}

// RFC 9420 must-reject vectors: the case passes only when the marked message
// is rejected, with the marked rule, and nothing before it is.
void verify_invalid_passive_client(const json& c, CaseContext& context) {
  run_passive_client(c, context, true);
}

}  // namespace mlsref::conformance

// ---------------------------------------------------------------- generation
//
// Every case comes from a real group run through the API of ref/group.h: the
// members are Groups that send, process and merge; the passive client is one
// more Group, joined from the recorded Welcome, whose epoch_authenticator is
// written after each commit (and checked against every other member's).

namespace mlsref::conformance {

namespace {

using namespace passive;

json passive_case(const CipherSuite& suite, Botan::RandomNumberGenerator& rng, bool priv,
                  bool tree_in_welcome, size_t before, bool join_path, bool join_psk,
                  std::span<const Op> ops) {
  Scenario s(suite, rng, priv, tree_in_welcome);
  if (before > 0) {
    s.grow(before, true);
  }
  json c = s.add_passive(join_path, join_psk);
  json epochs = json::array();
  for (Op op : ops) {
    if (!s.step(op, epochs)) {
      s.step(Op::self_update, epochs);
    }
  }
  c["epochs"] = epochs;
  return c;
}

}  // namespace

json generate_passive_client_welcome(const GenerateOptions& options) {
  return per_suite(options, "passive-client-welcome",
                   [&](const CipherSuite& suite, Botan::RandomNumberGenerator& rng, json& out) {
                     // Tree in the Welcome or out of band, a path secret or not,
                     // a PSK or not, groups of 1 to 5 members.
                     for (int i = 0; i < 8; ++i) {
                       out.push_back(passive_case(suite, rng, i & 4, i & 1, random_below(rng, 5),
                                                  i & 2, random_below(rng, 2) == 0, {}));
                     }
                   });
}

json generate_passive_client_handling_commit(const GenerateOptions& options) {
  return per_suite(options, "passive-client-handling-commit",
                   [&](const CipherSuite& suite, Botan::RandomNumberGenerator& rng, json& out) {
                     // One case per operation, each after a self-update, as PublicMessage
                     // and as PrivateMessage.
                     for (bool priv : {false, true}) {
                       for (Op op : kAllOps) {
                         Op ops[] = {Op::self_update, op, op};
                         out.push_back(passive_case(suite, rng, priv, true, 3, true, false, ops));
                       }
                     }
                   });
}

json generate_passive_client_random(const GenerateOptions& options) {
  return per_suite(options, "passive-client-random",
                   [&](const CipherSuite& suite, Botan::RandomNumberGenerator& rng, json& out) {
                     for (bool priv : {false, true}) {
                       std::vector<Op> ops;
                       for (int i = 0; i < 40; ++i) {
                         ops.push_back(kAllOps[random_below(rng, std::size(kAllOps))]);
                       }
                       out.push_back(passive_case(suite, rng, priv, random_below(rng, 2) == 0,
                                                  2 + random_below(rng, 4), true, true, ops));
                     }
                   });
}

}  // namespace mlsref::conformance
