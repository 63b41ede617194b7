import { describe, expect, it } from 'vitest';
import { setCondition } from '../../src/api/conditions.ts';
import { computeStatus as compute, type StatusInput } from '../../src/controllers/nativecontainer/status.ts';
import { container, nativeContainer } from './fixtures.ts';

const now = new Date('2026-11-22T10:00:00Z');
const later = new Date('2026-11-22T11:00:00Z');

/** The engine answers unless a test says it does not. */
function computeStatus(input: Omit<StatusInput, 'engineSeen'> & { engineSeen?: boolean }) {
  return compute({ engineSeen: true, ...input });
}

function condition(status: ReturnType<typeof computeStatus>, type: string) {
  return status.conditions?.find((c) => c.type === type);
}

describe('NativeContainer status', () => {
  it('is Ready with reason Running when a Running container runs', () => {
    const s = computeStatus({ nc: nativeContainer(), container: container('abc', 'running', 'h'), now });
    expect(condition(s, 'Ready')).toMatchObject({ status: 'True', reason: 'Running', observedGeneration: 1 });
    expect(condition(s, 'Reconciling')).toMatchObject({ status: 'False' });
    expect(s).toMatchObject({ state: 'Running', containerID: 'abc', observedGeneration: 1 });
  });

  it('is Ready with reason Stopped when a Stopped container has exited', () => {
    const s = computeStatus({
      nc: nativeContainer({ state: 'Stopped' }),
      container: container('abc', 'exited', 'h'),
      now,
    });
    expect(condition(s, 'Ready')).toMatchObject({ status: 'True', reason: 'Stopped' });
    expect(s.state).toBe('Exited');
  });

  it('is not Ready and still Reconciling while the container is missing', () => {
    const s = computeStatus({ nc: nativeContainer(), container: undefined, now });
    expect(condition(s, 'Ready')).toMatchObject({ status: 'False', reason: 'Creating' });
    expect(condition(s, 'Reconciling')).toMatchObject({ status: 'True' });
    expect(s.containerID).toBeUndefined();
  });

  it('is Stalled, not Reconciling, on a terminal problem', () => {
    const problem = { reason: 'InvalidSpec' as const, message: 'spec.image: required', terminal: true };
    const s = computeStatus({ nc: nativeContainer(), container: undefined, problem, now });
    expect(condition(s, 'Stalled')).toMatchObject({
      status: 'True',
      reason: 'InvalidSpec',
      message: 'spec.image: required',
    });
    expect(condition(s, 'Reconciling')).toMatchObject({ status: 'False', reason: 'InvalidSpec' });
    expect(condition(s, 'Ready')).toMatchObject({ status: 'False', reason: 'InvalidSpec' });
    expect(s.state).toBe('Error');
  });

  it('is Reconciling on a transient problem', () => {
    const problem = { reason: 'DockerError' as const, message: 'no space left on device', terminal: false };
    const s = computeStatus({ nc: nativeContainer(), container: undefined, problem, now });
    expect(condition(s, 'Reconciling')).toMatchObject({ status: 'True', reason: 'DockerError' });
    expect(s.state).toBe('Pending');
    expect(condition(s, 'Stalled')).toMatchObject({ status: 'False' });
  });

  it('keeps lastTransitionTime when the status stays and moves it when it flips', () => {
    const first = computeStatus({ nc: nativeContainer(), container: container('abc', 'running', 'h'), now });
    const nc = { ...nativeContainer(), status: first };
    const same = computeStatus({ nc, container: container('abc', 'running', 'h'), now: later });
    expect(condition(same, 'Ready')?.lastTransitionTime).toBe(now.toISOString());
    const flipped = computeStatus({ nc, container: container('abc', 'exited', 'h'), now: later });
    expect(condition(flipped, 'Ready')?.lastTransitionTime).toBe(later.toISOString());
  });

  it('computes the same status twice in a row, so an unchanged resource is not written again', () => {
    const first = computeStatus({ nc: nativeContainer(), container: container('abc', 'running', 'h'), now });
    const second = computeStatus({
      nc: { ...nativeContainer(), status: first },
      container: container('abc', 'running', 'h'),
      now: later,
    });
    expect(second).toEqual(first);
  });
});

