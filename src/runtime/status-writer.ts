// Writes status through the /status subresource, and only when it changed: an unchanged
// status written on every resync would bump resourceVersion and wake every watcher for nothing.
import { isDeepStrictEqual } from 'node:util';
import { isNotFound, type KubeClient } from './kube-client.ts';

/**
 * Merge-patches `status` onto `path`/status if it differs from `current`. Returns the object as
 * the API server has it after the write, or undefined when nothing was written (unchanged, or the
 * object is gone).
 */
export async function writeStatus<T>(
  client: KubeClient,
  path: string,
  current: unknown,
  status: unknown,
): Promise<T | undefined> {
  if (isDeepStrictEqual(current ?? {}, status)) return undefined;
  try {
    // The whole status replaces the old one: null first clears fields we no longer report,
    // which a plain merge patch would keep.
    return await client.patch<T>(`${path}/status`, 'merge', { status: { ...nulls(current), ...(status as object) } });
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

function nulls(current: unknown): Record<string, null> {
  if (!current || typeof current !== 'object') return {};
  return Object.fromEntries(Object.keys(current).map((k) => [k, null]));
}
