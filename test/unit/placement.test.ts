// Placement of NativeContainers on ContainerHosts, on in-memory engines with real reflectors: the
// first binding, zero configuration, adoption, pins and selectors, what is counted against a
// host, rescheduling after a host is lost (by an injected clock) and draining one at a time.
import { afterEach, describe, expect, it } from 'vitest';
import type { ContainerHost } from '../../src/api/container-host.ts';
import type { NativeContainer, NativeContainerSpec } from '../../src/api/native-container.ts';
import { HostPool } from '../../src/backend/hosts.ts';
import { MemoryBackend } from '../../src/backend/memory-backend.ts';
import { Reflector } from '../../src/backend/reflector.ts';
import { desiredContainer } from '../../src/controllers/nativecontainer/desired.ts';
import { MANAGED_SELECTOR, ownerKey } from '../../src/controllers/nativecontainer/identity.ts';
import { Placer, requestsOf } from '../../src/controllers/nativecontainer/placement.ts';
import { nativeContainer, silentLog, until } from './fixtures.ts';

const stops: AbortController[] = [];
afterEach(() => {
  for (const s of stops.splice(0)) s.abort();
});

const GiB = 1024 ** 3;
const IMAGE = 'nco-test/busybox:1';

interface World {
  pool: HostPool;
  engines: Map<string, MemoryBackend>;
  chs: ContainerHost[];
  ncs: NativeContainer[];
  placer: Placer;
  clock: { now: number };
}

function containerHost(
  name: string,
  over: Partial<ContainerHost['spec']> = {},
  labels = {},
  ready = true,
): ContainerHost {
  return {
    metadata: { name, labels },
    spec: { endpoint: `unix:///run/${name}.sock`, ...over },
    status: {
      allocatable: { cpu: '4000m', memory: String(8 * GiB) },
      conditions: [
        {
          type: 'Ready',
          status: ready ? 'True' : 'False',
          reason: ready ? 'Connected' : 'Unreachable',
          message: '',
          lastTransitionTime: '2026-01-01T00:00:00Z',
        },
      ],
    },
  };
}

async function world(hosts: ContainerHost[], strategy: 'binpack' | 'spread' = 'spread'): Promise<World> {
  const clock = { now: 1_000_000 };
  const pool = new HostPool(() => clock.now);
  const engines = new Map<string, MemoryBackend>();
  for (const name of ['local', ...hosts.map((h) => h.metadata.name)]) {
    const engine = new MemoryBackend({ images: [IMAGE] });
    engines.set(name, engine);
    const reflector = new Reflector({
      backend: engine,
      host: name,
      selector: MANAGED_SELECTOR,
      indexKey: ownerKey,
      log: silentLog(),
      reconnectDelay: () => 5,
      delay: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      debounceMs: 1,
    });
    const stop = new AbortController();
    stops.push(stop);
    void reflector.run(stop.signal);
    await until(`${name} available`, () => reflector.isAvailable());
    pool.add({ name, backend: engine, reflector });
  }
  const w: Partial<World> = { pool, engines, chs: hosts, ncs: [], clock };
  w.placer = new Placer({
    hosts: pool,
    containerHosts: () => w.chs!,
    containerHost: (name) => w.chs!.find((c) => c.metadata.name === name),
    resources: () => w.ncs!,
    strategy,
  });
  return w as World;
}

let uid = 0;
function nc(
  name: string,
  spec: Partial<NativeContainerSpec> = {},
  status?: NativeContainer['status'],
): NativeContainer {
  return { ...nativeContainer(spec, { name, uid: `uid-${++uid}` }), ...(status ? { status } : {}) };
}

/** Decides and, on a binding, records it in the resource's status as the reconciler writes it. */
function place(w: World, r: NativeContainer): ReturnType<Placer['decide']> {
  const d = w.placer.decide(r);
  if (d.kind === 'bind') r.status = { ...r.status, host: d.host, placementGeneration: d.generation };
  if (!w.ncs.includes(r)) w.ncs.push(r);
  return d;
}

describe('placement without ContainerHosts', () => {
  it('keeps every resource on local and writes no binding (zero configuration stays zero)', async () => {
    const w = await world([]);
    expect(place(w, nc('a'))).toEqual({ kind: 'keep', host: 'local' });
  });

  it('says why a pin to a host that does not exist cannot be met', async () => {
    const w = await world([]);
    expect(place(w, nc('a', { placement: { hostName: 'elsewhere' } }))).toEqual({
      kind: 'unschedulable',
      message: '0/1 hosts are available: 1 not the requested host.',
    });
  });
});

