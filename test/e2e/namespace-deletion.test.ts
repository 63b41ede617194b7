// The embedded control plane runs kube-controller-manager's namespace, garbage-collector and
// resourcequota controllers, as every cluster does: deleting a namespace finishes (the operator
// removes the containers of its NativeContainers first), and objects owned by a NativeContainer
// go with it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NativeContainer } from '../../src/api/native-container.ts';
import { TEST_IMAGE } from '../../src/local/test-image.ts';
import { cleanupSteps } from './cleanup.ts';
import { containersOf, createNamespace, eventually, getJson, kubectl, startOperator } from './support.ts';
import type { ProcessHandle } from '../../src/local/processes.ts';

const SLEEP = ['/bin/sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'];

function nc(name: string, namespace: string): object {
  return {
    apiVersion: 'nativecontainer.io/v1alpha1',
    kind: 'NativeContainer',
    metadata: { name, namespace },
    spec: { image: TEST_IMAGE, command: SLEEP },
  };
}

describe('kube-controller-manager in the embedded control plane', () => {
  let operator: ProcessHandle;
  const namespaces: string[] = [];

  beforeAll(() => {
    operator = startOperator('namespace-deletion');
  });

  afterAll(async () => {
    await cleanupSteps([
      ...namespaces.map((ns) => () => kubectl(['delete', 'namespace', ns, '--wait=false', '--ignore-not-found'])),
      () => operator?.stop(),
    ]);
  });

  it('finishes kubectl delete namespace, after the operator removed the containers in it', async () => {
    const ns = await createNamespace('doomed');
    namespaces.push(ns);
    await kubectl(['apply', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [nc('a', ns), nc('b', ns)] }),
    });
    await eventually(
      'both running',
      async () =>
        (await containersOf(ns, 'a'))[0]?.State === 'running' && (await containersOf(ns, 'b'))[0]?.State === 'running',
      operator,
    );
    const deleted = await kubectl(['delete', 'namespace', ns, '--timeout=120s']);
    expect(deleted.code).toBe(0);
    expect((await kubectl(['get', 'namespace', ns], { allowFail: true })).code).not.toBe(0);
    expect(await containersOf(ns, 'a')).toEqual([]);
    expect(await containersOf(ns, 'b')).toEqual([]);
  });

  it('collects an object owned by a NativeContainer once the NativeContainer is deleted', async () => {
    const ns = await createNamespace('owned');
    namespaces.push(ns);
    await kubectl(['apply', '-f', '-'], { input: JSON.stringify(nc('owner', ns)) });
    const owner = await getJson<NativeContainer>(['get', 'nc', 'owner', '-n', ns]);
    await kubectl(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: 'settings',
          namespace: ns,
          ownerReferences: [
            {
              apiVersion: 'nativecontainer.io/v1alpha1',
              kind: 'NativeContainer',
              name: 'owner',
              uid: owner.metadata.uid,
            },
          ],
        },
        data: { a: '1' },
      }),
    });
    await kubectl(['delete', 'nc', 'owner', '-n', ns, '--timeout=60s']);
    await eventually(
      'the ConfigMap collected',
      async () => (await kubectl(['get', 'configmap', 'settings', '-n', ns], { allowFail: true })).code !== 0,
      operator,
    );
  });
});
