import { describe, expect, it } from 'vitest';
import { desiredContainer } from '../../src/controllers/nativecontainer/desired.ts';
import type { Observed } from '../../src/controllers/nativecontainer/observe.ts';
import { formatPlan, plan } from '../../src/controllers/nativecontainer/plan.ts';
import { container, nativeContainer } from './fixtures.ts';

const running = desiredContainer(nativeContainer({ state: 'Running' }));
const stopped = desiredContainer(nativeContainer({ state: 'Stopped' }));
const newImage = desiredContainer(nativeContainer({ image: 'nco-test/busybox:2' }));
const H = running.hash;

function observed(owned: Observed['owned'], extra: Partial<Observed> = {}): Observed {
  return { owned, stale: [], imagePresent: true, ...extra };
}

const cases: { name: string; desired: typeof running; observed: Observed; deleting?: boolean; expected: string }[] = [
  {
    name: 'a missing container with its image present is created and started',
    desired: running,
    observed: observed([]),
    expected: 'Create (container does not exist)\nStart new container (desired state is Running)',
  },
  {
    name: 'a missing container whose image is absent pulls first',
    desired: running,
    observed: observed([], { imagePresent: false }),
    expected:
      'Pull nco-test/busybox:1 (image not present)\nCreate (container does not exist)\nStart new container (desired state is Running)',
  },
  {
    name: 'a missing container that should be stopped is created but not started',
    desired: stopped,
    observed: observed([]),
    expected: 'Create (container does not exist)',
  },
  {
    name: 'a running container that matches the spec needs nothing',
    desired: running,
    observed: observed([container('aaaaaaaaaaaa1', 'running', H)]),
    expected: '',
  },
  {
    name: 'an exited container that should run is started',
    desired: running,
    observed: observed([container('aaaaaaaaaaaa1', 'exited', H)]),
    expected: 'Start aaaaaaaaaaaa (container is exited)',
  },
  {
    name: 'a created container that should run is started',
    desired: running,
    observed: observed([container('aaaaaaaaaaaa1', 'created', H)]),
    expected: 'Start aaaaaaaaaaaa (container is created)',
  },
  {
    name: 'a running container that should be stopped is stopped',
    desired: stopped,
    observed: observed([container('aaaaaaaaaaaa1', 'running', stopped.hash)]),
    expected: 'Stop aaaaaaaaaaaa (desired state is Stopped)',
  },
  {
    name: 'a stopped container that should be stopped needs nothing',
    desired: stopped,
    observed: observed([container('aaaaaaaaaaaa1', 'exited', stopped.hash)]),
    expected: '',
  },
  {
    name: 'a new image rebuilds: pull first while the old one runs, then stop, remove, create, start',
    desired: newImage,
    observed: observed([container('aaaaaaaaaaaa1', 'running', H)], { imagePresent: false }),
    expected: [
      'Pull nco-test/busybox:2 (image not present)',
      'Stop aaaaaaaaaaaa (configuration changed: the container is rebuilt)',
      'Remove aaaaaaaaaaaa (configuration changed: the container is rebuilt)',
      'Create (rebuild with the new configuration)',
      'Start new container (desired state is Running)',
    ].join('\n'),
  },
  {
    name: 'a rebuild of a stopped container leaves it stopped',
    desired: desiredContainer(nativeContainer({ image: 'nco-test/busybox:2', state: 'Stopped' })),
    observed: observed([container('aaaaaaaaaaaa1', 'exited', H)]),
    expected: [
      'Remove aaaaaaaaaaaa (configuration changed: the container is rebuilt)',
      'Create (rebuild with the new configuration)',
    ].join('\n'),
  },
  {
    name: 'duplicates are removed and the matching running one is kept',
    desired: running,
    observed: observed([
      container('bbbbbbbbbbbb2', 'exited', H, { startedAt: '2026-01-01T00:00:00Z' }),
      container('aaaaaaaaaaaa1', 'running', H, { startedAt: '2026-01-02T00:00:00Z' }),
    ]),
    expected: 'Remove bbbbbbbbbbbb (duplicate container for one resource)',
  },
  {
    name: 'a container left by an earlier resource of the same name is removed before creating',
    desired: running,
    observed: observed([], { stale: [container('cccccccccccc3', 'running', H, { uid: 'uid-0' })] }),
    expected: [
      'Remove cccccccccccc (left by an earlier resource of the same name)',
      'Create (container does not exist)',
      'Start new container (desired state is Running)',
    ].join('\n'),
  },
  {
    name: 'deleting a resource stops and removes its running container',
    desired: running,
    observed: observed([container('aaaaaaaaaaaa1', 'running', H)]),
    deleting: true,
    expected: ['Stop aaaaaaaaaaaa (resource is being deleted)', 'Remove aaaaaaaaaaaa (resource is being deleted)'].join(
      '\n',
    ),
  },
  {
    name: 'deleting a resource whose container is stopped only removes it',
    desired: running,
    observed: observed([container('aaaaaaaaaaaa1', 'exited', H)]),
    deleting: true,
    expected: 'Remove aaaaaaaaaaaa (resource is being deleted)',
  },
  {
    name: 'deleting a resource whose container is already gone does nothing',
    desired: running,
    observed: observed([]),
    deleting: true,
    expected: '',
  },
];

describe('the NativeContainer planner', () => {
  it.each(cases)('$name', ({ desired, observed, deleting, expected }) => {
    expect(formatPlan(plan({ desired, observed, deleting: deleting ?? false }))).toBe(expected);
  });

  it('plans nothing twice: applying a plan for a running container leaves an empty plan', () => {
    const after = observed([container('aaaaaaaaaaaa1', 'running', H)]);
    expect(plan({ desired: running, observed: after, deleting: false })).toEqual([]);
  });
});
