#!/usr/bin/env bash
# The release archive of kubectl-nc for krew (plugins/krew/nc.yaml): the compiled plugin, the
# launcher and the production dependencies, under kubectl-nc/. Prints the archive and its sha256.
#   bash scripts/krew-archive.sh [out-dir]   (default dist/)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-dist}
version=v$(node -p 'require("./package.json").version')
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
npm run build --silent
stage="$work/kubectl-nc"
mkdir -p "$stage/bin"
cp -r dist "$stage/dist"
rm -f "$stage"/dist/*.tar.gz
cp bin/kubectl-nc "$stage/bin/kubectl-nc"
cp package.json package-lock.json "$stage/"
cp -r crds "$stage/crds"
(cd "$stage" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --silent)
# krew links `bin` from the archive's top: a launcher there that runs the one in bin/.
printf '#!/bin/sh\nexec node "$(dirname "$(readlink -f "$0")")/bin/kubectl-nc" "$@"\n' >"$stage/kubectl-nc"
chmod +x "$stage/kubectl-nc"
mkdir -p "$out"
archive="$out/kubectl-nc-$version.tar.gz"
tar -C "$work" -czf "$archive" kubectl-nc
echo "$archive $(sha256sum "$archive" | cut -d' ' -f1)"
