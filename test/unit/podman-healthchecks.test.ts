// The operator's own healthcheck runs for engines that do not run them (Podman without systemd):
// when each check is due (pure, times passed in), and the loop over the hosts' reflectors on an
// in-memory engine with an injected clock and delay.
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import type { ContainerConfig } from '../../src/backend/container-backend.ts';
import { forEngine } from '../../src/backend/engines.ts';
import { HostPool } from '../../src/backend/hosts.ts';
import { MemoryBackend } from '../../src/backend/memory-backend.ts';
import { HealthcheckSchedule, PodmanHealthchecks, type CheckTarget } from '../../src/backend/podman-healthchecks.ts';
import { ownerLabels } from '../../src/controllers/nativecontainer/identity.ts';
import { silentLog, syncedReflector, until } from './fixtures.ts';

function target(id: string, over: Partial<CheckTarget> = {}): CheckTarget {
  return { host: 'p', id, state: 'running', startedAt: '2026-01-01T00:00:00Z', intervalMs: 2000, ...over };
}

describe('the schedule of healthchecks', () => {
  it('makes a running container with a healthcheck due one interval after it is first seen', () => {
    const s = new HealthcheckSchedule();
    expect(s.due([target('a')], 10_000)).toEqual([]);
    expect(s.nextAt()).toBe(12_000);
    expect(s.due([target('a')], 11_999)).toEqual([]);
    expect(s.due([target('a')], 12_000)).toEqual([target('a')]);
  });

  it('never makes a container due that has no healthcheck or is not running', () => {
    const s = new HealthcheckSchedule();
    const others = [
      target('none', { intervalMs: undefined }),
      target('exited', { state: 'exited' }),
      target('paused', { state: 'paused' }),
      target('created', { state: 'created' }),
    ];
    s.due(others, 0);
    expect(s.due(others, 1_000_000)).toEqual([]);
    expect(s.nextAt()).toBeUndefined();
  });

  it('does not make a container due while its check is under way, and again one interval after it ended', () => {
    const s = new HealthcheckSchedule();
    s.due([target('a')], 0);
    const [due] = s.due([target('a')], 2000);
    s.started(due!);
    expect(s.due([target('a')], 9000)).toEqual([]);
    expect(s.nextAt()).toBeUndefined();
    s.finished(due!, 9500);
    expect(s.nextAt()).toBe(11_500);
    expect(s.due([target('a')], 11_499)).toEqual([]);
    expect(s.due([target('a')], 11_500)).toEqual([target('a')]);
  });

  it('starts over for a container started again', () => {
    const s = new HealthcheckSchedule();
    s.due([target('a')], 0);
    const again = target('a', { startedAt: '2026-01-01T00:05:00Z' });
    expect(s.due([again], 2000)).toEqual([]);
    expect(s.nextAt()).toBe(4000);
  });

  it('starts over for a container paused and unpaused, and forgets one no longer listed', () => {
    const s = new HealthcheckSchedule();
    s.due([target('a'), target('b')], 0);
    s.due([target('a', { state: 'paused' }), target('b')], 1000);
    expect(s.due([target('a'), target('b')], 2000)).toEqual([target('b')]);
    expect(s.due([target('a')], 3500)).toEqual([]);
    expect(s.nextAt()).toBe(4000);
    expect(s.due([target('a')], 4000)).toEqual([target('a')]);
  });

  it('tells the same container ID on two hosts apart', () => {
    const s = new HealthcheckSchedule();
    s.due([target('a', { host: 'p' })], 0);
    expect(s.due([target('a', { host: 'p' }), target('a', { host: 'q' })], 2000)).toEqual([target('a', { host: 'p' })]);
  });
});

