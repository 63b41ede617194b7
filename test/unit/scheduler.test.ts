import { describe, expect, it } from 'vitest';
import { selects } from '../../src/api/label-selector.ts';
import { schedule, unschedulableMessage } from '../../src/scheduler/schedule.ts';
import type { HostSnapshot, PlacementRequest } from '../../src/scheduler/types.ts';

const GiB = 1024 ** 3;

function host(name: string, over: Partial<HostSnapshot> = {}): HostSnapshot {
  return {
    name,
    labels: {},
    ready: true,
    unschedulable: false,
    allocatable: { milliCpu: 4000, memoryBytes: 8 * GiB },
    allocated: { milliCpu: 0, memoryBytes: 0 },
    ports: new Set(),
    ...over,
  };
}

function req(over: Partial<PlacementRequest> = {}): PlacementRequest {
  return { milliCpu: 0, memoryBytes: 0, ports: [], ...over };
}

describe('scheduler filter', () => {
  it.each<[string, HostSnapshot[], PlacementRequest, string]>([
    ['a pinned container goes to its host', [host('a'), host('b'), host('c')], req({ hostName: 'b' }), 'b'],
    [
      'a container goes to a host its selector matches',
      [host('a', { labels: { zone: 'x' } }), host('b', { labels: { zone: 'y' } })],
      req({ hostSelector: { matchLabels: { zone: 'y' } } }),
      'b',
    ],
    ['a cordoned host takes nothing new', [host('a', { unschedulable: true }), host('b')], req(), 'b'],
    ['a host that is not Ready takes nothing new', [host('a', { ready: false }), host('b')], req(), 'b'],
    [
      'a host without the memory left after its reservations is skipped',
      [
        host('a', { allocatable: { milliCpu: 4000, memoryBytes: GiB } }),
        host('b', { allocatable: { memoryBytes: 4 * GiB } }),
      ],
      req({ memoryBytes: 2 * GiB }),
      'b',
    ],
    [
      'a host whose cpu is allocated is skipped',
      [host('a', { allocated: { milliCpu: 3500, memoryBytes: 0 } }), host('b')],
      req({ milliCpu: 1000 }),
      'b',
    ],
    [
      'a host with the host port taken is skipped',
      [host('a', { ports: new Set(['TCP/8080']) }), host('b', { ports: new Set(['UDP/8080']) })],
      req({ ports: ['TCP/8080'] }),
      'b',
    ],
    [
      'volumes already on a host pin the container to it',
      [host('a'), host('b', { allocated: { milliCpu: 3000, memoryBytes: 0 } })],
      req({ volumesOn: 'b' }),
      'b',
    ],
    ['a host being left is not chosen again', [host('a'), host('b')], req({ exclude: new Set(['a']) }), 'b'],
    [
      'a host with unknown capacity takes any request',
      [host('a', { allocatable: {} })],
      req({ milliCpu: 64_000, memoryBytes: 1024 * GiB }),
      'a',
    ],
  ])('%s', (_name, hosts, request, expected) => {
    expect(schedule(hosts, request, 'spread')).toEqual({ kind: 'bound', host: expected });
  });
});

describe('unschedulable messages, in the Kubernetes scheduler style', () => {
  it.each<[string, HostSnapshot[], PlacementRequest, string]>([
    [
      'one cordoned and two without memory',
      [
        host('a', { unschedulable: true }),
        host('b', { allocatable: { memoryBytes: GiB } }),
        host('c', { allocatable: { memoryBytes: GiB } }),
      ],
      req({ memoryBytes: 2 * GiB }),
      '0/3 hosts are available: 1 cordoned, 2 insufficient memory.',
    ],
    [
      'a pin to a host that is not Ready',
      [host('a'), host('b', { ready: false })],
      req({ hostName: 'b' }),
      '0/2 hosts are available: 1 not ready, 1 not the requested host.',
    ],
    [
      'a selector nothing matches and a port taken',
      [host('a', { labels: { disk: 'ssd' }, ports: new Set(['TCP/80']) }), host('b')],
      req({ hostSelector: { matchLabels: { disk: 'ssd' } }, ports: ['TCP/80'] }),
      '0/2 hosts are available: 1 host port in use, 1 not matching the host selector.',
    ],
    [
      'cpu',
      [host('a', { allocated: { milliCpu: 4000, memoryBytes: 0 } })],
      req({ milliCpu: 1 }),
      '0/1 hosts are available: 1 insufficient cpu.',
    ],
    ['no host at all', [], req(), '0/0 hosts are available: no ContainerHost is Ready.'],
  ])('%s', (_name, hosts, request, message) => {
    expect(schedule(hosts, request, 'binpack')).toEqual({ kind: 'unschedulable', message });
  });

  it('lists the reasons in alphabetical order whatever order the hosts come in', () => {
    expect(
      unschedulableMessage(
        5,
        new Map([
          ['not ready', 2],
          ['cordoned', 3],
        ]),
      ),
    ).toBe('0/5 hosts are available: 3 cordoned, 2 not ready.');
  });
});

