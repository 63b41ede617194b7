// The one finalizer helper: each of the four states does its one thing, with patches that test
// the list they change.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/api/object.ts';
import { AWAIT_CHANGE, requeueAfter } from '../../src/runtime/controller.ts';
import { withFinalizer } from '../../src/runtime/finalizer.ts';
import { KubeApiError, type KubeClient } from '../../src/runtime/kube-client.ts';

const F = 'example.io/cleanup';

function fakeClient(answer: (body: unknown) => unknown = (b) => b) {
  const patches: unknown[] = [];
  const client = {
    patch: (_path: string, type: string, body: unknown) => {
      patches.push({ type, body });
      try {
        return Promise.resolve(answer(body));
      } catch (err) {
        return Promise.reject(err instanceof Error ? err : new Error(String(err)));
      }
    },
  } as unknown as KubeClient;
  return { client, patches };
}

const obj = (meta: Partial<KubeObject['metadata']> = {}): KubeObject => ({
  metadata: { name: 'a', namespace: 'ns', ...meta },
});

describe('withFinalizer', () => {
  it('adds the finalizer before apply runs, and apply sees the object the API server returned', async () => {
    const returned = obj({ finalizers: [F], resourceVersion: '2' });
    const { client, patches } = fakeClient(() => returned);
    const applied: KubeObject[] = [];
    const action = await withFinalizer({
      client,
      path: '/x',
      finalizer: F,
      obj: obj(),
      apply: (o) => Promise.resolve((applied.push(o), requeueAfter(5))),
      cleanup: () => Promise.resolve({ done: true as const }),
    });
    expect(patches).toEqual([
      {
        type: 'json',
        body: [
          { op: 'test', path: '/metadata/finalizers', value: null },
          { op: 'add', path: '/metadata/finalizers', value: [F] },
        ],
      },
    ]);
    expect(applied).toEqual([returned]);
    expect(action).toEqual(requeueAfter(5));
  });

  it('appends to the finalizers of others, testing that they are as read', async () => {
    const { client, patches } = fakeClient();
    await withFinalizer({
      client,
      path: '/x',
      finalizer: F,
      obj: obj({ finalizers: ['other'] }),
      apply: () => Promise.resolve(AWAIT_CHANGE),
      cleanup: () => Promise.resolve({ done: true as const }),
    });
    expect(patches).toEqual([
      {
        type: 'json',
        body: [
          { op: 'test', path: '/metadata/finalizers', value: ['other'] },
          { op: 'add', path: '/metadata/finalizers/-', value: F },
        ],
      },
    ]);
  });

  it('only applies when the finalizer is there', async () => {
    const { client, patches } = fakeClient();
    let applied = 0;
    await withFinalizer({
      client,
      path: '/x',
      finalizer: F,
      obj: obj({ finalizers: [F] }),
      apply: () => Promise.resolve((applied++, AWAIT_CHANGE)),
      cleanup: () => Promise.resolve({ done: true as const }),
    });
    expect(applied).toBe(1);
    expect(patches).toEqual([]);
  });

  it('removes the finalizer, and only it, once cleanup is done', async () => {
    const { client, patches } = fakeClient();
    const deleted = obj({ finalizers: ['other', F], deletionTimestamp: '2026-11-23T00:00:00Z' });
    await withFinalizer({
      client,
      path: '/x',
      finalizer: F,
      obj: deleted,
      apply: () => Promise.resolve(AWAIT_CHANGE),
      cleanup: () => Promise.resolve({ done: true as const }),
    });
    expect(patches).toEqual([
      {
        type: 'json',
        body: [
          { op: 'test', path: '/metadata/finalizers/1', value: F },
          { op: 'remove', path: '/metadata/finalizers/1' },
        ],
      },
    ]);
  });

  it('keeps the finalizer while cleanup is not done, and does what cleanup asks', async () => {
    const { client, patches } = fakeClient();
    const deleted = obj({ finalizers: [F], deletionTimestamp: '2026-11-23T00:00:00Z' });
    const action = await withFinalizer({
      client,
      path: '/x',
      finalizer: F,
      obj: deleted,
      apply: () => Promise.resolve(AWAIT_CHANGE),
      cleanup: () => Promise.resolve({ done: false as const, action: requeueAfter(1000) }),
    });
    expect(patches).toEqual([]);
    expect(action).toEqual(requeueAfter(1000));
  });

  it('does nothing for a deleted object held only by finalizers of others', async () => {
    const { client, patches } = fakeClient();
    let called = 0;
    const deleted = obj({ finalizers: ['other'], deletionTimestamp: '2026-11-23T00:00:00Z' });
    await withFinalizer({
      client,
      path: '/x',
      finalizer: F,
      obj: deleted,
      apply: () => Promise.resolve((called++, AWAIT_CHANGE)),
      cleanup: () => Promise.resolve((called++, { done: true as const })),
    });
    expect(called).toBe(0);
    expect(patches).toEqual([]);
  });

  it('counts an object already gone when its finalizer is removed as success', async () => {
    const { client } = fakeClient(() => {
      throw new KubeApiError(404, 'NotFound', 'gone');
    });
    const deleted = obj({ finalizers: [F], deletionTimestamp: '2026-11-23T00:00:00Z' });
    await expect(
      withFinalizer({
        client,
        path: '/x',
        finalizer: F,
        obj: deleted,
        apply: () => Promise.resolve(AWAIT_CHANGE),
        cleanup: () => Promise.resolve({ done: true as const }),
      }),
    ).resolves.toEqual(AWAIT_CHANGE);
  });
});
