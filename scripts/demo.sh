#!/usr/bin/env bash
# README command 1: the operator on an embedded default, on a fresh machine.
# Installs what is missing (Debian packages, control-plane binaries built from Go modules,
# npm packages), then runs scripts/demo.ts. Extra arguments go to it (--once: show and stop).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/prepare.sh
exec npm run --silent demo -- "$@"