describe('NativeContainer status reasons', () => {
  const ready = (s: ReturnType<typeof computeStatus>) => condition(s, 'Ready');

  it.each([
    [
      'a paused container that should be paused',
      { state: 'Paused' as const },
      container('abc', 'paused', 'h'),
      'True',
      'Paused',
    ],
    [
      'a container Docker keeps restarting',
      {},
      container('abc', 'restarting', 'h', { exitCode: 1 }),
      'False',
      'CrashLooping',
    ],
    [
      'a running container failing its healthcheck',
      {},
      container('abc', 'running', 'h', { health: 'unhealthy' }),
      'False',
      'Unhealthy',
    ],
    [
      'a running container before its first healthcheck',
      {},
      container('abc', 'running', 'h', { health: 'starting' }),
      'False',
      'Starting',
    ],
    ['a healthy running container', {}, container('abc', 'running', 'h', { health: 'healthy' }), 'True', 'Running'],
    [
      'a container that finished under restartPolicy Never',
      { restartPolicy: 'Never' as const },
      container('abc', 'exited', 'h', { exitCode: 0 }),
      'False',
      'Completed',
    ],
    [
      'a container that failed under restartPolicy OnFailure',
      { restartPolicy: 'OnFailure' as const },
      container('abc', 'exited', 'h', { exitCode: 3 }),
      'False',
      'Failed',
    ],
    [
      'a running container that should be stopped',
      { state: 'Stopped' as const },
      container('abc', 'running', 'h'),
      'False',
      'Stopping',
    ],
  ])('says so for %s', (_, spec, c, status, reason) => {
    expect(ready(computeStatus({ nc: nativeContainer(spec), container: c, now }))).toMatchObject({ status, reason });
  });

  it('is not Ready while work is pending, so kubectl wait waits for the change', () => {
    const s = computeStatus({ nc: nativeContainer(), container: container('abc', 'running', 'h'), pending: true, now });
    expect(ready(s)?.status).toBe('False');
    expect(condition(s, 'Reconciling')?.status).toBe('True');
  });

  it('shows a rebuild or a pull in progress in Ready, Reconciling and the state word', () => {
    const progress = {
      reason: 'ImagePulling' as const,
      message: 'Pulling r.io/app:2: 1.0 of 2.0 MB (50%).',
      state: 'Pulling' as const,
    };
    const s = computeStatus({ nc: nativeContainer(), container: container('abc', 'running', 'h'), progress, now });
    expect(ready(s)).toMatchObject({ status: 'False', reason: 'ImagePulling' });
    expect(condition(s, 'Reconciling')).toMatchObject({ status: 'True', message: progress.message });
    expect(s.state).toBe('Pulling');
  });

  it('names a container that ran and stopped on its own Completed or Failed, and keeps Reconciling False', () => {
    const s = computeStatus({
      nc: nativeContainer({ restartPolicy: 'Never' }),
      container: container('abc', 'exited', 'h', { exitCode: 0 }),
      now,
    });
    expect(s).toMatchObject({ state: 'Completed', exitCode: 0 });
    expect(condition(s, 'Reconciling')?.status).toBe('False');
  });

  it('reports what Docker reports of the container', () => {
    const c = container('abc', 'running', 'h', {
      imageId: 'sha256:1',
      imageDigest: 'r.io/app@sha256:2',
      startedAt: '2026-11-22T09:00:00Z',
      restartCount: 2,
      health: 'healthy',
      ports: [{ containerPort: 80, protocol: 'tcp', hostPort: 8080, hostIP: '127.0.0.1' }],
    });
    expect(computeStatus({ nc: nativeContainer(), container: c, now })).toMatchObject({
      containerID: 'abc',
      containerShortID: 'abc',
      imageID: 'sha256:1',
      imageDigest: 'r.io/app@sha256:2',
      startedAt: '2026-11-22T09:00:00Z',
      restartCount: 2,
      health: 'healthy',
      ports: [{ containerPort: 80, protocol: 'TCP', hostPort: 8080, hostIP: '127.0.0.1' }],
    });
  });

  it('remembers the restart request carried out, and keeps the old one when a reconcile fails', () => {
    const done = computeStatus({
      nc: nativeContainer(),
      container: container('abc', 'running', 'h'),
      restartRequest: 'r1',
      now,
    });
    expect(done.restartRequest).toBe('r1');
    const problem = { reason: 'DockerError' as const, message: 'x', terminal: false };
    const failed = computeStatus({
      nc: { ...nativeContainer({ restartRequest: 'r2' }), status: done },
      container: undefined,
      problem,
      now,
    });
    expect(failed.restartRequest).toBe('r1');
  });
});

