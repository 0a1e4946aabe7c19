// RFC 9420 §8 Key Schedule (the secrets of the key schedule diagram and the
// table "Epoch-Derived Secrets"), §8.4 psk_secret, §7.4 path secrets, §9
// Secret Tree (tree_node_[N]_secret and the ratchet secrets of §9.1).
//
// Every secret of MLS is a byte string of KDF.Nh bytes, and the key schedule
// hands each one to exactly one next step: init_secret to the next epoch's
// Extract, confirmation_key to the confirmation MAC, membership_key to the
// membership MAC, and so on. Passing one where another is expected is a real
// bug (one the test vectors would not all catch), so each role is its own type
// here and a mix-up does not compile. A role holds its bytes in zeroizing
// memory (SecureBytes), is built from bytes only explicitly, is read through
// view(), and compares in constant time.
#pragma once

#include <type_traits>

#include "presentation_language.h"
#include "primitives.h"

namespace mlsref {

// One secret of the role `Role` (a tag type that is never defined).
template <class Role>
class Secret {
 public:
  Secret() = default;
  explicit Secret(SecureBytes bytes) : bytes_(std::move(bytes)) {}
  // A copy of `bytes` (for secrets read from test vectors or tests).
  explicit Secret(ByteView bytes) : bytes_(bytes.begin(), bytes.end()) {}

  ByteView view() const { return bytes_; }
  const SecureBytes& bytes() const { return bytes_; }
  size_t size() const { return bytes_.size(); }
  bool empty() const { return bytes_.empty(); }

  // Constant time in the contents (the lengths are public).
  friend bool operator==(const Secret& a, const Secret& b) {
    return constant_time_equal(a.bytes_, b.bytes_);
  }

  // A wire field holding a secret is `opaque secret<V>` (RFC 9420 §12.4.3.1
  // GroupSecrets.joiner_secret, PathSecret.path_secret): the codec reads and
  // writes it straight into zeroizing memory.
  void encode(Writer& w) const { encode_into(w, bytes_); }
  void decode(Reader& r) { decode_from(r, bytes_); }

 private:
  SecureBytes bytes_;
};

template <class T>
struct is_secret : std::false_type {};
template <class Role>
struct is_secret<Secret<Role>> : std::true_type {};

namespace secret_role {
struct init_secret;
struct commit_secret;
struct psk_secret;
struct joiner_secret;
struct welcome_secret;
struct epoch_secret;
struct path_secret;
struct sender_data_secret;
struct encryption_secret;
struct exporter_secret;
struct external_secret;
struct confirmation_key;
struct membership_key;
struct resumption_psk;
struct epoch_authenticator;
struct tree_node_secret;
struct ratchet_secret;
}  // namespace secret_role

// §8: the chain from one epoch to the next.
using InitSecret = Secret<secret_role::init_secret>;      // init_secret_[n]
using CommitSecret = Secret<secret_role::commit_secret>;  // commit_secret (§7.4: path_secret[n+1])
using PskSecret = Secret<secret_role::psk_secret>;        // psk_secret (§8.4); empty means 0
using JoinerSecret = Secret<secret_role::joiner_secret>;
using WelcomeSecret = Secret<secret_role::welcome_secret>;
using EpochSecret = Secret<secret_role::epoch_secret>;

// §7.4: path_secret[n], the secret of one node of a filtered direct path, from
// which its key pair (node_secret) and the next path secret come. The name
// PathSecret is taken by the wire struct of §12.4.3.1 that carries one of
// these in GroupSecrets (`struct { opaque path_secret<V>; } PathSecret`), so
// the role is named for the algorithm that defines it.
using TreeKemPathSecret = Secret<secret_role::path_secret>;

// §8, table "Epoch-Derived Secrets": DeriveSecret(epoch_secret, <label>).
using SenderDataSecret = Secret<secret_role::sender_data_secret>;     // "sender data"
using EncryptionSecret = Secret<secret_role::encryption_secret>;      // "encryption"
using ExporterSecret = Secret<secret_role::exporter_secret>;          // "exporter"
using ExternalSecret = Secret<secret_role::external_secret>;          // "external"
using ConfirmationKey = Secret<secret_role::confirmation_key>;        // "confirm"
using MembershipKey = Secret<secret_role::membership_key>;            // "membership"
using ResumptionPsk = Secret<secret_role::resumption_psk>;            // "resumption"
using EpochAuthenticator = Secret<secret_role::epoch_authenticator>;  // "authentication"

// §9: tree_node_[N]_secret, from encryption_secret at the root down to the
// leaves; §9.1: handshake_ratchet_secret_[N]_[j] and
// application_ratchet_secret_[N]_[j].
using TreeNodeSecret = Secret<secret_role::tree_node_secret>;
using RatchetSecret = Secret<secret_role::ratchet_secret>;

}  // namespace mlsref