describe('the first placement on ContainerHosts', () => {
  it('binds to a host, then keeps it', async () => {
    const w = await world([containerHost('h1')]);
    const r = nc('a');
    expect(place(w, r)).toMatchObject({ kind: 'bind', host: 'h1', generation: 1 });
    expect(place(w, r)).toEqual({ kind: 'keep', host: 'h1' });
  });

  it('adopts a container that already runs on a host (made before placement) without scheduling', async () => {
    const w = await world([containerHost('h1')]);
    const r = nc('old');
    const engine = w.engines.get('local')!;
    await engine.create(desiredContainer(r, {}, 'local').config);
    await until('seen', () => w.pool.get('local')!.reflector.byKey('team-a/old').length === 1);
    expect(place(w, r)).toMatchObject({ kind: 'bind', host: 'local' });
  });

  it('honours a pin, a selector and the capacity left after the other placements', async () => {
    const w = await world([containerHost('h1', {}, { disk: 'ssd' }), containerHost('h2', {}, { disk: 'hdd' })]);
    expect(place(w, nc('pinned', { placement: { hostName: 'h2' } }))).toMatchObject({ host: 'h2' });
    expect(place(w, nc('selected', { placement: { hostSelector: { matchLabels: { disk: 'ssd' } } } }))).toMatchObject({
      host: 'h1',
    });
    // Both empty: the tie goes to the name.
    expect(place(w, nc('big', { resources: { requests: { memory: '7Gi' } } }))).toMatchObject({ host: 'h1' });
    // h1 now has 7Gi of 8Gi requested, h2 nothing: 6Gi fits only on h2, and another 6Gi nowhere.
    expect(place(w, nc('six', { resources: { requests: { memory: '6Gi' } } }))).toMatchObject({ host: 'h2' });
    expect(place(w, nc('again', { resources: { requests: { memory: '6Gi' } } }))).toEqual({
      kind: 'unschedulable',
      message: '0/2 hosts are available: 2 insufficient memory.',
    });
  });

  it('counts a binding not yet seen in the cache (assumed), so two quick placements do not overcommit', async () => {
    const w = await world([containerHost('h1'), containerHost('h2')], 'binpack');
    const a = nc('a', { resources: { requests: { cpu: '3' } } });
    const b = nc('b', { resources: { requests: { cpu: '3' } } });
    w.ncs.push(a, b);
    const first = w.placer.decide(a);
    const second = w.placer.decide(b);
    expect([first, second].map((d) => (d.kind === 'bind' ? d.host : d.kind)).sort()).toEqual(['h1', 'h2']);
  });

  it('does not place on a cordoned host, one that is not Ready, or one whose host port is taken', async () => {
    const w = await world([
      containerHost('cordoned', { unschedulable: true }),
      containerHost('down', {}, {}, false),
      containerHost('ported'),
      containerHost('free'),
    ]);
    place(w, nc('web', { ports: [{ containerPort: 80, hostPort: 8080 }], placement: { hostName: 'ported' } }));
    expect(place(w, nc('web2', { ports: [{ containerPort: 80, hostPort: 8080 }] }))).toMatchObject({ host: 'free' });
    expect(place(w, nc('web3', { ports: [{ containerPort: 80, hostPort: 8080 }] }))).toEqual({
      kind: 'unschedulable',
      message: '0/4 hosts are available: 1 cordoned, 2 host port in use, 1 not ready.',
    });
  });

  it('spreads a group over the values of a host label', async () => {
    const w = await world([
      containerHost('a1', {}, { zone: 'a' }),
      containerHost('a2', {}, { zone: 'a' }),
      containerHost('b1', {}, { zone: 'b' }),
    ]);
    const zones = [1, 2, 3, 4].map((i) => {
      const d = place(w, nc(`r${i}`, { placement: { spreadBy: 'zone' } }));
      return d.kind === 'bind' ? w.chs.find((c) => c.metadata.name === d.host)!.metadata.labels!['zone'] : d.kind;
    });
    expect(zones.sort()).toEqual(['a', 'a', 'b', 'b']);
  });
});

describe('spreading containers that request nothing', () => {
  it('puts them on every host in turn, not all on the first by name', async () => {
    const w = await world([containerHost('h1'), containerHost('h2'), containerHost('h3')]);
    const hosts = [1, 2, 3, 4, 5, 6].map((i) => {
      const d = place(w, nc(`n${i}`));
      return d.kind === 'bind' ? d.host : d.kind;
    });
    expect(hosts.sort()).toEqual(['h1', 'h1', 'h2', 'h2', 'h3', 'h3']);
  });
});

