// RFC 9420 §13.5 GREASE: the reserved values a client of ours scatters into
// the fields a correct receiver ignores, so that receivers that reject
// unknown values are caught; and the capabilities a leaf of ours advertises
// (§7.2), GREASE-free when we compare them against anything ourselves.
#pragma once

#include <botan/rng.h>

#include <span>

#include "leaf_node.h"
#include "proposals.h"

namespace mlsref {

class CipherSuite;

// The 15 GREASE values of every §17 registry, 0x0A0A ... 0xEAEA.
std::span<const uint16_t> grease_values();

// §7.2: what a leaf of ours lists. `given` is the application's (nullopt: it
// gave none); each of its empty lists is filled with everything mlsref
// supports (version mls10, the seven cipher suites of §17.1, basic and x509
// credentials), and the types of the non-default extensions in
// `extensions_carried` (the leaf's and, for a KeyPackage, the KeyPackage's own)
// are added to `extensions`. GREASE values in `given` (an application that
// hands back a leaf's capabilities) are dropped: add_grease draws them afresh.
// Error when `given` lists a default type, or a version or cipher suite mlsref
// does not implement.
Capabilities own_capabilities(const std::optional<Capabilities>& given,
                              CredentialType own_credential_type,
                              std::span<const Extension> extensions_carried);

// §13.5: one or two random GREASE values in each of cipher_suites,
// extensions, proposals and credentials.
void add_grease(Capabilities& capabilities, Botan::RandomNumberGenerator& rng);
// A GREASE extension of a type not already in `extensions`, appended to it,
// and its type added to `list_in`'s extensions when given (§7.2, §10: a
// leaf's and a KeyPackage's extension types are listed in the leaf's
// capabilities). `random_data`: 0-16 random bytes of extension_data
// (KeyPackage and GroupInfo extensions); otherwise empty (LeafNode extensions).
void add_grease_extension(std::vector<Extension>& extensions, Capabilities* list_in,
                          bool random_data, Botan::RandomNumberGenerator& rng);

// Our leaf's capabilities: own_capabilities of `given`, the leaf's credential
// type and extensions and `also_carried` (a KeyPackage's extensions); when
// `grease`, GREASE values in them and a GREASE extension in the leaf's
// extensions (unless it has one). Error for a GREASE credential type.
void set_own_capabilities(LeafNode& leaf, const std::optional<Capabilities>& given, bool grease,
                          Botan::RandomNumberGenerator& rng,
                          std::span<const Extension> also_carried = {});

// §13.5: a leaf of ours as we represent our own capabilities to ourselves:
// without the GREASE values we advertise to others.
LeafNode without_grease(LeafNode own_leaf);

// §13.5: Error when a value we are about to send in a field that must not
// carry GREASE (a proposal type, a credential type, GroupContext extensions)
// is a GREASE value. `field` names the field.
void check_not_grease(uint16_t value, std::string_view field);
void check_not_grease(std::span<const Extension> extensions, std::string_view field);
// A proposal we are about to send: its type, and a GroupContextExtensions'
// extension types.
void check_not_grease(const Proposal& proposal);

}  // namespace mlsref
