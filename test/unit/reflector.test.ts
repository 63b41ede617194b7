// The reflector of one engine, on the in-memory engine: what it lists, what each event costs,
// and how it tells an engine going away from a container stopped by hand.
import { afterEach, describe, expect, it } from 'vitest';
import type { ContainerConfig, EngineEvent, ObservedContainer } from '../../src/backend/container-backend.ts';
import { MemoryBackend } from '../../src/backend/memory-backend.ts';
import { Reflector, type ContainerChange } from '../../src/backend/reflector.ts';
import { MANAGED_SELECTOR, ownerKey, ownerLabels } from '../../src/controllers/nativecontainer/identity.ts';
import { silentLog, until } from './fixtures.ts';

let stop: AbortController | undefined;
afterEach(() => stop?.abort());

const IMAGE = 'busybox:1.37';

function config(name: string, owner = name): ContainerConfig {
  return {
    name: `nc_ns_${name}`,
    image: IMAGE,
    env: {},
    labels: ownerLabels({ uid: `uid-${owner}`, namespace: 'ns', name: owner, host: 'local' }),
    tty: false,
    openStdin: false,
    mounts: [],
    ports: [],
    resources: {},
    restartPolicy: { name: 'no', maximumRetryCount: 0 },
    log: { type: 'local', config: {} },
  };
}

async function started(engine: MemoryBackend): Promise<{ reflector: Reflector; changes: ContainerChange[] }> {
  const reflector = new Reflector({
    backend: engine,
    host: 'local',
    selector: MANAGED_SELECTOR,
    indexKey: ownerKey,
    log: silentLog(),
    reconnectDelay: () => 5,
    delay: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    debounceMs: 5,
  });
  const changes: ContainerChange[] = [];
  reflector.onChange((c) => changes.push(c));
  stop = new AbortController();
  void reflector.run(stop.signal);
  await until('available', () => reflector.isAvailable());
  return { reflector, changes };
}

function count(engine: MemoryBackend, method: string): number {
  return engine.calls.filter((c) => c === method).length;
}

