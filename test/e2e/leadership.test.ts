// Leadership bounded in time: a leader cut off from the API server stops acting before its lease
// can expire, so that two replicas never act at once; the process keeps running as a follower.
// The leader's connection to the API server goes through a proxy that can silence it; Docker stays
// reachable, so the old leader still hears of every container change and must leave them alone.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABELS } from '../../src/controllers/nativecontainer/identity.ts';
import { runDir } from '../../src/local/paths.ts';
import { TEST_IMAGE } from '../../src/local/docker.ts';
import { kubeconfigVia, serverPort } from '../env/kubeconfig-via.ts';
import { startTcpProxy, type TcpProxy } from '../env/tcp-proxy.ts';
import { cleanupSteps, removeContainers } from './cleanup.ts';
import {
  containersOf,
  createNamespace,
  docker,
  env,
  eventually,
  kubectl,
  sample,
  startOperatorWithEndpoints,
  type OperatorWithEndpoints,
} from './support.ts';

interface LogLine {
  time: number;
  msg: string;
  op?: string;
  key?: string;
}

function logLines(file: string): LogLine[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);
}

describe('leadership bounded in time', () => {
  let ns: string;
  let proxy: TcpProxy;
  let a: OperatorWithEndpoints | undefined;
  let b: OperatorWithEndpoints | undefined;

  const gauge = async (op: OperatorWithEndpoints) =>
    sample(await (await fetch(`${op.metricsUrl}/metrics`)).text(), 'leader_election_master_status');
  const holder = async () =>
    (
      await kubectl(['get', 'lease', '-n', ns, 'native-container-operator', '-o', 'jsonpath={.spec.holderIdentity}'], {
        allowFail: true,
      })
    ).stdout;

  beforeAll(async () => {
    ns = await createNamespace('leadership');
    proxy = await startTcpProxy({ host: '127.0.0.1', port: serverPort(env().kubeconfig) });
  });

  afterAll(async () => {
    await cleanupSteps([
      () => a?.handle.stop(),
      () => b?.handle.stop(),
      () => proxy?.close(),
      async () => void (await kubectl(['delete', 'namespace', ns, '--wait=false'], { allowFail: true })),
      () => removeContainers(docker(), [`${LABELS.ownerNamespace}=${ns}`]),
    ]);
  });

  it('stops acting before its lease can expire when it cannot renew, and no Docker operation of it follows the new leader', async () => {
    const election = { NCO_LEADER_ELECT: 'true', NCO_LEADER_ELECTION_NAMESPACE: ns, NCO_WATCH_NAMESPACES: ns };
    const viaProxy = kubeconfigVia(env().kubeconfig, proxy.port, join(runDir('leadership-a-kubeconfig'), 'kubeconfig'));
    a = await startOperatorWithEndpoints('leadership-a', { ...election, POD_NAME: 'replica-a', KUBECONFIG: viaProxy });
    await eventually('replica-a leads', async () => (await holder()) === 'replica-a', a.handle);
    b = await startOperatorWithEndpoints('leadership-b', { ...election, POD_NAME: 'replica-b' });
    await eventually('replica-b follows', async () => (await fetch(`${b!.healthUrl}/readyz`)).ok, b.handle);
    expect(await gauge(b)).toBe(0);
    expect(await gauge(a)).toBe(1);

    await kubectl(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'nativecontainer.io/v1alpha1',
        kind: 'NativeContainer',
        metadata: { name: 'watched', namespace: ns },
        spec: { image: TEST_IMAGE, command: ['/bin/sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'] },
      }),
    });
    await eventually(
      'watched runs under replica-a',
      async () => (await containersOf(ns, 'watched'))[0]?.State === 'running',
      a.handle,
    );

    proxy.silence();
    await eventually('replica-a stops leading', async () => (await gauge(a!)) === 0, a.handle);
    // Stopped by hand while nobody leads: the old leader hears of it through Docker and must not act.
    const [c] = await containersOf(ns, 'watched');
    await docker().getContainer(c!.Id).stop({ t: 1 });
    await eventually('replica-b leads', async () => (await holder()) === 'replica-b', b.handle);
    await eventually(
      'replica-b repairs watched',
      async () => (await containersOf(ns, 'watched'))[0]?.State === 'running',
      b.handle,
    );
    expect(a.handle.hasExited()).toBe(false);
    expect(await gauge(a)).toBe(0);

    const linesA = logLines(a.handle.logFile);
    const linesB = logLines(b.handle.logFile);
    const stoppedLeading = linesA.find((l) => l.msg === 'not leading: controllers stop')!.time;
    const startedLeading = linesB.find((l) => l.msg === 'leading: controllers start')!.time;
    expect(stoppedLeading).toBeLessThan(startedLeading);
    const operationsOfA = linesA.filter((l) => l.op !== undefined).map((l) => l.time);
    expect(operationsOfA.every((t) => t < startedLeading)).toBe(true);
    expect(linesB.some((l) => l.op === 'Start' && l.key === `${ns}/watched`)).toBe(true);

    // Back on the network, the old leader stays a follower of the new one.
    proxy.unsilence();
    await eventually(
      'replica-a is ready again as a follower',
      async () => (await fetch(`${a!.healthUrl}/readyz`)).ok,
      a.handle,
    );
    expect(await holder()).toBe('replica-b');
    expect(await gauge(a)).toBe(0);
  });
});
