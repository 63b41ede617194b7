#!/usr/bin/env bash
# Copies the CRDs (crds/, their one source) into the Helm chart's crds/ folder, which Helm
# installs before the templates. test/unit/chart-crds.test.ts fails when the copies drift.
#   bash scripts/sync-crds.sh [target-dir]   (default charts/native-container-operator/crds)
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:-charts/native-container-operator/crds}
mkdir -p "$target"
rm -f "$target"/*.yaml
cp crds/*.yaml "$target/"
