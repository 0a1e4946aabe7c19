// `mlsref scenario`: multi-member scripts in the IETF interop test runner's
// config format (../shared/interop/test-runner.go): `{"scripts": {name:
// [step, ...]}}`, each step an object with `action`, `actor` and the action's
// parameters; a parameter naming an earlier step's output is that step's
// index. YAML or JSON (yaml-cpp reads both).
//
// Each script runs for every cipher suite (or --suite) and for handshake
// messages public and private (or one of them), every actor a client of its
// own. Given clients (`--client`), it runs as the upstream runner does: with
// every assignment of the clients to the script's actors (or one random
// assignment), for every suite they all support. Besides what the upstream runner checks (epoch authenticators after
// each commit and join, decrypted plaintexts), after every step the members
// that are in the same epoch of the same group must agree on the epoch
// authenticator, an exported secret and (clients that show it) the tree hash.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>

#include "conformance/client.h"
#include "conformance/runner.h"

namespace mlsref::conformance {

enum class HandshakeMode { both, public_only, private_only };

struct ScenarioOptions {
  std::optional<uint16_t> suite;  // default: every suite all clients support
  HandshakeMode handshake = HandshakeMode::both;
  uint64_t seed = 0;  // the seed of every random choice
  // Where to write passive-client vectors: each run gets one more member, a
  // watcher added by the first createGroup that never sends anything, and
  // its view (key package, private keys, Welcome, then each epoch's
  // proposals, commit and epoch authenticator) becomes a passive-client case
  // in DIR/passive-client-handling-commit.scenario-<file>.json.
  std::optional<std::filesystem::path> emit_passive;
  // With clients: one assignment of clients to actors per run, drawn from
  // `seed`, instead of every assignment.
  bool random_assignment = false;
  // Runs (script, suite, mode) on this many threads, reported in the order of
  // a serial run (in-process clients only: with --client, one at a time).
  size_t jobs = 1;
};

// Makes the client that plays one actor in one run.
using ClientFactory =
    std::function<std::unique_ptr<Client>(const std::string& actor, Botan::RandomNumberGenerator&)>;

// One client of a matrix run: its name (HOST:PORT, or "local") and the
// factory of the Clients that play the actors assigned to it.
struct ClientSpec {
  std::string label;
  ClientFactory make;
};

using ScenarioProgress = std::function<void(const FileResult&, const CaseResult&)>;

// Runs every script of a config file: one case per script, suite and
// handshake mode, named "script (public)". A config that cannot be read or
// parsed throws InputError. `progress` is called after each case.
FileResult run_scenario_file(const std::filesystem::path& file, const ScenarioOptions& options,
                             const ClientFactory& make_client,
                             const ScenarioProgress& progress = {});

// The same with the actors played by `clients` (at least one), in the
// upstream runner's matrix: for each suite all of them support, each
// handshake mode and each assignment (in order: the actors sorted by name,
// the first one's client varying slowest), one case named
// "script (public) alice=127.0.0.1:50051 bob=local". The watcher of
// --emit-passive is a live_local_clients() client. A client that does not
// answer SupportedCiphersuites throws InputError.
FileResult run_scenario_file(const std::filesystem::path& file, const ScenarioOptions& options,
                             const std::vector<ClientSpec>& clients,
                             const ScenarioProgress& progress = {});

// The time every in-process client of a scenario reads: 2026-01-01T00:00:00Z.
inline constexpr uint64_t kScenarioClock = 1767225600;

// The factory of in-process mlsref clients (LocalClient), all on kScenarioClock.
ClientFactory local_clients();

// In-process mlsref clients on the system clock, to play next to remote
// clients (whose key packages' lifetimes start now).
ClientFactory live_local_clients();

}  // namespace mlsref::conformance
