// Restarts in status: counted across Docker's resets of its own count, with the last one's
// reason, time and probe output, and what Ready says of an unhealthy container.
import { describe, expect, it } from 'vitest';
import type { NativeContainerStatus } from '../../src/api/native-container.ts';
import { afterPlan } from '../../src/controllers/nativecontainer/after-plan.ts';
import { backoffMs, consecutiveRestarts } from '../../src/controllers/nativecontainer/health.ts';
import { computeStatus } from '../../src/controllers/nativecontainer/status.ts';
import type { Operation } from '../../src/controllers/nativecontainer/plan.ts';
import { container, nativeContainer } from './fixtures.ts';

const now = new Date('2026-11-22T10:00:00Z');
const checked = nativeContainer({ healthcheck: { command: ['true'] } });
const probe = { exitCode: 1, output: 'no /tmp/healthy\n', at: now.toISOString() };

function ready(s: NativeContainerStatus) {
  return s.conditions?.find((c) => c.type === 'Ready');
}

describe('the back-off of unhealthy restarts', () => {
  it('is none, then 10 s doubling to 5 minutes', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 9].map(backoffMs)).toEqual([
      0, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000,
    ]);
  });

  it('starts over ten minutes after the last unhealthy restart', () => {
    const memory = { count: 4, at: now.toISOString() };
    expect(consecutiveRestarts(memory, now.getTime() + 599_999)).toBe(4);
    expect(consecutiveRestarts(memory, now.getTime() + 600_000)).toBe(0);
  });
});

describe('restarts in status', () => {
  it('counts an unhealthy restart once, across the reset of Docker count that the restart causes', () => {
    const before = { ...checked, status: { containerID: 'c1', restartCount: 2 } };
    const c = container('c1', 'running', 'h', { restartCount: 2, health: 'unhealthy', lastProbe: probe });
    const ops: Operation[] = [
      { type: 'Restart', target: { id: 'c1' }, cause: 'unhealthy', unhealthy: { output: 'no /tmp/healthy' } },
    ];
    const changes = afterPlan(ops, c, before, now);
    const written = computeStatus({ nc: before, container: c, engineSeen: true, pending: true, changes, now });
    expect(written.restartCount).toBe(3);
    expect(written.lastRestart).toEqual({ reason: 'Unhealthy', at: now.toISOString(), message: 'no /tmp/healthy' });
    expect(written.unhealthyRestarts).toEqual({ count: 1, at: now.toISOString() });
    // Docker reset its count when the operator restarted the container.
    const after = container('c1', 'running', 'h', { restartCount: 0, health: 'starting' });
    const next = computeStatus({ nc: { ...before, status: written }, container: after, engineSeen: true, now });
    expect(next.restartCount).toBe(3);
    expect(next.lastRestart?.reason).toBe('Unhealthy');
  });

  it('says Exited or OOMKilled, with the exit code of the die event, when Docker restarted it', () => {
    const before = { ...nativeContainer(), status: { containerID: 'c1', restartCount: 0 } };
    const exited = container('c1', 'running', 'h', { restartCount: 1, lastExitCode: 3, startedAt: now.toISOString() });
    expect(computeStatus({ nc: before, container: exited, engineSeen: true, now }).lastRestart).toEqual({
      reason: 'Exited',
      at: now.toISOString(),
      exitCode: 3,
    });
    const oom = container('c1', 'running', 'h', {
      restartCount: 1,
      lastExitCode: 137,
      oomKilled: true,
      startedAt: now.toISOString(),
    });
    const s = computeStatus({ nc: before, container: oom, engineSeen: true, now });
    expect(s.lastRestart).toMatchObject({ reason: 'OOMKilled', exitCode: 137 });
    expect(s.restartCount).toBe(1);
  });

  it('starts again at 0 for a new container', () => {
    const before = {
      ...nativeContainer(),
      status: { containerID: 'c1', restartCount: 5, restartBase: { containerID: 'c1', count: 5 } },
    };
    const s = computeStatus({ nc: before, container: container('c2', 'running', 'h'), engineSeen: true, now });
    expect(s.restartCount).toBe(0);
    expect(s.restartBase).toBeUndefined();
  });

  it('keeps the last probe output, truncated to 1 KiB', () => {
    const long = { ...probe, output: 'x'.repeat(5000) };
    const s = computeStatus({
      nc: checked,
      container: container('c1', 'running', 'h', { health: 'unhealthy', lastProbe: long }),
      engineSeen: true,
      now,
    });
    expect(s.lastProbe?.output).toHaveLength(1024);
  });
});

describe('Ready of an unhealthy container', () => {
  it('shows the probe output and the back-off', () => {
    const nc = { ...checked, status: { unhealthyRestarts: { count: 2, at: now.toISOString() } } };
    const c = container('c1', 'running', 'h', { health: 'unhealthy', lastProbe: probe });
    const r = ready(computeStatus({ nc, container: c, engineSeen: true, now: new Date(now.getTime() + 5000) }));
    expect(r).toMatchObject({ status: 'False', reason: 'Unhealthy' });
    expect(r?.message).toContain('no /tmp/healthy');
    expect(r?.message).toContain(`the next at ${new Date(now.getTime() + 20_000).toISOString()}`);
  });

  it('says it is left running under onUnhealthy None', () => {
    const nc = nativeContainer({ healthcheck: { command: ['true'], onUnhealthy: 'None' } });
    const c = container('c1', 'running', 'h', { health: 'unhealthy', lastProbe: probe });
    expect(ready(computeStatus({ nc, container: c, engineSeen: true, now }))?.message).toContain('left running');
  });

  it('remembers the stop when written right after it, while the container is still seen running', () => {
    const c = container('c1', 'running', 'h', { health: 'unhealthy', lastProbe: probe });
    const ops: Operation[] = [{ type: 'Stop', target: { id: 'c1' }, cause: 'unhealthy', unhealthy: { output: '' } }];
    const changes = afterPlan(ops, c, checked, now);
    const written = computeStatus({ nc: checked, container: c, engineSeen: true, pending: true, changes, now });
    expect(written.stoppedUnhealthy).toBe('c1');
    const runningAgain = computeStatus({
      nc: { ...checked, status: written },
      container: container('c1', 'running', 'h'),
      engineSeen: true,
      now,
    });
    expect(runningAgain.stoppedUnhealthy).toBeUndefined();
  });

  it('says why a container stopped for its healthcheck stays stopped', () => {
    const nc = { ...checked, status: { stoppedUnhealthy: 'c1' } };
    const s = computeStatus({
      nc,
      container: container('c1', 'exited', 'h', { exitCode: 137 }),
      engineSeen: true,
      now,
    });
    expect(ready(s)).toMatchObject({ status: 'False', reason: 'Unhealthy' });
    expect(s.stoppedUnhealthy).toBe('c1');
  });
});