describe('a lost host', () => {
  async function lost(w: World, host: string): Promise<void> {
    const engine = w.engines.get(host)!;
    engine.down = true;
    engine.closeStreams();
    await until(`${host} unavailable`, () => !w.pool.get(host)!.reflector.isAvailable());
  }

  it('keeps a container without rescheduleAfterSeconds bound to its host, however long it is down', async () => {
    const w = await world([containerHost('h1'), containerHost('h2')]);
    const r = nc('db', { placement: { hostName: 'h1' } });
    place(w, r);
    await lost(w, 'h1');
    w.clock.now += 3_600_000;
    expect(place(w, r)).toEqual({ kind: 'keep', host: 'h1' });
  });

  it('moves a container with rescheduleAfterSeconds once its host has been down that long, and not before', async () => {
    const w = await world([containerHost('h1'), containerHost('h2')]);
    const r = nc('web', { placement: { rescheduleAfterSeconds: 30 } });
    const first = place(w, r);
    const from = first.kind === 'bind' ? first.host : '';
    await lost(w, from);
    w.clock.now += 10_000;
    expect(place(w, r)).toEqual({ kind: 'keep', host: from, recheckMs: 20_000 });
    w.clock.now += 20_000;
    const to = from === 'h1' ? 'h2' : 'h1';
    expect(place(w, r)).toMatchObject({ kind: 'bind', host: to, generation: 2, from });
    expect(r.status?.placementGeneration).toBe(2);
  });

  it('stays bound when no other host can take it', async () => {
    const w = await world([containerHost('h1'), containerHost('h2', { unschedulable: true })]);
    const r = nc('web', { placement: { rescheduleAfterSeconds: 0 } });
    place(w, r);
    await lost(w, 'h1');
    w.clock.now += 1;
    expect(place(w, r)).toMatchObject({ kind: 'keep', host: 'h1' });
  });

  it('says a resource is bound to a host that is no ContainerHost any more', async () => {
    const w = await world([containerHost('h1')]);
    const r = nc('web');
    place(w, r);
    w.pool.remove('h1');
    expect(place(w, r)).toMatchObject({ kind: 'lost', host: 'h1' });
  });
});

describe('draining a host', () => {
  it('moves reschedulable containers one at a time, the next only once the last is Ready elsewhere', async () => {
    const w = await world([containerHost('old'), containerHost('new', {}, {})]);
    const movable = ['m1', 'm2'].map((n) => nc(n, { placement: { hostName: undefined, rescheduleAfterSeconds: 60 } }));
    const pinned = nc('data', {}, { host: 'old', placementGeneration: 1 });
    for (const r of movable) r.status = { host: 'old', placementGeneration: 1 };
    w.ncs.push(...movable, pinned);
    const old = w.chs[0]!;
    old.spec.unschedulable = true;
    old.metadata.annotations = { 'nativecontainer.io/drain': 'true' };

    expect(place(w, movable[0]!)).toMatchObject({ kind: 'bind', host: 'new', from: 'old', generation: 2 });
    expect(place(w, movable[1]!)).toEqual({ kind: 'keep', host: 'old' });
    expect(place(w, pinned)).toEqual({ kind: 'keep', host: 'old' });
    expect(w.placer.nextToDrain('team-a/m1')).toEqual([]);

    movable[0]!.status = {
      ...movable[0]!.status,
      observedGeneration: 1,
      conditions: [{ type: 'Ready', status: 'True', reason: 'Running', message: '', lastTransitionTime: '' }],
    };
    expect(w.placer.nextToDrain('team-a/m1').sort()).toEqual(['team-a/data', 'team-a/m2']);
    expect(place(w, movable[1]!)).toMatchObject({ kind: 'bind', host: 'new', from: 'old' });
  });
});

describe('requests', () => {
  it.each<[string, NativeContainerSpec['resources'], { milliCpu: number; memoryBytes: number }]>([
    [
      'requests count',
      { requests: { cpu: '250m', memory: '64Mi' }, cpu: 2, memory: '1Gi' },
      { milliCpu: 250, memoryBytes: 64 * 1024 ** 2 },
    ],
    ['limits stand in for requests', { cpu: '1.5', memory: '1Gi' }, { milliCpu: 1500, memoryBytes: GiB }],
    ['nothing asked, nothing counted', undefined, { milliCpu: 0, memoryBytes: 0 }],
  ])('%s', (_name, resources, expected) => {
    expect(requestsOf({ image: IMAGE, ...(resources ? { resources } : {}) })).toEqual(expected);
  });
});
