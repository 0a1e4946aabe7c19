// RFC 9420 §17 IANA Considerations
#include "registries.h"

#include <array>

namespace mlsref {

namespace {

constexpr std::array<RegistryRow, 5> kWireFormats{{
    {0x0001, "mls_public_message", true},
    {0x0002, "mls_private_message", true},
    {0x0003, "mls_welcome", true},
    {0x0004, "mls_group_info", true},
    {0x0005, "mls_key_package", true},
}};

constexpr std::array<RegistryRow, 5> kExtensionTypes{{
    {0x0001, "application_id", true, true, "LN"},
    {0x0002, "ratchet_tree", true, true, "GI"},
    {0x0003, "required_capabilities", true, true, "GC"},
    {0x0004, "external_pub", true, true, "GI"},
    {0x0005, "external_senders", true, true, "GC"},
}};

constexpr std::array<RegistryRow, 7> kProposalTypes{{
    {0x0001, "add", true, true, {}, true, false},
    {0x0002, "update", true, true, {}, false, true},
    {0x0003, "remove", true, true, {}, true, true},
    {0x0004, "psk", true, true, {}, true, false},
    {0x0005, "reinit", true, true, {}, true, false},
    {0x0006, "external_init", true, true, {}, false, true},
    {0x0007, "group_context_extensions", true, true, {}, true, true},
}};

constexpr std::array<RegistryRow, 2> kCredentialTypes{{
    {0x0001, "basic", true},
    {0x0002, "x509", true},
}};

constexpr std::array<std::string_view, 4> kSignatureLabels{
    signature_label::framed_content_tbs, signature_label::leaf_node_tbs,
    signature_label::key_package_tbs, signature_label::group_info_tbs};

constexpr std::array<std::string_view, 2> kEncryptionLabels{encryption_label::update_path_node,
                                                            encryption_label::welcome};

}  // namespace

std::span<const RegistryRow> wire_format_registry() { return kWireFormats; }
std::span<const RegistryRow> extension_type_registry() { return kExtensionTypes; }
std::span<const RegistryRow> proposal_type_registry() { return kProposalTypes; }
std::span<const RegistryRow> credential_type_registry() { return kCredentialTypes; }
std::span<const std::string_view> signature_labels() { return kSignatureLabels; }
std::span<const std::string_view> public_key_encryption_labels() { return kEncryptionLabels; }

bool is_default_type(std::span<const RegistryRow> registry, uint16_t value) {
  for (const auto& row : registry) {
    if (row.value == value) {
      return row.is_default;
    }
  }
  return false;
}

bool is_grease(uint16_t value) {
  // RFC 9420 §13.5: 0x0A0A, 0x1A1A, ... 0xEAEA.
  return (value & 0x0f0f) == 0x0a0a && (value >> 12) == ((value >> 4) & 0x0f) &&
         (value >> 12) <= 0xe;
}

}  // namespace mlsref
