// Quota is Kubernetes' own ResourceQuota with object counts of our resources
// (count/nativecontainers.nativecontainer.io), enforced by the API server's quota admission
// and kept up to date by kube-controller-manager's resourcequota controller, which the embedded
// control plane runs for real. No home-made quota in the operator.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleeper } from './helpers.ts';
import { createNamespace, eventually, EXAMPLES, getJson, kubectl } from './support.ts';

interface Quota {
  status?: { hard?: Record<string, string>; used?: Record<string, string> };
}

const COUNT = 'count/nativecontainers.nativecontainer.io';

describe('quota on NativeContainers', () => {
  let ns: string;

  const create = (name: string) =>
    kubectl(['create', '-n', ns, '-f', '-'], { input: JSON.stringify(sleeper(name)), allowFail: true });
  const used = async (): Promise<string | undefined> =>
    (await getJson<Quota>(['get', '-n', ns, 'resourcequota', 'native-containers'])).status?.used?.[COUNT];

  beforeAll(async () => {
    ns = await createNamespace('quota');
    await kubectl(['apply', '-n', ns, '-f', join(EXAMPLES, 'quota/resourcequota.yaml')]);
    await eventually('the resourcequota controller fills in the quota status', async () => (await used()) === '0');
  });

  afterAll(async () => {
    // No operator runs here, so nothing holds a finalizer; later files' operators must not start these.
    await kubectl(['delete', 'nc', '--all', '-n', ns, '--timeout=60s'], { allowFail: true });
  });

  it('admits NativeContainers up to the hard count and refuses one more with a clear message', async () => {
    expect((await create('one')).code).toBe(0);
    expect((await create('two')).code).toBe(0);
    const third = await create('three');
    expect(third.code).not.toBe(0);
    expect(third.stderr).toContain('exceeded quota: native-containers');
    expect(third.stderr).toContain(`${COUNT}=1, used: ${COUNT}=2, limited: ${COUNT}=2`);
  });

  it('shows used and hard counts in kubectl describe quota', async () => {
    await eventually('used reaches 2', async () => (await used()) === '2');
    const out = (await kubectl(['describe', 'quota', '-n', ns, 'native-containers'])).stdout;
    expect(out).toMatch(/count\/nativecontainers\.nativecontainer\.io\s+2\s+2/);
    expect(out).toMatch(/count\/containersecrets\.nativecontainer\.io\s+0\s+2/);
  });

  it('admits a new one after one is deleted, once the controller has counted the deletion', async () => {
    await kubectl(['delete', '-n', ns, 'nc', 'one', '--wait=true']);
    await eventually('used drops to 1', async () => (await used()) === '1');
    expect((await create('three')).code).toBe(0);
  });
});
