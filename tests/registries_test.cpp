// spec/registries.yaml (RFC 9420 §17) against ref/'s own tables, both ways.
#include "ref/registries.h"

#include <yaml-cpp/yaml.h>

#include <map>
#include <set>

#include "ref/cipher_suite.h"
#include "tests/test_util.h"

namespace mlsref {
namespace {

YAML::Node spec() {
  return YAML::LoadFile(std::string(MLSREF_SOURCE_DIR) + "/spec/registries.yaml");
}

uint16_t hex16(const YAML::Node& n) {
  return static_cast<uint16_t>(std::stoul(n.as<std::string>(), nullptr, 16));
}

std::string hash_name(HashAlg h) {
  switch (h) {
    case HashAlg::sha256:
      return "SHA256";
    case HashAlg::sha384:
      return "SHA384";
    case HashAlg::sha512:
      return "SHA512";
  }
  return "?";
}

TEST(Registries, CipherSuitesBothWays) {
  YAML::Node entries = spec()["cipher_suites"]["entries"];
  std::set<uint16_t> in_spec;
  for (const auto& e : entries) {
    uint16_t id = hex16(e["value"]);
    in_spec.insert(id);
    const CipherSuiteInfo* info = find_cipher_suite(id);
    ASSERT_NE(info, nullptr) << "suite " << id << " of the spec is not in the code";
    EXPECT_EQ(info->name, e["name"].as<std::string>());
    EXPECT_EQ(static_cast<uint16_t>(info->kem), hex16(e["kem"])) << info->name;
    EXPECT_EQ(static_cast<uint16_t>(info->kdf), hex16(e["kdf"])) << info->name;
    EXPECT_EQ(static_cast<uint16_t>(info->aead), hex16(e["aead"])) << info->name;
    EXPECT_EQ(hash_name(info->hash), e["hash"].as<std::string>()) << info->name;
    EXPECT_EQ(to_string(info->signature), e["signature"].as<std::string>()) << info->name;
  }
  for (const auto& info : cipher_suites()) {
    EXPECT_TRUE(in_spec.count(info.id)) << "suite " << info.id << " is not in the spec";
  }
}

void check_registry(const std::string& key, std::span<const RegistryRow> code) {
  YAML::Node reg = spec()[key];
  ASSERT_TRUE(reg) << key;
  std::map<uint16_t, YAML::Node> in_spec;
  for (const auto& e : reg["entries"]) {
    in_spec.emplace(hex16(e["value"]), static_cast<const YAML::Node&>(e));
  }
  EXPECT_EQ(in_spec.size(), code.size()) << key;
  for (const auto& row : code) {
    auto it = in_spec.find(row.value);
    ASSERT_NE(it, in_spec.end()) << key << " " << row.name << " is not in the spec";
    const YAML::Node& e = it->second;
    EXPECT_EQ(e["name"].as<std::string>(), row.name) << key;
    EXPECT_EQ(e["recommended"].as<bool>(), row.recommended) << key << " " << row.name;
    EXPECT_EQ(e["default"] ? e["default"].as<bool>() : false, row.is_default)
        << key << " " << row.name;
    if (e["messages"]) {
      std::string joined;
      for (const auto& m : e["messages"]) {
        joined += (joined.empty() ? "" : ",") + m.as<std::string>();
      }
      EXPECT_EQ(joined, row.messages) << key << " " << row.name;
    }
    if (e["external"]) {
      EXPECT_EQ(e["external"].as<bool>(), row.external) << key << " " << row.name;
      EXPECT_EQ(e["path_required"].as<bool>(), row.path_required) << key << " " << row.name;
    }
  }
}

TEST(Registries, WireFormats) { check_registry("wire_formats", wire_format_registry()); }
TEST(Registries, ExtensionTypes) { check_registry("extension_types", extension_type_registry()); }
TEST(Registries, ProposalTypes) { check_registry("proposal_types", proposal_type_registry()); }
TEST(Registries, CredentialTypes) {
  check_registry("credential_types", credential_type_registry());
}

void check_labels(const std::string& key, std::span<const std::string_view> code) {
  std::set<std::string> in_spec, in_code(code.begin(), code.end());
  for (const auto& e : spec()[key]["entries"]) {
    in_spec.insert(e["label"].as<std::string>());
  }
  EXPECT_EQ(in_spec, in_code) << key;
}

TEST(Registries, SignatureLabels) { check_labels("signature_labels", signature_labels()); }
TEST(Registries, EncryptionLabels) {
  check_labels("public_key_encryption_labels", public_key_encryption_labels());
}

TEST(Registries, Grease) {
  std::set<uint16_t> in_spec;
  for (const auto& v : spec()["grease"]) {
    in_spec.insert(hex16(v));
  }
  EXPECT_EQ(in_spec.size(), 15u);
  for (uint32_t v = 0; v <= 0xffff; ++v) {
    EXPECT_EQ(is_grease(static_cast<uint16_t>(v)), in_spec.count(static_cast<uint16_t>(v)) == 1)
        << v;
  }
}

}  // namespace
}  // namespace mlsref
