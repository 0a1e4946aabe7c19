// RFC 9420 §13.5 GREASE, and the capabilities of our own leaves (§7.2).
#include "grease.h"

#include <algorithm>

#include "cipher_suite.h"
#include "credential.h"
#include "error.h"
#include "registries.h"
#include "requirement_ids.h"
#include "rule_switch.h"

namespace mlsref {

namespace {

constexpr std::array<uint16_t, 15> kGrease{0x0A0A, 0x1A1A, 0x2A2A, 0x3A3A, 0x4A4A,
                                           0x5A5A, 0x6A6A, 0x7A7A, 0x8A8A, 0x9A9A,
                                           0xAAAA, 0xBABA, 0xCACA, 0xDADA, 0xEAEA};

template <class T>
void add_once(std::vector<T>& v, T x) {
  if (std::find(v.begin(), v.end(), x) == v.end()) {
    v.push_back(x);
  }
}

uint16_t random_grease(Botan::RandomNumberGenerator& rng) {
  return kGrease[rng.next_byte() % kGrease.size()];
}

// One or two GREASE values not yet in `v`.
template <class T>
void scatter(std::vector<T>& v, Botan::RandomNumberGenerator& rng) {
  size_t n = 1 + rng.next_byte() % 2;
  for (size_t i = 0; i < n; ++i) {
    add_once(v, static_cast<T>(random_grease(rng)));
  }
}

template <class T>
void drop_grease(std::vector<T>& v) {
  v.erase(std::remove_if(v.begin(), v.end(), [](T x) { return is_grease(x); }), v.end());
}

}  // namespace

std::span<const uint16_t> grease_values() { return kGrease; }

// Receiving: nothing in ref/ asks is_grease() of a value another client sent;
// GREASE values go through the checks every unknown value goes through
// (tests/grease_test.cpp shows both giving the same result).
// RFC 9420 §13.5 [R13.5-5]
//    Clients MUST NOT implement any special processing rules for how to handle these
//    values when receiving them, since this negates their utility for detecting
//    extensibility failures.
// RFC 9420 §13.5 [R13.5-6]
//    GREASE values MUST be handled using normal logic for processing unsupported
//    values.

Capabilities own_capabilities(const std::optional<Capabilities>& given,
                              CredentialType own_credential_type,
                              std::span<const Extension> extensions_carried) {
  Capabilities caps = given.value_or(Capabilities{});
  drop_grease(caps.versions);
  drop_grease(caps.cipher_suites);
  drop_grease(caps.extensions);
  drop_grease(caps.proposals);
  drop_grease(caps.credentials);
  // RFC 9420 §7.2 [R7.2-1]
  //    The following proposal and extension types are considered "default" and MUST NOT be
  //    listed:
  for (ExtensionType t : caps.extensions) {
    if (is_default_type(extension_type_registry(), t) && enforced(req::R7_2_1)) {
      throw Error(ErrorKind::protocol, req::R7_2_1,
                  "capabilities list the default extension type " + std::to_string(t));
    }
  }
  for (ProposalType t : caps.proposals) {
    if (is_default_type(proposal_type_registry(), t) && enforced(req::R7_2_1)) {
      throw Error(ErrorKind::protocol, req::R7_2_1,
                  "capabilities list the default proposal type " + std::to_string(t));
    }
  }
  // RFC 9420 §13.4 [R13.4-2]
  //    A client that posts a KeyPackage MUST support all parameters advertised in it.
  // The versions and cipher suites are mlsref's to implement; extension,
  // proposal and credential types are the application's to support, since it
  // interprets them (custom proposals, extension contents, credential checks).
  for (ProtocolVersion v : caps.versions) {
    if (v != mls10 && enforced(req::R13_4_2)) {
      throw Error(ErrorKind::unsupported, req::R13_4_2,
                  "capabilities list protocol version " + std::to_string(v) +
                      ", which mlsref does not implement");
    }
  }
  for (CipherSuiteId s : caps.cipher_suites) {
    if (!find_cipher_suite(s) && enforced(req::R13_4_2)) {
      throw Error(ErrorKind::unsupported, req::R13_4_2,
                  "capabilities list cipher suite " + std::to_string(s) +
                      ", which mlsref does not implement");
    }
  }
  // RFC 9420 §7.2 [R7.2-2]
  //    The client MUST list all values for the respective parameters that it supports.
  if (caps.versions.empty()) {
    caps.versions = {mls10};
  }
  if (caps.cipher_suites.empty()) {
    for (const auto& s : cipher_suites()) {
      caps.cipher_suites.push_back(s.id);
    }
  }
  if (caps.credentials.empty()) {
    caps.credentials = {credential_type::basic, credential_type::x509};
  }
  add_once(caps.credentials, own_credential_type);
  // RFC 9420 §10 [R10-8]
  //    Extensions included in the `extensions` or `leaf_node.extensions` fields MUST be
  //    included in the `leaf_node.capabilities` field.
  for (const Extension& e : extensions_carried) {
    if (!is_default_type(extension_type_registry(), e.extension_type)) {
      add_once(caps.extensions, e.extension_type);
    }
  }
  return caps;
}

// RFC 9420 §13.5 [R13.5-1]
//    When generating the following fields, an MLS client SHOULD include a random
//    selection of values chosen from these GREASE values:
//    * `LeafNode.capabilities.cipher_suites`
//    * `LeafNode.capabilities.extensions`
//    * `LeafNode.capabilities.proposals`
//    * `LeafNode.capabilities.credentials`
void add_grease(Capabilities& capabilities, Botan::RandomNumberGenerator& rng) {
  scatter(capabilities.cipher_suites, rng);
  scatter(capabilities.extensions, rng);
  scatter(capabilities.proposals, rng);
  scatter(capabilities.credentials, rng);
}

// RFC 9420 §13.5: the rest of the list of R13.5-1
//    * `LeafNode.extensions`
//    * `KeyPackage.extensions`
//    * `GroupInfo.extensions`
// RFC 9420 §13.5 [R13.5-2]
//    For the KeyPackage and GroupInfo extensions, the `extension_data` for GREASE
//    extensions MAY have any contents selected by the sender, since they will be
//    ignored by a correctly implemented receiver.
void add_grease_extension(std::vector<Extension>& extensions, Capabilities* list_in,
                          bool random_data, Botan::RandomNumberGenerator& rng) {
  ExtensionType type = random_grease(rng);
  for (size_t tries = 0; tries < kGrease.size(); ++tries) {
    bool taken = std::any_of(extensions.begin(), extensions.end(),
                             [&](const Extension& e) { return e.extension_type == type; });
    if (!taken) {
      break;
    }
    type = kGrease[(std::find(kGrease.begin(), kGrease.end(), type) - kGrease.begin() + 1) %
                   kGrease.size()];
  }
  Bytes data;
  if (random_data) {
    data.resize(rng.next_byte() % 17);
    rng.randomize(data.data(), data.size());
  }
  extensions.push_back(Extension{type, std::move(data)});
  if (list_in != nullptr) {
    add_once(list_in->extensions, type);
  }
}

void set_own_capabilities(LeafNode& leaf, const std::optional<Capabilities>& given, bool grease,
                          Botan::RandomNumberGenerator& rng,
                          std::span<const Extension> also_carried) {
  check_not_grease(leaf.credential.credential_type, "Credential.credential_type");
  std::vector<Extension> carried = leaf.extensions;
  carried.insert(carried.end(), also_carried.begin(), also_carried.end());
  leaf.capabilities = own_capabilities(given, leaf.credential.credential_type, carried);
  if (grease) {
    add_grease(leaf.capabilities, rng);
    bool has_grease = std::any_of(leaf.extensions.begin(), leaf.extensions.end(),
                                  [](const Extension& e) { return is_grease(e.extension_type); });
    if (!has_grease) {
      add_grease_extension(leaf.extensions, &leaf.capabilities, false, rng);
    }
  }
}

// RFC 9420 §13.5 [R13.5-7]
//    When comparing lists of capabilities to identify mutually supported
//    capabilities, clients MUST represent their own capabilities with a list
//    containing only the capabilities actually supported, without any GREASE values.
// RFC 9420 §13.5 [R13.5-8]
//    In other words, lists including GREASE values are only sent to other clients;
//    representations of a client's own capabilities MUST NOT contain GREASE values.
LeafNode without_grease(LeafNode own_leaf) {
  drop_grease(own_leaf.capabilities.cipher_suites);
  drop_grease(own_leaf.capabilities.extensions);
  drop_grease(own_leaf.capabilities.proposals);
  drop_grease(own_leaf.capabilities.credentials);
  return own_leaf;
}

// RFC 9420 §13.5 [R13.5-3]
//    GREASE values MUST NOT be sent in the following fields, because an unsupported
//    value in one these fields (including a GREASE value) will cause the enclosing
//    message to be rejected:
//    * `Proposal.proposal_type`
//    * `Credential.credential_type`
//    * `GroupContext.extensions`
//    * `GroupContextExtensions.extensions`
// RFC 9420 §13.5 [R13.5-4]
//    These values MUST only appear in the fields listed above, and not, for example, in
//    the `proposal_type` field of a Proposal.
void check_not_grease(uint16_t value, std::string_view field) {
  if (is_grease(value) && enforced(req::R13_5_3)) {
    throw Error(
        ErrorKind::protocol, req::R13_5_3,
        "refusing to send the GREASE value " + std::to_string(value) + " as " + std::string(field));
  }
}

void check_not_grease(std::span<const Extension> extensions, std::string_view field) {
  for (const Extension& e : extensions) {
    check_not_grease(e.extension_type, field);
  }
}

void check_not_grease(const Proposal& proposal) {
  check_not_grease(proposal.proposal_type(), "Proposal.proposal_type");
  if (const auto* gce = std::get_if<GroupContextExtensions>(&proposal.body)) {
    check_not_grease(gce->extensions, "GroupContextExtensions.extensions");
  }
}

}  // namespace mlsref
