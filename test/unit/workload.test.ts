// Issue 12's fields from spec to container and back: the translation into what the Docker
// backend sends (GPUs as Docker device requests: no GPU is needed to test that), what rebuilds
// (the config hash) and what the planner changes in place (networks, pidsLimit), and that a plan
// carried out on the in-memory engine leaves nothing to do.
import { afterEach, describe, expect, it } from 'vitest';
import type { NativeContainerSpec } from '../../src/api/native-container.ts';
import { EngineUnavailableError } from '../../src/backend/container-backend.ts';
import { MemoryBackend } from '../../src/backend/memory-backend.ts';
import { deviceRequestOf, desiredContainer } from '../../src/controllers/nativecontainer/desired.ts';
import { execute } from '../../src/controllers/nativecontainer/execute.ts';
import { MANAGED_SELECTOR } from '../../src/controllers/nativecontainer/identity.ts';
import { formatPlan, plan, type Operation } from '../../src/controllers/nativecontainer/plan.ts';
import { container, nativeContainer, syncedReflector, until } from './fixtures.ts';

const config = (spec: Partial<NativeContainerSpec>) => desiredContainer(nativeContainer(spec)).config;
const hash = (spec: Partial<NativeContainerSpec>) => desiredContainer(nativeContainer(spec)).hash;

describe('GPUs through Docker device requests', () => {
  it('count all is -1 with the gpu capability, as docker run --gpus all', () => {
    expect(deviceRequestOf({ count: 'all' })).toEqual({
      driver: '',
      count: -1,
      deviceIDs: [],
      capabilities: [['gpu']],
    });
  });

  it('a count, a driver and extra capabilities (gpu once, first)', () => {
    expect(deviceRequestOf({ count: 2, driver: 'nvidia', capabilities: ['compute', 'gpu', 'utility'] })).toEqual({
      driver: 'nvidia',
      count: 2,
      deviceIDs: [],
      capabilities: [['gpu', 'compute', 'utility']],
    });
    expect(deviceRequestOf({ count: '3' }).count).toBe(3);
  });

  it('device IDs instead of a count', () => {
    expect(deviceRequestOf({ deviceIDs: ['0', 'GPU-3a0e'] })).toEqual({
      driver: '',
      count: 0,
      deviceIDs: ['0', 'GPU-3a0e'],
      capabilities: [['gpu']],
    });
  });

  it('reach the container config', () => {
    expect(config({ gpus: { count: 1 } }).deviceRequests).toEqual([
      { driver: '', count: 1, deviceIDs: [], capabilities: [['gpu']] },
    ]);
  });
});

