// The generic controller loop: what follows each Action, and what the error policy makes of a throw.
import { afterEach, describe, expect, it } from 'vitest';
import { AWAIT_CHANGE, BACKOFF, Controller, requeueAfter, type Action } from '../../src/runtime/controller.ts';
import { silentLog, until } from './fixtures.ts';

let controller: Controller | undefined;
afterEach(async () => {
  await controller?.stop(1000);
  controller = undefined;
});

const retries: string[] = [];

function run(
  reconcile: (key: string, attempt: number) => Promise<Action>,
  errorPolicy?: (key: string, err: unknown) => Action,
) {
  const calls: number[] = [];
  retries.length = 0;
  controller = new Controller({
    name: 'test',
    reconcile: async (key) => {
      calls.push(Date.now());
      return reconcile(key, calls.length);
    },
    ...(errorPolicy ? { errorPolicy } : {}),
    log: silentLog(),
    workers: 1,
    keys: () => ['ns/a'],
    resyncMs: 3_600_000,
    // Backoff short enough for a test, long enough to tell from a requeue at once.
    queue: { backoff: { baseMs: 20, maxMs: 1000, jitter: 0 }, onRetry: (key) => retries.push(key) },
  });
  controller.start();
  return calls;
}

describe('the controller loop', () => {
  it('reconciles every known key once when it starts, and again only when asked', async () => {
    const calls = run(() => Promise.resolve(AWAIT_CHANGE));
    await until('first reconcile', () => calls.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls).toHaveLength(1);
    controller!.enqueue('ns/a');
    await until('second reconcile', () => calls.length === 2);
  });

  it('looks again after the delay a requeue asks for', async () => {
    const calls = run((_key, n) => Promise.resolve(n === 1 ? requeueAfter(30) : AWAIT_CHANGE));
    await until('requeued', () => calls.length === 2);
    expect(calls[1]! - calls[0]!).toBeGreaterThanOrEqual(25);
  });

  it('retries through the rate-limited queue while reconciles ask for backoff, and stops once one succeeds', async () => {
    // The delays themselves (exponential per key) are the work queue's, tested in work-queue.test.ts.
    const calls = run((_key, n) => Promise.resolve(n <= 3 ? BACKOFF : AWAIT_CHANGE));
    await until('four reconciles', () => calls.length === 4);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(calls).toHaveLength(4);
    expect(retries).toEqual(['ns/a', 'ns/a', 'ns/a']);
  });

  it('asks the error policy what follows a throw: a terminal error waits for a change', async () => {
    const seen: unknown[] = [];
    const calls = run(
      () => Promise.reject(new Error('invalid spec')),
      (_key, err) => {
        seen.push(err);
        return AWAIT_CHANGE;
      },
    );
    await until('failed once', () => seen.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(calls).toHaveLength(1);
  });

  it('retries a throw with backoff when there is no error policy', async () => {
    const calls = run(() => Promise.reject(new Error('transient')));
    await until('retried', () => calls.length >= 3);
    expect(retries.length).toBeGreaterThanOrEqual(2);
  });

  it('aborts the signal of a reconcile in flight when it stops, and can start again', async () => {
    let signal: AbortSignal | undefined;
    controller = new Controller({
      name: 'test',
      reconcile: async (_key, ctx) => {
        signal = ctx.signal;
        await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
        return AWAIT_CHANGE;
      },
      log: silentLog(),
      workers: 1,
      keys: () => ['ns/a'],
      resyncMs: 3_600_000,
    });
    controller.start();
    await until('in flight', () => signal !== undefined);
    expect(await controller.stop(1000)).toBe(true);
    expect(signal?.aborted).toBe(true);
    expect(controller.running).toBe(false);
    signal = undefined;
    controller.start();
    await until('in flight again', () => signal !== undefined && !signal.aborted);
  });
});
