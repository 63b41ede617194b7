// Fails early, with a clear message, when the Node.js in use is older than package.json's engines.
// npm scripts put node_modules/.bin first on PATH, where the pinned `node` package installs its binary.
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const wanted = /(\d+)\.(\d+)\.(\d+)/.exec(pkg.engines.node);
const have = process.versions.node.split('.').map(Number);
const need = wanted.slice(1).map(Number);
const older = have[0] !== need[0] ? have[0] < need[0] : have[1] !== need[1] ? have[1] < need[1] : have[2] < need[2];
if (older) {
  console.error(
    `native-container-operator needs Node.js ${pkg.engines.node}, but ${process.execPath} is v${process.versions.node}.\n` +
      'Run `npm ci` first: it installs the pinned Node.js from the npm package "node" into node_modules/.bin,\n' +
      'which npm scripts use. Or put a Node.js of that version first on your PATH.',
  );
  process.exit(1);
}
