// A Podman host (`podman system service`, the Docker-compatible API) as a ContainerHost: the
// lifecycle of a NativeContainer there, as on Docker: create, stop, pause, start, rebuild, drift
// repair and delete, and healthchecks. Where Podman differs, src/backend/engines.ts says so.
// Healthchecks: Podman 4.3 leaves them to systemd timers and this machine has no systemd, so the
// operator runs them (src/backend/podman-healthchecks.ts); here a container turns unhealthy and is
// restarted under onUnhealthy Restart, and one is left running under None. The containers change
// their own health (no `exec` from the test: Podman's exec sessions leave a conmon process behind
// for five minutes).
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContainerHost } from '../../src/api/container-host.ts';
import type { NativeContainer } from '../../src/api/native-container.ts';
import { dockerFromHost } from '../../src/backend/docker-backend.ts';
import { LABELS } from '../../src/controllers/nativecontainer/identity.ts';
import type { ProcessHandle } from '../../src/local/processes.ts';
import { startPodmanHost, type PodmanHost } from '../env/podman-host.ts';
import { cleanupSteps } from './cleanup.ts';
import { condition, waitFor, waitForReason } from './helpers.ts';
import { createNamespace, eventually, getJson, kubectl, startOperator } from './support.ts';

let podman: PodmanHost;
let operator: ProcessHandle;
let ns: string;

async function apply(obj: object): Promise<void> {
  await kubectl(['apply', '-f', '-'], { input: JSON.stringify(obj) });
}

function web(spec: Partial<NativeContainer['spec']> = {}): object {
  return {
    apiVersion: 'nativecontainer.io/v1alpha1',
    kind: 'NativeContainer',
    metadata: { name: 'web', namespace: ns },
    spec: {
      image: 'nco-test/busybox:1',
      command: ['sleep', '3600'],
      stopTimeoutSeconds: 1,
      placement: { hostName: 'podman-host' },
      ...spec,
    },
  };
}

/** Healthy while /tmp/healthy exists. */
const FLAG_CHECK = ['/bin/sh', '-c', 'test -e /tmp/healthy || { echo "no /tmp/healthy"; exit 1; }'];
/**
 * Healthy for its first 5 s, then unhealthy; healthy for good once started again (its file system
 * outlives a restart, and /tmp/once with it).
 */
const FAILS_ONCE = [
  '/bin/sh',
  '-c',
  'if [ -e /tmp/once ]; then touch /tmp/healthy; else touch /tmp/once /tmp/healthy; (sleep 5; rm /tmp/healthy) & fi; ' +
    'trap "exit 0" TERM; sleep 3600 & wait',
];
const NEVER_HEALTHY = ['/bin/sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'];

function checked(name: string, command: string[], healthcheck: Record<string, unknown> = {}): object {
  return {
    apiVersion: 'nativecontainer.io/v1alpha1',
    kind: 'NativeContainer',
    metadata: { name, namespace: ns },
    spec: {
      image: 'nco-test/busybox:1',
      command,
      stopTimeoutSeconds: 1,
      placement: { hostName: 'podman-host' },
      healthcheck: { command: FLAG_CHECK, intervalSeconds: 1, timeoutSeconds: 5, retries: 2, ...healthcheck },
    },
  };
}

async function status(): Promise<NativeContainer> {
  return getJson<NativeContainer>(['get', 'nc', 'web', '-n', ns]);
}

/** Waits until Ready is True for the current generation with this reason. */
async function ready(reason: string): Promise<NativeContainer> {
  let r: NativeContainer | undefined;
  await eventually(
    `web Ready (${reason})`,
    async () => {
      r = await status();
      const c = r.status?.conditions?.find((x) => x.type === 'Ready');
      return c?.status === 'True' && c.reason === reason && r.status?.observedGeneration === r.metadata.generation;
    },
    operator,
  );
  return r!;
}

async function containers(): Promise<Docker.ContainerInfo[]> {
  return dockerFromHost(podman.host).listContainers({
    all: true,
    filters: { label: [`${LABELS.ownerNamespace}=${ns}`, `${LABELS.ownerName}=web`] },
  });
}