describe('a healthcheck command as Podman takes it', () => {
  const create = (Test: string[]) => ({ Image: 'x', Healthcheck: { Test, Interval: 1e9 } });

  it('keeps the exec form when no argument holds whitespace, and leaves Docker alone', () => {
    expect(forEngine('Podman', create(['CMD', 'pg_isready', '-U', 'app'])).Healthcheck?.Test).toEqual([
      'CMD',
      'pg_isready',
      '-U',
      'app',
    ]);
    const script = ['CMD', '/bin/sh', '-c', 'test -e /tmp/x'];
    expect(forEngine('Docker', create(script)).Healthcheck?.Test).toEqual(script);
  });

  it('sends arguments with whitespace as one shell line that gives the same arguments back', () => {
    const args = ['/bin/sh', '-c', `test -e /tmp/healthy || { echo "no /tmp/healthy"; exit 1; }`, "it's", ''];
    const [form, line, ...rest] = forEngine('Podman', create(['CMD', ...args])).Healthcheck?.Test ?? [];
    expect([form, rest]).toEqual(['CMD-SHELL', []]);
    // A real shell parses the line back into the arguments, as Podman's /bin/sh -c will.
    const parsed = execFileSync('/bin/sh', ['-c', `set -- ${line}; printf '%s\\0' "$@"`], { encoding: 'utf8' });
    expect(parsed.split('\0').slice(0, -1)).toEqual(args);
  });
});

const IMAGE = 'busybox:1.37';

function config(name: string, intervalSeconds?: number): ContainerConfig {
  return {
    name: `nc_ns_${name}`,
    image: IMAGE,
    env: {},
    labels: ownerLabels({ uid: `uid-${name}`, namespace: 'ns', name, host: 'local' }),
    tty: false,
    openStdin: false,
    mounts: [],
    ports: [],
    ...(intervalSeconds !== undefined
      ? { healthcheck: { command: ['true'], intervalSeconds, timeoutSeconds: 1, retries: 1, startPeriodSeconds: 0 } }
      : {}),
    resources: {},
    restartPolicy: { name: 'no', maximumRetryCount: 0 },
    log: { type: 'local', config: {} },
  };
}

let stop: AbortController | undefined;
afterEach(() => stop?.abort());

/** A host on the in-memory engine, and the loop over it on a clock that moves only when it waits. */
async function driven(engine: MemoryBackend): Promise<{ runs: { id: string; at: number }[]; clock: () => number }> {
  stop = new AbortController();
  const pool = new HostPool();
  pool.add({ name: 'p', backend: engine, reflector: await syncedReflector(engine, stop.signal) });
  let clock = 0;
  const runs: { id: string; at: number }[] = [];
  engine.runHealthcheck = (id: string): Promise<void> => {
    runs.push({ id, at: clock });
    return Promise.resolve();
  };
  const loop = new PodmanHealthchecks({
    pool,
    log: silentLog(),
    now: () => clock,
    // The check in flight finishes before the clock moves on.
    delay: async (ms) => {
      await new Promise((resolve) => setImmediate(resolve));
      clock += ms;
    },
  });
  void loop.run(stop.signal);
  return { runs, clock: () => clock };
}

describe('the healthcheck loop', () => {
  it('runs the check of each running container with a healthcheck on a Podman engine every interval', async () => {
    const engine = new MemoryBackend({ images: [IMAGE] });
    engine.info = { ...engine.info, engine: 'Podman' };
    const checked = await engine.create(config('checked', 2));
    const plain = await engine.create(config('plain'));
    const stopped = await engine.create(config('stopped', 2));
    await engine.start(checked);
    await engine.start(plain);
    const { runs } = await driven(engine);
    await until('three checks', () => runs.length >= 3);
    expect(new Set(runs.map((r) => r.id))).toEqual(new Set([checked]));
    expect(runs[0]!.at).toBeGreaterThanOrEqual(2000);
    expect(runs[1]!.at - runs[0]!.at).toBe(2000);
    expect(runs[2]!.at - runs[1]!.at).toBe(2000);
    expect(runs.map((r) => r.id)).not.toContain(stopped);
  });

  it('runs none on a Docker engine, which runs its own', async () => {
    const engine = new MemoryBackend({ images: [IMAGE] });
    const checked = await engine.create(config('checked', 1));
    await engine.start(checked);
    const { runs, clock } = await driven(engine);
    await until('a minute of checks that did not happen', () => clock() >= 60_000);
    expect(runs).toEqual([]);
    expect(engine.calls).toContain('engineKind');
  });
});
