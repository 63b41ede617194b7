// Fault tests with components of their own, so they can be killed and restarted: an etcd and
// kube-apiserver, a dockerd, and a proxy in front of the API server that can cut or silence
// the operator's connections.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NativeContainer } from '../../src/api/native-container.ts';
import { dockerFromHost } from '../../src/backend/docker-backend.ts';
import { LABELS } from '../../src/controllers/nativecontainer/identity.ts';
import { startControlPlane, type ControlPlane } from '../../src/local/control-plane.ts';
import { installCrds } from '../../src/local/crds.ts';
import { buildTestImage, ensureDocker, type DockerEnv } from '../../src/local/docker.ts';
import { compactEtcd } from '../env/etcd-admin.ts';
import { kubeconfigVia, serverPort } from '../env/kubeconfig-via.ts';
import { kubectl as runKubectl, type KubectlOptions } from '../../src/local/kubectl.ts';
import { runDir, stateDir } from '../../src/local/paths.ts';
import { startTcpProxy, type TcpProxy } from '../env/tcp-proxy.ts';
import { eventually, sample, startOperatorWithEndpoints, type OperatorWithEndpoints } from './support.ts';
import { cleanupSteps, removeContainers } from './cleanup.ts';

const NS = 'faults';

function nc(name: string, state = 'Running'): object {
  return {
    apiVersion: 'nativecontainer.io/v1alpha1',
    kind: 'NativeContainer',
    metadata: { name, namespace: NS },
    spec: { image: 'nco-test/busybox:1', command: ['/bin/sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'], state },
  };
}