describe('translation of the other fields', () => {
  it('securityContext', () => {
    expect(
      config({
        securityContext: {
          user: '1000:1000',
          readOnlyRootFilesystem: true,
          capabilities: { add: ['NET_ADMIN', 'CHOWN', 'NET_ADMIN'], drop: ['ALL'] },
          privileged: true,
          noNewPrivileges: true,
          seccompProfile: { type: 'Unconfined' },
          init: true,
        },
      }),
    ).toMatchObject({
      user: '1000:1000',
      readOnlyRootfs: true,
      capAdd: ['CHOWN', 'NET_ADMIN'],
      capDrop: ['ALL'],
      privileged: true,
      securityOpt: ['no-new-privileges', 'seccomp=unconfined'],
      init: true,
    });
    expect(config({ securityContext: { seccompProfile: { type: 'RuntimeDefault' } } }).securityOpt).toBeUndefined();
  });

  it('hostPaths as bind mounts, tmpfs with its size, shm size', () => {
    const c = config({
      hostPaths: [
        { path: '/srv/data', mountPath: '/data', readOnly: true },
        { path: '/srv/out', mountPath: '/out' },
      ],
      tmpfs: [{ mountPath: '/scratch', size: '64Mi' }, { mountPath: '/run' }],
      shmSize: '1Gi',
    });
    expect(c.hostMounts).toEqual([
      { type: 'bind', source: '/srv/data', target: '/data', readOnly: true },
      { type: 'bind', source: '/srv/out', target: '/out', readOnly: false },
      { type: 'tmpfs', target: '/scratch', readOnly: false, sizeBytes: 64 * 1024 * 1024 },
      { type: 'tmpfs', target: '/run', readOnly: false },
    ]);
    expect(c.shmSizeBytes).toBe(1024 ** 3);
    expect(c.mounts).toEqual([]);
  });

  it('devices, sysctls, ulimits, limits and modes, dns and hosts', () => {
    expect(
      config({
        devices: [
          { path: '/dev/fuse' },
          { path: '/dev/dri/renderD128', containerPath: '/dev/dri/card', permissions: 'rw' },
        ],
        sysctls: { 'net.core.somaxconn': '1024' },
        ulimits: [
          { name: 'nproc', soft: 10, hard: 20 },
          { name: 'nofile', soft: 1024, hard: 4096 },
        ],
        pidsLimit: 64,
        pidMode: 'host',
        ipcMode: 'host',
        dns: ['10.0.0.53'],
        dnsSearch: ['example.com'],
        extraHosts: [{ hostname: 'db.local', ip: '10.1.2.3' }],
      }),
    ).toMatchObject({
      devices: [
        { pathOnHost: '/dev/fuse', pathInContainer: '/dev/fuse', cgroupPermissions: 'rwm' },
        { pathOnHost: '/dev/dri/renderD128', pathInContainer: '/dev/dri/card', cgroupPermissions: 'rw' },
      ],
      sysctls: { 'net.core.somaxconn': '1024' },
      ulimits: [
        { name: 'nofile', soft: 1024, hard: 4096 },
        { name: 'nproc', soft: 10, hard: 20 },
      ],
      pidsLimit: 64,
      pidMode: 'host',
      ipcMode: 'host',
      dns: ['10.0.0.53'],
      dnsSearch: ['example.com'],
      extraHosts: ['db.local:10.1.2.3'],
    });
  });

  it('networks: created on the first (or networkMode), with its aliases; the others attached after', () => {
    const d = desiredContainer(
      nativeContainer({
        networks: [
          { name: 'front', aliases: ['web'] },
          { name: 'back', create: true, internal: true },
        ],
      }),
    );
    expect(d.config.networkMode).toBe('front');
    expect(d.config.endpoint).toEqual({ name: 'front', aliases: ['web'] });
    expect(d.networks).toEqual({
      primary: 'front',
      attachments: [
        { name: 'front', aliases: ['web'], create: false, internal: false },
        { name: 'back', aliases: [], create: true, internal: true },
      ],
    });
    const explicit = desiredContainer(nativeContainer({ networkMode: 'back', networks: [{ name: 'front' }] }));
    expect(explicit.config.networkMode).toBe('back');
    expect(explicit.networks?.attachments.map((n) => n.name)).toEqual(['back', 'front']);
    expect(desiredContainer(nativeContainer({ networkMode: 'none' })).networks).toBeUndefined();
    expect(desiredContainer(nativeContainer({ networkMode: 'host' })).config.networkMode).toBe('host');
  });

  it('sets nothing of this for a spec without these fields', () => {
    const c = config({});
    for (const key of [
      'networkMode',
      'endpoint',
      'hostMounts',
      'capAdd',
      'securityOpt',
      'pidsLimit',
      'deviceRequests',
    ]) {
      expect(c).not.toHaveProperty(key);
    }
  });
});

describe('what rebuilds and what changes in place', () => {
  const base = hash({});

  it('false and empty are the same as unset: the hash of an unchanged spec does not move', () => {
    expect(
      hash({
        securityContext: { privileged: false, readOnlyRootFilesystem: false, capabilities: { add: [] } },
        devices: [],
        sysctls: {},
      }),
    ).toBe(base);
  });

  it.each<[string, Partial<NativeContainerSpec>]>([
    ['securityContext', { securityContext: { user: '1000' } }],
    ['hostPaths', { hostPaths: [{ path: '/srv', mountPath: '/srv' }] }],
    ['tmpfs', { tmpfs: [{ mountPath: '/t' }] }],
    ['shmSize', { shmSize: '128Mi' }],
    ['devices', { devices: [{ path: '/dev/fuse' }] }],
    ['gpus', { gpus: { count: 1 } }],
    ['sysctls', { sysctls: { 'net.core.somaxconn': '1' } }],
    ['ulimits', { ulimits: [{ name: 'nofile', soft: 1, hard: 1 }] }],
    ['pidMode', { pidMode: 'host' }],
    ['ipcMode', { ipcMode: 'host' }],
    ['networkMode', { networkMode: 'none' }],
    ['dns', { dns: ['1.1.1.1'] }],
    ['extraHosts', { extraHosts: [{ hostname: 'a', ip: '1.2.3.4' }] }],
  ])('%s rebuilds', (_field, spec) => {
    expect(hash(spec)).not.toBe(base);
  });

  it("pidsLimit's value, and which networks with which aliases, do not", () => {
    expect(hash({ pidsLimit: 10 })).not.toBe(base);
    expect(hash({ pidsLimit: 10 })).toBe(hash({ pidsLimit: 20 }));
    const one = hash({ networks: [{ name: 'a' }] });
    expect(
      hash({
        networks: [
          { name: 'a', aliases: ['x'] },
          { name: 'b', create: true },
        ],
      }),
    ).toBe(one);
    expect(one).not.toBe(base);
    expect(hash({ securityContext: { capabilities: { add: ['KILL', 'CHOWN'] } } })).toBe(
      hash({ securityContext: { capabilities: { add: ['CHOWN', 'KILL'] } } }),
    );
  });
});

