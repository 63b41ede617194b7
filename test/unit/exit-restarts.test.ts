// The operator's restarts of a container that may move to another host (Docker's policy is `no`):
// the back-off of Docker's restart manager, OnFailure's retries, and what status says meanwhile.
import { describe, expect, it } from 'vitest';
import type { NativeContainerStatus } from '../../src/api/native-container.ts';
import type { ObservedContainer } from '../../src/backend/container-backend.ts';
import { afterPlan } from '../../src/controllers/nativecontainer/after-plan.ts';
import {
  afterExitRestart,
  exitDecision,
  type ExitPolicy,
  type ExitRestarts,
} from '../../src/controllers/nativecontainer/exit-restarts.ts';
import { plan, type Operation } from '../../src/controllers/nativecontainer/plan.ts';
import { desiredContainer } from '../../src/controllers/nativecontainer/desired.ts';
import { memoryOf } from '../../src/controllers/nativecontainer/gather.ts';
import { wakeUp } from '../../src/controllers/nativecontainer/reconcile.ts';
import { computeStatus } from '../../src/controllers/nativecontainer/status.ts';
import { AWAIT_CHANGE, requeueAfter } from '../../src/runtime/controller.ts';
import { container, nativeContainer } from './fixtures.ts';

const T0 = Date.parse('2026-11-30T10:00:00Z');
const iso = (ms: number): string => new Date(ms).toISOString();
const always: ExitPolicy = { policy: 'Always', maxRetries: 0, byOperator: true };

/** An exited container whose last run lasted `ranMs` (Docker's clock, an hour off the operator's). */
function exited(exitCode: number, ranMs: number, hash = 'h'): ObservedContainer {
  const dockerClock = T0 - 3_600_000;
  return container('c1', 'exited', hash, {
    exitCode,
    startedAt: iso(dockerClock),
    finishedAt: iso(dockerClock + ranMs),
    restartPolicy: { name: 'no', maximumRetryCount: 0 },
  });
}

/** Runs a container that exits after `ranMs` each time, restarting it when due: the delays used. */
function delays(runs: number, ranMs: number): number[] {
  let memory: ExitRestarts | undefined;
  let now = T0;
  const used: number[] = [];
  for (let i = 0; i < runs; i++) {
    now += ranMs; // it ran, and exited
    let d = exitDecision(exited(1, ranMs), always, memory, now);
    while (d.kind === 'wait') {
      now = d.dueMs;
      d = exitDecision(exited(1, ranMs), always, memory, now);
    }
    if (d.kind !== 'restart') throw new Error(`expected a restart, got ${d.kind}`);
    used.push(memory ? now - (Date.parse(memory.at) + ranMs) : 0);
    memory = afterExitRestart(memory, 'c1', d.delayMs, new Date(now));
  }
  return used;
}

describe("the operator's restarts after an exit", () => {
  it('come at once, then after 200 ms doubling to a minute, as Docker restart manager does', () => {
    expect(delays(12, 1000)).toEqual([0, 200, 400, 800, 1600, 3200, 6400, 12_800, 25_600, 51_200, 60_000, 60_000]);
  });

  it('start the back-off over after a run of 10 s or more', () => {
    expect(delays(5, 10_000)).toEqual([0, 100, 100, 100, 100]);
  });

  it('forget the back-off of another container (a rebuild)', () => {
    const memory = { containerID: 'old', count: 5, delayMs: 60_000, at: iso(T0) };
    expect(exitDecision(exited(1, 1000), always, memory, T0 + 1)).toMatchObject({ kind: 'restart' });
  });

  it('under OnFailure: only after a non-zero exit, and at most maxRetries times (0: no limit)', () => {
    const onFailure = (maxRetries: number): ExitPolicy => ({ policy: 'OnFailure', maxRetries, byOperator: true });
    const memory = (count: number): ExitRestarts => ({ containerID: 'c1', count, delayMs: 100, at: iso(T0) });
    const later = T0 + 120_000;
    expect(exitDecision(exited(0, 1000), onFailure(0), undefined, T0).kind).toBe('none');
    expect(exitDecision(exited(2, 1000), onFailure(3), memory(2), later)).toEqual({
      kind: 'restart',
      cause: 'exited with code 2; restartPolicy is OnFailure (retry 3 of 3)',
      delayMs: 200,
    });
    expect(exitDecision(exited(2, 1000), onFailure(3), memory(3), later).kind).toBe('none');
    expect(exitDecision(exited(2, 1000), onFailure(0), memory(500), later).kind).toBe('restart');
  });

  it('never under Never; left to Docker when Docker has the policy (only Always and UnlessStopped start it)', () => {
    expect(exitDecision(exited(1, 1000), { ...always, policy: 'Never' }, undefined, T0).kind).toBe('none');
    const docker = (policy: ExitPolicy['policy']): ExitPolicy => ({ policy, maxRetries: 0, byOperator: false });
    expect(exitDecision(exited(1, 1000), docker('UnlessStopped'), undefined, T0).kind).toBe('restart');
    expect(exitDecision(exited(1, 1000), docker('OnFailure'), undefined, T0).kind).toBe('none');
  });
});