describe('the operator under faults', () => {
  let cp: ControlPlane;
  let dockerEnv: DockerEnv;
  let proxy: TcpProxy;
  let kubeconfig: string;
  let operator: OperatorWithEndpoints | undefined;
  const others: OperatorWithEndpoints[] = [];

  const kubectl = (args: string[], opts: KubectlOptions = {}) => runKubectl(cp, args, opts);
  const docker = () => dockerFromHost(dockerEnv.host);
  const apply = (objects: object[]) =>
    kubectl(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }) });

  async function start(name: string, env: Record<string, string> = {}): Promise<OperatorWithEndpoints> {
    return startOperatorWithEndpoints(name, {
      KUBECONFIG: kubeconfig,
      DOCKER_HOST: dockerEnv.host,
      NCO_WORKERS: '4',
      ...env,
    });
  }

  async function managed(): Promise<{ name: string; owner: string; state: string }[]> {
    const list = await docker().listContainers({ all: true, filters: { label: [`${LABELS.ownerNamespace}=${NS}`] } });
    return list.map((c) => ({ name: c.Names[0]!, owner: c.Labels[LABELS.ownerName]!, state: c.State }));
  }

  async function allReady(count: number): Promise<boolean> {
    const list = JSON.parse((await kubectl(['get', 'nc', '-n', NS, '-o', 'json'])).stdout) as {
      items: NativeContainer[];
    };
    const ready = list.items.filter((x) => {
      const c = x.status?.conditions?.find((y) => y.type === 'Ready');
      return c?.status === 'True' && x.status?.observedGeneration === x.metadata.generation;
    });
    return list.items.length === count && ready.length === count;
  }

  async function metrics(op: OperatorWithEndpoints): Promise<string> {
    return (await fetch(`${op.metricsUrl}/metrics`)).text();
  }

  beforeAll(async () => {
    dockerEnv = await ensureDocker({ dir: join(stateDir(), 'docker-faults') });
    await buildTestImage(dockerEnv);
    cp = await startControlPlane({ name: 'faults' });
    await installCrds(cp);
    await kubectl(['create', 'namespace', NS]);
    proxy = await startTcpProxy({ host: '127.0.0.1', port: serverPort(cp.kubeconfigPath) });
    kubeconfig = kubeconfigVia(cp.kubeconfigPath, proxy.port, join(runDir('faults-operator'), 'kubeconfig'));
  });

  afterAll(async () => {
    // Right after dockerd was killed, removal can fail with "device or resource busy"; it is
    // retried, and whatever fails, the control plane and the daemon are still stopped.
    await cleanupSteps([
      ...[operator, ...others].map((op) => () => op?.handle.stop()),
      () => kubectl(['delete', 'nc', '--all', '-n', NS, '--wait=false'], { allowFail: true }),
      () => removeContainers(docker(), [`${LABELS.ownerNamespace}=${NS}`]),
      () => proxy?.close(),
      () => cp?.stop(),
      () => dockerEnv?.stop(),
    ]);
  });

  it('creates exactly one container per resource after being SIGKILLed in the middle of creating 30', async () => {
    const first = await start('faults-1');
    operator = first;
    const pid = first.handle.pid;
    // Killed from Docker's own event stream at the 5th create: polling is too slow for an
    // operator that creates 30 in well under a second.
    const events = await docker().getEvents({
      filters: { type: ['container'], event: ['create'], label: [`${LABELS.ownerNamespace}=${NS}`] },
    });
    let created = 0;
    events.on('data', (chunk: Buffer) => {
      created += chunk
        .toString()
        .split('\n')
        .filter((l) => l.trim()).length;
      if (created >= 5 && !first.handle.hasExited()) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
    });
    try {
      await apply(Array.from({ length: 30 }, (_, i) => nc(`c${String(i).padStart(2, '0')}`)));
      await first.handle.exited;
    } finally {
      (events as unknown as { destroy(): void }).destroy();
    }
    const atKill = (await managed()).length;
    operator = await start('faults-2');
    await eventually('all 30 Ready', () => allReady(30), operator.handle);
    const containers = await managed();
    expect(containers).toHaveLength(30);
    expect(new Set(containers.map((c) => c.owner)).size).toBe(30);
    expect(containers.every((c) => c.state === 'running')).toBe(true);
    expect(atKill).toBeLessThan(30);
  });

  it('recovers when dockerd is stopped and started again, and every status is right', async () => {
    const before = sample(await metrics(operator!), 'nco_docker_event_streams_total');
    await dockerEnv.restart();
    await eventually(
      'all containers running again after the Docker restart',
      async () => (await managed()).filter((c) => c.state === 'running').length === 30 && (await allReady(30)),
      operator!.handle,
    );
    expect(sample(await metrics(operator!), 'nco_docker_event_streams_total')).toBeGreaterThan(before);
  });

  it('recovers every container after dockerd and its containerd are SIGKILLed', async () => {
    await dockerEnv.crashAndRestart();
    await eventually(
      'all containers running again after the Docker crash',
      async () => (await managed()).filter((c) => c.state === 'running').length === 30 && (await allReady(30)),
      operator!.handle,
    );
    expect(await managed()).toHaveLength(30);
  });

  it('recreates a container whose runtime state outlived its last run, as a start racing a Docker shutdown leaves it', async () => {
    await apply([nc('stale')]);
    await eventually('stale runs', () => allReady(31), operator!.handle);
    await operator!.handle.stop();
    const [before] = await docker().listContainers({ filters: { label: [`${LABELS.ownerName}=stale`] } });
    await docker().getContainer(before!.Id).stop({ t: 2 });
    // The bundle directory containerd makes for a task: left behind, it blocks every later start.
    const bundle = join(
      stateDir(),
      'docker-faults/exec/containerd/daemon/io.containerd.runtime.v2.task/moby',
      before!.Id,
    );
    mkdirSync(bundle, { recursive: true });
    try {
      await expect(docker().getContainer(before!.Id).start()).rejects.toThrow(/file exists/);
      operator = await start('faults-stale');
      await eventually(
        'stale runs again, in a new container',
        async () => (await managed()).some((c) => c.owner === 'stale' && c.state === 'running') && (await allReady(31)),
        operator.handle,
      );
      const [after] = await docker().listContainers({ filters: { label: [`${LABELS.ownerName}=stale`] } });
      expect(after!.Id).not.toBe(before!.Id);
      // Events are sent in the background: wait for it.
      await eventually(
        'an Event naming the stale runtime task',
        async () =>
          (await kubectl(['get', 'events', '-n', NS, '--field-selector', 'involvedObject.name=stale'])).stdout.includes(
            'stale runtime task',
          ),
        operator.handle,
      );
    } finally {
      rmSync(bundle, { recursive: true, force: true });
    }
    await kubectl(['delete', 'nc', 'stale', '-n', NS]);
  });

  it('keeps applying changes after kube-apiserver restarts', async () => {
    await cp.restartApiserver();
    await kubectl(['patch', 'nc', 'c00', '-n', NS, '--type=merge', '-p', '{"spec":{"state":"Stopped"}}']);
    await apply([nc('after-restart')]);
    await eventually(
      'the changes made after the restart are applied',
      async () => {
        const byOwner = new Map((await managed()).map((c) => [c.owner, c.state]));
        return byOwner.get('c00') === 'exited' && byOwner.get('after-restart') === 'running';
      },
      operator!.handle,
    );
  });

  it('relists after 410 Gone and misses nothing that changed while its watch was gone', async () => {
    const text = await metrics(operator!);
    const lists = sample(text, 'nco_informer_lists_total', { resource: 'nativecontainers' });
    proxy.freezeExisting();
    await apply([nc('during-gap')]);
    await kubectl(['delete', 'nc', 'c01', '-n', NS, '--wait=false']);
    await kubectl(['patch', 'nc', 'c02', '-n', NS, '--type=merge', '-p', '{"spec":{"state":"Stopped"}}']);
    // Compacting etcd and restarting the API server drops the history the old watch would resume from.
    await compactEtcd(cp.etcdEndpoint);
    await cp.restartApiserver();
    proxy.dropAll();
    await eventually(
      'the changes made during the gap are applied',
      async () => {
        const byOwner = new Map((await managed()).map((c) => [c.owner, c.state]));
        return byOwner.get('during-gap') === 'running' && !byOwner.has('c01') && byOwner.get('c02') === 'exited';
      },
      operator!.handle,
    );
    const after = await metrics(operator!);
    expect(sample(after, 'nco_watch_restarts_total', { resource: 'nativecontainers', reason: 'gone' })).toBeGreaterThan(
      0,
    );
    expect(sample(after, 'nco_informer_lists_total', { resource: 'nativecontainers' })).toBeGreaterThan(lists);
  });

  it('lets only the leader act, and another replica takes over when the leader dies', async () => {
    await operator!.handle.stop();
    operator = undefined;
    const election = { NCO_LEADER_ELECT: 'true', NCO_LEADER_ELECTION_NAMESPACE: NS };
    const a = await start('leader-a', { ...election, POD_NAME: 'replica-a' });
    others.push(a);
    const holder = async () =>
      (
        JSON.parse((await kubectl(['get', 'lease', '-n', NS, 'native-container-operator', '-o', 'json'])).stdout) as {
          spec: { holderIdentity?: string; leaseTransitions?: number };
        }
      ).spec;
    await eventually('replica-a leads', async () => (await holder()).holderIdentity === 'replica-a', a.handle);
    const b = await start('leader-b', { ...election, POD_NAME: 'replica-b' });
    others.push(b);
    await eventually(
      'replica-b is ready as a follower',
      async () => (await fetch(`${b.healthUrl}/readyz`)).ok,
      b.handle,
    );
    await apply([nc('under-a')]);
    await eventually('under-a runs', async () =>
      (await managed()).some((c) => c.owner === 'under-a' && c.state === 'running'),
    );
    const follower = await metrics(b);
    expect(sample(follower, 'controller_runtime_reconcile_total', { controller: 'nativecontainer' })).toBe(0);
    expect(sample(follower, 'leader_election_master_status')).toBe(0);
    expect(sample(await metrics(a), 'leader_election_master_status')).toBe(1);

    const transitions = (await holder()).leaseTransitions ?? 0;
    process.kill(a.handle.pid, 'SIGKILL');
    await a.handle.exited;
    const killedAt = performance.now();
    await eventually('replica-b takes over', async () => (await holder()).holderIdentity === 'replica-b', b.handle);
    process.stdout.write(`leader takeover after SIGKILL: ${((performance.now() - killedAt) / 1000).toFixed(1)} s\n`);
    expect((await holder()).leaseTransitions).toBe(transitions + 1);
    await apply([nc('under-b')]);
    await eventually(
      'under-b runs',
      async () => (await managed()).some((c) => c.owner === 'under-b' && c.state === 'running'),
      b.handle,
    );

    await b.handle.stop();
    expect((await holder()).holderIdentity ?? '').toBe('');
  });
});
