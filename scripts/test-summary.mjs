// Prints the closing lines of a test run from vitest's JSON report: tests passed and failed, and
// files that failed outside any test (a hook, an import, a global setup), which count as failures
// too. Exits non-zero when anything failed or no report was written.
import { existsSync, readFileSync } from 'node:fs';

const file = new URL('../coverage/vitest-report.json', import.meta.url);
if (!existsSync(file)) {
  console.log('tests: no report was written (the run did not get to its tests): failed');
  process.exit(1);
}
const r = JSON.parse(readFileSync(file, 'utf8'));
const skipped = r.numPendingTests + r.numTodoTests;
// A file can fail with all of its tests passing: an afterAll that threw, for one.
const failedFiles = (r.testResults ?? []).filter((t) => t.status === 'failed');
const outside = failedFiles.filter((t) => (t.assertionResults ?? []).every((a) => a.status !== 'failed'));
const failed = r.numFailedTests + outside.length;
console.log(
  `tests: ${r.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}` +
    (failedFiles.length ? `; files failed: ${failedFiles.length} of ${r.numTotalTestSuites}` : ''),
);
for (const t of outside) {
  const name = String(t.name).replace(/^.*\/test\//, 'test/');
  console.log(
    `  ${name}: failed outside its tests: ${String(t.message ?? '')
      .split('\n')[0]
      .slice(0, 300)}`,
  );
}
process.exit(failed > 0 || failedFiles.length > 0 || r.success === false ? 1 : 0);