describe('the wake-up after a plan that waits out the back-off', () => {
  it('comes when the back-off ends, at least 100 ms on, when decided at the clock the plan was made at', () => {
    const nc = nativeContainer({ placement: { rescheduleAfterSeconds: 60 } });
    const c = exited(1, 1000, desiredContainer(nc).hash);
    const status: NativeContainerStatus = {
      containerID: 'c1',
      exitRestarts: { containerID: 'c1', count: 2, delayMs: 200, at: iso(T0) },
    };
    const due = T0 + 1000 + 400;
    const memory = memoryOf({ ...nc, status });
    const input = { desired: desiredContainer(nc), deleting: false, memory };
    const observed = { owned: [c], stale: [], imagePresent: true, volumes: [] };
    // The plan waits (it is 1 ms early: a timer fires by the loop's cached clock) ...
    expect(plan({ ...input, observed, now: new Date(due - 1) })).toEqual([]);
    expect(wakeUp(nc, status, c, new Date(due - 1))).toEqual(requeueAfter(100));
    expect(wakeUp(nc, status, c, new Date(due - 5000))).toEqual(requeueAfter(5000));
    // ... and a clock read after it (the status written) finds nothing to wait for: no wake-up at
    // all, which is why the reconciler passes the plan's clock.
    expect(wakeUp(nc, status, c, new Date(due + 20))).toEqual(AWAIT_CHANGE);
  });
});

describe('status while the operator restarts a container that may move', () => {
  const nc = nativeContainer({ restartPolicy: 'OnFailure', maxRetries: 2, placement: { rescheduleAfterSeconds: 60 } });
  const ready = (s: NativeContainerStatus) => s.conditions?.find((c) => c.type === 'Ready');
  const { hash } = desiredContainer(nc);

  it('counts each restart, says CrashLooping with the time of the next one, then Failed after maxRetries', () => {
    let status: NativeContainerStatus = { containerID: 'c1', restartCount: 0 };
    let now = T0;
    for (let retry = 1; retry <= 2; retry++) {
      const c = exited(3, 1000, hash);
      const before = { ...nc, status };
      const ops = plan({
        desired: desiredContainer(before),
        observed: { owned: [c], stale: [], imagePresent: true, volumes: [] },
        deleting: false,
        memory: memoryOf(before),
        now: new Date(now),
      });
      expect(ops.map((o) => o.type)).toEqual(['Start']);
      const changes = afterPlan(ops, c, before, new Date(now));
      status = computeStatus({
        nc: before,
        container: c,
        engineSeen: true,
        pending: true,
        changes,
        now: new Date(now),
      });
      expect(status.restartCount).toBe(retry);
      expect(status.lastRestart).toEqual({ reason: 'Exited', at: iso(now), exitCode: 3 });
      expect(status.exitRestarts).toMatchObject({ containerID: 'c1', count: retry });
      // It exits again after a second; until the back-off is over, nothing is done and Ready says when.
      now += 1000;
      const again = exited(3, 1000, hash);
      const waiting = computeStatus({ nc: { ...nc, status }, container: again, engineSeen: true, now: new Date(now) });
      if (retry === 1) {
        expect(ready(waiting)).toMatchObject({ status: 'False', reason: 'CrashLooping' });
        expect(ready(waiting)?.message).toContain(`starts it again at ${iso(now + 200)}`);
        expect(waiting.state).toBe('Exited');
      } else {
        expect(ready(waiting)).toMatchObject({ status: 'False', reason: 'Failed' });
        expect(waiting.state).toBe('Failed');
      }
      now += 60_000;
    }
  });

  it('does not count a start that was not a restart after an exit', () => {
    const ops: Operation[] = [{ type: 'Start', target: { id: 'c1' }, cause: 'restart requested' }];
    expect(afterPlan(ops, exited(3, 1000), { ...nc, status: {} }, new Date(T0)).exitRestarts).toBeUndefined();
  });
});