describe('the planner in place', () => {
  const spec: Partial<NativeContainerSpec> = {
    networks: [
      { name: 'front', aliases: ['web'] },
      { name: 'back', create: true },
    ],
    pidsLimit: 50,
  };
  const desired = desiredContainer(nativeContainer(spec));
  const observed = (extra: Parameters<typeof container>[3]) => ({
    owned: [container('c1', 'running', desired.hash, { networkMode: 'front', pidsLimit: 50, ...extra })],
    stale: [],
    imagePresent: true,
    volumes: [],
  });
  const planFor = (extra: Parameters<typeof container>[3]) =>
    formatPlan(plan({ desired, observed: observed(extra), deleting: false }));

  it('does nothing when networks, aliases and the limit are as desired (aliases in any order)', () => {
    expect(planFor({ networks: { front: ['web'], back: [] } })).toBe('');
  });

  it('attaches, detaches and re-aliases without a rebuild', () => {
    expect(planFor({ networks: { front: ['old'], extra: [] } })).toBe(
      [
        'Disconnect c1 from extra (network extra is not in spec.networks)',
        'Disconnect c1 from front (aliases on front changed to [web])',
        'Connect c1 to front as web (aliases on front changed to [web])',
        'CreateNetwork back (spec.networks asks to create back when it does not exist)',
        'Connect c1 to back (network back is in spec.networks)',
      ].join('\n'),
    );
  });

  it("changes the process limit in place, and leaves the engine's default alone without one", () => {
    expect(planFor({ networks: { front: ['web'], back: [] }, pidsLimit: 100 })).toBe(
      'Update c1 (in place: pids limit 100 -> 50)',
    );
    const engineDefault = desiredContainer(nativeContainer({ ...spec, pidsLimit: undefined }));
    const ops = plan({
      desired: { ...engineDefault, hash: desired.hash },
      observed: observed({ networks: { front: ['web'], back: [] }, pidsLimit: 2048 }),
      deleting: false,
    });
    // Podman gives every container 2048; a Docker daemon may have a default-pids-limit.
    expect(formatPlan(ops)).toBe('');
  });

  it('rebuilds when the network the container was created on leaves the list', () => {
    const ops = plan({
      desired,
      observed: observed({ networkMode: 'gone', networks: { gone: [], front: ['web'] } }),
      deleting: false,
    });
    expect(formatPlan(ops)).toContain('rebuild: it was created on network gone, which spec.networks no longer lists');
  });

  it('creates on the first network, attaches the rest before the start, and removes created networks with the resource', () => {
    const created = plan({
      desired,
      observed: { owned: [], stale: [], imagePresent: true, volumes: [] },
      deleting: false,
    });
    expect(formatPlan(created)).toBe(
      [
        'CreateNetwork back (spec.networks asks to create back when it does not exist)',
        'Create nc_team-a_web (container does not exist)',
        'Connect new container to back (network back is in spec.networks)',
        'Start new container (desired state is Running)',
      ].join('\n'),
    );
    const deleted = plan({ desired, observed: observed({}), deleting: true });
    expect(formatPlan(deleted).split('\n').at(-1)).toBe(
      'RemoveNetwork back (resource is being deleted; the network goes if no other container is attached)',
    );
  });
});

