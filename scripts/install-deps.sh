#!/usr/bin/env bash
# Installs the Debian 12 packages mlsref needs, only those that are missing.
# A second run finds nothing missing and does nothing.
set -euo pipefail

packages=(
  build-essential cmake
  libbotan-2-dev        # all crypto Botan 2 has
  libssl-dev            # X448 and Ed448 (Botan 2 lacks them), and where measured faster (README "Benchmarks")
  libgtest-dev googletest
  librapidcheck-dev
  libyaml-cpp-dev
  nlohmann-json3-dev
  clang libclang-rt-14-dev   # libFuzzer and sanitizers
  libbenchmark-dev
  # mlsref serve / scenario --client: the IETF interop harness's MLSClient
  # gRPC service (protoc and the gRPC C++ plugin generate its code at build time)
  libgrpc++-dev protobuf-compiler-grpc protobuf-compiler libprotobuf-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
# A fresh machine's apt knows no packages until the lists are fetched.
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
