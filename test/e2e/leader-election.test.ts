// The Lease algorithm against the real API server, with short timings so it runs in seconds.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient } from '../../src/runtime/kube-client.ts';
import { LeaderElector, microTime } from '../../src/runtime/leader-election.ts';
import { createLogger } from '../../src/runtime/logger.ts';
import { createNamespace, env, eventually, kubectl } from './support.ts';

const TIMINGS = { leaseDurationMs: 3_000, renewDeadlineMs: 2_000, retryPeriodMs: 300 };

describe('leader election on a Lease', () => {
  let ns: string;
  let client: KubeClient;
  const electors: { e: LeaderElector; stop: AbortController }[] = [];
  let lease = 0;

  interface Running {
    e: LeaderElector;
    /** Resolves when it starts leading. */
    won: Promise<void>;
    lost: () => boolean;
  }

  /** An elector campaigning from now on, as the manager runs one. */
  function elector(identity: string, name: string): Running {
    const e = new LeaderElector({ client, namespace: ns, name, identity, log: createLogger('silent'), ...TIMINGS });
    const stop = new AbortController();
    electors.push({ e, stop });
    let lost = false;
    const won = new Promise<void>((resolve) => {
      void e.run({ onStartedLeading: () => resolve(), onStoppedLeading: () => (lost = true) }, stop.signal);
    });
    return { e, won, lost: () => lost };
  }

  async function holder(name: string): Promise<string> {
    const out = await kubectl(['get', 'lease', '-n', ns, name, '-o', 'jsonpath={.spec.holderIdentity}']);
    return out.stdout;
  }

  beforeAll(async () => {
    ns = await createNamespace('lease');
    client = KubeClient.fromEnvironment(env().kubeconfig);
  });

  afterEach(async () => {
    for (const { e, stop } of electors.splice(0)) {
      await e.release();
      stop.abort();
    }
    lease += 1;
  });

  it('writes lease times as MicroTime with six fractional digits', () => {
    expect(microTime(Date.UTC(2026, 10, 22, 10, 0, 0, 123))).toBe('2026-11-22T10:00:00.123000Z');
  });

  it('gives the lease to one elector and makes the other wait', async () => {
    const name = `l${lease}`;
    const a = elector('a', name);
    await a.won;
    const b = elector('b', name);
    let bLeads = false;
    void b.won.then(() => (bLeads = true));
    // b retries every 300 ms while a renews: wait for a few of a's renewals.
    const renewals = new Set<string>();
    await eventually('a renewed its lease twice', async () => {
      renewals.add((await kubectl(['get', 'lease', '-n', ns, name, '-o', 'jsonpath={.spec.renewTime}'])).stdout);
      return renewals.size >= 3;
    });
    expect(await holder(name)).toBe('a');
    expect(bLeads).toBe(false);
    expect(b.e.isLeader()).toBe(false);
    expect(a.e.isLeader()).toBe(true);
  });

  it('hands the lease over at once when the leader releases it', async () => {
    const name = `l${lease}`;
    const a = elector('a', name);
    await a.won;
    const b = elector('b', name);
    await a.e.release();
    await b.won;
    expect(await holder(name)).toBe('b');
  });

  it('lets another elector take an expired lease', async () => {
    const name = `l${lease}`;
    await kubectl(['apply', '-n', ns, '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name },
        spec: { holderIdentity: 'dead', leaseDurationSeconds: 1, renewTime: microTime(Date.now() - 60_000) },
      }),
    });
    const b = elector('b', name);
    await b.won;
    expect(await holder(name)).toBe('b');
  });

  it('stops leading when someone else holds the lease past the renew deadline', async () => {
    const name = `l${lease}`;
    const a = elector('a', name);
    await a.won;
    await kubectl([
      'patch',
      'lease',
      '-n',
      ns,
      name,
      '--type=merge',
      '-p',
      '{"spec":{"holderIdentity":"intruder","leaseDurationSeconds":3600}}',
    ]);
    await eventually('a noticed it lost the lease', () => a.lost());
    expect(a.e.isLeader()).toBe(false);
  });
});
