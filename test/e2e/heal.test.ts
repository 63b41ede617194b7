// Restart on unhealthy, on a real dockerd: Docker marks a container unhealthy and does nothing
// about it (moby#28400); the operator restarts it (with the kubelet's back-off), stops it, or
// leaves it, as spec.healthcheck.onUnhealthy says, and status tells how often and why.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NativeContainer } from '../../src/api/native-container.ts';
import type { ProcessHandle } from '../../src/local/processes.ts';
import { cleanupSteps } from './cleanup.ts';
import { condition, execIn, kubectlApply, patchSpec, sleeper, waitFor, waitForReason } from './helpers.ts';
import { containersOf, createNamespace, docker, eventually, getJson, kubectl, startOperator } from './support.ts';

/** Healthy while /tmp/healthy exists; the container creates it each time it starts. */
const FLAG_CHECK = ['/bin/sh', '-c', 'test -e /tmp/healthy || { echo "no /tmp/healthy"; exit 1; }'];
const WITH_FLAG = ['/bin/sh', '-c', 'touch /tmp/healthy; trap "exit 0" TERM; sleep 3600 & wait'];

function checked(name: string, healthcheck: Record<string, unknown>, command = WITH_FLAG): Record<string, unknown> {
  return sleeper(name, {
    command,
    healthcheck: { command: FLAG_CHECK, intervalSeconds: 1, timeoutSeconds: 5, retries: 2, ...healthcheck },
  });
}

