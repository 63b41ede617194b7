import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../src/runtime/backoff.ts';
import { WorkQueue } from '../../src/runtime/work-queue.ts';

describe('the work queue', () => {
  it('collapses repeated adds of a waiting key', async () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('a');
    q.add('b');
    expect(q.length).toBe(2);
    expect(await q.take()).toBe('a');
    expect(await q.take()).toBe('b');
  });

  it('hands a key to one worker at a time and runs it again if it was added meanwhile', async () => {
    const q = new WorkQueue();
    q.add('a');
    const key = await q.take();
    q.add('a');
    expect(q.length).toBe(0);
    q.done(key!);
    expect(q.length).toBe(1);
    expect(await q.take()).toBe('a');
  });

  it('wakes a waiting worker when a key arrives', async () => {
    const q = new WorkQueue();
    const taken = q.take();
    q.add('x');
    expect(await taken).toBe('x');
  });

  it('gives waiting workers undefined on shutdown', async () => {
    const q = new WorkQueue();
    const taken = q.take();
    q.shutDown();
    expect(await taken).toBeUndefined();
  });

  it('backs off exponentially per key until forgotten', () => {
    const q = new WorkQueue({ backoff: { baseMs: 100, maxMs: 10_000, jitter: 0 } });
    expect([q.addRateLimited('a'), q.addRateLimited('a'), q.addRateLimited('a')]).toEqual([100, 200, 400]);
    expect(q.addRateLimited('b')).toBe(100);
    q.forget('a');
    expect(q.addRateLimited('a')).toBe(100);
    q.shutDown();
  });
});

describe('backoff', () => {
  it('is capped at the maximum', () => {
    expect(backoffDelay(50, { baseMs: 100, maxMs: 5000, jitter: 0 })).toBe(5000);
  });

  it('spreads delays by the jitter fraction', () => {
    const options = { baseMs: 1000, maxMs: 100_000, jitter: 0.2 };
    expect(backoffDelay(0, options, () => 0)).toBe(800);
    expect(backoffDelay(0, options, () => 1)).toBe(1200);
  });
});

describe('the overall retry limit', () => {
  it('lets a burst through and then spaces retries at the bucket rate', () => {
    let now = 0;
    const q = new WorkQueue({
      backoff: { baseMs: 1, maxMs: 1, jitter: 0 },
      bucket: { ratePerSecond: 10, burst: 2 },
      now: () => now,
    });
    expect([q.addRateLimited('a'), q.addRateLimited('b'), q.addRateLimited('c'), q.addRateLimited('d')]).toEqual([
      1, 1, 100, 200,
    ]);
    now = 10_000;
    expect(q.addRateLimited('e')).toBe(1);
    q.shutDown();
  });
});
