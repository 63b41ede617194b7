// Leader election with an injected clock and a fake Lease API whose requests can hang: leadership
// must end by the renew deadline whatever the API server does.
import { describe, expect, it } from 'vitest';
import { KubeApiError, type KubeClient, type RequestOptions } from '../../src/runtime/kube-client.ts';
import { LeaderElector, type LeaseSpec } from '../../src/runtime/leader-election.ts';
import { silentLog } from './fixtures.ts';

/** Time that moves only when the test says so; timers fire in order. */
class Clock {
  t = 1_000_000;
  private timers: { at: number; fire: () => void }[] = [];
  now = (): number => this.t;
  delay = (ms: number, signal: AbortSignal): Promise<void> =>
    new Promise((resolve) => {
      if (signal.aborted) return resolve();
      this.timers.push({ at: this.t + ms, fire: resolve });
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await settle();
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (!next || next.at > end) break;
      this.timers.shift();
      this.t = next.at;
      next.fire();
    }
    this.t = end;
    await settle();
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** One Lease in memory, with optimistic concurrency; `hang` makes every request wait for its signal. */
class FakeLeases {
  lease: { spec: LeaseSpec; rv: number } | undefined;
  hang = false;
  requests = 0;
  client = {
    request: <T>(method: string, _path: string, options: RequestOptions): Promise<T> => {
      this.requests += 1;
      if (this.hang) {
        return new Promise<T>((_resolve, reject) =>
          options.signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true }),
        );
      }
      return Promise.resolve(this.answer(method, options.body) as T);
    },
  } as unknown as Pick<KubeClient, 'request'>;

  private answer(method: string, body: unknown): unknown {
    const sent = body as { metadata: { resourceVersion?: string }; spec: LeaseSpec } | undefined;
    if (method === 'GET') {
      if (!this.lease) throw new KubeApiError(404, 'NotFound', 'not found');
      return {
        metadata: { name: 'l', namespace: 'ns', resourceVersion: String(this.lease.rv) },
        spec: this.lease.spec,
      };
    }
    if (method === 'POST') {
      if (this.lease) throw new KubeApiError(409, 'AlreadyExists', 'exists');
      this.lease = { spec: sent!.spec, rv: 1 };
      return sent;
    }
    if (sent!.metadata.resourceVersion !== String(this.lease?.rv)) throw new KubeApiError(409, 'Conflict', 'stale');
    this.lease = { spec: sent!.spec, rv: this.lease!.rv + 1 };
    return sent;
  }
}

const TIMES = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

function start(leases: FakeLeases, clock: Clock, identity: string) {
  const e = new LeaderElector({
    client: leases.client,
    namespace: 'ns',
    name: 'l',
    identity,
    log: silentLog(),
    now: clock.now,
    delay: clock.delay,
    random: () => 0,
    ...TIMES,
  });
  const events: { what: 'started' | 'stopped'; at: number; why?: string }[] = [];
  let term: AbortSignal | undefined;
  const stop = new AbortController();
  const running = e.run(
    {
      onStartedLeading: (signal) => {
        term = signal;
        events.push({ what: 'started', at: clock.now() });
      },
      onStoppedLeading: (why) => events.push({ what: 'stopped', at: clock.now(), why }),
    },
    stop.signal,
  );
  return { e, events, term: () => term, stop, running };
}

describe('leader election', () => {
  it('takes a free lease at once and keeps renewing it', async () => {
    const clock = new Clock();
    const leases = new FakeLeases();
    const a = start(leases, clock, 'a');
    await settle();
    expect(a.e.isLeader()).toBe(true);
    expect(leases.lease?.spec.holderIdentity).toBe('a');
    const renewed = leases.lease!.spec.renewTime;
    await clock.advance(2_000);
    expect(leases.lease!.spec.renewTime).not.toBe(renewed);
    expect(a.events.map((e) => e.what)).toEqual(['started']);
    a.stop.abort();
  });

  it('leaves a held lease alone until it expires by the local clock, and is a follower meanwhile', async () => {
    const clock = new Clock();
    const leases = new FakeLeases();
    leases.lease = { spec: { holderIdentity: 'other', leaseDurationSeconds: 15, renewTime: 'x' }, rv: 1 };
    const b = start(leases, clock, 'b');
    await clock.advance(14_000);
    expect(b.e.isLeader()).toBe(false);
    await clock.advance(4_000);
    expect(b.e.isLeader()).toBe(true);
    expect(leases.lease.spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    b.stop.abort();
  });

  it('stops leading by the renew deadline when its requests hang, long before the lease expires', async () => {
    const clock = new Clock();
    const leases = new FakeLeases();
    const a = start(leases, clock, 'a');
    await clock.advance(2_000);
    const lastRenew = clock.now();
    leases.hang = true;
    await clock.advance(9_000);
    expect(a.e.isLeader()).toBe(true);
    await clock.advance(2_000);
    const stopped = a.events.find((e) => e.what === 'stopped')!;
    expect(stopped.at).toBeLessThanOrEqual(lastRenew + TIMES.renewDeadlineMs);
    expect(stopped.at).toBeLessThan(lastRenew + TIMES.leaseDurationMs);
    expect(stopped.why).toContain('renew deadline');
    expect(a.term()?.aborted).toBe(true);
    expect(a.e.isLeader()).toBe(false);
    a.stop.abort();
  });

  it('campaigns again after losing, and leads again once it can', async () => {
    const clock = new Clock();
    const leases = new FakeLeases();
    const a = start(leases, clock, 'a');
    await clock.advance(2_000);
    leases.hang = true;
    await clock.advance(12_000);
    expect(a.e.isLeader()).toBe(false);
    leases.hang = false;
    await clock.advance(20_000);
    expect(a.e.isLeader()).toBe(true);
    expect(a.events.map((e) => e.what)).toEqual(['started', 'stopped', 'started']);
    a.stop.abort();
  });

  it('hands the lease over on release', async () => {
    const clock = new Clock();
    const leases = new FakeLeases();
    const a = start(leases, clock, 'a');
    await settle();
    await a.e.release();
    expect(leases.lease?.spec.holderIdentity).toBeNull();
    const b = start(leases, clock, 'b');
    await settle();
    expect(b.e.isLeader()).toBe(true);
    b.stop.abort();
    await a.running;
  });
});