describe('containers that fail their healthcheck', () => {
  let operator: ProcessHandle;
  let ns: string;
  const get = (name: string) => getJson<NativeContainer>(['get', '-n', ns, 'nc', name]);

  beforeAll(async () => {
    ns = await createNamespace('heal');
    operator = startOperator('heal');
  });

  afterAll(async () => {
    await cleanupSteps([
      () => kubectl(['delete', 'nc', '--all', '-n', ns, '--timeout=60s'], { allowFail: true }),
      () => operator?.stop(),
    ]);
  });

  it('restarts a container whose check starts failing, once, with the reason, time and probe output in status and an Event', async () => {
    await kubectlApply(ns, checked('flaky', {}));
    const healthy = await waitForReason<NativeContainer>(['-n', ns, 'nc', 'flaky'], 'Ready', 'Running', operator);
    expect(healthy.status?.health).toBe('healthy');
    const id = healthy.status!.containerID!;
    const startedAt = healthy.status!.startedAt;
    const removedAt = Date.now();
    await execIn(id, ['/bin/busybox', 'rm', '/tmp/healthy']);

    const restarted = await waitFor<NativeContainer>(
      'restarted for its healthcheck and healthy again',
      ['-n', ns, 'nc', 'flaky'],
      (o) => o.status?.lastRestart?.reason === 'Unhealthy' && condition(o, 'Ready')?.reason === 'Running',
      operator,
    );
    // Measured, not asserted: Docker needs interval x retries (2 s) to call it unhealthy.
    console.log(
      `unhealthy restart ${Date.parse(restarted.status!.lastRestart!.at) - removedAt} ms after the check began to fail`,
    );
    console.log(`status.lastRestart: ${JSON.stringify(restarted.status?.lastRestart)}`);
    expect(restarted.status?.containerID).toBe(id); // restarted, not recreated
    expect(restarted.status?.startedAt).not.toBe(startedAt);
    expect(restarted.status?.restartCount).toBe(1);
    expect(restarted.status?.lastRestart?.message).toContain('no /tmp/healthy');
    expect(restarted.status?.unhealthyRestarts?.count).toBe(1);
    // Events are sent in the background.
    let event: { reason: string; type: string; message: string } | undefined;
    await eventually('an Unhealthy Event', async () => {
      const events = await getJson<{ items: { reason: string; type: string; message: string }[] }>([
        'get',
        '-n',
        ns,
        'events',
        '--field-selector',
        'involvedObject.name=flaky',
      ]);
      event = events.items.find((e) => e.reason === 'Unhealthy');
      return event !== undefined;
    });
    expect(event?.type).toBe('Warning');
    expect(event?.message).toContain('no /tmp/healthy');
  });

  it('backs off: the second restart 10 s after the first, the third 20 s after the second', async () => {
    // Never healthy: the flag is never created.
    await kubectlApply(
      ns,
      checked('broken', { retries: 1 }, ['/bin/sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait']),
    );
    const times: number[] = [];
    await eventually(
      'three unhealthy restarts',
      async () => {
        const at = (await get('broken')).status?.lastRestart?.at;
        if (at && !times.includes(Date.parse(at))) times.push(Date.parse(at));
        return times.length >= 3;
      },
      operator,
    );
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(10_000);
    expect(times[2]! - times[1]!).toBeGreaterThanOrEqual(20_000);
    const now = await get('broken');
    expect(now.status?.restartCount).toBeGreaterThanOrEqual(3);
    expect(now.status?.unhealthyRestarts?.count).toBeGreaterThanOrEqual(3);
  });

  it('says so in Ready during the back-off', async () => {
    const backingOff = await waitFor<NativeContainer>(
      'Ready says back-off',
      ['-n', ns, 'nc', 'broken'],
      (o) => condition(o, 'Ready')?.message.includes('Back-off') ?? false,
      operator,
    );
    console.log(`Ready: ${condition(backingOff, 'Ready')?.message}`);
    expect(condition(backingOff, 'Ready')).toMatchObject({ status: 'False', reason: 'Unhealthy' });
    expect(condition(backingOff, 'Ready')?.message).toContain('no /tmp/healthy');
  });

  it('leaves an unhealthy container running and not Ready under onUnhealthy None', async () => {
    await kubectlApply(
      ns,
      checked('left', { onUnhealthy: 'None' }, ['/bin/sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait']),
    );
    const unhealthy = await waitForReason<NativeContainer>(['-n', ns, 'nc', 'left'], 'Ready', 'Unhealthy', operator);
    expect(condition(unhealthy, 'Ready')?.message).toContain('left running');
    const id = unhealthy.status!.containerID!;
    // Long enough for a restart to have happened: Docker has failed the check ten times in a row.
    await eventually('ten failed checks in a row', async () => {
      const info = await docker().getContainer(id).inspect();
      return (info.State.Health?.FailingStreak ?? 0) >= 10;
    });
    const after = await get('left');
    expect(after.status?.restartCount).toBe(0);
    expect(after.status?.startedAt).toBe(unhealthy.status?.startedAt);
    expect(after.status?.state).toBe('Running');
    expect(after.status?.lastProbe?.output).toContain('no /tmp/healthy');
  });

  it('says Exited, with the exit code of the run, when Docker restarted the container under its policy', async () => {
    await kubectlApply(ns, sleeper('crashing', { command: ['/bin/sh', '-c', 'sleep 1; exit 3'] }));
    const crashed = await waitFor<NativeContainer>(
      'restarted by Docker',
      ['-n', ns, 'nc', 'crashing'],
      (o) => o.status?.lastRestart?.reason === 'Exited',
      operator,
    );
    expect(crashed.status?.lastRestart?.exitCode).toBe(3);
    expect(crashed.status?.restartCount).toBeGreaterThanOrEqual(1);
  });

  it('says OOMKilled when the kernel killed the last run for its memory limit', async () => {
    const hungry = ['/bin/sh', '-c', 'sleep 1; exec /bin/busybox dd if=/dev/zero of=/dev/null bs=64M count=1'];
    await kubectlApply(ns, sleeper('hungry', { command: hungry, resources: { memory: '8Mi' } }));
    const killed = await waitFor<NativeContainer>(
      'restarted after an OOM kill',
      ['-n', ns, 'nc', 'hungry'],
      (o) => o.status?.lastRestart?.reason === 'OOMKilled',
      operator,
    );
    expect(killed.status?.lastRestart?.exitCode).toBe(137);
  });

  it('stops it under onUnhealthy Stop, keeps it stopped, and a restartRequest starts it again', async () => {
    await kubectlApply(ns, checked('stopper', { onUnhealthy: 'Stop' }));
    const healthy = await waitForReason<NativeContainer>(['-n', ns, 'nc', 'stopper'], 'Ready', 'Running', operator);
    await execIn(healthy.status!.containerID!, ['/bin/busybox', 'rm', '/tmp/healthy']);
    const stopped = await waitFor<NativeContainer>(
      'stopped for its healthcheck',
      ['-n', ns, 'nc', 'stopper'],
      (o) => o.status?.stoppedUnhealthy !== undefined && o.status.state === 'Exited',
      operator,
    );
    expect(condition(stopped, 'Ready')).toMatchObject({ status: 'False', reason: 'Unhealthy' });
    // restartPolicy Always: neither Docker (a stop through the API) nor the operator starts it.
    await eventually('the stop settled in status', async () => (await get('stopper')).status?.state === 'Exited');
    const [info] = await containersOf(ns, 'stopper');
    expect(info?.State).toBe('exited');

    await patchSpec(ns, 'nc/stopper', { restartRequest: 'after-stop' });
    const again = await waitForReason<NativeContainer>(['-n', ns, 'nc', 'stopper'], 'Ready', 'Running', operator);
    expect(again.status?.stoppedUnhealthy).toBeUndefined();
    expect(again.status?.containerID).toBe(healthy.status?.containerID);
  });
});
