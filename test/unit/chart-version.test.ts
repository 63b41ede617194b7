// The image is tagged with the package version (npm run build:image) and the chart's default
// image tag is its appVersion: they must be the same number.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const read = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

describe('the Helm chart', () => {
  it('has the package version as its appVersion, the default image tag', () => {
    const chart = parse(read('charts/native-container-operator/Chart.yaml')) as { appVersion: string };
    const pkg = JSON.parse(read('package.json')) as { version: string };
    expect(chart.appVersion).toBe(pkg.version);
  });
});