describe('the reflector of an engine', () => {
  it('lists and inspects every managed container once when it connects, and indexes them by owner', async () => {
    const engine = new MemoryBackend({ images: [IMAGE] });
    const a = await engine.create(config('a'));
    await engine.start(a);
    await engine.create({ ...config('other'), labels: { unrelated: 'yes' } });
    const { reflector } = await started(engine);
    expect(reflector.byKey('ns/a').map((c) => [c.id, c.state])).toEqual([[a, 'running']]);
    expect(reflector.keys()).toEqual(['ns/a']);
    expect(count(engine, 'list')).toBe(1);
    expect(count(engine, 'inspect')).toBe(1);
    expect(reflector.imagePresent(IMAGE)).toBe(true);
    expect(reflector.imagePresent('busybox:9')).toBeUndefined();
  });

  it('knows the managed volumes from one list and their events, without a call per question', async () => {
    const engine = new MemoryBackend({ images: [IMAGE] });
    const labels = {
      ...MANAGED_SELECTOR,
      'nativecontainer.io/owner-namespace': 'ns',
      'nativecontainer.io/owner-name': 'a',
    };
    await engine.createVolume('nc_ns_a_data', labels);
    await engine.createVolume('someone-elses', { unrelated: 'yes' });
    const { reflector } = await started(engine);
    const ofA = { 'nativecontainer.io/owner-name': 'a' };
    expect(reflector.volumes(ofA)?.map((v) => v.name)).toEqual(['nc_ns_a_data']);
    expect(reflector.volumes({ unrelated: 'yes' })).toEqual([]);
    const lists = count(engine, 'listVolumes');
    expect(lists).toBe(1);
    // Created or removed by hand: the events bring the list up to date.
    await engine.createVolume('nc_ns_a_logs', labels);
    await until('the new volume', () => reflector.volumes(ofA)?.length === 2);
    await engine.removeVolume('nc_ns_a_data');
    await until('the removed volume', () => reflector.volumes(ofA)?.length === 1);
    // The executor's own changes are known at once.
    reflector.volumeRemoved('nc_ns_a_logs');
    expect(reflector.volumes(ofA)).toEqual([]);
    reflector.volumeCreated({ name: 'nc_ns_a_cache', labels });
    expect(reflector.volumes(ofA)?.map((v) => v.name)).toEqual(['nc_ns_a_cache']);
    for (let i = 0; i < 5; i++) reflector.volumes(ofA);
    expect(count(engine, 'listVolumes')).toBe(lists + 2);
  });

  it('does not inspect again for events that arrive while the inspect that shows them is on its way', async () => {
    // Events held back and inspects held at a gate: the executor's start event comes in while
    // the inspect it asked for is in flight, as it does with a busy daemon.
    class LateEvents extends MemoryBackend {
      holdEvents = false;
      late: EngineEvent[] = [];
      deliver: (e: EngineEvent) => void = () => undefined;
      gate: Promise<void> = Promise.resolve();
      override events(onEvent: (e: EngineEvent) => void, signal: AbortSignal, connected: () => void): Promise<void> {
        this.deliver = onEvent;
        return super.events((e) => (this.holdEvents ? this.late.push(e) : onEvent(e)), signal, connected);
      }
      asked = 0;
      override async inspect(id: string): Promise<ObservedContainer | undefined> {
        this.asked += 1;
        await this.gate;
        return super.inspect(id);
      }
    }
    const engine = new LateEvents({ images: [IMAGE] });
    const { reflector } = await started(engine);
    const before = count(engine, 'inspect');
    engine.holdEvents = true;
    let open: () => void = () => undefined;
    engine.gate = new Promise((resolve) => (open = resolve));
    const id = await engine.create(config('late'));
    reflector.hold(id);
    await engine.start(id);
    reflector.release(id);
    const asked = engine.asked;
    await until('the inspect on its way', () => engine.asked === asked + 1);
    for (const e of engine.late.splice(0)) engine.deliver(e);
    open();
    await until('settled', () => reflector.settled([id]));
    expect(reflector.get(id)?.state).toBe('running');
    expect(count(engine, 'inspect') - before).toBe(1);
  });

  it('inspects a container the executor created and started once, after it lets go', async () => {
    const engine = new MemoryBackend({ images: [IMAGE] });
    const { reflector, changes } = await started(engine);
    const before = count(engine, 'inspect');
    const id = await engine.create(config('b'));
    reflector.hold(id);
    await engine.start(id);
    reflector.release(id);
    expect(reflector.settled([id])).toBe(false);
    await until('settled', () => reflector.settled([id]));
    expect(count(engine, 'inspect') - before).toBe(1);
    expect(reflector.get(id)?.state).toBe('running');
    expect(changes.at(-1)).toMatchObject({ id, key: 'ns/b' });
  });

  it('follows a container killed by hand after the engine answers a ping on a new connection', async () => {
    const engine = new MemoryBackend({ images: [IMAGE] });
    const id = await engine.create(config('c'));
    await engine.start(id);
    const { reflector } = await started(engine);
    const pings = count(engine, 'ping');
    engine.exitByItself(id, 137);
    await until('seen exited', () => reflector.get(id)?.state === 'exited');
    expect(count(engine, 'ping') - pings).toBe(1);
    expect(reflector.get(id)?.stoppedByEngine).toBeUndefined();
    expect(reflector.isAvailable()).toBe(true);
  });

  it('does not act on containers an engine stops while it goes away, and flags them when it returns', async () => {
    const engine = new MemoryBackend({ images: [IMAGE] });
    const id = await engine.create(config('d'));
    await engine.start(id);
    const { reflector } = await started(engine);
    const availability: boolean[] = [];
    reflector.onAvailability((up) => availability.push(up));
    // Shutting down: the listener is closed first, then the containers are stopped.
    engine.refusingNewConnections = true;
    const inspects = count(engine, 'inspect');
    engine.exitByItself(id, 0);
    await until('unavailable', () => !reflector.isAvailable());
    expect(count(engine, 'inspect')).toBe(inspects);
    expect(reflector.get(id)?.state).toBe('running');
    // Back: a new engine process answers and the reflector lists again.
    engine.closeStreams();
    engine.refusingNewConnections = false;
    await until('available again', () => reflector.isAvailable());
    expect(availability).toEqual([false, true]);
    expect(reflector.get(id)).toMatchObject({ state: 'exited', stoppedByEngine: true });
    // Started again, it is an ordinary container once more.
    reflector.hold(id);
    await engine.start(id);
    reflector.release(id);
    await until('running', () => reflector.get(id)?.state === 'running');
    expect(reflector.get(id)?.stoppedByEngine).toBeUndefined();
  });

  it('stops trusting a stream that still looks open when an operation failed and a new connection is refused', async () => {
    const engine = new MemoryBackend({ images: [IMAGE] });
    const { reflector } = await started(engine);
    // The engine answers on a new connection: one failed operation is not a lost engine.
    const pings = count(engine, 'ping');
    await reflector.engineFailed();
    expect(count(engine, 'ping')).toBe(pings + 1);
    expect(reflector.isAvailable()).toBe(true);
    // Shutting down: its listener is closed, while the stream has not ended yet.
    engine.refusingNewConnections = true;
    await reflector.engineFailed();
    expect(reflector.isAvailable()).toBe(false);
    expect(reflector.unavailableReason()).toContain('the engine is going away');
    // Back: a new engine process; the reflector follows it again.
    engine.refusingNewConnections = false;
    await until('available again', () => reflector.isAvailable());
  });

  it('announces what changed while it was disconnected when it lists again: gone, new and changed containers', async () => {
    const engine = new MemoryBackend({ images: [IMAGE] });
    const gone = await engine.create(config('e'));
    const changed = await engine.create(config('f'));
    const { reflector, changes } = await started(engine);
    engine.down = true;
    engine.closeStreams();
    await until('unavailable', () => !reflector.isAvailable());
    engine.down = false;
    // Changes the stream did not carry: made while the reflector was not listening.
    engine.refusingNewConnections = true;
    const listeners = engine as unknown as { listeners: Set<unknown> };
    listeners.listeners.clear();
    await engine.remove(gone);
    await engine.start(changed);
    const fresh = await engine.create(config('g'));
    changes.length = 0;
    engine.refusingNewConnections = false;
    await until('available again', () => reflector.isAvailable());
    const seen = new Map(changes.map((c) => [c.id, c.after?.state ?? 'gone']));
    expect(Object.fromEntries(seen)).toEqual({ [gone]: 'gone', [changed]: 'running', [fresh]: 'created' });
    expect(reflector.keys().sort()).toEqual(['ns/f', 'ns/g']);
  });

  it('drops a removed container at once when the executor says so', async () => {
    const engine = new MemoryBackend({ images: [IMAGE] });
    const id = await engine.create(config('h'));
    const { reflector } = await started(engine);
    await engine.remove(id);
    reflector.forget(id);
    expect(reflector.get(id)).toBeUndefined();
    expect(reflector.byKey('ns/h')).toEqual([]);
    expect(reflector.settled([id])).toBe(true);
  });
});

describe('the reflector and a slow inspect', () => {
  it('never brings back a container whose destroy event came before the answer of an older inspect', async () => {
    const engine = new MemoryBackend({ images: [IMAGE] });
    const id = await engine.create(config('slow'));
    const { reflector } = await started(engine);
    // The next inspect is answered with the container as it was, after the container is gone.
    const snapshot = await engine.inspect(id);
    let answer: (() => void) | undefined;
    const original = engine.inspect.bind(engine);
    engine.inspect = (wanted: string) =>
      wanted === id ? new Promise((resolve) => (answer = () => resolve(snapshot))) : original(wanted);
    reflector.hold(id);
    reflector.release(id);
    await until('inspect sent', () => answer !== undefined);
    await engine.remove(id);
    await until('destroy seen', () => reflector.get(id) === undefined);
    answer!();
    await until('settled', () => reflector.settled([id]));
    expect(reflector.get(id)).toBeUndefined();
    expect(reflector.byKey('ns/slow')).toEqual([]);
  });
});
