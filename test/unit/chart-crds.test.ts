// The chart's crds/ folder is a copy of crds/ (the one source of the schema), made by
// scripts/sync-crds.sh. Helm installs the copy, so a stale one would install an old schema.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SOURCE = fileURLToPath(new URL('../../crds/', import.meta.url));
const CHART = fileURLToPath(new URL('../../charts/native-container-operator/crds/', import.meta.url));
const FIX = 'run bash scripts/sync-crds.sh and commit the result';

function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
}

describe('the CRDs in the Helm chart', () => {
  it('are the same files as crds/', () => {
    expect(yamlFiles(CHART), FIX).toEqual(yamlFiles(SOURCE));
  });

  it.each(yamlFiles(SOURCE))('hold the same bytes as crds/%s', (file) => {
    expect(readFileSync(`${CHART}${file}`, 'utf8'), FIX).toBe(readFileSync(`${SOURCE}${file}`, 'utf8'));
  });
});
