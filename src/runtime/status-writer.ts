// Writes status through the /status subresource, and only when it changed: an unchanged
// status written on every resync would bump resourceVersion and wake every watcher for nothing.
import { isDeepStrictEqual } from 'node:util';
import { isNotFound, type KubeClient } from './kube-client.ts';

/**
 * Merge-patches `status` onto `path`/status if it differs from `current`.
 * Returns true when a write happened. A resource deleted meanwhile is not an error.
 */
export async function writeStatus(
  client: KubeClient,
  path: string,
  current: unknown,
  status: unknown,
): Promise<boolean> {
  if (isDeepStrictEqual(current ?? {}, status)) return false;
  try {
    // The whole status replaces the old one: null first clears fields we no longer report,
    // which a plain merge patch would keep.
    await client.patch(`${path}/status`, 'merge', { status: { ...nulls(current), ...(status as object) } });
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
  return true;
}

function nulls(current: unknown): Record<string, null> {
  if (!current || typeof current !== 'object') return {};
  return Object.fromEntries(Object.keys(current).map((k) => [k, null]));
}