describe('scheduler score', () => {
  const busy = host('busy', { allocated: { milliCpu: 2000, memoryBytes: 4 * GiB } });
  const idle = host('idle');

  it('binpack puts a container on the fullest host that can take it', () => {
    expect(schedule([idle, busy], req({ milliCpu: 500 }), 'binpack')).toEqual({ kind: 'bound', host: 'busy' });
  });

  it('spread puts a container on the emptiest host', () => {
    expect(schedule([busy, idle], req({ milliCpu: 500 }), 'spread')).toEqual({ kind: 'bound', host: 'idle' });
  });

  it('binpack does not choose a host the request does not fit on', () => {
    const full = host('full', { allocated: { milliCpu: 3900, memoryBytes: 0 } });
    expect(schedule([full, idle], req({ milliCpu: 500 }), 'binpack')).toEqual({ kind: 'bound', host: 'idle' });
  });

  it('spreadBy puts the next container of a group in the zone with the fewest of the group, before the strategy', () => {
    const hosts = [
      host('a1', { labels: { zone: 'a' } }),
      host('a2', { labels: { zone: 'a' } }),
      host('b1', { labels: { zone: 'b' }, allocated: { milliCpu: 3000, memoryBytes: 6 * GiB } }),
    ];
    const peers = new Map([['a1', 1]]);
    expect(schedule(hosts, req({ spreadBy: 'zone', peers }), 'spread')).toEqual({ kind: 'bound', host: 'b1' });
  });

  it('spreadBy prefers hosts that have the label key over hosts that lack it', () => {
    const hosts = [host('plain'), host('labelled', { labels: { zone: 'a' } })];
    const peers = new Map([['labelled', 5]]);
    expect(schedule(hosts, req({ spreadBy: 'zone', peers }), 'spread')).toEqual({ kind: 'bound', host: 'labelled' });
  });

  it('spreads containers that request nothing by their number, and binpack packs them', () => {
    const hosts = [host('a', { containers: 3 }), host('b', { containers: 1 }), host('c', { containers: 2 })];
    expect(schedule(hosts, req(), 'spread')).toEqual({ kind: 'bound', host: 'b' });
    expect(schedule(hosts, req(), 'binpack')).toEqual({ kind: 'bound', host: 'a' });
  });

  it('lets utilisation decide before the container count', () => {
    const full = host('full', { containers: 0, allocated: { milliCpu: 2000, memoryBytes: 0 } });
    const many = host('many', { containers: 50 });
    expect(schedule([full, many], req({ milliCpu: 100 }), 'spread')).toEqual({ kind: 'bound', host: 'many' });
  });

  it('breaks ties by host name, so the same input gives the same host', () => {
    expect(schedule([host('c'), host('a'), host('b')], req(), 'spread')).toEqual({ kind: 'bound', host: 'a' });
    expect(schedule([host('b'), host('c'), host('a')], req(), 'binpack')).toEqual({ kind: 'bound', host: 'a' });
  });

  it('placing one container after another with spreadBy fills every zone evenly', () => {
    const hosts = ['x', 'y', 'z'].map((zone) => host(`h-${zone}`, { labels: { zone } }));
    const peers = new Map<string, number>();
    for (let i = 0; i < 9; i++) {
      const d = schedule(hosts, req({ spreadBy: 'zone', peers }), 'binpack');
      if (d.kind !== 'bound') throw new Error(d.message);
      peers.set(d.host, (peers.get(d.host) ?? 0) + 1);
    }
    expect([...peers.values()]).toEqual([3, 3, 3]);
  });
});

describe('host selectors on label keys that Object.prototype has', () => {
  // A host without the label `constructor` does not have it, whatever Object.prototype holds.
  const hosts = [host('a', { labels: { constructor: 'yes' } }), host('b')];
  it('Exists picks only the host with the label', () => {
    const exists = req({ hostSelector: { matchExpressions: [{ key: 'constructor', operator: 'Exists' }] } });
    expect(schedule([hosts[1]!], exists, 'spread')).toEqual({
      kind: 'unschedulable',
      message: '0/1 hosts are available: 1 not matching the host selector.',
    });
    expect(schedule(hosts, exists, 'spread')).toEqual({ kind: 'bound', host: 'a' });
  });
  it('DoesNotExist picks the host without it', () => {
    const absent = req({ hostSelector: { matchExpressions: [{ key: 'toString', operator: 'DoesNotExist' }] } });
    expect(schedule([hosts[1]!], absent, 'spread')).toEqual({ kind: 'bound', host: 'b' });
  });
});

describe('label selectors', () => {
  const labels = { zone: 'a', disk: 'ssd' };
  it.each<[string, Parameters<typeof selects>[0], boolean]>([
    ['matchLabels all present', { matchLabels: { zone: 'a', disk: 'ssd' } }, true],
    ['matchLabels one different', { matchLabels: { zone: 'b' } }, false],
    ['In with the value', { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }, true],
    ['In without the label', { matchExpressions: [{ key: 'rack', operator: 'In', values: ['1'] }] }, false],
    ['NotIn with another value', { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['b'] }] }, true],
    ['NotIn without the label', { matchExpressions: [{ key: 'rack', operator: 'NotIn', values: ['1'] }] }, true],
    ['NotIn with the value', { matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, false],
    ['Exists', { matchExpressions: [{ key: 'disk', operator: 'Exists' }] }, true],
    ['Exists without the label', { matchExpressions: [{ key: 'gpu', operator: 'Exists' }] }, false],
    ['DoesNotExist', { matchExpressions: [{ key: 'gpu', operator: 'DoesNotExist' }] }, true],
    ['DoesNotExist with the label', { matchExpressions: [{ key: 'disk', operator: 'DoesNotExist' }] }, false],
    ['the empty selector', {}, true],
  ])('%s: %s', (_name, selector, expected) => {
    expect(selects(selector, labels)).toBe(expected);
  });
});
