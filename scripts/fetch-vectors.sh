#!/usr/bin/env bash
# For machines without ../shared: fills vectors/ietf/ (mlswg/mls-implementations
# at the pinned commit, checked against vectors/manifest.json) and vectors/hpke/
# (the CFRG HPKE test vectors). Needs git, sha256sum and internet access.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
commit=cfd450286d1b
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

git clone -q https://github.com/mlswg/mls-implementations "$tmp/mls"
git -C "$tmp/mls" checkout -q "$commit"
mkdir -p "$top/vectors/ietf"
cp "$tmp"/mls/test-vectors/*.json "$top/vectors/ietf/"

git clone -q --depth 1 https://github.com/cfrg/draft-irtf-cfrg-hpke "$tmp/hpke"
mkdir -p "$top/vectors/hpke"
cp "$tmp/hpke/test-vectors.json" "$top/vectors/hpke/test-vectors.json"

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
echo "fetch-vectors: vectors/ietf and vectors/hpke are ready"
