#!/usr/bin/env bash
# README command 2: every test. Type-check, lint, unit tests, and the end-to-end tests against
# a real kube-apiserver, etcd and dockerd that the test harness starts and stops.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/prepare.sh
rm -f coverage/vitest-report.json
status=0
npm test --silent || status=$?
node scripts/test-summary.mjs || status=1
exit $status
