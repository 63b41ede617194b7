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
  const electors: LeaderElector[] = [];
  let lease = 0;

  function elector(identity: string, name: string): LeaderElector {
    const e = new LeaderElector({ client, namespace: ns, name, identity, log: createLogger('silent'), ...TIMINGS });
    electors.push(e);
    return e;
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
    for (const e of electors.splice(0)) await e.release();
    lease += 1;
  });

  it('writes lease times as MicroTime with six fractional digits', () => {
    expect(microTime(Date.UTC(2026, 10, 22, 10, 0, 0, 123))).toBe('2026-11-22T10:00:00.123000Z');
  });

  it('gives the lease to one elector and makes the other wait', async () => {
    const name = `l${lease}`;
    const a = elector('a', name);
    const b = elector('b', name);
    expect(await a.acquire(() => undefined)).toBe(true);
    let bLeads = false;
    void b.acquire(() => undefined).then((won) => (bLeads = won));
    // b retries every 300 ms while a renews: wait for a few of a's renewals.
    const renewals = new Set<string>();
    await eventually('a renewed its lease twice', async () => {
      renewals.add((await kubectl(['get', 'lease', '-n', ns, name, '-o', 'jsonpath={.spec.renewTime}'])).stdout);
      return renewals.size >= 3;
    });
    expect(await holder(name)).toBe('a');
    expect(bLeads).toBe(false);
    expect(b.isLeader()).toBe(false);
    expect(a.isLeader()).toBe(true);
  });

  it('hands the lease over at once when the leader releases it', async () => {
    const name = `l${lease}`;
    const a = elector('a', name);
    const b = elector('b', name);
    await a.acquire(() => undefined);
    const bWon = b.acquire(() => undefined);
    await a.release();
    expect(await bWon).toBe(true);
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
    expect(await b.acquire(() => undefined)).toBe(true);
    expect(await holder(name)).toBe('b');
  });

  it('stops leading when someone else holds the lease past the renew deadline', async () => {
    const name = `l${lease}`;
    const a = elector('a', name);
    let lost = false;
    await a.acquire(() => (lost = true));
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
    await eventually('a noticed it lost the lease', () => lost);
    expect(a.isLeader()).toBe(false);
  });
});
