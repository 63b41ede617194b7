// One finalizer helper for every kind, after kube-rs' `finalizer`: an object is in one of four
// states, and each state has one thing to do.
//
//   not deleted, no finalizer  -> add the finalizer, then apply
//   not deleted, finalizer     -> apply
//   deleted, finalizer         -> cleanup; when it says done, remove the finalizer
//   deleted, no finalizer      -> nothing (someone else's finalizer holds it)
//
// Guarantees: the finalizer is added before apply first acts, so nothing is created that a
// deletion would not clean up; it is removed only after cleanup reported done. Both patches are
// JSON patches with a `test` of the list they change, so a concurrent change of the finalizers
// makes the patch fail (and the reconcile retry) instead of overwriting it, while changes of any
// other field (a status write) do not get in the way, as a resourceVersion check would.
// A deleted object already gone when its finalizer is removed counts as success.
import type { KubeObject } from '../api/object.ts';
import type { Action } from './controller.ts';
import { isNotFound, type KubeClient } from './kube-client.ts';

export type CleanupResult = { done: true } | { done: false; action: Action };

export interface FinalizerOptions<T extends KubeObject> {
  client: KubeClient;
  /** Path of the object. */
  path: string;
  finalizer: string;
  obj: T;
  /** The object with the finalizer, not being deleted. */
  apply: (obj: T) => Promise<Action>;
  /** The object being deleted; report done once everything it owns is gone. */
  cleanup: (obj: T) => Promise<CleanupResult>;
  /** Called with the object the API server returned after a finalizer patch. */
  onPatched?: (obj: T) => void;
}

export function hasFinalizer(obj: KubeObject, finalizer: string): boolean {
  return obj.metadata.finalizers?.includes(finalizer) ?? false;
}

export async function withFinalizer<T extends KubeObject>(o: FinalizerOptions<T>): Promise<Action> {
  const deleting = o.obj.metadata.deletionTimestamp !== undefined;
  const present = hasFinalizer(o.obj, o.finalizer);
  if (deleting && !present) return { kind: 'await-change' };
  if (deleting) {
    const result = await o.cleanup(o.obj);
    if (!result.done) return result.action;
    await removeFinalizer(o.client, o.path, o.obj, o.finalizer);
    return { kind: 'await-change' };
  }
  let obj = o.obj;
  if (!present) {
    obj = await addFinalizer(o.client, o.path, obj, o.finalizer);
    o.onPatched?.(obj);
  }
  return o.apply(obj);
}

/** Adds the finalizer if missing; returns the object as the API server has it now. */
export async function addFinalizer<T extends KubeObject>(
  client: KubeClient,
  path: string,
  obj: T,
  finalizer: string,
): Promise<T> {
  if (hasFinalizer(obj, finalizer)) return obj;
  const current = obj.metadata.finalizers;
  const patch =
    current === undefined || current.length === 0
      ? [
          { op: 'test', path: '/metadata/finalizers', value: current ?? null },
          { op: 'add', path: '/metadata/finalizers', value: [finalizer] },
        ]
      : [
          { op: 'test', path: '/metadata/finalizers', value: current },
          { op: 'add', path: '/metadata/finalizers/-', value: finalizer },
        ];
  return client.patch<T>(path, 'json', patch);
}

/** Removes the finalizer; an object already gone counts as success. */
export async function removeFinalizer(
  client: KubeClient,
  path: string,
  obj: KubeObject,
  finalizer: string,
): Promise<void> {
  const current = obj.metadata.finalizers ?? [];
  const index = current.indexOf(finalizer);
  if (index < 0) return;
  try {
    await client.patch(path, 'json', [
      { op: 'test', path: `/metadata/finalizers/${index}`, value: finalizer },
      { op: 'remove', path: `/metadata/finalizers/${index}` },
    ]);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}
