#!/usr/bin/env bash
# For machines without ../shared: fills vectors/ietf/ (mlswg/mls-implementations
# at the pinned commit, checked against vectors/manifest.json), interop/upstream/
# (the interop harness's mls_client.proto from the same commit, for
# `mlsref serve` and `mlsref scenario --client`), vectors/hpke/
# (the CFRG HPKE test vectors), spec/upstream/rfc9420.md (RFC 9420's markdown
# source, mlswg/mls-protocol at the commit of the final RFC) and
# spec/upstream/rfc9180.md (RFC 9180's, cfrg/draft-irtf-cfrg-hpke at b1f7cb0),
# both for `mlsref requirements`. Needs git, sha256sum and internet access.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
commit=cfd450286d1b
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

git clone -q https://github.com/mlswg/mls-implementations "$tmp/mls"
git -C "$tmp/mls" checkout -q "$commit"
mkdir -p "$top/vectors/ietf"
cp "$tmp"/mls/test-vectors/*.json "$top/vectors/ietf/"

# The MLSClient gRPC service, read in place by the build (never copied into
# the sources); the same bytes as ../shared/interop/mls_client.proto.
mkdir -p "$top/interop/upstream"
cp "$tmp/mls/interop/proto/mls_client.proto" "$top/interop/upstream/mls_client.proto"
proto_sum=33af7dce205df83470f420b396541f42874c9bcc73b1cb16fb75899cf1e4c096
if [ "$(sha256sum "$top/interop/upstream/mls_client.proto" | cut -d' ' -f1)" != "$proto_sum" ]; then
  echo "fetch-vectors: interop/upstream/mls_client.proto does not match the pinned sha256" >&2
  exit 1
fi

git clone -q --depth 1 https://github.com/cfrg/draft-irtf-cfrg-hpke "$tmp/hpke"
mkdir -p "$top/vectors/hpke"
cp "$tmp/hpke/test-vectors.json" "$top/vectors/hpke/test-vectors.json"

git clone -q https://github.com/mlswg/mls-protocol "$tmp/rfc"
git -C "$tmp/rfc" checkout -q 1a441b8
mkdir -p "$top/spec/upstream"
cp "$tmp/rfc/draft-ietf-mls-protocol.md" "$top/spec/upstream/rfc9420.md"
rfc_sum=ec352c31f3db23e50f3a3a1c871a32217cedc829dfe5871783c932994f17c4a9
if [ "$(sha256sum "$top/spec/upstream/rfc9420.md" | cut -d' ' -f1)" != "$rfc_sum" ]; then
  echo "fetch-vectors: spec/upstream/rfc9420.md does not match the pinned sha256" >&2
  exit 1
fi

git clone -q https://github.com/cfrg/draft-irtf-cfrg-hpke "$tmp/hpke-rfc"
git -C "$tmp/hpke-rfc" checkout -q b1f7cb0
cp "$tmp/hpke-rfc/draft-irtf-cfrg-hpke.md" "$top/spec/upstream/rfc9180.md"
rfc9180_sum=f9f49415a801e264f37eb518f70d7d45ed1d2e3c60533816d1039f61969bfeaf
if [ "$(sha256sum "$top/spec/upstream/rfc9180.md" | cut -d' ' -f1)" != "$rfc9180_sum" ]; then
  echo "fetch-vectors: spec/upstream/rfc9180.md does not match the pinned sha256" >&2
  exit 1
fi

# Every pinned file must match its sha256 in the manifest.
bad=0
while read -r name sum; do
  actual=$(sha256sum "$top/vectors/ietf/$name" | cut -d' ' -f1)
  if [ "$actual" != "$sum" ]; then
    echo "fetch-vectors: $name does not match the pinned sha256" >&2
    bad=1
  fi
done < <(sed -n '/"ietf"/,/}/p' "$top/vectors/manifest.json" | grep -oE '"[a-z_-]+\.json": "[0-9a-f]{64}"' | tr -d '":,' )
[ $bad -eq 0 ] || exit 1
echo "fetch-vectors: vectors/ietf, vectors/hpke, interop/upstream and spec/upstream are ready"
