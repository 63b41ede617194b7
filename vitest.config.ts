// Two tiers: unit tests (pure, fast, no processes) and end-to-end tests against a real
// kube-apiserver, etcd and dockerd started by test/env/global-setup.ts from src/local/.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The JSON report feeds the plain "N passed, N failed" line scripts/test.sh prints last.
    reporters: ['default', 'json'],
    outputFile: { json: 'coverage/vitest-report.json' },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/env/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          // The tests share one Docker daemon and one API server; files run one after another.
          fileParallelism: false,
        },
      },
    ],
  },
});
