// Prints the closing line of a test run, "tests: N passed, N failed", from vitest's JSON report.
import { existsSync, readFileSync } from 'node:fs';

const file = new URL('../coverage/vitest-report.json', import.meta.url);
if (!existsSync(file)) {
  console.log('tests: 0 passed, 1 failed');
  process.exit(0);
}
const r = JSON.parse(readFileSync(file, 'utf8'));
const skipped = r.numPendingTests + r.numTodoTests;
console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}`);
