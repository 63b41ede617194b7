// manifests/: the kustomize base is the chart rendered by scripts/render-manifests.sh, and
// `kubectl apply -k manifests/` is accepted by the real API server.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exec } from '../../src/local/exec.ts';
import { binary, runDir } from '../../src/local/paths.ts';
import { kubectl, ROOT } from './support.ts';

const BASE = join(ROOT, 'manifests/base');
const FIX = 'run bash scripts/render-manifests.sh and commit the result';

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

describe('the kubectl manifests', () => {
  afterAll(async () => {
    await kubectl(['delete', 'namespace', 'native-container-operator', '--ignore-not-found', '--wait=false']);
  });

  it('are what scripts/render-manifests.sh renders from the chart today', async () => {
    const out = runDir('render-manifests');
    const res = await exec('bash', [join(ROOT, 'scripts/render-manifests.sh'), out], {
      env: { ...process.env, HELM: binary('helm') },
    });
    expect(res.code, res.stderr).toBe(0);
    expect(filesUnder(BASE), FIX).toEqual(filesUnder(out));
    for (const file of filesUnder(out)) {
      expect(readFileSync(join(BASE, file), 'utf8'), `${file}: ${FIX}`).toBe(readFileSync(join(out, file), 'utf8'));
    }
  });

  it('are accepted by the API server with kubectl apply -k manifests/ --dry-run=server', async () => {
    // A dry run creates nothing, so the Namespace the other objects go into must exist already.
    await kubectl(['create', 'namespace', 'native-container-operator'], { allowFail: true });
    const res = await kubectl(['apply', '-k', join(ROOT, 'manifests'), '--dry-run=server']);
    expect(res.stdout).toContain('customresourcedefinition.apiextensions.k8s.io/nativecontainers.nativecontainer.io');
    expect(res.stdout).toContain('deployment.apps/native-container-operator created (server dry run)');
    expect(res.stdout).toContain('clusterrole.rbac.authorization.k8s.io/native-container-operator created');
  });
});
