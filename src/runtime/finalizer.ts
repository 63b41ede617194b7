// Adding and removing a finalizer with a merge patch that carries the resourceVersion:
// the API server refuses it with 409 when the object changed since we read it, so a
// concurrent writer's finalizers are never overwritten.
import type { KubeObject } from '../api/object.ts';
import { isNotFound, type KubeClient } from './kube-client.ts';

export function hasFinalizer(obj: KubeObject, finalizer: string): boolean {
  return obj.metadata.finalizers?.includes(finalizer) ?? false;
}

/** Adds the finalizer if missing; returns the updated object. */
export async function addFinalizer<T extends KubeObject>(
  client: KubeClient,
  path: string,
  obj: T,
  finalizer: string,
): Promise<T> {
  if (hasFinalizer(obj, finalizer)) return obj;
  const finalizers = [...(obj.metadata.finalizers ?? []), finalizer];
  return client.patch<T>(path, 'merge', { metadata: { finalizers, resourceVersion: obj.metadata.resourceVersion } });
}

/** Removes the finalizer; an object already gone counts as success. */
export async function removeFinalizer(
  client: KubeClient,
  path: string,
  obj: KubeObject,
  finalizer: string,
): Promise<void> {
  if (!hasFinalizer(obj, finalizer)) return;
  const finalizers = (obj.metadata.finalizers ?? []).filter((f) => f !== finalizer);
  try {
    await client.patch(path, 'merge', { metadata: { finalizers, resourceVersion: obj.metadata.resourceVersion } });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}