describe('a Podman host', () => {
  beforeAll(async () => {
    podman = await startPodmanHost();
    ns = await createNamespace('podman');
    await apply({
      apiVersion: 'nativecontainer.io/v1alpha1',
      kind: 'ContainerHost',
      metadata: { name: 'podman-host' },
      spec: { endpoint: podman.host },
    });
    operator = startOperator('podman', { NCO_HOST_HEARTBEAT_SECONDS: '2' });
  });

  afterAll(async () => {
    await cleanupSteps([
      () => kubectl(['delete', 'nc', '--all', '-n', ns, '--wait=true', '--timeout=60s'], { allowFail: true }),
      // Cluster-wide: no ContainerHost may outlive this file.
      () => kubectl(['delete', 'ch', 'podman-host', '--wait=true'], { allowFail: true }),
      () => operator?.stop(),
      () => podman?.stop(),
    ]);
  });

  it('is a Ready ContainerHost whose engine is Podman', async () => {
    await eventually(
      'podman-host Ready',
      async () => {
        const ch = await getJson<ContainerHost>(['get', 'ch', 'podman-host']);
        return ch.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
      },
      operator,
    );
    const ch = await getJson<ContainerHost>(['get', 'ch', 'podman-host']);
    expect(ch.status).toMatchObject({ engine: 'Podman', version: '4.3.1' });
  });

  it('runs a container through create, stop, pause, start, rebuild, drift repair and delete', async () => {
    await apply(web());
    const created = await ready('Running');
    expect(created.status?.host).toBe('podman-host');
    const [first] = await containers();
    expect(first?.State).toBe('running');

    await apply(web({ state: 'Stopped' }));
    await ready('Stopped');
    expect((await containers()).map((c) => c.State)).toEqual(['exited']);

    await apply(web({ state: 'Paused' }));
    await ready('Paused');
    expect((await containers()).map((c) => c.State)).toEqual(['paused']);

    await apply(web());
    await ready('Running');
    expect((await containers()).map((c) => c.Id)).toEqual([first?.Id]);

    // A field that needs a new container: the same name, a new ID.
    await apply(web({ env: [{ name: 'GREETING', value: 'hello' }] }));
    await eventually('rebuilt', async () => (await status()).status?.containerID !== first?.Id, operator);
    const rebuilt = await ready('Running');
    expect((await containers()).map((c) => c.Id)).toEqual([rebuilt.status?.containerID]);

    // Drift: the container removed behind the operator's back is made again.
    await dockerFromHost(podman.host).getContainer(rebuilt.status!.containerID!).remove({ force: true });
    await eventually(
      'recreated',
      async () => {
        const now = await containers();
        return now.length === 1 && now[0]!.Id !== rebuilt.status?.containerID && now[0]!.State === 'running';
      },
      operator,
    );

    await kubectl(['delete', 'nc', 'web', '-n', ns, '--wait=true', '--timeout=60s']);
    expect(await containers()).toEqual([]);
  });

  it('rebuilds for a new restart policy (no updates in place), and restarts a container that may move itself', async () => {
    await apply(web());
    const before = await ready('Running');
    // Opting into rescheduling: Podman's policy must become no. Podman 4.3 cannot change it in
    // place (no update endpoint), so the container is rebuilt: same name, a new ID.
    await apply(web({ placement: { hostName: 'podman-host', rescheduleAfterSeconds: 300 } }));
    await eventually(
      'rebuilt',
      async () => (await status()).status?.containerID !== before.status?.containerID,
      operator,
    );
    const rebuilt = await ready('Running');
    const id = rebuilt.status!.containerID!;
    expect((await containers()).map((c) => c.Id)).toEqual([id]);
    const info = await dockerFromHost(podman.host).getContainer(id).inspect();
    expect(info.HostConfig.RestartPolicy?.Name ?? '').toMatch(/^(no|)$/);
    // The process ends by itself (killed behind the operator's back): the operator starts it again.
    await dockerFromHost(podman.host).getContainer(id).kill();
    const restarted = await waitFor<NativeContainer>(
      'restarted by the operator',
      ['-n', ns, 'nc', 'web'],
      (o) => o.status?.restartCount === 1 && condition(o, 'Ready')?.reason === 'Running',
      operator,
    );
    expect(restarted.status?.containerID).toBe(id);
    expect(restarted.status?.lastRestart).toMatchObject({ reason: 'Exited', exitCode: 137 });
    await kubectl(['delete', 'nc', 'web', '-n', ns, '--wait=true', '--timeout=60s']);
  });

  it('runs healthchecks: a container that turns unhealthy is restarted and healthy again', async () => {
    await apply(checked('flaky', FAILS_ONCE));
    const restarted = await waitFor<NativeContainer>(
      'restarted for its healthcheck and healthy again',
      ['-n', ns, 'nc', 'flaky'],
      (o) => o.status?.lastRestart?.reason === 'Unhealthy' && condition(o, 'Ready')?.reason === 'Running',
      operator,
    );
    expect(restarted.status?.host).toBe('podman-host');
    expect(restarted.status?.health).toBe('healthy');
    expect(restarted.status?.restartCount).toBe(1);
    expect(restarted.status?.lastRestart?.message).toContain('no /tmp/healthy');
    expect(restarted.status?.unhealthyRestarts?.count).toBe(1);
    const info = await dockerFromHost(podman.host).getContainer(restarted.status!.containerID!).inspect();
    expect(info.State.Health?.Status).toBe('healthy');
  });

  it('runs healthchecks: an unhealthy container under onUnhealthy None is left running and not Ready', async () => {
    await apply(checked('left', NEVER_HEALTHY, { onUnhealthy: 'None' }));
    const unhealthy = await waitForReason<NativeContainer>(['-n', ns, 'nc', 'left'], 'Ready', 'Unhealthy', operator);
    expect(condition(unhealthy, 'Ready')?.message).toContain('left running');
    const id = unhealthy.status!.containerID!;
    // The checks go on (the operator runs them; Podman counts them): ten failures in a row.
    await eventually('ten failed checks in a row', async () => {
      const info = await dockerFromHost(podman.host).getContainer(id).inspect();
      return (info.State.Health?.FailingStreak ?? 0) >= 10;
    });
    const after = await getJson<NativeContainer>(['get', 'nc', 'left', '-n', ns]);
    expect(after.status?.restartCount).toBe(0);
    expect(after.status?.startedAt).toBe(unhealthy.status?.startedAt);
    expect(after.status?.state).toBe('Running');
    expect(after.status?.lastProbe?.output).toContain('no /tmp/healthy');
  });
});