describe('carried out on the in-memory engine', () => {
  let stop: AbortController | undefined;
  afterEach(() => stop?.abort());

  /** An engine with one created container of the resource, seen by a synced reflector. */
  async function oneContainer() {
    const engine = new MemoryBackend({ images: ['nco-test/busybox:1'] });
    stop = new AbortController();
    const reflector = await syncedReflector(engine, stop.signal);
    const desired = desiredContainer(nativeContainer({}));
    const id = await engine.create({ ...desired.config, name: 'nc_team-a_web' });
    await until('seen', () => reflector.get(id) !== undefined);
    return { engine, reflector, desired, id };
  }

  it('reaches a state whose next plan is empty, through a change of networks and limits', async () => {
    const engine = new MemoryBackend({ images: ['nco-test/busybox:1'] });
    await engine.createNetwork('front', { internal: true }, {});
    stop = new AbortController();
    const reflector = await syncedReflector(engine, stop.signal);
    const converge = async (spec: Partial<NativeContainerSpec>): Promise<string> => {
      const desired = desiredContainer(nativeContainer(spec));
      const observe = () => ({ owned: reflector.byKey('team-a/web'), stale: [], imagePresent: true, volumes: [] });
      const ops = plan({ desired, observed: observe(), deleting: false });
      const executed = await execute(ops, {
        backend: engine,
        reflector,
        desired,
        hooks: { onStep: () => undefined, onPullProgress: () => undefined },
      });
      await until('cache caught up', () => reflector.settled(executed.touched));
      return formatPlan(plan({ desired, observed: observe(), deleting: false }));
    };
    expect(
      await converge({
        networks: [
          { name: 'front', aliases: ['web'] },
          { name: 'back', create: true },
        ],
        pidsLimit: 5,
      }),
    ).toBe('');
    const id = reflector.byKey('team-a/web')[0]!.id;
    expect(await converge({ networks: [{ name: 'front' }, { name: 'side', create: true }], pidsLimit: 9 })).toBe('');
    const [c] = reflector.byKey('team-a/web');
    expect(c!.id).toBe(id);
    expect(c!.networks).toEqual({ front: [], side: [] });
    expect(c!.pidsLimit).toBe(9);
    expect(engine.networks.get('side')?.labels).toEqual(MANAGED_SELECTOR);
  });
  it('an operation the engine refuses does not run the plan again at once: only a change is announced', async () => {
    const { engine, reflector, desired, id } = await oneContainer();
    const announced: string[] = [];
    reflector.onChange((change) => announced.push(change.id));
    const run = (ops: Operation[]) =>
      execute(ops, {
        backend: engine,
        reflector,
        desired,
        hooks: { onStep: () => undefined, onPullProgress: () => undefined },
      });
    // Podman 4.3 has no update endpoint: every in-place update is refused, and would be asked again non-stop.
    engine.update = () => Promise.reject(new Error('Not Found'));
    const update: Operation = { type: 'Update', target: { id }, update: { pidsLimit: 5 }, cause: 'in place' };
    await expect(run([update])).rejects.toThrow('Not Found');
    await until('refreshed', () => reflector.settled([id]));
    expect(announced).toEqual([]);
    // A failed plan that changed the container (it was started, then an update refused) is announced.
    await expect(run([{ type: 'Start', target: { id }, cause: 'desired state is Running' }, update])).rejects.toThrow();
    await until('refreshed after the start', () => reflector.settled([id]));
    expect(announced).toEqual([id]);
    // A plan that succeeded is announced even when nothing changed: its reconcile waits for that.
    await run([{ type: 'Start', target: { id }, cause: 'desired state is Running' }]);
    await until('announced after success', () => announced.length === 2);
  });

  it('an operation the engine does not answer leaves the reflector waiting for the engine', async () => {
    const { engine, reflector, desired, id } = await oneContainer();
    // Shutting down, as Docker does: new connections are refused, its open stream and open
    // connections still answer (an inspect does), and a start is refused.
    engine.refusingNewConnections = true;
    engine.start = () =>
      Promise.reject(new EngineUnavailableError(engine.endpoint, 'it is shutting down (failed to update store)'));
    const start = execute([{ type: 'Start', target: { id }, cause: 'desired state is Running' }], {
      backend: engine,
      reflector,
      desired,
      hooks: { onStep: () => undefined, onPullProgress: () => undefined },
    });
    await expect(start).rejects.toBeInstanceOf(EngineUnavailableError);
    await until('unavailable', () => !reflector.isAvailable());
  });
});
