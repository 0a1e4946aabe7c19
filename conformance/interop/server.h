// `mlsref serve`: mlsref as an interop client of the IETF MLS harness, i.e. a
// gRPC server of the MLSClient service (mls_client.proto) that any test
// runner can drive, `mlsref scenario --client` or the upstream test-runner.
#pragma once

#include <cstdint>
#include <string>

namespace mlsref::conformance {

// Serves every RPC of MLSClient on HOST:PORT (port 0: a free port) with one
// LocalClient, one call at a time. Prints "mlsref serve: listening on
// HOST:PORT" once bound. Returns 0 after SIGINT or SIGTERM (it blocks both
// and waits for them), 2 when it cannot listen.
int serve(const std::string& host, uint16_t port);

}  // namespace mlsref::conformance
