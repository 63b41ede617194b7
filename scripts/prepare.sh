#!/usr/bin/env bash
# Everything the demo and the tests need on a fresh Debian machine, idempotent and cached:
# Debian packages, the control-plane binaries (built once into ~/.cache/native-container-operator)
# and the npm packages, which include the pinned Node.js.
set -euo pipefail
cd "$(dirname "$0")/.."
bash src/local/setup.sh
# npm ci wipes node_modules; skip it when the installed tree already matches the lockfile.
if ! cmp -s package-lock.json node_modules/.nco-lock-stamp 2>/dev/null || [ ! -x node_modules/.bin/node ]; then
  npm ci --no-audit --no-fund
  cp package-lock.json node_modules/.nco-lock-stamp
fi
