// RFC 9420 §6.3 PrivateMessage protection and the §9.2 deletion schedule:
// the key and nonce of a generation never land in memory that is freed
// without being wiped.
//
// This executable replaces the global operator new and delete (which is why
// these tests have an executable of their own): every block freed through
// operator delete while a watch is armed is searched for the bytes of a key
// or nonce. Zeroizing buffers (SecureBytes, Botan's secure_vector) neither
// take nor give back memory through operator new and delete, and they wipe
// it; so a watched value found in a freed block is a copy that outlived its
// use in plain memory.
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>

#include "ref/framing.h"
#include "tests/test_util.h"

namespace {

// Each block carries its size in a header of this many bytes (keeping
// operator new's alignment).
constexpr size_t kHeader = alignof(std::max_align_t);

struct Watch {
  std::atomic<bool> armed{false};
  // The watched values (at most two), each at most 64 bytes.
  uint8_t values[2][64]{};
  size_t sizes[2]{};
  std::atomic<int> found[2]{};
};
Watch watch;

void scan(const uint8_t* p, size_t n) {
  for (int v = 0; v < 2; ++v) {
    size_t k = watch.sizes[v];
    if (k == 0 || n < k) {
      continue;
    }
    if (std::search(p, p + n, watch.values[v], watch.values[v] + k) != p + n) {
      watch.found[v].fetch_add(1);
    }
  }
}

}  // namespace

void* operator new(size_t n) {
  void* base = std::malloc(n + kHeader);
  if (base == nullptr) {
    throw std::bad_alloc();
  }
  *static_cast<size_t*>(base) = n;
  return static_cast<char*>(base) + kHeader;
}

void operator delete(void* p) noexcept {
  if (p == nullptr) {
    return;
  }
  char* base = static_cast<char*>(p) - kHeader;
  if (watch.armed.load()) {
    scan(static_cast<const uint8_t*>(p), *reinterpret_cast<size_t*>(base));
  }
  std::free(base);
}

void operator delete(void* p, size_t) noexcept { operator delete(p); }

namespace mlsref {
namespace {

// Arms the watch for `a` and `b` while it lives.
class Watching {
 public:
  Watching(ByteView a, ByteView b) {
    set(0, a);
    set(1, b);
    watch.armed = true;
  }
  ~Watching() { watch.armed = false; }
  int found(int v) const { return watch.found[v].load(); }

 private:
  static void set(int v, ByteView value) {
    size_t k = std::min<size_t>(value.size(), sizeof watch.values[v]);
    if (k > 0) {  // an empty value may have no data pointer
      std::memcpy(watch.values[v], value.data(), k);
    }
    watch.sizes[v] = k;
    watch.found[v] = 0;
  }
};

struct Fixture {
  CipherSuite suite{1};
  GroupContext context{mls10, 1, to_bytes("group"), 7, Bytes(32, 4), Bytes(32, 5), {}};
  SecureBytes signature_private_key = suite.generate_signature_key(system_rng());
  Bytes signature_public_key = suite.signature_public_key(signature_private_key);
  EncryptionSecret encryption_secret{Bytes(32, 1)};
  SenderDataSecret sender_data_secret{Bytes(32, 2)};

  SecretTree tree() const { return SecretTree(suite, LeafCount(2), encryption_secret); }
  FramedContent application(ByteView data) const {
    FramedContent c;
    c.group_id = context.group_id;
    c.epoch = context.epoch;
    c.sender = Sender::member(1);
    c.content_type = ContentType::application;
    c.application_data.assign(data.begin(), data.end());
    return c;
  }
};

// The watch itself: a plain copy of a watched value is seen when freed, a
// zeroizing one is not.
TEST(Framing, TheWatchSeesPlainCopiesOnly) {
  SecureBytes secret(32, 0x5a);
  {
    Watching w(secret, {});
    { SecureBytes wiped(secret); }
    EXPECT_EQ(w.found(0), 0);
    { Bytes plain(secret.begin(), secret.end()); }
    EXPECT_EQ(w.found(0), 1);
  }
}

// The last Nn-4 bytes of ratchet_nonce: the reuse guard changes only the first four.
ByteView unguarded_part(const KeyAndNonce& kn) { return ByteView(kn.nonce).subspan(4); }

TEST(Framing, ProtectPrivateLeavesNoCopyOfTheKeyOrNonceInPlainMemory) {
  Fixture f;
  SecretTree twin = f.tree();
  KeyAndNonce expected = twin.get(LeafIndex(1), RatchetType::application, 0);
  SecretTree tree = f.tree();
  FramedContent content = f.application(to_bytes("hello"));
  {
    Watching w(expected.key, unguarded_part(expected));
    PrivateMessage m = protect_private(f.suite, content, f.signature_private_key, f.context, tree,
                                       f.sender_data_secret, system_rng());
    // RFC 9420 §9.2 [R9.2-1]
    //    As soon as a group member consumes a value, they MUST immediately delete
    //    (all representations of) that value.
    EXPECT_EQ(w.found(0), 0) << "a copy of ratchet_key was freed without being wiped";
    EXPECT_EQ(w.found(1), 0) << "a copy of ratchet_nonce was freed without being wiped";
  }
}

TEST(Framing, UnprotectPrivateLeavesNoCopyOfTheKeyOrNonceInPlainMemory) {
  Fixture f;
  SecretTree sender = f.tree();
  PrivateMessage m = protect_private(f.suite, f.application(to_bytes("hello")),
                                     f.signature_private_key, f.context, sender,
                                     f.sender_data_secret, system_rng());
  SecretTree twin = f.tree();
  KeyAndNonce expected = twin.get(LeafIndex(1), RatchetType::application, 0);
  SecretTree receiver = f.tree();
  {
    Watching w(expected.key, unguarded_part(expected));
    AuthenticatedContent ac =
        unprotect_private(f.suite, m, f.context, receiver, f.sender_data_secret,
                          [&](LeafIndex) { return f.signature_public_key; });
    EXPECT_EQ(ac.content.application_data, to_bytes("hello"));
    EXPECT_EQ(w.found(0), 0) << "a copy of ratchet_key was freed without being wiped";
    EXPECT_EQ(w.found(1), 0) << "a copy of ratchet_nonce was freed without being wiped";
  }
}

}  // namespace
}  // namespace mlsref
