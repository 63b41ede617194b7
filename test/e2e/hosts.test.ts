// Many Docker hosts: three dockerds, each in a network namespace of its own, reached by a unix
// socket, TCP with TLS and SSH, as ContainerHosts of one operator. Placement by pin, selector,
// spread and capacity, unschedulable messages, cordon and drain, a host killed and restarted
// (rescheduling, the stale copy removed), and a TLS certificate no longer trusted.
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContainerHost } from '../../src/api/container-host.ts';
import type { NativeContainer } from '../../src/api/native-container.ts';
import { dockerFromHost } from '../../src/backend/docker-backend.ts';
import { LABELS } from '../../src/controllers/nativecontainer/identity.ts';
import type { ProcessHandle } from '../../src/local/processes.ts';
import { startDockerHosts, type DockerHosts, type TestHost } from '../env/docker-hosts.ts';
import { cleanupSteps } from './cleanup.ts';
import { createNamespace, eventually, getJson, kubectl, startOperator } from './support.ts';

const IMAGE = 'nco-test/busybox:1';
let env: DockerHosts;
let operator: ProcessHandle;
let ns: string;
let opNs: string;

const host = (name: string): TestHost => env.hosts.find((h) => h.name === name)!;
const dockerOf = (name: string): Docker => dockerFromHost(host(name).localHost);

async function apply(obj: object): Promise<void> {
  await kubectl(['apply', '-f', '-'], { input: JSON.stringify(obj) });
}

function containerHost(h: TestHost, labels: Record<string, string>, spec: Partial<ContainerHost['spec']> = {}): object {
  return {
    apiVersion: 'nativecontainer.io/v1alpha1',
    kind: 'ContainerHost',
    metadata: { name: h.name, labels },
    spec: {
      endpoint: h.endpoint,
      ...(h.secret ? { secretRef: { name: `${h.name}-secret`, namespace: opNs } } : {}),
      ...spec,
    },
  };
}

function nc(name: string, spec: Partial<NativeContainer['spec']> = {}): object {
  return {
    apiVersion: 'nativecontainer.io/v1alpha1',
    kind: 'NativeContainer',
    metadata: { name, namespace: ns },
    spec: { image: IMAGE, command: ['sleep', '3600'], stopTimeoutSeconds: 1, ...spec },
  };
}

async function get(name: string): Promise<NativeContainer> {
  return getJson<NativeContainer>(['get', 'nc', name, '-n', ns]);
}

function condition(
  obj: { status?: { conditions?: { type: string; status: string; reason: string; message: string }[] } },
  type: string,
) {
  return obj.status?.conditions?.find((c) => c.type === type);
}

/** Waits until the resource is Ready on a host (other than `notOn`), and returns the host. */
async function readyOn(name: string, notOn?: string): Promise<string> {
  let bound = '';
  await eventually(
    `${name} Ready on a host${notOn ? ` other than ${notOn}` : ''}`,
    async () => {
      const r = await get(name);
      bound = r.status?.host ?? '';
      const ready = condition(r, 'Ready')?.status === 'True' && r.status?.observedGeneration === r.metadata.generation;
      return ready && bound !== '' && bound !== notOn;
    },
    operator,
  );
  return bound;
}

async function unschedulable(name: string): Promise<string> {
  let message = '';
  await eventually(
    `${name} Unschedulable`,
    async () => {
      const s = condition(await get(name), 'Scheduled');
      message = s?.message ?? '';
      return s?.status === 'False' && s.reason === 'Unschedulable';
    },
    operator,
  );
  return message;
}

/** Running containers of a resource on a host, by the labels the operator puts on them. */
async function runningOn(hostName: string, name: string): Promise<Docker.ContainerInfo[]> {
  return dockerOf(hostName).listContainers({
    filters: { label: [`${LABELS.ownerNamespace}=${ns}`, `${LABELS.ownerName}=${name}`] },
  });
}

