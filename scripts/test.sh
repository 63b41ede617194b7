#!/usr/bin/env bash
# README command 2: every test. Type-check, lint, unit tests, and the end-to-end tests against
# a real kube-apiserver, etcd and dockerd that the test harness starts and stops.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/prepare.sh
# Whatever happens (a failure, Ctrl-C, a killed test worker), nothing started by the tests is
# left running and no mount stays behind: the harness writes down what it starts.
group=$(ps -o pgid= $$ | tr -d ' ')
trap 'node_modules/.bin/node src/local/stop-leftovers.ts --group="$group" || true' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
node_modules/.bin/node src/local/stop-leftovers.ts
rm -f coverage/vitest-report.json
status=0
npm test --silent || status=$?
node scripts/test-summary.mjs || status=1
exit $status
