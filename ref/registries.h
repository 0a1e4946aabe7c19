// RFC 9420 §17 IANA Considerations: the registries the code uses, as tables.
// spec/registries.yaml renders the same registries; tests/registries_test.cpp
// checks the two against each other in both directions.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace mlsref {

// One row of the wire format, extension, proposal or credential registry.
struct RegistryRow {
  uint16_t value;
  std::string_view name;
  bool recommended;
  // §7.2: implemented by every client; MUST NOT be listed in Capabilities.
  bool is_default = false;
  // Extension types: the messages it may appear in ("LN", "GI", "GC", "KP").
  std::string_view messages = {};
  // Proposal types: may come from an external sender / requires a path.
  bool external = false;
  bool path_required = false;
};

std::span<const RegistryRow> wire_format_registry();      // §17.2
std::span<const RegistryRow> extension_type_registry();   // §17.3
std::span<const RegistryRow> proposal_type_registry();    // §17.4
std::span<const RegistryRow> credential_type_registry();  // §17.5

// §7.2: whether `value` is a "default" type of `registry` (implemented by
// every client, never listed in Capabilities).
bool is_default_type(std::span<const RegistryRow> registry, uint16_t value);

// §13.5 GREASE values: 0x0A0A, 0x1A1A, ..., 0xEAEA.
bool is_grease(uint16_t value);
// 0xF000 - 0xFFFF in every registry of §17.
constexpr bool is_private_use(uint16_t value) { return value >= 0xF000; }

// §17.6 MLS Signature Labels (the Label of SignWithLabel).
namespace signature_label {
inline constexpr std::string_view framed_content_tbs = "FramedContentTBS";
inline constexpr std::string_view leaf_node_tbs = "LeafNodeTBS";
inline constexpr std::string_view key_package_tbs = "KeyPackageTBS";
inline constexpr std::string_view group_info_tbs = "GroupInfoTBS";
}  // namespace signature_label
std::span<const std::string_view> signature_labels();

// §17.7 MLS Public Key Encryption Labels (the Label of EncryptWithLabel).
namespace encryption_label {
inline constexpr std::string_view update_path_node = "UpdatePathNode";
inline constexpr std::string_view welcome = "Welcome";
}  // namespace encryption_label
std::span<const std::string_view> public_key_encryption_labels();

}  // namespace mlsref
