// Rebuilds, in-place changes and requests end to end: a rebuild keeps the name, the volumes and
// their data; a failed pull leaves the old container as it was; a Stopped container stays
// Stopped; limits change without a restart; a restart request restarts once; volumes follow
// autoDelete when the resource goes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NativeContainer } from '../../src/api/native-container.ts';
import type { Registry } from '../../src/local/registry.ts';
import type { ProcessHandle } from '../../src/local/processes.ts';
import { TEST_IMAGE } from '../../src/local/test-image.ts';
import {
  applyRegistryCredentials,
  buildSecondImage,
  condition,
  execIn,
  forgetImages,
  kubectlApply,
  patchSpec,
  registryWith,
  sleeper,
  TEST_IMAGE_2,
  waitFor,
  waitForReason,
  forgetRegistry,
} from './helpers.ts';
import { containersOf, createNamespace, docker, kubectl, startOperator } from './support.ts';
import { cleanupSteps } from './cleanup.ts';

const MiB = 1024 * 1024;

describe('rebuilds, in-place changes and requests', () => {
  let operator: ProcessHandle;
  let registry: Registry;
  let ns: string;
  const timings: Record<string, number> = {};

  const image = (tag: string): string => `${registry.host}/app:${tag}`;
  const nc = (name: string): string[] => ['-n', ns, 'nc', name];
  const inspect = async (name: string) => {
    const [info, ...others] = await containersOf(ns, name);
    expect(others).toEqual([]);
    return docker().getContainer(info!.Id).inspect();
  };

  beforeAll(async () => {
    await buildSecondImage();
    registry = await registryWith({ 'app:1': TEST_IMAGE, 'app:2': TEST_IMAGE_2 });
    await forgetImages([image('1'), image('2')]);
    ns = await createNamespace('rebuild');
    await applyRegistryCredentials(ns, registry, 'reg');
    operator = startOperator('rebuild');
  });

  afterAll(async () => {
    // Nothing of this file may keep later files' operators busy (their registries are gone then).
    await cleanupSteps([
      () => kubectl(['delete', 'nc,csec', '--all', '-n', ns, '--timeout=60s'], { allowFail: true }),
      () => operator?.stop(),
      () => forgetRegistry(registry),
      () => registry?.stop(),
    ]);
    console.info(`rebuild timings (ms): ${JSON.stringify(timings)}`);
  });

  it('rebuilds on a new image under the same name with the same volume, and the data is still there', async () => {
    const volumes = [{ name: 'data', mountPath: '/data' }];
    await kubectlApply(ns, sleeper('keeper', { image: image('1'), secretRef: { name: 'reg' }, volumes }));
    await waitForReason<NativeContainer>(nc('keeper'), 'Ready', 'Running', operator);
    const before = await inspect('keeper');
    await execIn(before.Id, ['/bin/sh', '-c', 'echo precious > /data/file']);

    const t0 = performance.now();
    await patchSpec(ns, 'nc/keeper', { image: image('2') });
    const after = await waitFor<NativeContainer>(
      'the rebuilt container is Ready',
      nc('keeper'),
      (o) => condition(o, 'Ready')?.status === 'True' && o.status?.containerID !== before.Id,
      operator,
    );
    timings['rebuild with a pull'] = Math.round(performance.now() - t0);
    const rebuilt = await inspect('keeper');
    expect(rebuilt.Id).toBe(after.status?.containerID);
    expect(rebuilt.Name).toBe(before.Name);
    expect(rebuilt.Mounts.map((m) => m.Name)).toEqual(before.Mounts.map((m) => m.Name));
    expect(await execIn(rebuilt.Id, ['cat', '/data/file'])).toBe('precious\n');
    expect(await execIn(rebuilt.Id, ['printenv', 'NCO_IMAGE'])).toBe('2\n');
    expect(after.status?.imageID).toBe(rebuilt.Image);
  });

  it('keeps the old container running when the pull of a new image fails, and says why', async () => {
    const running = await inspect('keeper');
    await patchSpec(ns, 'nc/keeper', { image: image('404') });
    const failed = await waitForReason<NativeContainer>(nc('keeper'), 'Ready', 'ImageNotFound', operator);
    expect(condition(failed, 'Ready')?.message).toContain('The existing container is kept as it was');
    expect(condition(failed, 'Stalled')?.status).toBe('True');
    const still = await inspect('keeper');
    expect([still.Id, still.State.Running, still.State.StartedAt]).toEqual([running.Id, true, running.State.StartedAt]);

    await patchSpec(ns, 'nc/keeper', { image: image('2') });
    const back = await waitForReason<NativeContainer>(nc('keeper'), 'Ready', 'Running', operator);
    expect(back.status?.containerID).toBe(running.Id);
  });

  it('rebuilds with an unchanged image on a new rebuildRequest', async () => {
    const before = await inspect('keeper');
    await patchSpec(ns, 'nc/keeper', { rebuildRequest: 'once' });
    const after = await waitFor<NativeContainer>(
      'a new container',
      nc('keeper'),
      (o) => condition(o, 'Ready')?.status === 'True' && o.status?.containerID !== before.Id,
      operator,
    );
    expect((await inspect('keeper')).Config.Image).toBe(image('2'));
    expect(after.status?.containerID).not.toBe(before.Id);
  });

  it('keeps a Stopped container stopped through its rebuild', async () => {
    await kubectlApply(ns, sleeper('resting', { image: image('1'), secretRef: { name: 'reg' }, state: 'Stopped' }));
    const first = await waitForReason<NativeContainer>(nc('resting'), 'Ready', 'Stopped', operator);
    await patchSpec(ns, 'nc/resting', { image: image('2') });
    const rebuilt = await waitFor<NativeContainer>(
      'the rebuilt container, stopped',
      nc('resting'),
      (o) => condition(o, 'Ready')?.reason === 'Stopped' && o.status?.containerID !== first.status?.containerID,
      operator,
    );
    const info = await inspect('resting');
    expect(info.Id).toBe(rebuilt.status?.containerID);
    expect(info.Config.Image).toBe(image('2'));
    expect(info.State.Running).toBe(false);
    expect(info.State.StartedAt).toMatch(/^0001-01-01/);
  });

  it('changes cpu and memory limits in place: same container, never restarted', async () => {
    await kubectlApply(ns, sleeper('limits', { resources: { cpu: '500m', memory: '64Mi' } }));
    await waitForReason<NativeContainer>(nc('limits'), 'Ready', 'Running', operator);
    const before = await inspect('limits');
    const t0 = performance.now();
    await patchSpec(ns, 'nc/limits', { resources: { cpu: '1', memory: '128Mi' } });
    await waitFor<NativeContainer>(
      'limits applied',
      nc('limits'),
      (o) => condition(o, 'Ready')?.status === 'True',
      operator,
    );
    timings['in-place update'] = Math.round(performance.now() - t0);
    const after = await inspect('limits');
    expect([after.Id, after.State.StartedAt]).toEqual([before.Id, before.State.StartedAt]);
    expect([after.HostConfig.NanoCpus, after.HostConfig.Memory, after.HostConfig.MemorySwap]).toEqual([
      1e9,
      128 * MiB,
      128 * MiB,
    ]);
  });

  it('restarts the container once for a new restartRequest, keeping it', async () => {
    const before = await inspect('limits');
    await patchSpec(ns, 'nc/limits', { restartRequest: '2026-11-22T10:00:00Z' });
    const done = await waitFor<NativeContainer>(
      'the restart request carried out',
      nc('limits'),
      (o) => o.status?.restartRequest === '2026-11-22T10:00:00Z' && condition(o, 'Ready')?.status === 'True',
      operator,
    );
    const restarted = await inspect('limits');
    expect(restarted.Id).toBe(before.Id);
    expect(restarted.State.StartedAt).not.toBe(before.State.StartedAt);
    expect(done.status?.containerID).toBe(before.Id);

    // Another change later does not restart it again for the same request.
    await patchSpec(ns, 'nc/limits', { resources: { cpu: '750m', memory: '128Mi' } });
    await waitFor<NativeContainer>(
      'the next change applied',
      nc('limits'),
      (o) => condition(o, 'Ready')?.status === 'True',
      operator,
    );
    expect((await inspect('limits')).State.StartedAt).toBe(restarted.State.StartedAt);
  });

  it('says InvalidSpec when Docker refuses the container, creates nothing, and recovers on a fix', async () => {
    // The API server cannot know the host's CPUs; Docker refuses more than it has.
    await kubectlApply(ns, sleeper('greedy', { resources: { cpu: '512' } }));
    const refused = await waitForReason<NativeContainer>(nc('greedy'), 'Ready', 'InvalidSpec', operator);
    expect(condition(refused, 'Ready')?.message).toContain('Range of CPUs');
    expect(condition(refused, 'Stalled')?.status).toBe('True');
    expect(await containersOf(ns, 'greedy')).toEqual([]);
    await patchSpec(ns, 'nc/greedy', { resources: { cpu: '1' } });
    await waitForReason<NativeContainer>(nc('greedy'), 'Ready', 'Running', operator);

    // In place too: the refused update leaves the running container as it was.
    const before = await inspect('greedy');
    await patchSpec(ns, 'nc/greedy', { resources: { cpu: '512' } });
    await waitForReason<NativeContainer>(nc('greedy'), 'Ready', 'InvalidSpec', operator);
    const after = await inspect('greedy');
    expect([after.Id, after.State.Running, after.HostConfig.NanoCpus]).toEqual([before.Id, true, 1e9]);
  });

  it('pauses and unpauses the container', async () => {
    await patchSpec(ns, 'nc/limits', { state: 'Paused' });
    await waitForReason<NativeContainer>(nc('limits'), 'Ready', 'Paused', operator);
    expect((await inspect('limits')).State.Paused).toBe(true);
    await patchSpec(ns, 'nc/limits', { state: 'Running' });
    await waitForReason<NativeContainer>(nc('limits'), 'Ready', 'Running', operator);
    expect((await inspect('limits')).State).toMatchObject({ Paused: false, Running: true });
  });

  it('leaves a finished container alone under restartPolicy Never, and runs it again on request', async () => {
    await kubectlApply(ns, {
      apiVersion: 'nativecontainer.io/v1alpha1',
      kind: 'NativeContainer',
      metadata: { name: 'job' },
      spec: {
        image: TEST_IMAGE,
        // It outlives the first status computation, so its exit must be noticed afterwards.
        command: ['/bin/sh', '-c', 'echo ran >> /out/log; sleep 1'],
        restartPolicy: 'Never',
        volumes: [{ name: 'out', mountPath: '/out' }],
      },
    });
    const done = await waitForReason<NativeContainer>(nc('job'), 'Ready', 'Completed', operator);
    expect(done.status).toMatchObject({ state: 'Completed', exitCode: 0 });
    expect(condition(done, 'Reconciling')?.status).toBe('False');
    await patchSpec(ns, 'nc/job', { restartRequest: 'again' });
    await waitFor<NativeContainer>(
      'run again',
      nc('job'),
      (o) => o.status?.restartRequest === 'again' && o.status.state === 'Completed',
      operator,
    );
    const info = await inspect('job');
    const log = await docker().getVolume(info.Mounts[0]!.Name!).inspect();
    expect(log.Name).toBe(`nc_${ns}_job_out`);
    // Two runs appended two lines to the volume: read them through a throwaway container.
    const reader = await docker().createContainer({
      Image: TEST_IMAGE,
      Cmd: ['cat', '/out/log'],
      HostConfig: { NetworkMode: 'none', Mounts: [{ Type: 'volume', Source: log.Name, Target: '/out' }] },
    });
    await reader.start();
    await reader.wait();
    const out = (await reader.logs({ stdout: true })).toString('utf8');
    await reader.remove();
    expect(out.match(/ran/g)).toHaveLength(2);
  });

  it('gates Ready on the healthcheck and shows the health in status', async () => {
    await kubectlApply(
      ns,
      sleeper('checked', {
        healthcheck: { command: ['test', '-f', '/tmp/ok'], intervalSeconds: 1, timeoutSeconds: 1, retries: 1 },
      }),
    );
    const sick = await waitForReason<NativeContainer>(nc('checked'), 'Ready', 'Unhealthy', operator);
    expect(sick.status?.health).toBe('unhealthy');
    await execIn(sick.status!.containerID!, ['touch', '/tmp/ok']);
    const well = await waitForReason<NativeContainer>(nc('checked'), 'Ready', 'Running', operator);
    expect(well.status?.health).toBe('healthy');
  });

  it('deletes autoDelete volumes with the resource, keeps the others, and mounts a kept one again', async () => {
    const volumes = [
      { name: 'scratch', mountPath: '/scratch' },
      { name: 'keep', mountPath: '/keep', autoDelete: false },
    ];
    await kubectlApply(ns, sleeper('vols', { volumes }));
    const first = await waitForReason<NativeContainer>(nc('vols'), 'Ready', 'Running', operator);
    await execIn(first.status!.containerID!, ['/bin/sh', '-c', 'echo survived > /keep/file']);
    await kubectl(['delete', ...nc('vols'), '--timeout=60s']);
    const names = async (): Promise<string[]> =>
      (
        (
          await docker().listVolumes({
            filters: { label: [`nativecontainer.io/owner-namespace=${ns}`, 'nativecontainer.io/owner-name=vols'] },
          })
        ).Volumes ?? []
      ).map((v) => v.Name);
    expect(await names()).toEqual([`nc_${ns}_vols_keep`]);

    await kubectlApply(ns, sleeper('vols', { volumes }));
    const again = await waitForReason<NativeContainer>(nc('vols'), 'Ready', 'Running', operator);
    expect(await execIn(again.status!.containerID!, ['cat', '/keep/file'])).toBe('survived\n');
    // Leave nothing behind: the kept volume goes once the spec says autoDelete.
    await patchSpec(ns, 'nc/vols', { volumes: volumes.map((v) => ({ ...v, autoDelete: true })) });
    await kubectl(['delete', ...nc('vols'), '--timeout=60s']);
    expect(await names()).toEqual([]);
  });
});
