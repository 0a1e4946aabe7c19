// The other side of the IETF interop harness: a Client (client.h) that is an
// MLSClient gRPC server in another process (any MLS implementation's interop
// client, or `mlsref serve`), reached through the stub protoc generates from
// mls_client.proto. `mlsref scenario --client HOST:PORT` plays actors with it.
//
// Every RPC has a deadline. A failed RPC throws: UNIMPLEMENTED as
// mlsref::Error{ErrorKind::unsupported} (the scenario counts the run as
// unsupported, not failed), anything else as std::runtime_error; both
// messages read "HOST:PORT RpcName: STATUS_CODE: the server's message".
//
// Only the RPCs exist remotely: view() shows nothing (std::nullopt), and of
// mlsref's key-update extras only self_update() has an RPC form (a Commit with
// force_path and no proposals); the other two throw unsupported.
#pragma once

#include <chrono>
#include <string>

#include "conformance/scenario.h"

namespace mlsref::conformance {

// The factory of clients at `target` (HOST:PORT); every Client it makes shares
// one channel, opened on the first call.
ClientFactory remote_clients(const std::string& target,
                             std::chrono::seconds deadline = std::chrono::seconds(30));

}  // namespace mlsref::conformance
