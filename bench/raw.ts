// The raw Docker API, from the benchmark's own process, as the baseline of every figure.
import type Docker from 'dockerode';
import { TEST_IMAGE } from '../src/local/test-image.ts';
import { CMD } from './setup.ts';

let serial = 0;

export async function mapLimited<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Creates and starts n containers, `concurrency` at once; returns the time and their IDs. */
export async function rawCreateStart(
  docker: Docker,
  n: number,
  concurrency: number,
): Promise<{ ms: number; ids: string[] }> {
  const ids: string[] = [];
  const t0 = performance.now();
  await mapLimited(
    Array.from({ length: n }, () => serial++),
    concurrency,
    async (i) => {
      const c = await docker.createContainer({
        name: `bench-raw-${i}`,
        Image: TEST_IMAGE,
        Cmd: CMD,
        Labels: { 'nco-bench': 'raw' },
        HostConfig: { NetworkMode: 'none' },
      });
      await c.start();
      ids.push(c.id);
    },
  );
  return { ms: performance.now() - t0, ids };
}

export async function rawRemove(docker: Docker, ids: string[], concurrency: number): Promise<number> {
  const t0 = performance.now();
  await mapLimited(ids, concurrency, (id) => docker.getContainer(id).remove({ force: true }));
  return performance.now() - t0;
}

export function p50(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
