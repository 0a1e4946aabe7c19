// The verifiers over the upstream files; every value of a vector matters; the
// generators are deterministic and their output verifies.
#include <fstream>
#include <functional>
#include <map>
#include <set>

#include "conformance/runner.h"
#include "conformance/vector_type.h"
#include "tests/test_util.h"

namespace mlsref::conformance {
namespace {

struct UpstreamFile {
  const char* path;  // under the vector root
  const char* type;
  size_t cases;
};

const UpstreamFile kFiles[] = {
    {"ietf/tree-math.json", "tree-math", 10},
    {"ietf/deserialization.json", "deserialization", 14},
    {"ietf/crypto-basics.json", "crypto-basics", 7},
    {"hpke/rfc9180-appendix-a.json", "hpke", 28},
    {"ietf/secret-tree.json", "secret-tree", 21},
    {"ietf/key-schedule.json", "key-schedule", 7},
    {"ietf/psk_secret.json", "psk_secret", 77},
    {"ietf/transcript-hashes.json", "transcript-hashes", 7},
    {"ietf/message-protection.json", "message-protection", 7},
    {"ietf/messages.json", "messages", 300},
    {"ietf/welcome.json", "welcome", 7},
    {"ietf/tree-validation.json", "tree-validation", 98},
    {"ietf/tree-operations.json", "tree-operations", 5},
    {"ietf/treekem.json", "treekem", 77},
    {"ietf/passive-client-welcome.json", "passive-client-welcome", 56},
    {"ietf/passive-client-handling-commit.json", "passive-client-handling-commit", 91},
    {"ietf/passive-client-random.json", "passive-client-random", 1},
};

// One case through the type's verifier (the clock of passive-client cases:
// the recorded time).
void run_case(const VectorType& type, const json& c) {
  if (type.verify_in != nullptr) {
    CaseContext context;
    type.verify_in(c, context);
  } else {
    type.verify(c);
  }
}

std::vector<UpstreamFile> computed_files() {
  std::vector<UpstreamFile> out;
  for (const auto& f : kFiles) {
    // messages.json checks syntax only; the one passive-client-random case
    // has hundreds of epochs (every value altered would take minutes).
    if (std::string(f.type) != "messages" && std::string(f.type) != "passive-client-random") {
      out.push_back(f);
    }
  }
  return out;
}

void PrintTo(const UpstreamFile& f, std::ostream* os) { *os << f.path; }

json load(const std::filesystem::path& p) {
  std::ifstream in(p);
  return json::parse(in);
}

class Upstream : public ::testing::TestWithParam<UpstreamFile> {};
// Files whose checks compute values; messages.json only checks syntax (a
// changed byte inside an opaque field is still a well-formed message).
class UpstreamComputed : public ::testing::TestWithParam<UpstreamFile> {};

TEST_P(Upstream, EveryCasePasses) {
  auto root = mlsref::testing::vectors_root();
  ASSERT_FALSE(root.empty());
  const UpstreamFile& f = GetParam();
  FileResult r = verify_file(root / f.path, *find_vector_type(f.type), {});
  EXPECT_EQ(r.cases.size(), f.cases);
  for (const auto& c : r.cases) {
    EXPECT_EQ(c.status, Status::pass) << case_name(r, c) << " " << c.check << ": " << c.message;
  }
  EXPECT_NE(r.provenance.find(f.type == std::string("hpke") ? "known" : "pinned upstream"),
            std::string::npos)
      << r.provenance;
}

// Values a verifier computes and compares; when one of them is altered, the
// failure must name it. Other (input) values must make the case fail somewhere.
const std::map<std::string, std::set<std::string>> kOutputs = {
    {"tree-math", {"n_nodes", "root", "left", "right", "parent", "sibling"}},
    {"deserialization", {"length"}},
    {"secret-tree",
     {"key", "nonce", "handshake_key", "handshake_nonce", "application_key", "application_nonce"}},
    {"crypto-basics", {"out", "signature", "pub", "plaintext", "kem_output", "ciphertext"}},
    {"key-schedule",
     {"group_context", "joiner_secret", "welcome_secret", "init_secret", "sender_data_secret",
      "encryption_secret", "exporter_secret", "epoch_authenticator", "external_secret",
      "confirmation_key", "membership_key", "resumption_psk", "external_pub"}},
    {"psk_secret", {"psk_secret"}},
    {"transcript-hashes", {"confirmed_transcript_hash_after", "interim_transcript_hash_after"}},
    {"message-protection",
     {"proposal_pub", "proposal_priv", "commit_pub", "commit_priv", "application_priv",
      "signature_pub"}},
    {"messages", {}},
    {"welcome", {}},
    {"tree-validation", {"resolutions", "tree_hashes"}},
    {"tree-operations", {"tree_hash_before", "tree_after", "tree_hash_after"}},
    {"treekem", {"path_secrets", "commit_secret", "tree_hash_after"}},
    {"passive-client-welcome", {"initial_epoch_authenticator", "epoch_authenticator"}},
    {"passive-client-handling-commit", {"initial_epoch_authenticator", "epoch_authenticator"}},
    {"hpke",
     {"skEm", "pkEm", "skRm", "pkRm", "skSm", "pkSm", "enc", "shared_secret",
      "key_schedule_context", "secret", "key", "base_nonce", "exporter_secret", "nonce", "ct",
      "exported_value"}},
};

// Calls `visit(path, leaf, last_key)` for each leaf value of `v`. Long arrays
// of numbers (tree-math) are sampled: first, middle and last element.
void for_each_leaf(
    json& v, const std::string& path, const std::string& key,
    const std::function<void(const std::string&, json&, const std::string&)>& visit) {
  if (v.is_object()) {
    for (auto& [k, child] : v.items()) {
      for_each_leaf(child, path + "." + k, k, visit);
    }
  } else if (v.is_array()) {
    std::vector<size_t> picks;
    if (v.size() > 8 && !v[0].is_object()) {
      picks = {0, v.size() / 2, v.size() - 1};
    } else {
      for (size_t i = 0; i < v.size(); ++i) {
        picks.push_back(i);
      }
    }
    for (size_t i : picks) {
      for_each_leaf(v[i], path + "[" + std::to_string(i) + "]", key, visit);
    }
  } else {
    visit(path, v, key);
  }
}

bool is_hex(const std::string& s) {
  return s.size() % 2 == 0 && s.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
}

TEST_P(UpstreamComputed, AlteringAnyValueFails) {
  auto root = mlsref::testing::vectors_root();
  ASSERT_FALSE(root.empty());
  const UpstreamFile& f = GetParam();
  const VectorType& type = *find_vector_type(f.type);
  const std::set<std::string>& outputs = kOutputs.at(f.type);
  json cases = load(root / f.path);
  size_t altered = 0;
  // Every HPKE case would take long under sanitizers; one case per KEM/mode pair is
  // enough there, every case elsewhere.
  // Every case where that is quick; a sample of the slow types (each HPKE or
  // TreeKEM case costs many public-key operations, more so under ASan).
  std::string t = f.type;
  size_t stride = t == "hpke"                             ? 3
                  : t == "tree-validation"                ? 20
                  : t == "treekem"                        ? cases.size()
                  : t == "passive-client-welcome"         ? 14
                  : t == "passive-client-handling-commit" ? 23
                                                          : 1;
  size_t visited = 0;
  for (size_t i = 0; i < cases.size(); i += stride) {
    ++visited;
    json original = cases[i];
    json work = original;
    for_each_leaf(work, "", "", [&](const std::string& path, json& leaf, const std::string& key) {
      if (leaf.is_null() || key == "cipher_suite" || key == "kem_id" || key == "kdf_id" ||
          key == "aead_id" || key == "mode") {
        return;  // identifiers select what to check; altering them is "unsupported" or a new case
      }
      if (key == "proposal_sender") {
        return;  // only an Update depends on its sender; another member may send an Add
      }
      json saved = leaf;
      if (leaf.is_string()) {
        std::string s = leaf.get<std::string>();
        if (s.empty()) {
          leaf = "00";
        } else if (is_hex(s)) {
          // The first byte: some values are only sampled (secret-tree's
          // ciphertext_sample is the first Nh bytes, RFC 9420 §6.3.2).
          char& first = s.front();
          first = "0123456789abcdef"[(std::stoi(std::string(1, first), nullptr, 16) ^ 1)];
          leaf = s;
        } else {
          leaf = s + "!";
        }
      } else if (leaf.is_number_unsigned()) {
        leaf = leaf.get<uint64_t>() + 1;
      } else {
        return;
      }
      ++altered;
      try {
        run_case(type, work);
        ADD_FAILURE() << f.type << "[" << i << "]" << path << " altered, still passes";
      } catch (const CheckFailure& e) {
        if (outputs.count(key)) {
          EXPECT_NE(e.check().find(key), std::string::npos)
              << f.type << "[" << i << "]" << path << " altered, failure names " << e.check();
        }
      } catch (const Error& e) {
        EXPECT_NE(e.kind(), ErrorKind::unsupported) << path << ": " << e.what();
        EXPECT_FALSE(outputs.count(key)) << path << " altered: " << e.what();
      }
      leaf = saved;
    });
  }
  EXPECT_GT(altered, visited);
}

INSTANTIATE_TEST_SUITE_P(Files, Upstream, ::testing::ValuesIn(kFiles), [](const auto& param_info) {
  std::string n = param_info.param.type;
  std::replace(n.begin(), n.end(), '-', '_');
  return n;
});
INSTANTIATE_TEST_SUITE_P(Files, UpstreamComputed, ::testing::ValuesIn(computed_files()),
                         [](const auto& param_info) {
                           std::string n = param_info.param.type;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

class Generated : public ::testing::TestWithParam<const char*> {};

TEST_P(Generated, DeterministicAndVerifies) {
  const VectorType& type = *find_vector_type(GetParam());
  ASSERT_NE(type.generate, nullptr);
  // The tree types build whole group histories: one suite keeps them quick.
  std::string name = GetParam();
  std::optional<uint16_t> suite;
  if (name == "tree-validation" || name == "tree-operations" || name == "treekem") {
    suite = 1;
  }
  if (name.rfind("passive-client", 0) == 0) {
    suite = 1;
  }
  json a = type.generate(GenerateOptions{suite, 42});
  json b = type.generate(GenerateOptions{suite, 42});
  EXPECT_EQ(a.dump(), b.dump());
  ASSERT_TRUE(a.is_array());
  ASSERT_FALSE(a.empty());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_NO_THROW(run_case(type, a[i])) << GetParam() << "[" << i << "]";
  }
  json c = type.generate(GenerateOptions{suite, 43});
  EXPECT_NE(a.dump(), c.dump()) << "the seed changes nothing";
}

INSTANTIATE_TEST_SUITE_P(Types, Generated,
                         ::testing::Values("tree-math", "crypto-basics", "deserialization",
                                           "secret-tree", "key-schedule", "psk_secret",
                                           "transcript-hashes", "message-protection", "welcome",
                                           "messages", "tree-validation", "tree-operations",
                                           "treekem", "passive-client-welcome",
                                           "passive-client-handling-commit",
                                           "passive-client-random"),
                         [](const auto& param_info) {
                           std::string n = param_info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

TEST(Generated, CryptoBasicsOneSuite) {
  json v = generate_crypto_basics(GenerateOptions{uint16_t{4}, 1});
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0]["cipher_suite"], 4);
  EXPECT_MLS_ERROR(generate_crypto_basics(GenerateOptions{uint16_t{9}, 1}), ErrorKind::unsupported,
                   "5.1");
}

TEST(DetectType, FromNames) {
  EXPECT_EQ(detect_type("x/ietf/tree-math.json"), "tree-math");
  EXPECT_EQ(detect_type("x/rfc9180-appendix-a.json"), "hpke");
  EXPECT_EQ(detect_type("x/hpke/anything.json"), "hpke");
  EXPECT_EQ(detect_type("x/crypto-basics.seed7.json"), "crypto-basics");
  EXPECT_EQ(detect_type("x/other.json"), "");
}

}  // namespace
}  // namespace mlsref::conformance
