import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { describePull, PullReporter } from '../../src/controllers/nativecontainer/pull-reporter.ts';

describe('pull progress', () => {
  it('describes bytes done and total', () => {
    expect(describePull('r.io/app:1', { status: 'Downloading', current: 12_345_678, total: 45_600_000 })).toBe(
      'Pulling r.io/app:1: 12.3 of 45.6 MB (27%).',
    );
    expect(describePull('r.io/app:1', { status: 'Pulling fs layer' })).toBe('Pulling r.io/app:1: Pulling fs layer.');
  });

  it('writes at most once per interval however often Docker reports', async () => {
    let t = 0;
    const written: string[] = [];
    const reporter = new PullReporter({
      intervalMs: 2000,
      now: () => new Date(t),
      log: pino({ level: 'silent' }),
      write: (m) => {
        written.push(m);
        return Promise.resolve();
      },
    });
    for (t = 0; t < 10_000; t += 100) reporter.report('app', { status: 'Downloading', current: t, total: 10_000 });
    await reporter.flush();
    expect(written).toHaveLength(5);
  });

  it('goes on with the pull when a progress write fails', async () => {
    const reporter = new PullReporter({
      intervalMs: 0,
      now: () => new Date(),
      log: pino({ level: 'silent' }),
      write: () => Promise.reject(new Error('conflict')),
    });
    reporter.report('app', { status: 'Downloading' });
    await expect(reporter.flush()).resolves.toBeUndefined();
  });
});
