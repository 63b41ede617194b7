import { describe, expect, it } from 'vitest';
import { setCondition } from '../../src/api/conditions.ts';
import { computeStatus } from '../../src/controllers/nativecontainer/status.ts';
import { container, nativeContainer } from './fixtures.ts';

const now = new Date('2026-11-22T10:00:00Z');
const later = new Date('2026-11-22T11:00:00Z');

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
    const problem = { reason: 'InvalidSpec', message: 'spec.image: required', terminal: true };
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
    const problem = { reason: 'BackendError', message: 'connect ENOENT', terminal: false };
    const s = computeStatus({ nc: nativeContainer(), container: undefined, problem, now });
    expect(condition(s, 'Reconciling')).toMatchObject({ status: 'True', reason: 'BackendError' });
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

describe('setCondition', () => {
  it('adds a missing condition and replaces an existing one in place', () => {
    const one = setCondition([], { type: 'A', status: 'True', reason: 'R', message: 'm' }, now);
    const two = setCondition(one, { type: 'B', status: 'False', reason: 'R', message: 'm' }, now);
    const three = setCondition(two, { type: 'A', status: 'False', reason: 'S', message: 'n' }, later);
    expect(three.map((c) => `${c.type}=${c.status}/${c.reason}`)).toEqual(['A=False/S', 'B=False/R']);
  });
});
