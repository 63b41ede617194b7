// Drift and ownership: a managed container stopped, killed, removed or replaced by hand is put
// back to its spec, and a labelled container without a resource is removed. The operator runs
// with a one-hour resync, so only the Docker event stream can bring things back in time.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NativeContainer } from '../../src/api/native-container.ts';
import { LABELS, MANAGED_BY } from '../../src/controllers/nativecontainer/identity.ts';
import {
  containersOf,
  createNamespace,
  docker,
  eventually,
  EXAMPLES,
  getJson,
  kubectl,
  sample,
  startOperatorWithEndpoints,
  type OperatorWithEndpoints,
} from './support.ts';

describe('drift repair and orphan collection', () => {
  let op: OperatorWithEndpoints;
  let ns: string;

  async function theContainer() {
    const list = await containersOf(ns, 'hello');
    expect(list.length).toBeLessThanOrEqual(1);
    return list[0];
  }

  async function runningAgain(what: string, differentFrom?: { id: string; startedAt: string }): Promise<string> {
    let id = '';
    await eventually(
      what,
      async () => {
        const c = await theContainer();
        if (!c || c.State !== 'running') return false;
        const started = (await docker().getContainer(c.Id).inspect()).State.StartedAt;
        if (differentFrom && c.Id === differentFrom.id && started === differentFrom.startedAt) return false;
        const nc = await getJson<NativeContainer>(['get', '-n', ns, 'nc', 'hello']);
        const ready = nc.status?.conditions?.find((x) => x.type === 'Ready');
        id = c.Id;
        return nc.status?.containerID === c.Id && ready?.status === 'True';
      },
      op.handle,
    );
    return id;
  }

  async function snapshot(): Promise<{ id: string; startedAt: string }> {
    const c = await theContainer();
    return { id: c!.Id, startedAt: (await docker().getContainer(c!.Id).inspect()).State.StartedAt };
  }

  beforeAll(async () => {
    ns = await createNamespace('drift');
    op = await startOperatorWithEndpoints('drift', { NCO_RESYNC_SECONDS: '3600' });
    await kubectl(['apply', '-n', ns, '-f', join(EXAMPLES, 'hello.yaml')]);
    await kubectl(['wait', '-n', ns, '--for=condition=Ready', '--timeout=120s', 'nc/hello']);
  });

  afterAll(async () => {
    await op?.handle.stop();
  });

  it('starts a container again after docker stop', async () => {
    const before = await snapshot();
    await docker().getContainer(before.id).stop({ t: 1 });
    expect(await runningAgain('running again after docker stop', before)).toBe(before.id);
  });

  it('starts a container again after docker kill', async () => {
    const before = await snapshot();
    await docker().getContainer(before.id).kill();
    expect(await runningAgain('running again after docker kill', before)).toBe(before.id);
  });

  it('creates a new container after docker rm -f and reports its new ID', async () => {
    const before = await snapshot();
    await docker().getContainer(before.id).remove({ force: true });
    expect(await runningAgain('a new container after docker rm -f', before)).not.toBe(before.id);
  });

  it('rebuilds a container that was replaced by hand with another configuration', async () => {
    const before = await snapshot();
    const labels = (await docker().getContainer(before.id).inspect()).Config.Labels;
    // The operator is frozen while the container is swapped: it repairs a removal within tens of
    // milliseconds, faster than the test's next call, and would take the name first.
    process.kill(op.handle.pid, 'SIGSTOP');
    let impostor: Awaited<ReturnType<ReturnType<typeof docker>['createContainer']>>;
    try {
      await docker().getContainer(before.id).remove({ force: true });
      impostor = await docker().createContainer({
        name: `nc_${ns}_hello`,
        // The image of the spec (manifests/examples/hello.yaml), so that only the configuration differs.
        Image: 'busybox:1.37',
        Cmd: ['sleep', '3600'],
        Labels: { ...labels, [LABELS.configHash]: 'edited-by-hand' },
        HostConfig: { NetworkMode: 'none' },
      });
    } finally {
      process.kill(op.handle.pid, 'SIGCONT');
    }
    const id = await runningAgain('the container rebuilt to its spec', { id: impostor.id, startedAt: '' });
    const inspected = await docker().getContainer(id).inspect();
    expect(inspected.Config.Entrypoint).toEqual(['/bin/sh', '-c']);
    expect(inspected.Config.Labels[LABELS.configHash]).not.toBe('edited-by-hand');
  });

  it('records an Event with the cause of every repair', async () => {
    const messages = async (): Promise<string[]> => {
      const args = ['get', 'events', '-n', ns, '--field-selector', 'involvedObject.name=hello', '-o', 'json'];
      const events = JSON.parse((await kubectl(args)).stdout) as { items: { reason: string; message: string }[] };
      return events.items.map((e) => `${e.reason}: ${e.message}`);
    };
    const expected: [string, (m: string) => boolean][] = [
      ['Start after docker stop', (m) => /^Start: Start [0-9a-f]{12} \(container is exited\)$/.test(m)],
      // The plan names the container it creates (a rebuild creates nc_<ns>_<name>_next first).
      ['Create after docker rm -f', (m) => m === `Created: Create nc_${ns}_hello (container does not exist)`],
      ['Remove of the impostor', (m) => m.startsWith('Remove: ') && m.includes('configuration changed')],
    ];
    // Events are sent in the background, never awaited by a repair: wait for them.
    let seen: string[] = [];
    await eventually(
      'an Event for each repair',
      async () => {
        seen = await messages();
        return expected.every(([, match]) => seen.some(match));
      },
      op.handle,
    ).catch((err: unknown) => {
      const missing = expected.filter(([, match]) => !seen.some(match)).map(([what]) => what);
      throw new Error(`${String(err)}; missing: ${missing.join(', ')}; seen: ${seen.join(' | ')}`);
    });
  });

  it('removes a labelled container whose resource does not exist', async () => {
    const orphan = await docker().createContainer({
      name: `nc_${ns}_ghost`,
      Image: 'nco-test/busybox:1',
      Cmd: ['sleep', '3600'],
      Labels: {
        [LABELS.managedBy]: MANAGED_BY,
        [LABELS.ownerNamespace]: ns,
        [LABELS.ownerName]: 'ghost',
        [LABELS.ownerUid]: 'x',
      },
      HostConfig: { NetworkMode: 'none' },
    });
    await eventually('the orphan is removed', async () => (await containersOf(ns, 'ghost')).length === 0, op.handle);
    await expect(docker().getContainer(orphan.id).inspect()).rejects.toThrow(/no such container/i);
  });

  it('leaves alone a container without our labels', async () => {
    const foreign = await docker().createContainer({
      name: `foreign-${ns}`,
      Image: 'nco-test/busybox:1',
      Cmd: ['true'],
      Labels: { [LABELS.ownerNamespace]: ns, [LABELS.ownerName]: 'foreign' },
      HostConfig: { NetworkMode: 'none' },
    });
    try {
      // The orphan pass runs on every create event of a labelled container: make one happen after this.
      await docker().createContainer({
        name: `nc_${ns}_ghost2`,
        Image: 'nco-test/busybox:1',
        Labels: { [LABELS.managedBy]: MANAGED_BY, [LABELS.ownerNamespace]: ns, [LABELS.ownerName]: 'ghost2' },
        HostConfig: { NetworkMode: 'none' },
      });
      await eventually('the second orphan is removed', async () => (await containersOf(ns, 'ghost2')).length === 0);
      expect((await docker().getContainer(foreign.id).inspect()).Id).toBe(foreign.id);
    } finally {
      await docker().getContainer(foreign.id).remove({ force: true });
    }
  });

  it('serves health, readiness and controller-runtime metrics', async () => {
    expect((await fetch(`${op.healthUrl}/healthz`)).status).toBe(200);
    const ready = await fetch(`${op.healthUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.text()).toContain('[+]docker ok');
    const text = await (await fetch(`${op.metricsUrl}/metrics`)).text();
    const c = { controller: 'nativecontainer' };
    expect(sample(text, 'controller_runtime_reconcile_total', { ...c, result: 'requeue_after' })).toBeGreaterThan(0);
    expect(sample(text, 'controller_runtime_max_concurrent_reconciles', c)).toBe(2);
    expect(sample(text, 'workqueue_adds_total', { name: 'nativecontainer' })).toBeGreaterThan(0);
    expect(text).toContain('controller_runtime_reconcile_time_seconds_bucket');
    expect(text).toContain('workqueue_queue_duration_seconds_bucket');
    expect(sample(text, 'nco_docker_operations_total', { operation: 'start', result: 'success' })).toBeGreaterThan(2);
    expect(sample(text, 'nco_orphan_containers_removed_total')).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'nco_docker_event_streams_total')).toBe(1);
    expect(sample(text, 'nco_drift_repairs_total', { cause: 'container is exited' })).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'nco_drift_repairs_total', { cause: 'container does not exist' })).toBeGreaterThanOrEqual(1);
  });
});