async function allOn(hostName: string, name: string): Promise<Docker.ContainerInfo[]> {
  return dockerOf(hostName).listContainers({
    all: true,
    filters: { label: [`${LABELS.ownerNamespace}=${ns}`, `${LABELS.ownerName}=${name}`] },
  });
}

/** The start events of a resource's containers on a host since `since` (seconds), from Docker's event log. */
async function startsOn(hostName: string, name: string, since: number): Promise<string[]> {
  const stream = await dockerOf(hostName).getEvents({
    since,
    until: Math.ceil(Date.now() / 1000),
    filters: {
      type: ['container'],
      event: ['start', 'restart', 'unpause'],
      label: [`${LABELS.ownerNamespace}=${ns}`, `${LABELS.ownerName}=${name}`],
    },
  });
  let text = '';
  for await (const chunk of stream) text += String(chunk);
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const e = JSON.parse(line) as { Action: string; id: string; time: number };
      return `${e.Action} ${e.id.slice(0, 12)} at ${e.time}`;
    });
}

async function hostReady(name: string, status: 'True' | 'False', reason?: string): Promise<ContainerHost> {
  let ch: ContainerHost | undefined;
  await eventually(
    `ContainerHost ${name} Ready=${status}${reason ? ` (${reason})` : ''}`,
    async () => {
      ch = await getJson<ContainerHost>(['get', 'ch', name]);
      const ready = condition(ch, 'Ready');
      return ready?.status === status && (reason === undefined || ready.reason === reason);
    },
    operator,
  );
  return ch!;
}

async function deleteAll(): Promise<void> {
  await kubectl(['delete', 'nc', '--all', '-n', ns, '--wait=true', '--timeout=120s'], { allowFail: true });
}