describe('what the status remembers', () => {
  const unreachable = {
    reason: 'DockerUnreachable' as const,
    message: 'Docker on host local (unix:///x.sock) is not answering: connect ENOENT.',
    terminal: false,
  };

  it('remembers that the spec stopped the container, in its own field', () => {
    const s = computeStatus({
      nc: nativeContainer({ state: 'Stopped' }),
      container: container('abc', 'exited', 'h'),
      now,
    });
    expect(s.stoppedOnRequest).toBe(true);
  });

  it('forgets a requested stop once the container is seen running again', () => {
    const nc = { ...nativeContainer({ state: 'Running' }), status: { stoppedOnRequest: true } };
    expect(computeStatus({ nc, container: container('abc', 'running', 'h'), now }).stoppedOnRequest).toBeUndefined();
    // Not yet started: still remembered, so the planner starts it.
    expect(computeStatus({ nc, container: container('abc', 'exited', 'h'), now }).stoppedOnRequest).toBe(true);
  });

  it('keeps the memory of a requested stop while Docker does not answer, whatever the spec says now', () => {
    const nc = { ...nativeContainer({ state: 'Running', restartPolicy: 'Never' }), status: { stoppedOnRequest: true } };
    const s = computeStatus({
      nc,
      container: container('abc', 'exited', 'h'),
      engineSeen: false,
      problem: unreachable,
      now,
    });
    expect(s.stoppedOnRequest).toBe(true);
    expect(condition(s, 'Ready')).toMatchObject({ status: 'False', reason: 'DockerUnreachable' });
    expect(s.state).toBe('Unknown');
  });

  it('says Deleting, not Ready, for a resource deleted while Docker does not answer', () => {
    const nc = {
      ...nativeContainer({ state: 'Stopped' }),
      metadata: { ...nativeContainer().metadata, deletionTimestamp: '2026-11-22T10:00:00Z' },
    };
    const s = computeStatus({
      nc,
      container: container('abc', 'exited', 'h'),
      engineSeen: false,
      problem: unreachable,
      now,
    });
    expect(condition(s, 'Ready')).toMatchObject({ status: 'False', reason: 'DockerUnreachable' });
    expect(condition(s, 'Reconciling')).toMatchObject({ status: 'True', reason: 'DockerUnreachable' });
    expect(s.state).toBe('Deleting');
  });

  it('does not call a container its engine stopped Completed: it did not exit by itself', () => {
    const s = computeStatus({
      nc: nativeContainer({ restartPolicy: 'OnFailure' }),
      container: container('abc', 'exited', 'h', { exitCode: 0, stoppedByEngine: true }),
      now,
    });
    expect(s.state).toBe('Exited');
    expect(condition(s, 'Ready')?.reason).toBe('Exited');
  });
});

describe('setCondition', () => {
  it('adds a missing condition and replaces an existing one in place', () => {
    const one = setCondition([], { type: 'A', status: 'True', reason: 'R', message: 'm' }, now);
    const two = setCondition(one, { type: 'B', status: 'False', reason: 'R', message: 'm' }, now);
    const three = setCondition(two, { type: 'A', status: 'False', reason: 'S', message: 'n' }, later);
    expect(three.map((c) => `${c.type}=${c.status}/${c.reason}`)).toEqual(['A=False/S', 'B=False/R']);
  });
});
