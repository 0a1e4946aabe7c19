#!/usr/bin/env bash
# The upstream IETF test runner (Go) against two `mlsref serve` processes:
#   upstream-runner.sh MLSREF PROTO RUNNER_GO WORK CONFIG...
# builds RUNNER_GO (interop/test-runner/main.go of mls-implementations, read
# where it lies) offline with Debian's Go packages in GOPATH mode, with the
# Go code of PROTO generated into WORK, then runs it on each CONFIG with
# both servers (every assignment, every suite, public and private).
# Needs golang-go, golang-google-grpc-dev, golang-github-golang-protobuf-1-5-dev,
# golang-google-protobuf-dev, golang-github-google-uuid-dev, protoc-gen-go and
# protoc-gen-go-grpc.
set -eu
mlsref=$1
proto=$2
runner_go=$3
work=$4
shift 4
here=$(cd "$(dirname "$0")" && pwd)

mkdir -p "$work/gopath/src"
protoc -I "$(dirname "$proto")" --go_out="$work/gopath/src" --go_opt=paths=import \
  --go-grpc_out="$work/gopath/src" --go-grpc_opt=paths=import "$proto"
GO111MODULE=off GOPATH="$work/gopath:/usr/share/gocode" GOCACHE="$work/gocache" GOPROXY=off \
  GOFLAGS= go build -o "$work/test-runner" "$runner_go"

configs=("$@")
# The runner exits 1 when a run failed; its JSON results say which.
"$here/live.sh" "$mlsref" 2 bash -c '
  runner=$1; work=$2; a=$3; b=$4; shift 4
  status=0
  for config in "$@"; do
    out="$work/$(basename "$config" .json).results.json"
    if "$runner" -quiet -client "$a" -client "$b" -config "$config" >"$out"; then
      echo "upstream runner: $config passed"
    else
      "$runner" -client "$a" -client "$b" -config "$config" -fail-fast | grep -m 3 "\"error\"" >&2
      echo "upstream runner: $config FAILED" >&2
      status=1
    fi
  done
  exit $status' upstream "$work/test-runner" "$work" @1@ @2@ "${configs[@]}"
