#!/usr/bin/env bash
# README command 1: the operator on an embedded default, on a fresh machine.
# Installs what is missing (Debian packages, control-plane binaries built from Go modules,
# npm packages), then runs scripts/demo.ts. Extra arguments go to it (--once: show and stop).
# Node is run directly, not through npm: on Ctrl-C the demo cleans up itself (it deletes the
# examples first), and npm would exit at once and hand the terminal back in the middle of it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/prepare.sh
node_modules/.bin/node scripts/check-node.mjs
exec node_modules/.bin/node scripts/demo.ts "$@"