describe('many Docker hosts', () => {
  beforeAll(async () => {
    env = await startDockerHosts();
    opNs = await createNamespace('hosts-op');
    ns = await createNamespace('hosts');
    for (const h of env.hosts) {
      if (!h.secret) continue;
      const args = Object.entries(h.secret).map(([k, v]) => `--from-literal=${k}=${v}`);
      await kubectl(['create', 'secret', 'generic', `${h.name}-secret`, '-n', opNs, ...args]);
    }
    await apply(containerHost(host('unix-host'), { zone: 'a' }));
    await apply(containerHost(host('tls-host'), { zone: 'b' }));
    await apply(containerHost(host('ssh-host'), { zone: 'b', disk: 'ssd' }));
    operator = startOperator('hosts', { POD_NAMESPACE: opNs, NCO_HOST_HEARTBEAT_SECONDS: '2' });
  });

  afterAll(async () => {
    await cleanupSteps([
      () => deleteAll(),
      // ContainerHosts are cluster-wide: none may outlive this file, or later files would place on them.
      () => kubectl(['delete', 'ch', '--all', '--wait=true'], { allowFail: true }),
      () => operator?.stop(),
      () => env?.stop(),
    ]);
  });

  it('makes every ContainerHost Ready with its engine, version, capacity and a heartbeat', async () => {
    for (const h of env.hosts) {
      const ch = await hostReady(h.name, 'True', 'Connected');
      expect(ch.status).toMatchObject({ engine: 'Docker', containers: 0 });
      expect(ch.status?.version).toMatch(/^\d+\.\d+/);
      expect(Number.parseInt(ch.status?.capacity?.cpu ?? '0', 10)).toBeGreaterThan(0);
      expect(ch.status?.lastHeartbeat).toBeDefined();
    }
    const table = (await kubectl(['get', 'ch'])).stdout;
    expect(table.split('\n')[0]).toMatch(/NAME\s+READY\s+ENGINE\s+VERSION\s+CPU\s+MEMORY\s+CONTAINERS\s+AGE/);
    process.stdout.write(`kubectl get ch:\n${table}\n`);
  });

  it('places by pin, by selector and spread by a label, and shows the host with -o wide', async () => {
    await apply(nc('pinned', { placement: { hostName: 'ssh-host' } }));
    await apply(nc('selected', { placement: { hostSelector: { matchLabels: { zone: 'a' } } } }));
    await apply(nc('spread-1', { placement: { spreadBy: 'zone' } }));
    await apply(nc('spread-2', { placement: { spreadBy: 'zone' } }));
    expect(await readyOn('pinned')).toBe('ssh-host');
    expect(await readyOn('selected')).toBe('unix-host');
    const zones = [await readyOn('spread-1'), await readyOn('spread-2')].map((h) => (h === 'unix-host' ? 'a' : 'b'));
    expect(zones.sort()).toEqual(['a', 'b']);
    // The container runs on the host it is bound to, labelled with it, and nowhere else.
    const [c] = await runningOn('ssh-host', 'pinned');
    expect(c?.Labels[LABELS.host]).toBe('ssh-host');
    expect(await allOn('unix-host', 'pinned')).toEqual([]);
    expect(condition(await get('pinned'), 'Scheduled')).toMatchObject({ status: 'True', reason: 'Scheduled' });
    const wide = (await kubectl(['get', 'nc', 'pinned', '-n', ns, '-o', 'wide'])).stdout;
    expect(wide.split('\n')[0]).toContain('HOST');
    expect(wide.split('\n')[1]).toContain('ssh-host');
    process.stdout.write(`kubectl get nc -o wide:\n${(await kubectl(['get', 'nc', '-n', ns, '-o', 'wide'])).stdout}\n`);
    await deleteAll();
  });

  it('says why nothing fits, and places what waited once the exhausted host is freed', async () => {
    await apply(containerHost(host('ssh-host'), { zone: 'b', disk: 'ssd' }, { capacity: { memory: '100Mi' } }));
    await eventually('ssh-host allocatable 100Mi', async () => {
      const ch = await getJson<ContainerHost>(['get', 'ch', 'ssh-host']);
      return ch.status?.allocatable?.memory === String(100 * 1024 * 1024);
    });
    const on = { placement: { hostName: 'ssh-host' }, resources: { requests: { memory: '64Mi' } } };
    await apply(nc('first', on));
    expect(await readyOn('first')).toBe('ssh-host');
    await apply(nc('second', on));
    expect(await unschedulable('second')).toBe(
      '0/3 hosts are available: 1 insufficient memory, 2 not the requested host.',
    );
    expect(condition(await get('second'), 'Ready')).toMatchObject({ status: 'False', reason: 'Unschedulable' });
    await apply(nc('huge', { resources: { requests: { memory: '1Pi' } } }));
    expect(await unschedulable('huge')).toBe('0/3 hosts are available: 3 insufficient memory.');
    await kubectl(['delete', 'nc', 'first', '-n', ns, '--wait=true']);
    expect(await readyOn('second')).toBe('ssh-host');
    await deleteAll();
    await apply(containerHost(host('ssh-host'), { zone: 'b', disk: 'ssd' }));
  });

  it('places nothing new on a cordoned host, and what waited goes there once it is uncordoned', async () => {
    await kubectl(['patch', 'ch', 'unix-host', '--type=merge', '-p', '{"spec":{"unschedulable":true}}']);
    await apply(nc('zone-a', { placement: { hostSelector: { matchLabels: { zone: 'a' } } } }));
    expect(await unschedulable('zone-a')).toBe(
      '0/3 hosts are available: 1 cordoned, 2 not matching the host selector.',
    );
    await kubectl(['patch', 'ch', 'unix-host', '--type=merge', '-p', '{"spec":{"unschedulable":false}}']);
    expect(await readyOn('zone-a')).toBe('unix-host');
    await deleteAll();
  });

  it('drains a host: reschedulable containers move one at a time, the pinned one stays', async () => {
    // Everything new goes to unix-host while the others are cordoned.
    for (const h of ['tls-host', 'ssh-host'])
      await kubectl(['patch', 'ch', h, '--type=merge', '-p', '{"spec":{"unschedulable":true}}']);
    await apply(nc('move-1', { placement: { rescheduleAfterSeconds: 300 } }));
    await apply(nc('move-2', { placement: { rescheduleAfterSeconds: 300 } }));
    await apply(nc('stay', {}));
    for (const n of ['move-1', 'move-2', 'stay']) expect(await readyOn(n)).toBe('unix-host');
    for (const h of ['tls-host', 'ssh-host'])
      await kubectl(['patch', 'ch', h, '--type=merge', '-p', '{"spec":{"unschedulable":false}}']);
    await kubectl(['patch', 'ch', 'unix-host', '--type=merge', '-p', '{"spec":{"unschedulable":true}}']);
    await kubectl(['annotate', 'ch', 'unix-host', 'nativecontainer.io/drain=true']);
    let bothMovingAtOnce = false;
    await eventually(
      'both movable containers Ready on other hosts',
      async () => {
        const [a, b] = [await get('move-1'), await get('move-2')];
        const moving = [a, b].filter((r) => r.status?.host !== 'unix-host' && condition(r, 'Ready')?.status !== 'True');
        if (moving.length > 1) bothMovingAtOnce = true;
        return [a, b].every((r) => r.status?.host !== 'unix-host' && condition(r, 'Ready')?.status === 'True');
      },
      operator,
    );
    expect(bothMovingAtOnce).toBe(false);
    for (const n of ['move-1', 'move-2']) {
      await eventually(`no copy of ${n} left on unix-host`, async () => (await allOn('unix-host', n)).length === 0);
      expect(condition(await get(n), 'Scheduled')).toMatchObject({ status: 'True', reason: 'Rescheduled' });
    }
    expect((await get('stay')).status?.host).toBe('unix-host');
    expect(await runningOn('unix-host', 'stay')).toHaveLength(1);
    await kubectl(['annotate', 'ch', 'unix-host', 'nativecontainer.io/drain-']);
    await kubectl(['patch', 'ch', 'unix-host', '--type=merge', '-p', '{"spec":{"unschedulable":false}}']);
    await deleteAll();
  });

  it('a host killed: conditions say so, only the container that opted in moves, and the stale copy goes when the host returns', async () => {
    for (const h of ['tls-host', 'ssh-host'])
      await kubectl(['patch', 'ch', h, '--type=merge', '-p', '{"spec":{"unschedulable":true}}']);
    await apply(nc('mover', { placement: { rescheduleAfterSeconds: 3 } }));
    await apply(nc('stayer', {}));
    expect(await readyOn('mover')).toBe('unix-host');
    expect(await readyOn('stayer')).toBe('unix-host');
    await kubectl(['patch', 'ch', 'tls-host', '--type=merge', '-p', '{"spec":{"unschedulable":false}}']);

    await host('unix-host').docker.crash();
    const lost = await hostReady('unix-host', 'False', 'Unreachable');
    expect(condition(lost, 'Ready')?.message).toContain('unix://');
    await eventually(
      'stayer says its host does not answer',
      async () => condition(await get('stayer'), 'Ready')?.reason === 'DockerUnreachable',
      operator,
    );
    expect(await readyOn('mover', 'unix-host')).toBe('tls-host');
    expect(condition(await get('mover'), 'Scheduled')?.reason).toBe('Rescheduled');
    expect((await get('stayer')).status?.host).toBe('unix-host');

    // Docker's clock is this machine's: events from here on are those of the host's return.
    const returned = Math.floor(Date.now() / 1000);
    await host('unix-host').docker.start();
    // From the moment its API answers, the stale copy is not running (gone, or stopped by the
    // returning dockerd and not started again).
    expect(await runningOn('unix-host', 'mover')).toEqual([]);
    await hostReady('unix-host', 'True');
    await eventually(
      'the stale copy of mover removed from unix-host',
      async () => (await allOn('unix-host', 'mover')).length === 0,
      operator,
    );
    expect(await readyOn('stayer')).toBe('unix-host');
    // The returning dockerd did not start the stale copy (the operator restarts a container that
    // may move, not Docker's restart policy), and it was removed, not started, by the operator:
    // never two copies running after the host came back. The one that stayed was started again.
    expect(await startsOn('unix-host', 'mover', returned)).toEqual([]);
    expect((await startsOn('unix-host', 'stayer', returned)).length).toBeGreaterThan(0);
    expect((await runningOn('tls-host', 'mover')).length + (await runningOn('unix-host', 'mover')).length).toBe(1);
    const [moved] = await runningOn('tls-host', 'mover');
    expect((await dockerOf('tls-host').getContainer(moved!.Id).inspect()).HostConfig.RestartPolicy?.Name).toBe('no');
    await kubectl(['patch', 'ch', 'ssh-host', '--type=merge', '-p', '{"spec":{"unschedulable":false}}']);
    await deleteAll();
  });

  it('a container that may move is restarted by the operator, as its restart policy says, not by Docker', async () => {
    const since = Math.floor(Date.now() / 1000);
    const movable = { hostName: 'unix-host', rescheduleAfterSeconds: 300 };
    await apply(
      nc('retried', {
        placement: movable,
        restartPolicy: 'OnFailure',
        maxRetries: 2,
        command: ['sh', '-c', 'exit 3'],
      }),
    );
    await apply(nc('looping', { placement: movable, command: ['sh', '-c', 'sleep 1; exit 0'] }));
    let retried: NativeContainer | undefined;
    await eventually(
      'retried Failed after 2 restarts by the operator',
      async () => {
        retried = await get('retried');
        return retried.status?.state === 'Failed' && retried.status.restartCount === 2;
      },
      operator,
    );
    expect(condition(retried!, 'Ready')).toMatchObject({ status: 'False', reason: 'Failed' });
    expect(retried!.status?.lastRestart).toMatchObject({ reason: 'Exited', exitCode: 3 });
    const [gaveUp] = await allOn('unix-host', 'retried');
    const inspected = await dockerOf('unix-host').getContainer(gaveUp!.Id).inspect();
    expect(inspected.HostConfig.RestartPolicy?.Name).toBe('no');
    expect(inspected.State.ExitCode).toBe(3);
    // The first start and two retries: maxRetries holds, whoever restarts.
    expect(await startsOn('unix-host', 'retried', since)).toHaveLength(3);
    await eventually(
      'looping restarted by the operator after each exit',
      async () => ((await get('looping')).status?.restartCount ?? 0) >= 3,
      operator,
    );
    expect((await get('looping')).status?.lastRestart).toMatchObject({ reason: 'Exited', exitCode: 0 });
    await deleteAll();
  });

  it('a host whose TLS certificate is replaced by an untrusted one is Untrusted, and nothing is done there', async () => {
    await apply(nc('on-tls', { placement: { hostName: 'tls-host' } }));
    expect(await readyOn('on-tls')).toBe('tls-host');
    const before = (await runningOn('tls-host', 'on-tls'))[0]?.Id;
    await env.untrustTls();
    const ch = await hostReady('tls-host', 'False', 'Untrusted');
    expect(condition(ch, 'Ready')?.message).toMatch(/certificate/i);
    await apply(nc('on-tls', { placement: { hostName: 'tls-host' }, env: [{ name: 'CHANGED', value: '1' }] }));
    await eventually(
      'on-tls not Ready',
      async () => condition(await get('on-tls'), 'Ready')?.status === 'False',
      operator,
    );
    // The container was not touched: the change waits for a host the operator can trust.
    expect((await allOn('tls-host', 'on-tls')).map((c) => c.Id)).toEqual([before]);
    // A host that is gone lets its resources be deleted (what is left there would be an orphan).
    await kubectl(['delete', 'ch', 'tls-host', '--wait=true']);
    await kubectl(['delete', 'nc', 'on-tls', '-n', ns, '--wait=true', '--timeout=60s']);
  });
});
